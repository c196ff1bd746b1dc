"""Corpus quality, measured: a random sample of the links an export would write, a person's marks on it, and
the precision they measure, per score band and overall, with 95% Wilson intervals.

- :func:`draw` samples the links that ``corpus export`` would write with the same options (its own
  ``records`` and bead filter), stratified by bead-score band (:data:`BANDS`), plus the pairs the machine
  decided (is the document pairing right?), and stores the sample as ``qa_sample.parquet``.
- :func:`mark` records a person's mark on one item in ``qa_marks.parquet``: atomically, under the lock of
  that file. No run of the pipeline writes either file, and a new sample never removes a mark.
- :func:`report` estimates the precision: per band, overall (bands weighted by their share of the links
  exported now), and for each ``--min-score`` threshold with the links it keeps. A mark whose link changed
  since it was marked (other texts) or is no longer exported is *stale*: listed, never counted.

The draw: every item's place is a keyed hash (BLAKE2b) of its key and the seed, and each band takes the
items of lowest place. That is a uniform random draw without replacement, the same for the same seed; a
larger ``size`` keeps the earlier items, and after a rebuild the items whose links are still there stay in
(so their marks still count).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from workbench.corpus import export as corpus_export
from workbench.corpus.folder import CorpusError, CorpusFolder
from workbench.export import articles as ex
from workbench.store import files as storage

__all__ = [
    "BANDS",
    "MARKS",
    "Estimate",
    "QAReport",
    "Tally",
    "allocate",
    "draw",
    "exported_links",
    "items",
    "mark",
    "plot",
    "read_sample",
    "report",
    "stratified",
    "wilson",
]

log = logging.getLogger(__name__)

FORMAT = "workbench.corpus-qa/1"
SAMPLE, MARKS_TABLE = "qa_sample", "qa_marks"
# Bead-score bands, [low, high) (the last one includes 1). The aligner's scores pile up near the top (on
# the KCNA archive about half the links score 0.85 or more), so equal-width bands would leave the low tail,
# where the errors are, with a handful of links: these split off that tail and the middle, and the sample
# takes as many links from each band as it can, so each band's precision is measured.
BANDS: tuple[tuple[float, float], ...] = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.85), (0.85, 1.0))
MARKS = ("right", "wrong", "partial", "skip")
THRESHOLDS = (0.0, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
PAIR_BAND = "pairs"
Z95 = 1.959963984540054  # the 97.5% quantile of the standard normal
_OPENING = 400  # characters of each story a pair item shows

SAMPLE_SCHEMA = pa.schema(
    [
        ("item", pa.int32()),  # 1.. in the order a reviewer sees them
        ("id", pa.string()),  # "l" (link) or "p" (pair) and 12 hex of the key's hash: stable across draws
        ("kind", pa.string()),  # link or pair
        ("band", pa.string()),  # a link's score band ("0.85-1.00"), or "pairs"
        ("tgt_id", pa.string()),
        ("src_id", pa.string()),
        ("src_ids", pa.list_(pa.string())),  # the link's source sentence ids (a pair: none)
        ("tgt_ids", pa.list_(pa.string())),
        ("score", pa.float64()),  # the bead's score, or the pair's
        ("src_text", pa.string()),  # the link's texts (a pair: the stories' openings)
        ("tgt_text", pa.string()),
        ("src_title", pa.string()),
        ("tgt_title", pa.string()),
        ("hash", pa.string()),  # of both sides' texts (a pair: of both stories)
    ]
)
MARK_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("kind", pa.string()),
        ("tgt_id", pa.string()),
        ("src_id", pa.string()),
        ("src_ids", pa.list_(pa.string())),
        ("tgt_ids", pa.list_(pa.string())),
        ("hash", pa.string()),  # the texts the person saw
        ("mark", pa.string()),  # right, wrong, partial or skip
        ("at", pa.string()),  # ISO 8601 UTC
    ]
)


# --- statistics -------------------------------------------------------------------------------------------


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``successes / n`` (95% by default); (0, 1) when n is 0.
    ``successes`` may be fractional (partial marks)."""
    if n <= 0:
        return 0.0, 1.0
    p = min(max(successes / n, 0.0), 1.0)
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def allocate(size: int, populations: list[int]) -> list[int]:
    """How many items each band gets: equal shares, capped by what a band holds; what a small band cannot
    take goes to the others (lower bands first for a remainder). Never shrinks a band as ``size`` grows."""
    taken = [0] * len(populations)
    left = size
    open_ = [i for i, p in enumerate(populations) if p > 0]
    while left > 0 and open_:
        share = max(left // len(open_), 1)
        for i in list(open_):
            take = min(share, populations[i] - taken[i], left)
            taken[i] += take
            left -= take
            if taken[i] == populations[i]:
                open_.remove(i)
            if not left:
                break
    return taken


def stratified(strata: list[tuple[int, float, int]], z: float = Z95) -> tuple[float, float, float]:
    """The precision of a population from a random sample of each stratum, with its interval.

    ``strata``: (links in the stratum, successes marked, marks) for each stratum with marks. The estimate
    weights each stratum's proportion by its share of the links; the interval is Wilson's on the effective
    sample size p(1-p)/variance (Kish), at most the marks in all; one stratum gives Wilson's own interval.
    A stratum marked all right (or all wrong) has its variance taken at its Wilson centre, so that it still
    counts as uncertain."""
    total = sum(links for links, _, _ in strata)
    p = sum(links / total * hits / n for links, hits, n in strata)
    variance = 0.0
    for links, hits, n in strata:
        q = hits / n if 0 < hits < n else (hits + z * z / 2) / (n + z * z)
        variance += (links / total) ** 2 * q * (1 - q) / n
    marks = sum(n for _, _, n in strata)
    n_eff = min(p * (1 - p) / variance, marks) if variance > 0 and 0 < p < 1 else marks
    low, high = wilson(p * n_eff, n_eff, z)
    return p, low, high


def band_label(index: int) -> str:
    low, high = BANDS[index]
    return f"{low:.2f}-{high:.2f}"


def band_index(scores) -> np.ndarray:
    """The band of each score (0 .. len(BANDS) - 1)."""
    edges = np.array([low for low, _ in BANDS[1:]])
    return np.searchsorted(edges, np.asarray(scores, dtype=float), side="right")


@dataclass
class Tally:
    """The usable marks of one band (stale ones left out); ``partial`` is the weight of a partial mark."""

    label: str
    links: int = 0  # links of the band the export writes now (pairs: pairs the machine decided)
    sampled: int = 0
    right: int = 0
    wrong: int = 0
    partial: int = 0
    skip: int = 0
    stale: int = 0
    partial_weight: float = 0.5
    precision: float | None = None
    low: float | None = None
    high: float | None = None
    share: float = 0.0

    @property
    def n(self) -> int:
        return self.right + self.wrong + self.partial

    def add(self, value: str) -> None:
        setattr(self, value, getattr(self, value) + 1)

    def finish(self) -> Tally:
        if self.n:
            hits = self.right + self.partial_weight * self.partial
            self.precision = hits / self.n
            self.low, self.high = wilson(hits, self.n)
        return self


@dataclass
class Estimate:
    """The precision of the links with a score of at least ``min_score``: the bands' precisions weighted by
    the links each keeps, with a Wilson interval on the effective sample size of that stratified estimate
    (see :func:`stratified`)."""

    min_score: float
    kept: int  # links the export keeps at this threshold
    marked: int  # usable marks behind the estimate
    precision: float | None = None
    low: float | None = None
    high: float | None = None
    unmeasured: int = 0  # kept links in bands with no usable mark above the threshold (left out)


@dataclass
class QAReport:
    corpus: str
    seed: int
    drawn: str
    options: dict
    partial_weight: float
    sampled: int
    unmarked: int
    bands: list[Tally]
    overall: Estimate
    thresholds: list[Estimate]
    pairs: Tally
    stale: list[dict] = field(default_factory=list)  # id, item, kind, tgt_id, why

    def to_dict(self) -> dict:
        return asdict(self)

    def at(self, min_score: float | None) -> Estimate | None:
        """The estimate at ``min_score`` (None: every link), if the report has that threshold."""
        return next((e for e in self.thresholds if e.min_score == (min_score or 0.0)), None)


# --- the links an export writes ----------------------------------------------------------------------------


def _hash(*texts: str) -> str:
    return hashlib.sha256("\x1f".join(texts).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _key(tgt_id: str, src_id: str, src_ids=(), tgt_ids=()) -> str:
    return f"{tgt_id}|{src_id}|{','.join(src_ids)}|{','.join(tgt_ids)}"


def _id(kind: str, key: str) -> str:
    return kind[0] + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _bead_options(options: corpus_export.CorpusExportOptions) -> ex.ExportOptions:
    """The bead filter ``export_corpus`` applies for ``options``."""
    return ex.ExportOptions(status="any", min_score=options.min_score, one_to_one=options.one_to_one)


def exported_links(
    folder: CorpusFolder, options: corpus_export.CorpusExportOptions
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The links ``corpus export`` writes with ``options`` (one row a bead: id, key fields, score, texts,
    hash) and the pairs they come from (tgt_id, src_id, score, decision)."""
    options.check()
    bead_options = _bead_options(options)
    report = ex.ExportReport("jsonl")
    links, pairs = [], []
    for record in corpus_export.records(folder, options, report):
        a = record.alignment
        pairs.append(
            {
                "tgt_id": a.target.version,
                "src_id": a.source.version,
                "score": record.extra.get("pair_score"),
                "decision": record.extra.get("pair_decision"),
            }
        )
        for row in ex._rows(record, bead_options, report):
            key = _key(row.target_version, row.source_version, row.source_ids, row.target_ids)
            links.append(
                {
                    "id": _id("link", key),
                    "key": key,
                    "tgt_id": row.target_version,
                    "src_id": row.source_version,
                    "src_ids": row.source_ids,
                    "tgt_ids": row.target_ids,
                    "score": row.score,
                    "src_text": row.source_text,
                    "tgt_text": row.target_text,
                    "hash": _hash(row.source_text, row.target_text),
                }
            )
    columns = ["id", "key", "tgt_id", "src_id", "src_ids", "tgt_ids", "score", "src_text", "tgt_text", "hash"]
    links = pd.DataFrame(links, columns=columns)
    links["band"] = band_index(links["score"]) if len(links) else pd.Series(dtype=int)
    return links, pd.DataFrame(pairs, columns=["tgt_id", "src_id", "score", "decision"])


def _machine_pairs(folder: CorpusFolder, pairs: pd.DataFrame) -> pd.DataFrame:
    """The exported pairs the machine decided (auto, doubtful), with both stories' titles, openings and a
    hash of both stories."""
    pairs = pairs[pairs["decision"].isin(("auto", "doubtful"))].copy()
    docs = folder.read("documents", columns=["doc_id", "title", "text", "text_hash"]).to_pandas()
    docs = docs.set_index("doc_id")
    for side in ("src", "tgt"):
        found = docs.reindex(pairs[f"{side}_id"])
        pairs[f"{side}_title"] = found["title"].fillna("").to_numpy()
        pairs[f"{side}_text"] = found["text"].fillna("").str.slice(0, _OPENING).to_numpy()
        pairs[f"{side}_hash"] = found["text_hash"].fillna("").to_numpy()
    pairs["key"] = [_key(t, s) for t, s in zip(pairs["tgt_id"], pairs["src_id"], strict=True)]
    pairs["id"] = [_id("pair", k) for k in pairs["key"]]
    pairs["hash"] = [_hash(s, t) for s, t in zip(pairs["src_hash"], pairs["tgt_hash"], strict=True)]
    return pairs.reset_index(drop=True)


def _titles(folder: CorpusFolder) -> dict[str, str]:
    docs = folder.read("documents", columns=["doc_id", "title"]).to_pandas()
    return dict(zip(docs["doc_id"], docs["title"].fillna(""), strict=True))


# --- the sample ----------------------------------------------------------------------------------------


def _place(seed: int, key: str) -> int:
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8, key=seed.to_bytes(8, "big"))
    return int.from_bytes(digest.digest(), "big")


def _lowest(frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    places = frame.assign(_place=[_place(seed, k) for k in frame["key"]])
    return places.sort_values(["_place", "key"]).head(n)


def _path(folder: CorpusFolder, table: str) -> Path:
    return folder.table_path(table)


def read_sample(folder: CorpusFolder) -> tuple[pd.DataFrame, dict]:
    if not folder.has(SAMPLE):
        raise CorpusError(
            f"corpus {folder.name} has no QA sample yet: draw one with "
            f"`workbench corpus qa sample {folder.name} --size 200`"
        )
    table = folder.read(SAMPLE)
    meta = json.loads((table.schema.metadata or {}).get(b"workbench", b"{}"))
    return table.to_pandas(), meta


def _read_marks(folder: CorpusFolder) -> pd.DataFrame:
    return (
        folder.read(MARKS_TABLE).to_pandas()
        if folder.has(MARKS_TABLE)
        else MARK_SCHEMA.empty_table().to_pandas()
    )


def options_of(meta: dict) -> corpus_export.CorpusExportOptions:
    """The export options a sample was drawn for."""
    given = meta.get("options", {})
    return corpus_export.CorpusExportOptions(
        decisions=tuple(given.get("decisions", corpus_export.CorpusExportOptions().decisions)),
        min_pair_score=given.get("min_pair_score"),
        one_to_one=bool(given.get("one_to_one", False)),
    )


def _options_dict(options: corpus_export.CorpusExportOptions) -> dict:
    return {
        "decisions": list(options.decisions),
        "min_pair_score": options.min_pair_score,
        "min_score": options.min_score,
        "one_to_one": options.one_to_one,
    }


def draw(
    folder: CorpusFolder,
    size: int,
    seed: int | None = None,
    pairs: int = 20,
    options: corpus_export.CorpusExportOptions | None = None,
    force: bool = False,
) -> pd.DataFrame:
    """Draw a sample of ``size`` links (stratified by :data:`BANDS`) and ``pairs`` machine-decided pairs
    from what ``corpus export`` writes with ``options`` (bead filters but ``min_score``: the report gives
    each threshold), store it as ``qa_sample.parquet`` and return it. The same seed gives the same sample.
    Marks are kept; a draw that would leave out marked items of the current sample is refused without
    ``force`` (their marks then stay in ``qa_marks.parquet`` but no longer count)."""
    if size < 1 or pairs < 0:
        raise CorpusError("give a sample --size of at least 1 link, and --pairs of 0 or more")
    options = options or corpus_export.CorpusExportOptions()
    options = corpus_export.CorpusExportOptions(
        options.decisions, options.min_pair_score, None, options.one_to_one
    )
    seed = secrets.randbits(32) if seed is None else int(seed)
    if not 0 <= seed < 2**63:
        raise CorpusError(f"--seed must be between 0 and {2**63 - 1}, not {seed}")
    links, exported = exported_links(folder, options)
    if links.empty:
        raise CorpusError(
            f"corpus {folder.name} exports no link with these options ({_describe(options)}): nothing to "
            "sample; build and align it first, or choose other --decision"
        )
    counts = [int((links["band"] == b).sum()) for b in range(len(BANDS))]
    chosen = []
    for b, n in enumerate(allocate(size, counts)):
        picked = _lowest(links[links["band"] == b], n, seed)
        chosen.append(picked.assign(kind="link", band=band_label(b)))
    machine = _machine_pairs(folder, exported)
    chosen.append(
        _lowest(machine, pairs, seed).assign(kind="pair", band=PAIR_BAND, src_ids=None, tgt_ids=None)
    )
    sample = pd.concat([c for c in chosen if len(c)], ignore_index=True)
    sample["order"] = sample["kind"].map({"link": 0, "pair": 1})
    sample = sample.sort_values(["order", "_place", "key"]).reset_index(drop=True)
    titles = _titles(folder)
    sample["src_title"] = sample["src_id"].map(titles).fillna("")
    sample["tgt_title"] = sample["tgt_id"].map(titles).fillna("")
    sample["item"] = np.arange(1, len(sample) + 1, dtype=np.int32)
    sample["src_ids"] = [list(x) if isinstance(x, list | np.ndarray) else [] for x in sample["src_ids"]]
    sample["tgt_ids"] = [list(x) if isinstance(x, list | np.ndarray) else [] for x in sample["tgt_ids"]]
    meta = {
        "format": FORMAT,
        "seed": seed,
        "size": size,
        "pairs": pairs,
        "options": _options_dict(options),
        "drawn": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "links": int(len(links)),
        "bands": {band_label(b): c for b, c in enumerate(counts)},
    }
    table = pa.Table.from_pandas(sample[SAMPLE_SCHEMA.names], schema=SAMPLE_SCHEMA, preserve_index=False)
    table = table.replace_schema_metadata({"workbench": json.dumps(meta)})
    with storage.locked(_path(folder, MARKS_TABLE)):  # one lock for both files: a mark sees one sample
        marks = _read_marks(folder)
        if folder.has(SAMPLE) and len(marks):
            old, old_meta = read_sample(folder)
            dropped = sorted(set(old["id"]) & set(marks["id"]) - set(sample["id"]))
            if dropped and not force:
                raise CorpusError(
                    f"this sample would leave out {len(dropped)} marked item(s) of the current one (e.g. "
                    f"{', '.join(dropped[:3])}): draw with --seed {old_meta.get('seed')} and a --size of "
                    f"{old_meta.get('size')} or more to keep them (links that changed since cannot be kept), "
                    "or --force to draw it anyway (their marks stay in qa_marks.parquet but no longer count)"
                )
        folder.write(SAMPLE, table)
    log.info("corpus %s: sampled %d links and %d pairs (seed %d)", folder.name, len(sample), pairs, seed)
    return sample[SAMPLE_SCHEMA.names]


def _describe(options: corpus_export.CorpusExportOptions) -> str:
    parts = ["decisions " + ",".join(options.decisions)]
    if options.min_pair_score is not None:
        parts.append(f"pair score >= {options.min_pair_score:g}")
    if options.min_score is not None:
        parts.append(f"bead score >= {options.min_score:g}")
    if options.one_to_one:
        parts.append("1-1 beads only")
    return ", ".join(parts)


# --- marks ---------------------------------------------------------------------------------------------


def items(folder: CorpusFolder) -> pd.DataFrame:
    """The sample with each item's mark (None when unmarked) and ``changed``: marked on other texts than the
    sample shows (a new draw after a rebuild). The report's stale check also compares with the corpus."""
    sample, _ = read_sample(folder)
    marks = _read_marks(folder)[["id", "mark", "hash", "at"]].rename(columns={"hash": "marked_hash"})
    joined = sample.merge(marks, on="id", how="left")
    joined["mark"] = joined["mark"].astype(object).where(joined["mark"].notna(), None)
    joined["changed"] = joined["mark"].notna() & (joined["marked_hash"] != joined["hash"])
    return joined


def _find(sample: pd.DataFrame, item: str | int) -> pd.Series:
    text = str(item).strip()
    found = sample[sample["item"] == int(text)] if text.isdigit() else sample[sample["id"] == text]
    if found.empty:
        raise CorpusError(
            f"no item {text!r} in the QA sample ({len(sample)} items): give its number (1-{len(sample)}) "
            "or its id, as `workbench corpus qa show` lists them"
        )
    return found.iloc[0]


def mark(folder: CorpusFolder, item: str | int, value: str) -> dict:
    """Record a person's mark (right, wrong, partial, skip; ``clear`` forgets it) on ``item`` of the
    sample (its number or id); returns the item with its mark. Written atomically under the marks' lock."""
    if value not in (*MARKS, "clear"):
        raise CorpusError(f"unknown mark {value!r}: use {', '.join(MARKS)} (or clear)")
    with storage.locked(_path(folder, MARKS_TABLE)):
        sample, _ = read_sample(folder)
        row = _find(sample, item)
        marks = _read_marks(folder)
        marks = marks[marks["id"] != row["id"]]
        if value != "clear":
            new = {
                "id": row["id"],
                "kind": row["kind"],
                "tgt_id": row["tgt_id"],
                "src_id": row["src_id"],
                "src_ids": list(row["src_ids"]),
                "tgt_ids": list(row["tgt_ids"]),
                "hash": row["hash"],
                "mark": value,
                "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            marks = (
                pd.concat([marks, pd.DataFrame([new])], ignore_index=True)
                if len(marks)
                else pd.DataFrame([new])
            )
        table = pa.Table.from_pandas(marks.sort_values("id"), schema=MARK_SCHEMA, preserve_index=False)
        folder.write(MARKS_TABLE, table)
    return {**row.to_dict(), "mark": None if value == "clear" else value}


# --- the report ----------------------------------------------------------------------------------------


def _estimate(links: pd.DataFrame, usable: pd.DataFrame, t: float, partial: float) -> Estimate:
    """Post-stratified precision at threshold ``t``: per band, the marked links above ``t`` are a random
    sample of the band's links above ``t``."""
    kept = links[links["score"] >= t]
    est = Estimate(min_score=t, kept=int(len(kept)), marked=0)
    strata = []
    for b in range(len(BANDS)):
        n_links = int((kept["band"] == b).sum())
        if not n_links:
            continue
        tally = Tally("", partial_weight=partial)
        for value in usable[(usable["band"] == b) & (usable["score"] >= t)]["mark"]:
            tally.add(value)
        tally.finish()
        if tally.precision is None:
            est.unmeasured += n_links
            continue
        est.marked += tally.n
        strata.append((n_links, tally.right + partial * tally.partial, tally.n))
    if strata:
        est.precision, est.low, est.high = stratified(strata)
    return est


def report(
    folder: CorpusFolder, partial: float = 0.5, thresholds: tuple[float, ...] | list[float] | None = None
) -> QAReport:
    """The precision the marks measure (see the module's doc). ``partial``: what a partial mark counts
    (0.5 by default; 0 counts it wrong). Skipped and stale marks are left out."""
    if not 0.0 <= partial <= 1.0:
        raise CorpusError(f"--partial must be between 0 (counted wrong) and 1 (counted right), not {partial}")
    thresholds = sorted({0.0, *(THRESHOLDS if thresholds is None else thresholds)})
    for t in thresholds:
        if not 0.0 <= t <= 1.0:
            raise CorpusError(f"--min-score must be between 0 and 1, not {t}")
    sample, meta = read_sample(folder)
    links, exported = exported_links(folder, options_of(meta))
    machine = _machine_pairs(folder, exported)
    marked = sample.merge(_read_marks(folder)[["id", "hash", "mark"]], on="id", suffixes=("", "_marked"))
    current = pd.concat(
        [links[["id", "hash", "score", "band"]], machine[["id", "hash", "score"]].assign(band=-1)],
        ignore_index=True,
    ).set_index("id")
    stale, rows = [], []
    for row in marked.itertuples(index=False):
        now = current.loc[row.id] if row.id in current.index else None
        if now is None or now["hash"] != row.hash_marked:
            why = "no longer exported" if now is None else "its texts changed since it was marked"
            stale.append(
                {"id": row.id, "item": int(row.item), "kind": row.kind, "tgt_id": row.tgt_id, "why": why}
            )
            continue
        if row.mark != "skip":
            rows.append({"kind": row.kind, "mark": row.mark, "score": now["score"], "band": int(now["band"])})
    usable = pd.DataFrame(rows, columns=["kind", "mark", "score", "band"])
    link_marks = usable[usable["kind"] == "link"]
    bands = []
    total = max(len(links), 1)
    for b in range(len(BANDS)):
        tally = Tally(band_label(b), partial_weight=partial)
        tally.links = int((links["band"] == b).sum())
        tally.share = tally.links / total
        tally.sampled = int((sample["band"] == band_label(b)).sum())
        for value in link_marks[link_marks["band"] == b]["mark"]:
            tally.add(value)
        tally.skip = int(((marked["band"] == band_label(b)) & (marked["mark"] == "skip")).sum())
        tally.stale = sum(
            1 for s in stale if s["kind"] == "link" and _band_of_item(sample, s["id"]) == tally.label
        )
        bands.append(tally.finish())
    pairs = Tally(PAIR_BAND, links=int(len(machine)), partial_weight=partial)
    pairs.sampled = int((sample["kind"] == "pair").sum())
    for value in usable[usable["kind"] == "pair"]["mark"]:
        pairs.add(value)
    pairs.skip = int(((marked["kind"] == "pair") & (marked["mark"] == "skip")).sum())
    pairs.stale = sum(1 for s in stale if s["kind"] == "pair")
    estimates = [_estimate(links, link_marks, t, partial) for t in thresholds]
    return QAReport(
        corpus=folder.name,
        seed=int(meta.get("seed", 0)),
        drawn=meta.get("drawn", ""),
        options=meta.get("options", {}),
        partial_weight=partial,
        sampled=int(len(sample)),
        unmarked=int(len(sample) - len(marked)),
        bands=bands,
        overall=estimates[0],
        thresholds=estimates,
        pairs=pairs.finish(),
        stale=stale,
    )


def _band_of_item(sample: pd.DataFrame, item_id: str) -> str:
    return sample.loc[sample["id"] == item_id, "band"].iloc[0]


def plot(result: QAReport, path: Path) -> Path:
    """A PNG of the estimated precision (with its interval) and the links kept, against ``--min-score``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as plt
    except ImportError as exc:
        raise CorpusError("the plot needs matplotlib: pip install matplotlib") from exc
    path = Path(path)
    if not path.parent.is_dir():
        raise CorpusError(f"cannot write {path}: folder {path.parent} does not exist; create it first")
    measured = [e for e in result.thresholds if e.precision is not None]
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=100)
    try:
        x = [e.min_score for e in measured]
        ax.plot(x, [e.precision for e in measured], marker="o", color="tab:blue", label="precision")
        ax.fill_between(
            x, [e.low for e in measured], [e.high for e in measured], color="tab:blue", alpha=0.2, label="95%"
        )
        ax.set_xlabel("--min-score")
        ax.set_ylabel("estimated precision", color="tab:blue")
        ax.set_ylim(0, 1.02)
        kept = ax.twinx()
        kept.plot(
            [e.min_score for e in result.thresholds],
            [e.kept for e in result.thresholds],
            marker="s",
            color="tab:orange",
            label="links kept",
        )
        kept.set_ylabel("links kept", color="tab:orange")
        kept.set_ylim(0, max([e.kept for e in result.thresholds] + [1]) * 1.05)
        ax.set_title(f"corpus {result.corpus}: precision and yield")
        ax.grid(alpha=0.3)
        buffer = io.BytesIO()
        fig.tight_layout()
        fig.savefig(buffer, format="png")
    finally:
        plt.close(fig)
    try:
        storage.atomic_write_bytes(path, buffer.getvalue())
    except OSError as exc:
        raise CorpusError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path
