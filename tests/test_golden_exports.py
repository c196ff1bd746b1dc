"""The exports of the sample articles and of a small corpus, in every format, byte for byte as recorded
before the house move (``tests/fixtures/golden/record.py`` says how they were made). A change that alters
any of them changes behaviour: record again only when that is meant, and say so in the commit."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from cli_run import run

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"
sys.path.insert(0, str(GOLDEN))
import record  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the recorded inputs (tests never write to the fixtures)."""
    ws = tmp_path_factory.mktemp("golden") / "ws"
    shutil.copytree(GOLDEN / "workspace", ws)
    return ws


CARDS = {"README.md", "quality.json"}  # a corpus export's dataset card: it names the time of the build


def _same_files(made: Path, recorded: Path) -> None:
    names = sorted(p.name for p in recorded.iterdir())
    assert sorted(p.name for p in made.iterdir() if p.name not in CARDS) == names
    for name in names:
        assert (made / name).read_bytes() == (recorded / name).read_bytes(), f"{recorded / name} differs"


@pytest.mark.parametrize("fmt", sorted(record.FORMATS))
def test_article_exports_are_unchanged(workspace: Path, tmp_path: Path, fmt: str) -> None:
    result = run(*record.article_args(fmt, tmp_path / record.FORMATS[fmt], workspace))
    assert result.exit_code == 0, result.output
    _same_files(tmp_path, GOLDEN / "out" / "articles" / fmt)


@pytest.mark.parametrize("fmt", sorted(record.FORMATS))
def test_corpus_exports_are_unchanged(workspace: Path, tmp_path: Path, fmt: str) -> None:
    result = run(*record.corpus_args(fmt, tmp_path / record.FORMATS[fmt], workspace))
    assert result.exit_code == 0, result.output
    _same_files(tmp_path, GOLDEN / "out" / "corpus" / fmt)
