"""The committed sample alignments are what ``workbench align`` makes of the committed texts (issue 30,
defect 11): on a fresh clone, ``workbench align --all`` leaves every file as it is, so the tree stays clean.
Beads a person reviewed are the exception: align keeps such a file (it refuses to replace it), and the
re-align of its unreviewed stretches must change nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_run import run

from workbench.align.factory import make_aligner
from workbench.review import beads as review
from workbench.store.alignments import list_alignments, load_alignment, reviewed_count
from workbench.workspace import CONSTRUCTION, models_of

pytestmark = pytest.mark.slow  # the real embedding model

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the checkout's texts/ and alignments/ (the test never writes to the checkout)."""
    for sub in ("texts", "alignments"):
        shutil.copytree(REPO / sub, tmp_path / sub)
    return tmp_path


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_align_all_changes_no_committed_sample(copy: Path):
    before = _files(copy / "alignments")
    assert len(list_alignments(copy / "alignments")) >= 7
    result = run("align", "--all", "--root", copy)
    after = _files(copy / "alignments")
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert changed == [], f"align --all rewrote {changed}: regenerate the samples\n{result.stderr}"
    reviewed = [p for p in list_alignments(copy / "alignments") if reviewed_count(load_alignment(p))]
    assert result.exit_code == (1 if reviewed else 0), result.stderr  # a reviewed file is refused, kept
    assert "aligned 0 of " in result.stderr, result.stderr


def test_reviewed_samples_hold_what_a_realign_makes():
    """A sample with reviewed beads: its unreviewed stretches are what the aligner makes around them."""
    for path in list_alignments(REPO / "alignments"):
        record = load_alignment(path)
        if record.model == CONSTRUCTION or not reviewed_count(record):
            continue
        result = review.realign(record, make_aligner(*models_of(record), cache=False))
        assert (result.changed, result.added, result.removed) == ([], [], []), f"{path}: {result.summary()}"
