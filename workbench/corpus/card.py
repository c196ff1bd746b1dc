"""The dataset card that ``corpus export`` writes beside its output: what the corpus holds and how good it is.

For the Hugging Face formats (``hf-jsonl``, ``hf-parquet``) the card is the folder's ``README.md`` in the
Hugging Face dataset-card layout (YAML front matter with ``configs`` pointing at the exported file, so that
``datasets.load_dataset(folder)`` loads it); for the other formats it is ``quality.json``. Both give the
source archive, the dates, the counts, the filters used and the precision the QA marks measure
(``workbench.corpus.qa``) with its 95% interval and sample size, or "not measured". The card holds no
clock time and no local path: the same corpus and export give the same card.

A ``README.md`` or ``quality.json`` there that is not a workbench card is never overwritten: the card then
goes to ``<output name>.README.md`` (or ``<output name>.quality.json``) and the report says so.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from workbench import __version__
from workbench.corpus import export as corpus_export
from workbench.corpus import qa
from workbench.corpus.folder import CorpusError, CorpusFolder
from workbench.export import articles as ex
from workbench.store import files as storage

__all__ = ["CARD_FORMAT", "card", "hf_readme", "write_card"]

log = logging.getLogger(__name__)

CARD_FORMAT = "workbench.corpus-card/1"
_MARKER = "<!-- workbench corpus card: written by `workbench corpus export`, rewritten by the next one -->"
_SIZES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"))
_SIZES += ((10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B"))


def _size_category(n: int) -> str:
    return next((label for limit, label in _SIZES if n < limit), "n>1T")


def _dates(folder: CorpusFolder, options: corpus_export.CorpusExportOptions) -> dict:
    """The first and last date of the exported pairs' target stories."""
    pairs = corpus_export._pairs(folder, options)
    docs = folder.read("documents", columns=["doc_id", "date"]).to_pandas()
    dates = pd.to_datetime(docs[docs["doc_id"].isin(pairs["tgt_id"])]["date"], errors="coerce").dropna()
    if dates.empty:
        return {"first": None, "last": None}
    return {"first": dates.min().date().isoformat(), "last": dates.max().date().isoformat()}


def _quality(folder: CorpusFolder, options: corpus_export.CorpusExportOptions) -> dict:
    """The precision measured for this export's selection, or why it is not measured."""
    if not folder.has(qa.SAMPLE):
        return {
            "measured": False,
            "note": f"not measured: draw a sample and mark it (`workbench corpus qa sample {folder.name}`)",
        }
    result = qa.report(folder, thresholds=(options.min_score or 0.0,))
    estimate = result.at(options.min_score)
    if estimate is None or estimate.precision is None:
        return {
            "measured": False,
            "note": f"not measured: {result.unmarked} of {result.sampled} sampled items are not marked yet "
            f"(`workbench corpus qa mark {folder.name} ITEM right|wrong|partial|skip`)",
        }
    sampled = qa.options_of({"options": result.options})
    same = (sampled.decisions, sampled.min_pair_score, sampled.one_to_one) == (
        options.decisions,
        options.min_pair_score,
        options.one_to_one,
    )
    quality = {
        "measured": True,
        "precision": round(estimate.precision, 4),
        "interval": [round(estimate.low, 4), round(estimate.high, 4)],
        "interval_method": "95% Wilson on the effective sample size of the score bands' weighted estimate",
        "sample_size": estimate.marked,
        "links_kept": estimate.kept,
        "unmeasured_links": estimate.unmeasured,
        "min_score": options.min_score,
        "partial_counts_as": result.partial_weight,
        "stale_marks": len(result.stale),
        "seed": result.seed,
        "bands": [
            {
                "band": b.label,
                "links": b.links,
                "marked": b.n,
                "precision": None if b.precision is None else round(b.precision, 4),
                "interval": None if b.low is None else [round(b.low, 4), round(b.high, 4)],
            }
            for b in result.bands
        ],
    }
    if result.pairs.precision is not None:
        quality["pairs"] = {
            "precision": round(result.pairs.precision, 4),
            "interval": [round(result.pairs.low, 4), round(result.pairs.high, 4)],
            "sample_size": result.pairs.n,
            "of": result.pairs.links,
        }
    if not same:
        quality["note"] = (
            "measured on a sample of the links of another selection ("
            + ", ".join(f"{k} {v}" for k, v in result.options.items() if k != "min_score")
            + ")"
        )
    return quality


def card(
    folder: CorpusFolder,
    fmt: str,
    out: Path,
    options: corpus_export.CorpusExportOptions,
    report: ex.ExportReport,
) -> dict:
    """The card's content, for the export of ``folder`` to ``out`` in ``fmt`` that ``report`` describes."""
    source = folder.manifest.get("source", {})
    languages = folder.manifest.get("languages") or {
        k: v for k, v in folder.manifest.get("params", {}).get("pair", {}).items() if k in ("src", "tgt")
    }
    return {
        "format": CARD_FORMAT,
        "corpus": folder.name,
        "file": Path(out).name,
        "export_format": fmt,
        "languages": {"source": languages.get("src"), "target": languages.get("tgt")},
        "source": {
            "file": Path(source["path"]).name if source.get("path") else None,
            "format": source.get("format"),
            "bytes": source.get("bytes"),
            "sha256": source.get("sha256"),
        },
        "dates": _dates(folder, options),
        "counts": {
            "pairs": report.alignments,
            "links": report.written,
            "rows": report.units,
            "skipped": {reason: beads for reason, beads, _ in report.reasons() if beads},
        },
        "filters": {
            "decisions": list(options.decisions),
            "min_pair_score": options.min_pair_score,
            "min_score": options.min_score,
            "one_to_one": options.one_to_one,
        },
        "aligned": folder.stage("align").get("finished"),
        "quality": _quality(folder, options),
        "workbench": __version__,
    }


def _yaml(value) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON scalar is a YAML scalar


def _or_none(value) -> str:
    return "none" if value is None else f"{value:g}"


def _percent(x: float) -> str:
    return f"{100 * x:.1f}%"


def hf_readme(info: dict) -> str:
    """The card as a Hugging Face dataset card (README.md)."""
    langs = [x for x in (info["languages"]["source"], info["languages"]["target"]) if x]
    front = ["---", "language:", *(f"- {_yaml(x)}" for x in langs), "license: unknown"]
    front += [
        "task_categories:",
        "- translation",
        "size_categories:",
        f"- {_size_category(info['counts']['rows'])}",
    ]
    pretty = f"{info['corpus']} ({'-'.join(langs)})"
    front += [f"pretty_name: {_yaml(pretty)}", "configs:"]
    front += [
        "- config_name: default",
        "  data_files:",
        "  - split: train",
        f"    path: {_yaml(info['file'])}",
    ]
    front += ["---", ""]
    src, dates, counts, filters, q = (
        info["source"],
        info["dates"],
        info["counts"],
        info["filters"],
        info["quality"],
    )
    lines = [_MARKER, "", f"# {info['corpus']}: {'-'.join(langs)} parallel corpus", ""]
    lines += [
        f"Sentence links of the story pairs of corpus `{info['corpus']}`, aligned by the workbench "
        f"(version {info['workbench']}) and exported as `{info['export_format']}` to `{info['file']}`: "
        "one row a link, with both story ids, the link's sentence ids and score, and the pair's score "
        "and decision.",
        "",
        "## Source",
        "",
        f"- archive: `{src['file']}` ({src['format']}, {src['bytes'] or 0:,} bytes, {src['sha256']})",
        f"- dates of the target stories: {dates['first'] or 'unknown'} to {dates['last'] or 'unknown'}",
        f"- aligned: {info['aligned'] or 'unknown'}",
        "",
        "## Counts",
        "",
        f"- story pairs: {counts['pairs']:,}",
        f"- sentence links: {counts['links']:,} ({counts['rows']:,} rows)",
        *(f"- left out, {reason}: {n:,}" for reason, n in counts["skipped"].items()),
        "",
        "## Filters",
        "",
        f"- pair decisions: {', '.join(filters['decisions'])}",
        f"- minimum pair score: {_or_none(filters['min_pair_score'])}",
        f"- minimum link score: {_or_none(filters['min_score'])}",
        f"- one-to-one links only: {'yes' if filters['one_to_one'] else 'no'}",
        "",
        "## Quality",
        "",
    ]
    if q["measured"]:
        low, high = q["interval"]
        lines += [
            f"- link precision: {_percent(q['precision'])} "
            f"(95% interval {_percent(low)} to {_percent(high)}), "
            f"from {q['sample_size']} links a person marked in a random sample stratified by link score "
            f"(seed {q['seed']}; a partial link counts {q['partial_counts_as']:g})",
        ]
        if "pairs" in q:
            p = q["pairs"]
            lines.append(
                f"- pairing precision of the machine's pairs: {_percent(p['precision'])} (95% interval "
                f"{_percent(p['interval'][0])} to {_percent(p['interval'][1])}), "
                f"from {p['sample_size']} pairs"
            )
        lines += [
            "",
            "| link score | links | marked | precision | 95% interval |",
            "|---|---:|---:|---:|---|",
        ]
        for b in q["bands"]:
            shown = "-" if b["precision"] is None else _percent(b["precision"])
            interval = (
                "-" if b["interval"] is None else f"{_percent(b['interval'][0])}-{_percent(b['interval'][1])}"
            )
            lines.append(f"| {b['band']} | {b['links']:,} | {b['marked']} | {shown} | {interval} |")
        if q.get("note"):
            lines += ["", f"Note: {q['note']}."]
    else:
        lines.append(f"- precision: {q['note']}")
    lines += [
        "",
        "## Licence",
        "",
        "Unknown: the licence is that of the source archive; check it before you use or share this corpus.",
        "",
    ]
    return "\n".join(front + lines)


def _ours(path: Path, fmt: str) -> bool:
    """True if ``path`` does not exist or is a card the workbench wrote."""
    if not path.exists():
        return True
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if fmt.startswith("hf-"):
        return _MARKER in text
    try:
        return json.loads(text).get("format") == CARD_FORMAT
    except (json.JSONDecodeError, AttributeError, RecursionError):
        return False


def write_card(
    folder: CorpusFolder,
    fmt: str,
    out: Path,
    options: corpus_export.CorpusExportOptions,
    report: ex.ExportReport,
) -> Path:
    """Write the card of an export that has just written ``out`` (see the module's doc); returns its path,
    which is added to ``report.files``."""
    out = Path(out)
    info = card(folder, fmt, out, options, report)
    hf = fmt.startswith("hf-")
    name = "README.md" if hf else "quality.json"
    path = out.parent / name
    if not _ours(path, fmt):
        path = out.parent / f"{out.name}.{name}"
        report.warn(f"{out.parent / name} is not a workbench card and was kept: the card is {path.name}")
    text = hf_readme(info) if hf else json.dumps(info, indent=2, ensure_ascii=False) + "\n"
    try:
        storage.atomic_write_text(path, text)
    except OSError as exc:
        raise CorpusError(f"cannot write the dataset card {path}: {exc.strerror or exc}") from exc
    report.files.append(str(path))
    log.info("dataset card -> %s", path)
    return path
