import subprocess
import sys
from pathlib import Path

import pytest

from workbench.align import evaluate as ev
from workbench.store import evalsets


def test_parse_and_format_round_trip():
    text = "[0]:[0, 1]\n[1, 2]:[2]\n[]:[3]\n[3]:[]\n"
    beads = ev.parse_beads(text)
    assert beads == [((0,), (0, 1)), ((1, 2), (2,)), ((), (3,)), ((3,), ())]
    assert ev.format_beads(beads) == text


@pytest.mark.parametrize("line", ["[0]-[1]", "0:1", "[a]:[1]", "[0]:[1]:[2]"])
def test_bad_gold_line_names_file_and_line(line):
    with pytest.raises(ev.GoldFormatError, match=r"gold-x:2"):
        ev.parse_beads(f"[0]:[0]\n{line}\n", "gold-x")


def test_perfect_alignment_scores_one():
    gold = [((0,), (0,)), ((1, 2), (1,)), ((), (2,))]
    s = ev.score(gold, gold).scores()
    assert s == {k: 1.0 for k in s}


def test_strict_and_lax_counts_follow_the_standard_definition():
    gold = [((0,), (0,)), ((1, 2), (1,)), ((), (2,)), ((3,), (3,))]
    system = [
        ((0,), (0,)),  # exact
        ((1,), (1,)),  # shares the link (1, 1) with a gold bead: lax only
        ((2,), ()),  # unaligned where gold links it: wrong for both
        ((), (2,)),  # unaligned exactly as in gold: right for both
        ((3,), (3,)),  # exact
    ]
    c = ev.score(system, gold)
    # precision over all 5 system beads; recall over the 3 gold beads with both sides non-empty
    assert (c.strict_p, c.lax_p, c.system) == (3, 4, 5)
    assert (c.strict_r, c.lax_r, c.gold) == (2, 3, 3)
    s = c.scores()
    assert s["strict_p"] == pytest.approx(3 / 5) and s["strict_r"] == pytest.approx(2 / 3)
    assert s["lax_p"] == pytest.approx(4 / 5) and s["lax_r"] == pytest.approx(1.0)
    assert s["strict_f1"] == pytest.approx(2 * 0.6 * (2 / 3) / (0.6 + 2 / 3))


def test_counts_add_up_over_documents_before_dividing():
    a = ev.score([((0,), (0,))], [((0,), (0,))])
    b = ev.score([((0,), (1,)), ((1,), (0,))], [((0,), (0,)), ((1,), (1,))])
    total = (a + b).scores()
    assert total["strict_p"] == pytest.approx(1 / 3)
    assert total["strict_r"] == pytest.approx(1 / 3)


def test_read_lines_keeps_empty_lines_so_numbering_matches(tmp_path):
    f = tmp_path / "doc"
    f.write_text("one\n\nthree\r\n", encoding="utf-8")
    assert evalsets.read_lines(f) == ["one", "", "three"]


def test_eval_documents_need_every_document_on_every_side(tmp_path):
    for d in ("g", "s", "t"):
        (tmp_path / d).mkdir()
    (tmp_path / "g" / "doc1").write_text("[0]:[0]\n")
    (tmp_path / "s" / "doc1").write_text("a\n")
    with pytest.raises(ev.EvalSetError, match=r"missing from the target folder .*t: doc1"):
        evalsets.eval_documents(tmp_path / "g", tmp_path / "s", tmp_path / "t")
    (tmp_path / "t" / "doc1").write_text("b\n")
    assert evalsets.eval_documents(tmp_path / "g", tmp_path / "s", tmp_path / "t") == ["doc1"]
    (tmp_path / "s" / "doc2").write_text("a\n")  # a source document without gold or target
    with pytest.raises(ev.EvalSetError, match="missing from the gold folder .*: doc2"):
        evalsets.eval_documents(tmp_path / "g", tmp_path / "s", tmp_path / "t")
    assert evalsets.eval_documents(tmp_path / "g", tmp_path / "s", tmp_path / "t", prefix="doc1") == ["doc1"]
    with pytest.raises(ev.EvalSetError, match="no document starting with 'x'"):
        evalsets.eval_documents(tmp_path / "g", tmp_path / "s", tmp_path / "t", prefix="x")
    with pytest.raises(ev.EvalSetError, match="does not exist"):
        evalsets.eval_documents(tmp_path / "nope", tmp_path / "s", tmp_path / "t")


def _small_set(tmp_path: Path, gold: str = "[0]:[0]\n[1]:[1, 2]\n", src=("a.", "b."), tgt=("x.", "y.", "z.")):
    for d, text in (("g", gold), ("s", "\n".join(src) + "\n"), ("t", "\n".join(tgt) + "\n")):
        (tmp_path / d).mkdir(exist_ok=True)
        (tmp_path / d / "doc").write_text(text, encoding="utf-8")
    return tmp_path / "g", tmp_path / "s", tmp_path / "t"


def test_load_documents_reads_both_sides_and_the_gold(tmp_path):
    (doc,) = evalsets.load_documents(*_small_set(tmp_path))
    assert (doc.name, doc.src, doc.tgt) == ("doc", ["a.", "b."], ["x.", "y.", "z."])
    assert doc.gold == [((0,), (0,)), ((1,), (1, 2))]


def test_gold_naming_a_sentence_past_the_end_names_the_file_and_line(tmp_path, caplog):
    folders = _small_set(tmp_path, gold="[0]:[0]\n\n[1, 2]:[1]\n[]:[2]\n")
    with pytest.raises(ev.GoldFormatError) as info:
        evalsets.load_documents(*folders)
    message = str(info.value)
    assert f"{tmp_path / 'g' / 'doc'}:3" in message  # the blank line is counted
    assert "source sentence 2 is past the end" in message and "2 lines" in message
    # lenient (ParIce u_1 has such a line): a warning with the same facts, and the bead is scored as it is
    with caplog.at_level("WARNING"):
        (doc,) = evalsets.load_documents(*folders, lenient=True)
    assert "doc:3: source sentence 2 is past the end" in caplog.text
    assert ((1, 2), (1,)) in doc.gold
    _small_set(tmp_path, gold="[0]:[0]\n[1]:[1, 2, 3]\n")
    with pytest.raises(ev.GoldFormatError, match=r"doc:2: target sentence 3 is past the end"):
        evalsets.load_documents(*folders)


@pytest.mark.parametrize("content", [b"", b"\n\n", b"  \n"])
def test_an_empty_document_is_an_error(tmp_path, content):
    folders = _small_set(tmp_path)
    (folders[2] / "doc").write_bytes(content)
    with pytest.raises(ev.EvalSetError, match=r"t/doc is empty"):
        evalsets.load_documents(*folders)


def test_a_document_that_is_not_utf8_is_an_error(tmp_path):
    folders = _small_set(tmp_path)
    (folders[1] / "doc").write_bytes("caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ev.EvalSetError, match=r"s/doc is not UTF-8 text"):
        evalsets.load_documents(*folders)
    _small_set(tmp_path)
    (folders[0] / "doc").write_bytes(b"\xff\xfe[\x000\x00]")
    with pytest.raises(ev.GoldFormatError, match=r"g/doc is not UTF-8 text"):
        evalsets.load_documents(*folders)


def test_omissions_count_unaligned_sentences_by_side():
    gold = [((0,), (0,)), ((1,), ()), ((2,), (1,)), ((), (2,))]  # source 3 has no gold bead: unaligned too
    system = [((0,), (0,)), ((1, 2), (1,)), ((), (2,)), ((3,), ())]
    src, tgt = ev.omissions(system, gold, 4, 3)
    assert src == ev.Omissions(system=1, gold=2, both=1)  # sentence 3 found; sentence 1 merged
    assert tgt == ev.Omissions(system=1, gold=1, both=1)
    total = src + tgt
    assert (total.precision, total.recall) == (1.0, pytest.approx(2 / 3))
    assert ev.Omissions().precision == ev.Omissions().recall == 0.0


def test_bead_kinds_are_grouped_and_counted():
    assert [
        ev.kind_group(b) for b in [((0,), ()), ((), (1,)), ((0,), (1,)), ((0, 1), (2,)), ((0,), (1, 2))]
    ] == [
        "1-0/0-1",
        "1-0/0-1",
        "1-1",
        "1-2/2-1",
        "1-2/2-1",
    ]
    assert [
        ev.kind_group(b)
        for b in [((0, 1), (2, 3)), ((0,), (1, 2, 3)), ((0, 1, 2), (3, 4)), ((0, 1), (2, 3, 4))]
    ] == [
        "2-2",
        "3+ a side",
        "3+ a side",
        "3+ a side",
    ]
    counts = ev.KindCounts()
    counts.add(
        [((0,), (0,)), ((1, 2), (1,)), ((3,), ())], [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), ())]
    )
    assert counts.gold == {"1-1": 2, "1-0/0-1": 2} and counts.found == {"1-1": 1, "1-0/0-1": 1}
    assert counts.system == {"1-1": 1, "1-2/2-1": 1, "1-0/0-1": 1}
    assert counts.right == {"1-1": 1, "1-2/2-1": 0, "1-0/0-1": 1}


class _Diagonal:
    """An aligner that links sentence i to sentence i and leaves the rest unaligned."""

    def align(self, src, tgt):
        from workbench.align.params import Bead

        k = min(len(src), len(tgt))
        rest = [Bead((i,), (), 1.0) for i in range(k, len(src))] + [
            Bead((), (j,), 1.0) for j in range(k, len(tgt))
        ]
        return [Bead((i,), (i,), 1.0) for i in range(k)] + rest


def test_evaluate_aligns_and_scores_each_document(tmp_path):
    docs = evalsets.load_documents(*_small_set(tmp_path))
    (result,) = list(ev.evaluate(_Diagonal(), docs))
    assert result.name == "doc" and result.system == [((0,), (0,)), ((1,), (1,)), ((), (2,))]
    assert result.counts == ev.score(result.system, docs[0].gold)
    assert result.tgt_omissions == ev.Omissions(system=1, gold=0, both=0)
    assert ev.total([result, result]) == result.counts + result.counts
    assert result.omissions == result.src_omissions + result.tgt_omissions


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("past-end", "past the end of"),
        ("missing", "missing from the target folder"),
        ("empty", "is empty"),
    ],
)
def test_eval_command_names_the_bad_input(tmp_path, case, expected):
    from cli_run import run

    gold, src, tgt = _small_set(tmp_path)
    if case == "past-end":
        (gold / "doc").write_text("[0]:[0]\n[1, 5]:[1, 2]\n", encoding="utf-8")
    elif case == "missing":
        (tgt / "doc").unlink()
        (tgt / "other").write_text("x\n", encoding="utf-8")
    else:
        (src / "doc").write_text("", encoding="utf-8")
    result = run("eval", "--gold", gold, "--src", src, "--tgt", tgt)
    assert result.exit_code == 1, result.output
    assert expected in result.stderr and "Traceback" not in result.stderr
    if case == "past-end":
        assert f"{gold / 'doc'}:2" in result.stderr


def test_dev_sets_are_what_their_script_builds(load_benchmark):
    build = load_benchmark("build_dev_sets")
    if not build.SHARED.is_dir():
        pytest.skip("../shared is not here")
    assert build.main(["--check"]) == 0


def test_dev_sets_gold_covers_every_sentence_once():
    data = Path(__file__).resolve().parents[1] / "benchmarks" / "data"
    for name, sides in (("nk-ko-en-dev", ("en", "ko")), ("kcna-en-es-dev", ("en", "es"))):
        folder = data / name
        for doc in evalsets.load_documents(folder / "gold", folder / sides[0], folder / sides[1]):
            for k, size in ((0, len(doc.src)), (1, len(doc.tgt))):
                assert sorted(i for b in doc.gold for i in b[k]) == list(range(size)), (name, doc.name)


def _write_set(folder: Path, sides: tuple[str, str], doc: str, src: list[str], tgt: list[str], gold: str):
    for side, lines in zip(sides, (src, tgt), strict=True):
        (folder / side).mkdir(parents=True, exist_ok=True)
        (folder / side / doc).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "gold").mkdir(parents=True, exist_ok=True)
    (folder / "gold" / doc).write_text(gold, encoding="utf-8")


def test_accuracy_benchmark_scores_a_model_on_disk(tmp_path, st_model_path):
    # benchmarks/align_accuracy.py --models: any combination, here a sentence-transformers model from a
    # folder, on a small evaluation set laid out like ../shared/evaldata.
    src = [
        "The committee met on Monday to discuss the budget.",
        "Heavy rain flooded several villages in the north.",
        "The new bridge will open to traffic next spring.",
        "Scientists found a rare species of frog in the forest.",
        "The museum is closed for repairs until further notice.",
    ]
    tgt = [
        "On Monday the committee gathered to talk about the budget.",
        "Several northern villages were flooded by heavy rain.",
        "Next spring the new bridge opens to traffic.",
        "A rare frog species was discovered by scientists in the woods.",
        "Until further notice, the museum stays shut for repair work.",
    ]
    gold = "".join(f"[{i}]:[{i}]\n" for i in range(5))
    _write_set(tmp_path / "textberg-de-fr", ("de", "fr"), "test0", src, tgt, gold)
    first4 = "".join(f"[{i}]:[{i}]\n" for i in range(4))
    _write_set(tmp_path / "parice-en-is", ("en", "is"), "doc1", src[:4], tgt[:4], first4)
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "align_accuracy.py"

    def bench(*args: str) -> subprocess.CompletedProcess:
        cmd = [sys.executable, str(path), "--data", str(tmp_path), *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=600)

    model = ("--cache", str(tmp_path / "c.sqlite"), "--models", f"st:{st_model_path}")
    run = bench(*model, "--kinds", "--only", "textberg-test", "--only", "parice")
    assert run.returncode == 0, run.stderr
    rows = {}
    for line in run.stdout.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0].startswith(("textberg-test (", "parice (")):
            rows[cells[0]] = cells
    assert set(rows) == {"textberg-test (de-fr)", "parice (en-is)"}
    test, parice = rows["textberg-test (de-fr)"], rows["parice (en-is)"]
    assert test[1:3] == ["test", "1"] and parice[1:3] == ["dev", "1"]
    assert test[5:7] == ["1.000", "1.000"]  # Text+Berg-like set: five 1-1 paraphrases (strict, lax F1)
    assert parice[5:7] == ["1.000", "1.000"]  # ParIce-like set: the first four
    signatures = [line for line in run.stdout.splitlines() if line.startswith("signature: commit ")]
    assert len(signatures) == 2 and all(f"--models: st:{st_model_path}" in line for line in signatures)
    assert any("textberg-test (test, de-fr, 1 docs, 5/5 sentences, sha256 " in line for line in signatures)
    assert "by bead kind" in run.stdout
    # --set: any folder laid out the same way; --split chooses among the standard sets
    one = bench(*model, "--set", str(tmp_path / "parice-en-is"))
    assert one.returncode == 0, one.stderr
    assert "| parice-en-is (en-is) | set | 1 | 1.000 | 1.000 | 1.000 | 1.000 |" in one.stdout
    test_only = bench(*model, "--split", "test")
    assert (
        test_only.returncode == 0
        and "| textberg-test" in test_only.stdout
        and "| parice" not in test_only.stdout
    )
    unknown = bench(*model, "--only", "textberg-dev")  # not in this data folder
    assert unknown.returncode == 2 and "no set textberg-dev" in unknown.stderr
    bad = bench("--models", "st:/no/such/model")
    assert bad.returncode == 2 and "could not load sentence-transformers model" in bad.stderr
    assert "Traceback" not in bad.stderr
    typo = bench("--param", "prior0.03")
    assert typo.returncode == 2 and "use KEY=VALUE" in typo.stderr


def test_accuracy_benchmark_knows_the_dev_and_test_sets(load_benchmark):
    sets = {s.name: s for s in load_benchmark("align_accuracy").standard_sets()}
    assert {"nk-ko-en-dev", "kcna-en-es-dev"} <= set(sets)  # committed, always there
    assert all(s.split == "dev" for name, s in sets.items() if name != "textberg-test")
    if "textberg-test" in sets:
        assert sets["textberg-test"].split == "test" and sets["textberg-test"].prefix == "test"
        assert sets["textberg-dev"].split == "dev" and sets["textberg-dev"].prefix == "dev"


def test_accuracy_benchmark_parses_param_settings(load_benchmark):
    bench = load_benchmark("align_accuracy")
    assert bench.parse_params(["prior=0.03", "windows=near", "margin=false", "max_side=6"]) == {
        "prior": 0.03,
        "windows": "near",
        "margin": False,
        "max_side": 6,
    }
    with pytest.raises(ValueError, match="KEY one of"):
        bench.parse_params(["priors=0.03"])
