import subprocess
import sys
from pathlib import Path

import pytest

from workbench import evaluate as ev


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
    assert ev.read_lines(f) == ["one", "", "three"]


def test_eval_documents_needs_matching_names(tmp_path):
    for d in ("g", "s", "t"):
        (tmp_path / d).mkdir()
    (tmp_path / "g" / "doc1").write_text("[0]:[0]\n")
    (tmp_path / "s" / "doc1").write_text("a\n")
    with pytest.raises(FileNotFoundError, match="no document"):
        ev.eval_documents(tmp_path / "g", tmp_path / "s", tmp_path / "t")
    (tmp_path / "t" / "doc1").write_text("b\n")
    assert ev.eval_documents(tmp_path / "g", tmp_path / "s", tmp_path / "t") == ["doc1"]


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

    run = bench("--cache", str(tmp_path / "c.sqlite"), "--models", f"st:{st_model_path}")
    assert run.returncode == 0, run.stderr
    row = next(line for line in run.stdout.splitlines() if line.startswith("| --models |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == f"st:{st_model_path}"
    assert cells[2:4] == ["1.000", "1.000"]  # Text+Berg-like set: five 1-1 paraphrases
    assert cells[6:8] == ["1.000", "1.000"]  # ParIce-like set: the first four
    bad = bench("--models", "st:/no/such/model")
    assert bad.returncode == 2 and "could not load sentence-transformers model" in bad.stderr
    assert "Traceback" not in bad.stderr
    typo = bench("--param", "prior0.03")
    assert typo.returncode == 2 and "use KEY=VALUE" in typo.stderr


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
