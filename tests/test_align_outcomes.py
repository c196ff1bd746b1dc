"""What `workbench align` did to each alignment (issue 15, defect 11): the core's outcomes (aligned,
unchanged, kept, refused, failed) and the CLI lines and summary that print them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_run import run

from workbench.align.factory import make_aligner, resolve_models
from workbench.review import beads as review
from workbench.store.alignments import load_alignment, save_alignment
from workbench.workspace import Workspace, align_versions, outcome_summary

pytestmark = pytest.mark.slow  # the real embedding model

REPO = Path(__file__).resolve().parents[1]
RODONG = "rodong-2024-08-09-general-offensive"
CHEONAN = "kcna-2011-08-30-cheonan-salvage-delay"
BUNKER = "kcna-2011-09-02-bunker-buster"
NEW = ["kcna-2011-09-02-us-travel-company-dprk-tourism", "kcna-2011-12-15-kwangbok-supermarket"]


@pytest.fixture
def ws(workspace: Path) -> Workspace:
    """The samples with their committed alignments, but: Cheonan's has a reviewed bead, Bunker's Spanish
    text is missing from disk, and the two other KCNA articles have no alignment yet."""
    shutil.copytree(REPO / "alignments", workspace / "alignments")
    path = workspace / "alignments" / CHEONAN / "es.kcna.json"
    record = review.confirm(load_alignment(path), 0)
    save_alignment(path, record, expected_revision=record.revision)
    (workspace / "texts" / BUNKER / "es.kcna.txt").unlink()
    (workspace / "alignments" / BUNKER / "es.kcna.json").unlink()
    for article in NEW:
        (workspace / "alignments" / article / "es.kcna.json").unlink()
    return Workspace(workspace)


def test_each_outcome_is_said(ws):
    names, params = resolve_models("fast")
    aligner = make_aligner(names, params)
    first = align_versions(ws, [(ws.article(RODONG), v) for v in ("ko.team", "es.team")], aligner, "use-m3")
    assert [o.outcome for o in first] in (["aligned"] * 2, ["unchanged"] * 2, ["aligned", "unchanged"])
    jobs = [(ws.article(RODONG), v) for v in ("ko.team", "es.apertium")]
    jobs += [(ws.article(CHEONAN), "es.kcna"), (ws.article(BUNKER), "es.kcna")]
    text = ws.texts / RODONG / "es.team.txt"
    text.write_text(text.read_text(encoding="utf-8") + "Una frase nueva al final.\n", encoding="utf-8")
    jobs.append((ws.article(RODONG), "es.team"))
    seen = []
    outcomes = align_versions(ws, jobs, aligner, "use-m3", on_done=seen.append)
    assert seen == outcomes
    got = {(o.article, o.target): o for o in outcomes}
    assert got[(RODONG, "ko.team")].outcome == "unchanged"  # the same as the file on disk: left as it is
    assert got[(RODONG, "es.apertium")].outcome == "kept"  # a machine translation, 1-1 by construction
    assert got[(CHEONAN, "es.kcna")].outcome == "refused"
    assert "reviewed" in got[(CHEONAN, "es.kcna")].reason and "--force" in got[(CHEONAN, "es.kcna")].reason
    assert got[(BUNKER, "es.kcna")].outcome == "failed" and "missing" in got[(BUNKER, "es.kcna")].reason
    done = got[(RODONG, "es.team")]
    assert done.outcome == "aligned" and done.record.revision == first[1].record.revision + 1
    assert outcome_summary(outcomes) == "aligned 1 of 5: 1 unchanged, 1 kept, 1 refused, 1 failed"


def test_the_cli_says_what_happened_to_each(ws):
    assert run("align", RODONG, "--root", ws.root).exit_code == 0
    result = run("align", "--all", "--root", ws.root)
    assert result.exit_code == 1  # one refused, one failed
    err = result.stderr
    assert "aligned 2 of 7: 2 unchanged, 1 kept, 1 refused, 1 failed" in err, err
    assert f"{RODONG} ko.team: unchanged, " in err
    assert f"{RODONG} es.apertium: kept its 1-1 alignment by construction" in err
    assert f"{CHEONAN} es.kcna: refused:" in err and f"{BUNKER} es.kcna: failed:" in err
    for article in NEW:
        assert f"{article} es.kcna: aligned, " in err
