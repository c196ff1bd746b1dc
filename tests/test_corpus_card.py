"""The dataset card of a corpus export (workbench.corpus.card) on a real corpus built from
tests/fixtures/kcna-mini: a Hugging Face README.md that the real `datasets` library loads with the hf
export, offline, and quality.json for the other formats, with the measured precision or "not measured"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from corpus_mini import mini_corpus

from workbench.corpus import open_corpus, qa
from workbench.corpus.card import CARD_FORMAT, write_card
from workbench.corpus.export import CorpusExportOptions, export_corpus

pytestmark = pytest.mark.slow  # builds a corpus with the real embedding model


@pytest.fixture
def folder(tmp_path: Path):
    mini_corpus(tmp_path)
    (tmp_path / "texts").mkdir()
    return open_corpus(tmp_path, "mini")


def _export(folder, fmt: str, out: Path, options: CorpusExportOptions | None = None):
    """``corpus export`` with the card written as its hook does, after the export wrote its files."""
    options = options or CorpusExportOptions()
    out.parent.mkdir(parents=True, exist_ok=True)
    report = export_corpus(folder, fmt, out, options)
    return write_card(folder, fmt, out, options, report), report


def _marked(folder) -> None:
    qa.draw(folder, 24, seed=11, pairs=4)
    for item in qa.items(folder)["item"]:
        qa.mark(folder, item, ("right", "right", "right", "wrong", "partial")[item % 5])


@pytest.mark.parametrize(("fmt", "name"), [("hf-jsonl", "mini.jsonl"), ("hf-parquet", "mini.parquet")])
def test_datasets_loads_the_hf_export_with_its_card(folder, tmp_path, monkeypatch, fmt, name):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import datasets
    from huggingface_hub import DatasetCard

    _marked(folder)
    out = tmp_path / "out" / name
    out.parent.mkdir()
    (out.parent / "notes.jsonl").write_text('{"something": "else"}\n')  # not part of the dataset
    card, report = _export(folder, fmt, out)
    assert card == out.parent / "README.md" and str(card) in report.files
    loaded = datasets.load_dataset(str(out.parent), cache_dir=str(tmp_path / "hf-cache"))
    assert list(loaded) == ["train"] and loaded["train"].num_rows == report.units
    row = loaded["train"][0]
    assert set(row["translation"]) == {"en", "es"} and row["pair_decision"] in ("auto", "accepted")
    meta = DatasetCard.load(card).data
    assert meta.license == "unknown" and meta.task_categories == ["translation"]
    assert meta.language == ["en", "es"] and meta.size_categories == ["n<1K"]
    assert meta.configs[0]["data_files"][0]["path"] == name
    text = card.read_text("utf-8")
    measured = qa.report(folder).overall
    assert f"link precision: {100 * measured.precision:.1f}%" in text
    assert f"from {measured.marked} links a person marked" in text
    assert f"sentence links: {report.written:,}" in text and "stories.parquet" in text


def test_quality_json_for_the_other_formats_and_not_measured_without_marks(folder, tmp_path):
    out = tmp_path / "tsv" / "mini.tsv"
    card, report = _export(folder, "tsv", out)
    info = json.loads(card.read_text("utf-8"))
    assert card.name == "quality.json" and info["format"] == CARD_FORMAT
    assert info["quality"]["measured"] is False and "not measured" in info["quality"]["note"]
    assert info["counts"]["links"] == report.written and info["counts"]["pairs"] == report.alignments
    assert info["languages"] == {"source": "en", "target": "es"}
    assert info["dates"]["first"] <= info["dates"]["last"]
    assert info["source"]["file"] == "stories.parquet" and str(tmp_path) not in card.read_text("utf-8")
    # marked: the precision at the export's own --min-score, with its interval and sample size
    _marked(folder)
    options = CorpusExportOptions(min_score=0.7)
    card, report = _export(folder, "tsv", out, options)
    info = json.loads(card.read_text("utf-8"))
    expected = qa.report(folder, thresholds=(0.7,)).at(0.7)
    quality = info["quality"]
    assert quality["measured"] is True and quality["min_score"] == 0.7
    assert quality["precision"] == round(expected.precision, 4)
    assert quality["interval"] == [round(expected.low, 4), round(expected.high, 4)]
    assert quality["sample_size"] == expected.marked and quality["links_kept"] == report.written
    assert info["filters"]["min_score"] == 0.7
    # the same export gives the same card
    again, _ = _export(folder, "tsv", out, options)
    assert again.read_text("utf-8") == card.read_text("utf-8")


def test_a_readme_that_is_not_a_card_is_kept(folder, tmp_path):
    out = tmp_path / "mine" / "mini.jsonl"
    out.parent.mkdir()
    (out.parent / "README.md").write_text("my own notes\n")
    card, report = _export(folder, "hf-jsonl", out)
    assert (out.parent / "README.md").read_text() == "my own notes\n"
    assert card.name == "mini.jsonl.README.md" and any("kept" in w for w in report.warnings)
    assert "not measured" in card.read_text("utf-8")
