"""What a translation leaves out: per pair, the source sentences with no counterpart (left out), the target
sentences with none (added) and the links far weaker than the pair's typical link (rewritten); over the
archive, the share of pairs abridged by month, the most abridged stories and the kinds of sentences most
often left out. Read from the links table: a 1-0 bead is a left-out source sentence, a 0-1 bead an added
target sentence. Since the sentence aligner usually merges a sentence without a counterpart into its
neighbour's bead, each pair's links first go through ``workbench.align.omission.split_unaligned`` (with the
corpus's own aligner preset), which splits such sentences off the ends of multi-sentence beads.

"Rewritten" is a link with text on both sides whose score (the aligner's confidence) is below
``REWRITE_RATIO`` times the median score of the pair's links and below ``REWRITE_MAX`` (scores are at most 1,
so the ceiling binds only for a ratio above it), in a pair of at least ``REWRITE_MIN_LINKS`` such links. The
split's gain and the rewritten rule were chosen on development data only and measured on held-out data by
benchmarks/corpus_tells.py; docs/methods-divergence.md says how far to trust them.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from workbench.align.omission import GAIN, split_unaligned
from workbench.align.params import Bead
from workbench.corpus.folder import CorpusError, CorpusFolder
from workbench.store.files import atomic_write_bytes, atomic_write_text

__all__ = [
    "KINDS",
    "ArchiveReport",
    "PairDivergence",
    "archive_report",
    "divergence",
    "pair_divergence",
    "sentence_kind",
    "beads_to_links",
    "split_links",
    "write_report",
]

REWRITE_RATIO = 0.3
REWRITE_MAX = 0.5
REWRITE_MIN_LINKS = 3
ABRIDGED = 0.1  # a pair is abridged when at least this share of its source sentences is left out
KINDS = ("headline", "quotation", "figures", "names", "other")
_QUOTES = re.compile(r"[\"“”«»„]|\b(?:said|says|stressed|noted|declared)\b")
_DIGIT = re.compile(r"\d")
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)+")


@dataclass(frozen=True, slots=True)
class PairDivergence:
    """One pair's divergence: the ids of its left-out source sentences and added target sentences, the
    link numbers of its rewritten links (with their source sentence ids), its typical link score."""

    tgt_id: str
    src_id: str
    date: str | None
    title: str
    n_src: int
    n_tgt: int
    left_out: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    rewritten: tuple[int, ...] = ()
    rewritten_ids: tuple[str, ...] = ()
    typical: float | None = None

    @property
    def left_out_share(self) -> float:
        return len(self.left_out) / self.n_src if self.n_src else 0.0

    @property
    def added_share(self) -> float:
        return len(self.added) / self.n_tgt if self.n_tgt else 0.0


def split_links(links: list[dict], aligner, gain: float = GAIN) -> list[dict]:
    """One pair's links (in link order, with ``src_sents`` and ``tgt_sents``) with the sentences that
    ``split_unaligned`` finds without a counterpart split off into links of their own, numbered again."""
    src, tgt, beads = [], [], []
    for row in links:
        s = list(zip(row["src_sent_ids"] or (), row["src_sents"] or (), strict=True))
        t = list(zip(row["tgt_sent_ids"] or (), row["tgt_sents"] or (), strict=True))
        a, b = len(src), len(tgt)
        beads.append(Bead(tuple(range(a, a + len(s))), tuple(range(b, b + len(t))), row["score"]))
        src.extend(s)
        tgt.extend(t)
    split = split_unaligned(aligner, [x for _, x in src], [x for _, x in tgt], beads, gain)
    if [(b.src, b.tgt) for b in split] == [(b.src, b.tgt) for b in beads]:
        return links
    return beads_to_links(split, src, tgt)


def beads_to_links(beads, src: list[tuple[str, str]], tgt: list[tuple[str, str]]) -> list[dict]:
    """Beads over two (id, text) lists as the links table's rows hold them (as the align stage writes)."""
    return [
        {
            "link": k,
            "src_sent_ids": [src[i][0] for i in b.src],
            "tgt_sent_ids": [tgt[j][0] for j in b.tgt],
            "src_sents": [src[i][1] for i in b.src],
            "tgt_sents": [tgt[j][1] for j in b.tgt],
            "score": b.score,
        }
        for k, b in enumerate(beads)
    ]


def pair_divergence(
    links: list[dict],
    tgt_id: str = "",
    src_id: str = "",
    date: str | None = None,
    title: str = "",
    ratio: float = REWRITE_RATIO,
    ceiling: float = REWRITE_MAX,
) -> PairDivergence:
    """The divergence of one pair from its links (dicts with ``link``, ``src_sent_ids``, ``tgt_sent_ids``
    and ``score``, in link order), as they are: ``split_links`` first to find the sentences merged into a
    neighbour's bead. ``ratio`` and ``ceiling``: other settings of the rewritten rule (the benchmark tries
    them)."""
    left_out, added, n_src, n_tgt = [], [], 0, 0
    both = []
    for row in links:
        src, tgt = list(row["src_sent_ids"] or ()), list(row["tgt_sent_ids"] or ())
        n_src, n_tgt = n_src + len(src), n_tgt + len(tgt)
        if src and not tgt:
            left_out += src
        elif tgt and not src:
            added += tgt
        elif src and tgt:
            both.append(row)
    typical = statistics.median(float(r["score"]) for r in both) if both else None
    rewritten = []
    if typical is not None and len(both) >= REWRITE_MIN_LINKS:
        limit = min(ratio * typical, ceiling)
        rewritten = [r for r in both if float(r["score"]) < limit]
    return PairDivergence(
        tgt_id,
        src_id,
        date,
        title,
        n_src,
        n_tgt,
        tuple(left_out),
        tuple(added),
        tuple(int(r["link"]) for r in rewritten),
        tuple(i for r in rewritten for i in r["src_sent_ids"]),
        typical,
    )


def sentence_kind(text: str, first: bool = False) -> str:
    """A sentence's kind: ``headline`` (a story's first sentence), ``quotation`` (quote marks or a verb of
    saying), ``figures`` (a digit), ``names`` (two or more capitalised words inside it) or ``other``."""
    if first:
        return "headline"
    if _QUOTES.search(text):
        return "quotation"
    if _DIGIT.search(text):
        return "figures"
    if _NAME.search(text):
        return "names"
    return "other"


def _stories(folder: CorpusFolder) -> dict[str, tuple[str | None, str]]:
    docs = folder.read("documents", columns=["doc_id", "date", "title"]).to_pylist()
    return {d["doc_id"]: (None if d["date"] is None else str(d["date"]), d["title"] or "") for d in docs}


def _grouped(folder: CorpusFolder, detect: bool) -> list[list[dict]]:
    """Every pair's links in order, through ``split_links`` with the corpus's aligner when ``detect``."""
    columns = ["tgt_id", "src_id", "link", "src_sent_ids", "tgt_sent_ids", "src_sents", "tgt_sents", "score"]
    rows = folder.read("links", columns=columns).to_pylist()
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["tgt_id"], row["src_id"]), []).append(row)
    aligner = _aligner(folder) if detect else None
    out = []
    for (tgt_id, src_id), group in sorted(groups.items()):
        group.sort(key=lambda r: r["link"])
        if aligner is not None:
            group = [{**r, "tgt_id": tgt_id, "src_id": src_id} for r in split_links(group, aligner)]
        out.append(group)
    return out


def _aligner(folder: CorpusFolder):
    """The aligner of the corpus's align stage (its preset), embeddings cached on disk."""
    from workbench.align.factory import make_aligner, resolve_models

    preset = folder.manifest.get("params", {}).get("align", {}).get("preset")
    return make_aligner(*resolve_models(preset))


def divergence(folder: CorpusFolder, detect: bool = True) -> list[PairDivergence]:
    """The divergence of every aligned pair of the corpus, by target id; ``detect=False``: the links as
    the aligner left them (only its own 1-0 and 0-1 beads count)."""
    stories = _stories(folder)
    out = []
    for group in _grouped(folder, detect):
        tgt_id, src_id = group[0]["tgt_id"], group[0]["src_id"]
        date, _ = stories.get(tgt_id, (None, ""))
        out.append(pair_divergence(group, tgt_id, src_id, date, stories.get(src_id, (None, ""))[1]))
    return out


@dataclass
class ArchiveReport:
    """Every pair's divergence and the archive's summary: by month (pairs, abridged, share), the most
    abridged pairs, and by kind of source sentence (sentences, left out, rate)."""

    pairs: list[PairDivergence]
    months: list[tuple[str, int, int, float]] = field(default_factory=list)
    most_abridged: list[PairDivergence] = field(default_factory=list)
    kinds: list[tuple[str, int, int, float]] = field(default_factory=list)


def archive_report(folder: CorpusFolder, top: int = 20, detect: bool = True) -> ArchiveReport:
    """The divergence of every pair and its summary over the archive (``detect``: as ``divergence``)."""
    stories = _stories(folder)
    pairs, all_kinds, left_kinds = [], Counter(), Counter()
    for group in _grouped(folder, detect):
        tgt_id, src_id = group[0]["tgt_id"], group[0]["src_id"]
        date, title = stories.get(tgt_id, (None, ""))[0], stories.get(src_id, (None, ""))[1]
        pair = pair_divergence(group, tgt_id, src_id, date, title)
        pairs.append(pair)
        left = set(pair.left_out)
        position = 0
        for row in group:
            for sid, text in zip(row["src_sent_ids"] or (), row["src_sents"] or (), strict=True):
                kind = sentence_kind(text or "", first=position == 0)
                position += 1
                all_kinds[kind] += 1
                left_kinds[kind] += sid in left
    months: dict[str, list[int]] = {}
    for p in pairs:
        month = (p.date or "unknown")[:7]
        counts = months.setdefault(month, [0, 0])
        counts[0] += 1
        counts[1] += p.left_out_share >= ABRIDGED and bool(p.left_out)
    report = ArchiveReport(pairs)
    report.months = [(m, n, a, a / n) for m, (n, a) in sorted(months.items())]
    ranked = [p for p in pairs if p.left_out]
    ranked.sort(key=lambda p: (-p.left_out_share, -len(p.left_out), p.tgt_id))
    report.most_abridged = ranked[:top]
    report.kinds = [
        (k, all_kinds[k], left_kinds[k], left_kinds[k] / all_kinds[k] if all_kinds[k] else 0.0) for k in KINDS
    ]
    return report


def _csv(header: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def pairs_csv(pairs: list[PairDivergence]) -> str:
    """One row a pair: ids, date, title, sentence counts and shares, and the listed sentence ids."""
    header = ["tgt_id", "src_id", "date", "src_title", "n_src", "n_tgt", "left_out", "added", "rewritten"]
    header += [
        "left_out_share",
        "added_share",
        "typical_score",
        "left_out_ids",
        "added_ids",
        "rewritten_links",
    ]
    header += ["rewritten_ids"]
    rows = [
        [
            p.tgt_id,
            p.src_id,
            p.date or "",
            p.title,
            p.n_src,
            p.n_tgt,
            len(p.left_out),
            len(p.added),
            len(p.rewritten),
            f"{p.left_out_share:.4f}",
            f"{p.added_share:.4f}",
            "" if p.typical is None else f"{p.typical:.4f}",
            " ".join(p.left_out),
            " ".join(p.added),
            " ".join(map(str, p.rewritten)),
            " ".join(p.rewritten_ids),
        ]
        for p in pairs
    ]
    return _csv(header, rows)


def _plot(path: Path, labels: list[str], values: list[float], title: str, ylabel: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(max(6.0, 0.35 * len(labels)), 4.0), dpi=100)
    axes = figure.add_subplot()
    axes.bar(range(len(labels)), values, color="#4c72b0")
    axes.set_xticks(range(len(labels)), labels, rotation=60 if len(labels) > 8 else 0, ha="right")
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    axes.set_ylim(0, max([1.0, *values]))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    atomic_write_bytes(path, buffer.getvalue())


def write_report(report: ArchiveReport, out: Path, plots: bool = True) -> list[Path]:
    """Write the per-pair CSV to ``out``, the months and kinds tables beside it (``<stem>-months.csv``,
    ``<stem>-kinds.csv``) and, with ``plots``, their PNG plots; the files written."""
    out = Path(out)
    if out.is_dir():
        raise CorpusError(f"{out} is a folder: give a file name, e.g. {out / 'divergence.csv'}")
    if not out.parent.is_dir():
        raise CorpusError(f"cannot write {out}: folder {out.parent} does not exist")
    stem = out.with_suffix("")
    months, kinds = Path(f"{stem}-months.csv"), Path(f"{stem}-kinds.csv")
    atomic_write_text(out, pairs_csv(report.pairs))
    atomic_write_text(
        months,
        _csv(
            ["month", "pairs", "abridged", "share"], [[m, n, a, f"{s:.4f}"] for m, n, a, s in report.months]
        ),
    )
    atomic_write_text(
        kinds,
        _csv(
            ["kind", "sentences", "left_out", "rate"], [[k, n, x, f"{r:.4f}"] for k, n, x, r in report.kinds]
        ),
    )
    written = [out, months, kinds]
    if plots:
        month_png, kind_png = Path(f"{stem}-months.png"), Path(f"{stem}-kinds.png")
        _plot(
            month_png,
            [m for m, *_ in report.months],
            [s for *_, s in report.months],
            f"Pairs abridged (>= {ABRIDGED:.0%} of source sentences left out), by month",
            "share of pairs",
        )
        _plot(
            kind_png,
            [k for k, *_ in report.kinds],
            [r for *_, r in report.kinds],
            "Source sentences left out, by kind",
            "share left out",
        )
        written += [month_png, kind_png]
    return written
