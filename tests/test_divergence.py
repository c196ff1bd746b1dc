"""Divergence: left-out, added and rewritten sentences per pair on a fixture with known deletions, the
archive summary (months, most abridged, kinds of sentences) and the CSV and PNG report."""

from __future__ import annotations

import csv

import pytest
import typer
from cli_run import runner
from tells_corpus import link, make_corpus

from workbench.cli.tells import register
from workbench.corpus.divergence import archive_report, divergence, sentence_kind, write_report


def _story(
    tgt_id: str, n: int, dropped: set[int], added: set[int] = frozenset(), weak: set[int] = frozenset()
):
    """A pair of ``n`` source sentences whose sentences ``dropped`` have no counterpart, with target-only
    sentences after the source sentences ``added`` and a weak link at ``weak``."""
    links, k = [], 0
    for i in range(n):
        text = (
            "Kim Il Sung said: \u201cforward.\u201d"
            if i == 2
            else f"Sentence {i} of the story."
            if i == 3
            else "Plain line."
        )
        src = [(f"p{i}.s1", "Headline Of The Story" if i == 0 else text)]
        tgt = [] if i in dropped else [(f"p{i}.s1", "Línea.")]
        links.append(link(tgt_id, k, src, tgt, 0.2 if i in weak else 0.9))
        k += 1
        if i in added:
            links.append(link(tgt_id, k, [], [(f"x{i}.s1", "Añadida.")], 0.8))
            k += 1
    return links


@pytest.fixture
def corpus(tmp_path):
    links = _story("t1", 10, {2, 5}, added={7}, weak={8}) + _story("t2", 4, set()) + _story("t3", 5, {0, 3})
    dates = {"t1": "2012-01-05", "t2": "2012-01-20", "t3": "2012-02-01"}
    return make_corpus(tmp_path / "corpora" / "div", links, dates)


def test_divergence_counts_known_deletions(corpus):
    pairs = {p.tgt_id: p for p in divergence(corpus)}
    t1 = pairs["t1"]
    assert (t1.src_id, t1.date, t1.n_src, t1.n_tgt) == ("st1", "2012-01-05", 10, 9)
    assert t1.left_out == ("p2.s1", "p5.s1") and t1.left_out_share == pytest.approx(0.2)
    assert t1.added == ("x7.s1",) and t1.added_share == pytest.approx(1 / 9)
    assert t1.rewritten == (9,) and t1.rewritten_ids == ("p8.s1",)  # link 9: after the added sentence
    assert pairs["t2"].left_out == () and pairs["t2"].rewritten == ()
    assert pairs["t3"].left_out == ("p0.s1", "p3.s1")


def test_sentence_kinds():
    assert sentence_kind("Anything", first=True) == "headline"
    assert sentence_kind("He said the plan works.") == "quotation"
    assert sentence_kind("Output rose 12 percent.") == "figures"
    assert sentence_kind("It met the Workers' Party of Korea.") == "names"
    assert sentence_kind("Plain line.") == "other"


def test_archive_report_and_files(corpus, tmp_path):
    report = archive_report(corpus, top=2)
    assert report.months == [("2012-01", 2, 1, 0.5), ("2012-02", 1, 1, 1.0)]
    assert [p.tgt_id for p in report.most_abridged] == ["t3", "t1"]
    kinds = {k: (n, left) for k, n, left, _ in report.kinds}
    assert kinds["headline"] == (3, 1) and kinds["quotation"] == (3, 1) and kinds["figures"] == (3, 1)
    assert sum(left for _, left in kinds.values()) == 4
    written = write_report(report, tmp_path / "report.csv")
    assert [p.name for p in written] == [
        "report.csv",
        "report-months.csv",
        "report-kinds.csv",
        "report-months.png",
        "report-kinds.png",
    ]
    rows = {r["tgt_id"]: r for r in csv.DictReader((tmp_path / "report.csv").open(encoding="utf-8"))}
    assert rows["t1"]["left_out_ids"] == "p2.s1 p5.s1" and rows["t1"]["added"] == "1"
    assert rows["t1"]["rewritten_links"] == "9" and rows["t1"]["left_out_share"] == "0.2000"
    for png in written[3:]:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_divergence_command(corpus, tmp_path):
    app = typer.Typer()
    register(app)
    root = str(corpus.path.parents[1])
    result = runner.invoke(app, ["divergence", "div", "--out", str(tmp_path / "r.csv"), "--root", root])
    assert result.exit_code == 0, result.output
    assert "Most abridged stories" in result.output and "2/5 (40%)" in result.output
    assert (tmp_path / "r-months.png").is_file()
    missing = runner.invoke(app, ["divergence", "nope", "--root", root])
    assert missing.exit_code == 1 and "no corpus" in missing.output


def _words(texts: list[str]):
    """A toy encoder: each word hashed to one of 256 dimensions, the sum normalised (a translation is
    the same words, so similar texts share words)."""
    import zlib

    import numpy as np

    out = np.zeros((len(texts), 256), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in text.lower().split():
            out[row, zlib.crc32(word.encode()) % 256] += 1
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


SRC = [
    "alpha bravo charlie delta",
    "echo foxtrot golf hotel",
    "india juliet kilo lima",
    "mike november oscar papa",
    "quebec romeo sierra tango",
]


def test_split_unaligned_splits_a_merged_sentence_without_counterpart():
    from workbench.align.aligner import Aligner, Bead
    from workbench.align.omission import split_unaligned

    aligner = Aligner({"toy": _words})
    tgt = [SRC[0], SRC[1], SRC[3], SRC[4]]  # SRC[2] has no counterpart: the aligner merged it into 1-1
    beads = [Bead((0,), (0,), 0.9), Bead((1, 2), (1,), 0.6), Bead((3,), (2,), 0.9), Bead((4,), (3,), 0.9)]
    split = split_unaligned(aligner, SRC, tgt, beads, gain=0.0)
    assert [(b.src, b.tgt) for b in split] == [
        ((0,), (0,)),
        ((1,), (1,)),
        ((2,), ()),
        ((3,), (2,)),
        ((4,), (3,)),
    ]
    assert split[1].score == 0.6 and split[2].score == 0.5
    # a target sentence with no source counterpart, merged into a 1-2 bead: split off as 0-1
    tgt = [SRC[1], "whiskey xray yankee zulu", SRC[2], SRC[3]]
    beads = [Bead((0,), (0,), 0.9), Bead((1,), (1, 2), 0.6), Bead((2,), (3,), 0.9)]
    split = split_unaligned(aligner, SRC[1:4], tgt, beads, gain=0.0)
    assert [(b.src, b.tgt) for b in split] == [((0,), (0,)), ((), (1,)), ((1,), (2,)), ((2,), (3,))]


def test_split_unaligned_keeps_a_true_merge():
    from workbench.align.aligner import Aligner, Bead
    from workbench.align.omission import split_unaligned

    aligner = Aligner({"toy": _words})
    tgt = [SRC[0], SRC[1] + " " + SRC[2], SRC[3], SRC[4]]  # the translator merged SRC[1] and SRC[2]
    beads = [Bead((0,), (0,), 0.9), Bead((1, 2), (1,), 0.8), Bead((3,), (2,), 0.9), Bead((4,), (3,), 0.9)]
    assert split_unaligned(aligner, SRC, tgt, beads, gain=0.0) == beads
    assert split_unaligned(aligner, SRC, tgt, beads[:1]) == beads[:1]  # nothing to test: no embedding


def test_split_links_feeds_pair_divergence():
    from workbench.align.aligner import Aligner
    from workbench.corpus.divergence import pair_divergence, split_links

    src = [(f"s{i}", t) for i, t in enumerate(SRC)]
    tgt = [(f"t{i}", t) for i, t in enumerate([SRC[0], SRC[1], SRC[3], SRC[4]])]
    links = [
        link("p", 0, src[:1], tgt[:1], 0.9),
        link("p", 1, src[1:3], tgt[1:2], 0.6),
        link("p", 2, src[3:4], tgt[2:3], 0.9),
        link("p", 3, src[4:], tgt[3:], 0.9),
    ]
    assert pair_divergence(links).left_out == ()
    split = split_links(links, Aligner({"toy": _words}), gain=0.0)
    assert [r["link"] for r in split] == [0, 1, 2, 3, 4]
    assert split[2]["src_sents"] == [SRC[2]] and split[2]["tgt_sent_ids"] == []
    pair = pair_divergence(split)
    assert pair.left_out == ("s2",) and pair.n_src == 5 and pair.n_tgt == 4
