"""A small real corpus for the tests of the pair queue: ``workbench corpus build`` run once per test
session on tests/fixtures/kcna-mini (98 KCNA stories of five days; its README says which pairs are right),
then copied into each test's workbench folder."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from cli_run import run

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "kcna-mini" / "stories.parquet"
NAME = "mini"
_built: list[Path] = []


def mini_corpus(root: Path) -> Path:
    """``<root>/corpora/mini``, a copy of the corpus built from the fixture (built on the first call)."""
    if not _built:
        where = Path(tempfile.mkdtemp(prefix="workbench-mini-corpus-"))
        atexit.register(shutil.rmtree, where, ignore_errors=True)
        args = ["corpus", "build", FIXTURE, "--name", NAME, "--src", "en", "--tgt", "es", "--root", where]
        result = run(*args)
        assert result.exit_code == 0, result.output
        _built.append(where / "corpora" / NAME)
    target = Path(root) / "corpora" / NAME
    shutil.copytree(_built[0], target)
    return target
