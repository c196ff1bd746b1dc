"""From an archive of unpaired stories to a parallel corpus: the ``workbench corpus`` pipeline.

Stages (``pipeline``), each a set of pure functions over tables that any engine can run:

1. ``import`` (``archive``, ``documents``): read the archive, detect languages, derive dates, flag
   duplicates, empty and over-long stories, split sentences -> ``documents``, ``sentences``.
2. ``pair`` (``pairing``, ``evidence``): candidates by date, scored by lead embeddings, numbers, names and
   length, rescored by sentence alignment, assigned one-to-one and decided -> ``candidates``, ``pairs``.
3. ``align``: the sentence links of every pair -> ``links``.

Then ``export`` (through ``workbench.export.articles``) and ``review`` (a person's decisions; a pair opened
as an
article in ``texts/``). The CLI (``workbench corpus``) and the app call the functions here.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pandas as pd

from workbench.corpus.folder import (
    CORPORA,
    CorpusError,
    CorpusFolder,
    refuse_inside_corpus,
    resolve,
    validate_name,
)
from workbench.corpus.pairing import DECISIONS
from workbench.corpus.pipeline import STAGES, build, run_align, run_import, run_pair
from workbench.settings import apply_settings
from workbench.store.files import atomic_writer

__all__ = [
    "CORPORA",
    "CorpusError",
    "CorpusFolder",
    "build",
    "create_or_open",
    "list_corpora",
    "open_corpus",
    "pairs_frame",
    "parse_decisions",
    "parse_settings",
    "replace_params",
    "run_align",
    "run_import",
    "run_pair",
    "status",
    "write_pairs_csv",
]


def open_corpus(root: Path, name_or_path: str | Path) -> CorpusFolder:
    """The corpus of that name (``<root>/corpora/<name>``) or folder."""
    return CorpusFolder.open(resolve(root, name_or_path))


def list_corpora(root: Path) -> list[CorpusFolder]:
    """The corpora under ``<root>/corpora`` (folders with a readable manifest), by name."""
    folder = Path(root) / CORPORA
    found = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        try:
            found.append(CorpusFolder.open(path))
        except CorpusError:
            continue
    return found


def create_or_open(root: Path, name: str | None, out: Path | None) -> CorpusFolder:
    """The corpus ``--name`` (under ``<root>/corpora``) or ``--out`` names, created if new. One whose
    manifest cannot be used comes back with ``damaged`` set: only a build with ``rebuild`` takes it."""
    if (name is None) == (out is None):
        raise CorpusError("give the corpus a --name (a folder under corpora/) or an --out folder")
    path = (
        Path(root) / CORPORA / validate_name(name) if name is not None else Path(out).expanduser().resolve()
    )
    if (path / "manifest.json").is_file():  # damaged: refused, but by a build that starts it over
        return CorpusFolder.damaged_or_new(path, name or path.name)
    return CorpusFolder.create(path, name or path.name)


def replace_params(params, changes: dict):
    """``params`` (a frozen dataclass) with ``changes``; CorpusError for an unknown setting."""
    unknown = set(changes) - {f.name for f in dataclasses.fields(params)}
    if unknown:
        raise CorpusError(f"unknown setting {', '.join(sorted(unknown))}")
    return dataclasses.replace(params, **changes)


def parse_settings(params, items: list[str] | None):
    """``params`` with settings given as ``KEY=VALUE`` texts (``--set accept=2.9``), each value read as the
    setting's type (:func:`workbench.settings.apply_settings`); CorpusError for an unknown setting, a value
    of the wrong kind or a number that is not finite."""
    return apply_settings(params, items, option="--set", error=CorpusError)


def parse_decisions(text: str | None) -> tuple[str, ...] | None:
    """ "auto,doubtful" -> ("auto", "doubtful"); None stays None (all)."""
    if text is None:
        return None
    chosen = tuple(x.strip() for x in text.split(",") if x.strip())
    unknown = [x for x in chosen if x not in DECISIONS]
    if unknown or not chosen:
        raise CorpusError(f"unknown decision {', '.join(unknown) or text!r}: use {', '.join(DECISIONS)}")
    return chosen


def pairs_frame(folder: CorpusFolder, decisions: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The pairs with both stories' titles and dates, doubtful and low-margin first."""
    pairs = folder.read("pairs").to_pandas()
    if "probability" not in pairs:  # a corpus paired before the probability was kept
        pairs["probability"] = float("nan")
    if decisions is not None:
        pairs = pairs[pairs["decision"].isin(decisions)]
    docs = folder.read("documents", columns=["doc_id", "title", "date"]).to_pandas().set_index("doc_id")
    for side in ("src", "tgt"):
        ids = pairs[f"{side}_id"]
        pairs[f"{side}_title"] = ids.map(docs["title"])
        pairs[f"{side}_date"] = ids.map(docs["date"])
    order = {"doubtful": 0, "none": 1, "auto": 2, "accepted": 3, "rejected": 4}
    pairs = pairs.assign(_order=pairs["decision"].map(order)).sort_values(["_order", "margin", "tgt_id"])
    columns = ["tgt_id", "src_id", "score", "margin", "probability", "decision", "reason", "decided_by"]
    columns += ["best_candidate", "candidates", "tgt_title", "src_title", "tgt_date", "src_date"]
    return pairs[columns].reset_index(drop=True)


def write_pairs_csv(frame: pd.DataFrame, out: Path) -> None:
    """The pairs as CSV (runners-up space-separated), written atomically."""
    frame = frame.assign(candidates=[" ".join(c) for c in frame["candidates"]])
    out = Path(out)
    refuse_inside_corpus(out)
    if out.is_dir():
        raise CorpusError(f"{out} is a folder: give a file name, e.g. {out / 'pairs.csv'}")
    if not out.parent.is_dir():
        raise CorpusError(f"cannot write {out}: folder {out.parent} does not exist")
    with atomic_writer(out) as fh:
        fh.write(frame.to_csv(index=False, quoting=csv.QUOTE_MINIMAL, float_format="%.4f").encode("utf-8"))


def status(folder: CorpusFolder) -> dict:
    """What a person wants to know of a corpus: its source, stages, stories, pairs and links."""
    try:
        return _status(folder)
    except (AttributeError, KeyError, TypeError):
        raise CorpusError(
            f"the manifest of corpus {folder.name} is damaged (its counts cannot be read): start its stages "
            "over with `workbench corpus build ARCHIVE ... --rebuild` (decisions are kept)"
        ) from None


def _status(folder: CorpusFolder) -> dict:
    m = folder.manifest
    stages = {s: m.get("stages", {}).get(s, {}) for s in STAGES}
    tables: dict[str, list[tuple[str, int]]] = {}
    imp = m.get("import")
    if imp:
        rows = [("stories", imp["stories"])]
        rows += [(f"in {k}", v) for k, v in imp["languages"].items()]
        rows += [(f"relabelled {k}", v) for k, v in imp["relabelled"].items()]
        rows += [(f"dates from {k}", v) for k, v in imp["dates"].items()]
        rows += [(f"flagged {k}", v) for k, v in imp["flags"].items()]
        rows += [("sentences", imp["sentences"])]
        tables["documents"] = rows
    pair = m.get("pair")
    if pair:
        tables["pairs"] = [(f"decision {k}", v) for k, v in pair["decisions"].items()]
        tables["pairs"] += [("candidates", pair["candidates"]), ("rescored by alignment", pair["rescored"])]
    align = m.get("align")
    if align:
        tables["links"] = [("aligned pairs", align["pairs"]), ("sentence links", align["links"])]
    return {"name": folder.name, "source": m.get("source"), "stages": stages, "tables": tables}
