"""Corpus quality, measured (workbench.corpus.qa and `workbench corpus qa`): the Wilson interval against
published values, the sample's allocation, and on a real corpus built from tests/fixtures/kcna-mini: a
sample deterministic for a seed and drawn from what the export writes, marks that survive a re-run, a new
draw, `corpus build --rebuild` and kill -9, and the stale flag when a link changes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from cli_run import run
from corpus_mini import FIXTURE, mini_corpus
from typer.testing import CliRunner

from workbench.cli.corpus import corpus_app
from workbench.cli.qa import qa_app
from workbench.corpus import CorpusError, open_corpus, qa
from workbench.corpus.export import CorpusExportOptions

# --- statistics (fast) ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hits", "n", "low", "high"),
    [  # Newcombe (1998), Statistics in Medicine 17:857, table I, method 3 (the Wilson score interval)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (8, 10, 0.4902, 0.9433),
    ],
)
def test_wilson_interval_matches_published_values(hits, n, low, high):
    got = qa.wilson(hits, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_edges():
    assert qa.wilson(0, 0) == (0.0, 1.0)
    low, high = qa.wilson(10, 10)
    assert high == pytest.approx(1.0) and low == pytest.approx(0.7225, abs=5e-5)
    low, high = qa.wilson(2.5, 5)  # partial marks make fractional successes
    assert qa.wilson(2, 5)[0] < low < qa.wilson(3, 5)[0] and low == pytest.approx(1 - high)


def test_one_stratum_gives_wilsons_interval_and_strata_are_weighted_by_links():
    assert qa.stratified([(500, 8, 10)]) == pytest.approx((0.8, *qa.wilson(8, 10)))
    p, low, high = qa.stratified([(900, 9, 10), (100, 1, 10)])
    assert p == pytest.approx(0.9 * 0.9 + 0.1 * 0.1)
    assert low < p < high
    p, low, high = qa.stratified([(10, 5, 5), (10, 5, 5)])  # all right: still an interval below 1
    assert p == 1.0 and high == pytest.approx(1.0) and low < 0.8


def test_allocation_is_equal_capped_and_grows_with_the_size():
    assert qa.allocate(20, [100, 100, 100, 100]) == [5, 5, 5, 5]
    assert qa.allocate(20, [2, 100, 0, 100]) == [2, 9, 0, 9]
    assert qa.allocate(500, [2, 3, 0, 4]) == [2, 3, 0, 4]
    previous = [0, 0, 0, 0]
    for size in range(1, 60):
        now = qa.allocate(size, [3, 40, 7, 100])
        assert sum(now) == size and all(a >= b for a, b in zip(now, previous, strict=True))
        previous = now


def test_bands_cover_the_scores():
    assert qa.band_index([0.0, 0.4999, 0.5, 0.7, 0.85, 1.0]).tolist() == [0, 0, 1, 2, 3, 3]
    assert [qa.band_label(i) for i in range(len(qa.BANDS))][-1] == "0.85-1.00"


# --- on a real corpus (slow: it is built with the real embedding model) ---------------------------------


def _qa(root: Path, *args: str | Path):
    """`workbench corpus qa ...` (through a shell of its own until the lead registers qa_app)."""
    if any(group.name == "qa" for group in corpus_app.registered_groups):
        return run("corpus", "qa", *args, "--root", root)
    app = typer.Typer()
    app.add_typer(qa_app, name="qa")
    app.callback()(lambda: None)
    return CliRunner().invoke(app, ["qa", *(str(a) for a in args), "--root", str(root)])


@pytest.fixture
def root(tmp_path: Path) -> Path:
    mini_corpus(tmp_path)
    (tmp_path / "texts").mkdir()
    return tmp_path


@pytest.fixture
def folder(root: Path):
    return open_corpus(root, "mini")


@pytest.mark.slow
def test_the_sample_is_deterministic_for_a_seed_and_drawn_from_the_export(folder):
    first = qa.draw(folder, 16, seed=5, pairs=4)
    again = qa.draw(folder, 16, seed=5, pairs=4)
    pd.testing.assert_frame_equal(first, again)
    other = qa.draw(folder, 16, seed=6, pairs=4, force=True)
    assert set(other["id"]) != set(first["id"])
    links, exported = qa.exported_links(folder, CorpusExportOptions())
    sampled = first[first["kind"] == "link"]
    assert len(sampled) == 16 and set(sampled["id"]) <= set(links["id"])
    # stratified: every band gets its share, capped by what it holds
    counts = [int((links["band"] == b).sum()) for b in range(len(qa.BANDS))]
    expected = qa.allocate(16, counts)
    assert [int((sampled["band"] == qa.band_label(b)).sum()) for b in range(len(qa.BANDS))] == expected
    # texts, titles and hash as the export writes them
    row = sampled.iloc[0]
    link = links.set_index("id").loc[row["id"]]
    assert (row["src_text"], row["tgt_text"], row["hash"]) == (
        link["src_text"],
        link["tgt_text"],
        link["hash"],
    )
    titles = folder.read("documents", columns=["doc_id", "title"]).to_pandas().set_index("doc_id")["title"]
    assert (row["src_title"], row["tgt_title"]) == (titles[row["src_id"]] or "", titles[row["tgt_id"]] or "")
    # pairs: only the machine's, only exported ones
    pairs = first[first["kind"] == "pair"]
    assert len(pairs) == 4
    machine = exported[exported["decision"] == "auto"]
    assert set(pairs["tgt_id"]) <= set(machine["tgt_id"])
    # a larger sample with the same seed keeps the earlier items
    larger = qa.draw(folder, 30, seed=5, pairs=6, force=True)
    assert set(first["id"]) <= set(larger["id"])
    assert list(larger["item"]) == list(range(1, len(larger) + 1))


@pytest.mark.slow
def test_the_doubtful_pairs_are_sampled_only_when_the_export_takes_them(folder):
    doubtful = set(qa.exported_links(folder, CorpusExportOptions(("doubtful",)))[0]["tgt_id"])
    assert doubtful  # the fixture has one doubtful pair with links
    default = qa.draw(folder, 500, seed=1)
    assert not doubtful & set(default["tgt_id"])
    wider = qa.draw(folder, 500, seed=1, options=CorpusExportOptions(("auto", "accepted", "doubtful")))
    assert doubtful <= set(wider["tgt_id"])


@pytest.mark.slow
def test_mark_and_report_through_the_cli(root, folder, tmp_path):
    done = _qa(root, "sample", "mini", "--size", "12", "--seed", "3", "--pairs", "3")
    assert done.exit_code == 0, done.output
    assert "seed 3" in done.output
    shown = _qa(root, "show", "mini", "--limit", "2")
    assert shown.exit_code == 0 and "l" in shown.output
    sample = qa.items(folder)
    marks = ["right", "right", "wrong", "partial", "skip"] * 3
    for item, value in zip(sample["item"], marks, strict=True):
        result = _qa(root, "mark", "mini", str(item), value)
        assert result.exit_code == 0, result.output
    first_id = sample.iloc[0]["id"]
    assert _qa(root, "mark", "mini", first_id, "wrong").exit_code == 0  # by id; a new mark replaces the old
    assert len(pq.read_table(folder.table_path(qa.MARKS_TABLE))) == 15
    plot = tmp_path / "qa.png"
    out = _qa(root, "report", "mini", "--json", "--plot", plot)
    assert out.exit_code == 0, out.output
    report = json.loads(out.output[out.output.index("{") :])
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    links, _ = qa.exported_links(folder, CorpusExportOptions())
    assert sum(b["links"] for b in report["bands"]) == len(links) == report["overall"]["kept"]
    assert report["stale"] == [] and report["unmarked"] == 0
    marked = qa.items(folder)
    for band in report["bands"]:
        in_band = marked[marked["band"] == band["label"]]["mark"].value_counts()
        assert band["right"] == in_band.get("right", 0) and band["skip"] == in_band.get("skip", 0)
        n = band["right"] + band["wrong"] + band["partial"]
        if n:
            assert band["precision"] == pytest.approx((band["right"] + 0.5 * band["partial"]) / n)
            assert (band["low"], band["high"]) == pytest.approx(
                qa.wilson(band["right"] + 0.5 * band["partial"], n)
            )
    kept = [t["kept"] for t in report["thresholds"]]
    assert kept == sorted(kept, reverse=True)
    as_wrong = qa.report(folder, partial=0.0)
    as_right = qa.report(folder, partial=1.0)
    assert as_wrong.overall.precision <= report["overall"]["precision"] <= as_right.overall.precision
    table = _qa(root, "report", "mini", "--min-score", "0.8")
    assert table.exit_code == 0 and "0.8" in table.output and "overall:" in table.output


@pytest.mark.slow
def test_user_errors_say_what_to_do(root, folder):
    nothing = _qa(root, "report", "mini")
    assert nothing.exit_code == 1 and "qa sample" in nothing.output
    assert _qa(root, "sample", "mini", "--size", "5", "--seed", "1").exit_code == 0
    bad = _qa(root, "mark", "mini", "999", "right")
    assert bad.exit_code == 1 and "no item '999'" in bad.output
    bad = _qa(root, "mark", "mini", "1", "maybe")
    assert bad.exit_code == 1 and "unknown mark" in bad.output
    with pytest.raises(CorpusError, match="--partial"):
        qa.report(folder, partial=2)


@pytest.mark.slow
def test_marks_survive_a_new_draw_and_a_rerun(root, folder):
    qa.draw(folder, 10, seed=9, pairs=2)
    for item in range(1, 13):
        qa.mark(folder, item, "right")
    before = folder.table_path(qa.MARKS_TABLE).read_bytes()
    # a smaller sample would drop marked items: refused, nothing written
    with pytest.raises(CorpusError, match="--seed 9 and a --size of 10"):
        qa.draw(folder, 4, seed=9, pairs=2)
    # the same seed, larger: the marks still count
    qa.draw(folder, 20, seed=9, pairs=2)
    assert qa.report(folder).overall.marked == 10
    # a run of the pipeline (nothing to redo) leaves marks and sample alone
    rerun = run("corpus", "build", FIXTURE, "--name", "mini", "--src", "en", "--tgt", "es", "--root", root)
    assert rerun.exit_code == 0, rerun.output
    assert folder.table_path(qa.MARKS_TABLE).read_bytes() == before
    # --force draws anyway; the marks stay in their file
    qa.draw(folder, 4, seed=10, pairs=0, force=True)
    assert folder.table_path(qa.MARKS_TABLE).read_bytes() == before


@pytest.mark.slow
def test_a_changed_link_is_stale(root, folder):
    qa.draw(folder, 40, seed=4, pairs=0)
    sample = qa.items(folder)
    for item in sample["item"]:
        qa.mark(folder, item, "right")
    assert qa.report(folder).stale == []
    # the texts of one marked link change
    changed = sample.iloc[0]
    links = pq.read_table(folder.table_path("links")).to_pandas()
    wanted = list(changed["tgt_ids"])
    row = (links["tgt_id"] == changed["tgt_id"]) & links["tgt_sent_ids"].map(lambda x: list(x) == wanted)
    assert row.sum() == 1
    links.loc[row, "tgt_sents"] = links.loc[row, "tgt_sents"].map(lambda s: [x + " (corregido)" for x in s])
    path = folder.table_path("links")
    pq.write_table(pa.Table.from_pandas(links, schema=pq.read_schema(path), preserve_index=False), path)
    report = qa.report(folder)
    assert [(s["id"], s["why"]) for s in report.stale] == [
        (changed["id"], "its texts changed since it was marked")
    ]
    assert report.overall.marked == len(sample) - 1
    # a pair a person rejects is no longer exported: its marked links are stale
    gone = sample.iloc[-1]["tgt_id"]
    assert run("corpus", "decide", "mini", gone, "--reject", "--root", root).exit_code == 0
    report = qa.report(folder)
    stale_pairs = {s["tgt_id"] for s in report.stale if s["why"] == "no longer exported"}
    assert stale_pairs == {gone}
    shown = _qa(root, "report", "mini")
    assert "stale:" in shown.output and "no longer exported" in shown.output


@pytest.mark.slow
def test_marks_survive_a_rebuild_from_a_changed_archive(root, folder, tmp_path):
    qa.draw(folder, 30, seed=2, pairs=3)
    sample = qa.items(folder)
    for item in sample["item"]:
        qa.mark(folder, item, "right" if item % 3 else "wrong")
    before = folder.table_path(qa.MARKS_TABLE).read_bytes()
    # the archive changes: one sampled link's target story gets a word changed
    target = sample[sample["kind"] == "link"].iloc[0]
    stories = pd.read_parquet(FIXTURE)
    word = next(w for w in target["tgt_text"].split() if len(w) > 5 and w.isalpha())
    where = stories["id"] == target["tgt_id"]
    assert stories.loc[where, "story"].iloc[0].count(word) >= 1
    stories.loc[where, "story"] = stories.loc[where, "story"].str.replace(word, word.upper(), n=1)
    archive = tmp_path / "changed.parquet"
    stories.to_parquet(archive, index=False)
    args = ["corpus", "build", archive, "--name", "mini", "--src", "en", "--tgt", "es", "--root", root]
    refused = run(*args)
    assert refused.exit_code == 1 and "--rebuild" in refused.output
    rebuilt = run(*args, "--rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert folder.table_path(qa.MARKS_TABLE).read_bytes() == before
    report = qa.report(folder)
    stale = {s["id"] for s in report.stale}
    assert target["id"] in stale  # its texts changed, or its link is gone
    assert len(stale) < len(sample) // 2  # the links of the other stories kept their marks
    assert report.overall.marked + len(stale) + sum(b.skip for b in report.bands) >= 27
    # the same seed again keeps the items still exported and their marks
    qa.draw(folder, 30, seed=2, pairs=3, force=True)
    assert qa.report(folder).overall.marked >= report.overall.marked


_MARKER = """
import itertools, sys
from pathlib import Path
from workbench.corpus import CorpusFolder, qa
folder = CorpusFolder.open(Path(sys.argv[1]))
print("ready", flush=True)
for i in itertools.count():
    qa.mark(folder, i % 10 + 1, ("right", "wrong", "partial")[i % 3])
"""


@pytest.mark.slow
def test_marks_survive_kill_9_while_they_are_written(folder):
    qa.draw(folder, 10, seed=1, pairs=0)
    for item in range(1, 11):
        qa.mark(folder, item, "skip")
    env = dict(os.environ, PYTHONPATH=str(Path(qa.__file__).resolve().parents[2]))
    for delay in (0.3, 0.7, 1.1):
        proc = subprocess.Popen(
            [sys.executable, "-c", _MARKER, str(folder.path)], env=env, stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        marks = pq.read_table(folder.table_path(qa.MARKS_TABLE)).to_pandas()  # whole: old or new
        assert len(marks) == 10 and set(marks["mark"]) <= {"right", "wrong", "partial", "skip"}
    qa.mark(folder, 1, "right")  # the killed writer's lock and temp file are gone with it
    leftovers = [p.name for p in folder.path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    assert qa.report(folder).sampled == 10
