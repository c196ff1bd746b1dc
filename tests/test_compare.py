"""chrF comparison of a human and a machine translation through the English (real Apertium output, real
alignments)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_run import run
from sacrebleu.metrics import CHRF

from workbench.align.aligner import Bead
from workbench.compare import compare_versions
from workbench.store import texts
from workbench.store.alignments import from_beads, save_alignment
from workbench.translate import engines as mt
from workbench.workspace import Workspace, side

BUNKER = "kcna-2011-09-02-bunker-buster"
pytestmark = [
    pytest.mark.skipif("eng-spa" not in mt.apertium_modes(), reason="apertium with eng-spa is not installed"),
    pytest.mark.slow,  # Apertium and a real embedding model
]


@pytest.fixture
def translated(workspace: Path) -> Workspace:
    """The samples with the bunker-buster story machine-translated by Apertium (es.apertium)."""
    result = run("translate", BUNKER, "--to", "es", "--engine", "apertium", "--root", workspace)
    assert result.exit_code == 0, result.output
    return Workspace(workspace)


def _refuse_to_align():
    raise AssertionError("both alignments are saved and up to date: nothing should be aligned")


def test_identical_texts_score_100_and_every_sentence_is_in_one_row(translated):
    ws = translated
    art = ws.article(BUNKER)
    machine = texts.read_version_text(art, "es.apertium")
    texts.add_version(ws.texts, BUNKER, machine, language="es", kind="human", origin="a copy", tag="copy")
    result = compare_versions(ws, BUNKER, "es.copy", "es.apertium")  # es.copy is aligned now, with use-m3
    assert result.alignments["es.copy"].startswith("aligned now (use-m3")
    assert result.alignments["es.apertium"].startswith("saved (construction")
    ids = [s.id for s in side(art, "en.source").sentences]
    assert [i for row in result.rows for i in row.source_ids] == ids
    assert all(row.human == row.machine and row.chrf == pytest.approx(100) for row in result.rows)
    assert result.chrf == pytest.approx(100)


def test_official_spanish_against_apertium(translated):
    ws = translated
    art = ws.article(BUNKER)
    result = compare_versions(ws, art, "es.kcna", "es.apertium")
    assert (result.source, result.human, result.machine) == ("en.source", "es.kcna", "es.apertium")
    ids = [s.id for s in side(art, "en.source").sentences]
    assert [i for row in result.rows for i in row.source_ids] == ids
    assert len(result.rows) >= 8  # the official text merges and reorders a little, not everywhere
    # Every sentence of both translations appears in exactly one row, in order.
    human_sentences = [s.text for s in side(art, "es.kcna").sentences]
    assert " ".join(r.human for r in result.rows if r.human) == " ".join(human_sentences)
    machine_sentences = [s.text for s in side(art, "es.apertium").sentences]
    assert " ".join(r.machine for r in result.rows) == " ".join(machine_sentences)
    # chrF is sacrebleu's: machine as hypothesis, human as reference.
    chrf = CHRF()
    for row in result.rows:
        expected = chrf.sentence_score(row.machine, [row.human]).score if row.human else 0.0
        assert row.chrf == pytest.approx(expected)
    overall = chrf.corpus_score([r.machine for r in result.rows], [[r.human for r in result.rows]]).score
    assert result.chrf == pytest.approx(overall) and 20 < result.chrf < 80
    # The most different rows come first.
    worst = result.most_different(3)
    assert [r.chrf for r in worst] == sorted(r.chrf for r in result.rows)[:3]
    assert worst[0].chrf < result.chrf


def test_saved_alignments_are_used_and_groups_follow_the_beads(translated):
    ws = translated
    art = ws.article(BUNKER)
    src, human = side(art, "en.source"), side(art, "es.kcna")
    n, m = len(src.sentences), len(human.sentences)
    assert (n, m) == (14, 12)
    # A hand-made human alignment: 2-1, 1-0, 0-1, 1-1 up to a final 2-1.
    beads = [Bead((0, 1), (0,), 0.9), Bead((2,), (), 0.5), Bead((), (1,), 0.5)]
    beads += [Bead((i,), (j,), 0.9) for i, j in zip(range(3, n - 2), range(2, m - 1), strict=True)]
    beads.append(Bead((n - 2, n - 1), (m - 1,), 0.9))
    path = ws.alignment_path(BUNKER, "es.kcna")
    save_alignment(path, from_beads(BUNKER, src, human, beads, "hand", {}))

    result = compare_versions(ws, BUNKER, "es.kcna", "es.apertium", aligner_factory=_refuse_to_align)
    assert result.alignments["es.kcna"] == "saved (hand, revision 1)"
    assert result.alignments["es.apertium"] == "saved (construction, revision 1)"
    first, second = result.rows[:2]
    assert first.source_ids == ("p1.s1", "p2.s1")
    assert first.human == human.sentences[0].text
    assert second.source_ids == ("p2.s2",)
    assert second.human == human.sentences[1].text  # the 0-1 sentence joins the row before it
    assert result.rows[2].source_ids == ("p3.s1",)
    last = result.rows[-1]
    assert (
        last.source_ids == tuple(s.id for s in src.sentences[-2:]) and last.human == human.sentences[-1].text
    )
    assert len(result.rows) == n - 2

    # A changed human text makes the saved alignment stale: it is aligned again, in memory only.
    text = texts.read_version_text(art, "es.kcna")
    (art.path / "es.kcna.txt").write_text(
        text.replace("Rodong Sinmun", "El Rodong Sinmun", 1), encoding="utf-8"
    )
    with pytest.raises(AssertionError, match="nothing should be aligned"):
        compare_versions(ws, BUNKER, "es.kcna", "es.apertium", aligner_factory=_refuse_to_align)
    before = path.read_bytes()
    again = compare_versions(ws, BUNKER, "es.kcna", "es.apertium")
    assert again.alignments["es.kcna"].startswith("aligned now")
    assert path.read_bytes() == before


def test_compare_command(translated):
    ws = translated.root
    result = run(
        "compare", BUNKER, "--human", "es.kcna", "--machine", "es.apertium", "--top", "2", "--root", ws
    )
    assert result.exit_code == 0, result.output
    assert "overall chrF:" in result.stdout
    assert "where es.kcna departs most from es.apertium:" in result.stdout
    listed = result.stdout.split("departs most from es.apertium:")[1].strip().splitlines()
    assert len(listed) == 2 and all("chrF" in line for line in listed)
    assert "Bunker Buster" in result.stdout and "p1.s1" in result.stdout

    for args, message in [
        (["--human", "es.nope", "--machine", "es.apertium"], "has no version 'es.nope'"),
        (["--human", "en.source", "--machine", "es.apertium"], "en.source is the source"),
        (["--human", "es.kcna", "--machine", "es.kcna"], "choose two different versions"),
    ]:
        bad = run("compare", BUNKER, *args, "--root", ws)
        assert bad.exit_code == 1 and message in bad.stderr, bad.output
