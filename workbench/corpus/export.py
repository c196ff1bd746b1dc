"""Exporting a corpus: the sentence links of its pairs, through the workbench's exporters, streaming.

Each pair becomes one record of ``workbench.export.articles``: the article is ``<corpus>/<target id>``, the
source
and target versions are the two stories' ids, and every row also carries the pair's score, margin and
decision (``pair_score``, ``pair_margin``, ``pair_decision``) beside the bead's own score, as OPUS and
ParaCrawl rows carry alignment scores. Pairs are read in chunks, so memory does not grow with the corpus.
A pair opened for sentence review (``corpus open``) whose article's alignment holds beads a person
confirmed or edited goes out with those links, their status and the person's bead boundaries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from workbench.corpus.folder import CorpusError, CorpusFolder, refuse_inside_corpus
from workbench.corpus.gold import ACCEPTED
from workbench.corpus.pairing import DECISIONS
from workbench.corpus.review import story_article_id, story_text
from workbench.errors import WorkbenchError
from workbench.export import articles as ex
from workbench.export.formats import check_format
from workbench.store import alignments as store
from workbench.store.texts import TextVersion, content_hash
from workbench.text.segment import Sentence

__all__ = ["EXTRA", "CorpusExportOptions", "check_out", "export_corpus", "records"]

log = logging.getLogger(__name__)

EXTRA = {"pair_score": float, "pair_margin": float, "pair_decision": str}


@dataclass(frozen=True, slots=True)
class CorpusExportOptions:
    """Which pairs and beads go out: pairs with one of ``decisions`` and at least ``min_pair_score``;
    beads with text on both sides, at least ``min_score`` and, with ``one_to_one``, 1-1 only."""

    decisions: tuple[str, ...] = ACCEPTED
    min_pair_score: float | None = None
    min_score: float | None = None
    one_to_one: bool = False

    def check(self) -> None:
        unknown = [d for d in self.decisions if d not in DECISIONS]
        if unknown or not self.decisions:
            raise CorpusError(
                f"unknown decision {', '.join(unknown) or '(none)'}: use {', '.join(DECISIONS)}"
            )
        if "none" in self.decisions:
            raise CorpusError("a story decided 'none' has no pair to export; choose other decisions")
        if "rejected" in self.decisions:
            raise CorpusError("a rejected pair is no translation to export; choose other decisions")


def _pairs(folder: CorpusFolder, options: CorpusExportOptions) -> pd.DataFrame:
    pairs = folder.read("pairs").to_pandas()
    pairs = pairs[pairs["decision"].isin(options.decisions) & pairs["src_id"].notna()]
    if options.min_pair_score is not None:
        # a person's decision has no score: it passes any score filter
        pairs = pairs[(pairs["decided_by"] == "person") | (pairs["score"] >= options.min_pair_score)]
    return pairs.sort_values("tgt_id").reset_index(drop=True)


def _version(doc_id: str, language: str, kind: str, origin: str, created: datetime) -> TextVersion:
    return TextVersion(doc_id, f"{doc_id}.txt", language, kind, origin, created)


def _link_groups(folder: CorpusFolder) -> Iterator[pd.DataFrame]:
    """The links table one target story at a time (it is sorted by target id and link), streamed."""
    folder.check("links")
    path = folder.table_path("links")
    try:
        yield from _groups(pq.ParquetFile(path).iter_batches(batch_size=10_000))
    except (OSError, pa.ArrowException) as exc:
        raise CorpusError(
            f"{path} cannot be read ({str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}): "
            f"run the align stage again (`workbench corpus align {folder.path}`), which rewrites it"
        ) from None


def _groups(batches) -> Iterator[pd.DataFrame]:
    carry = None
    for batch in batches:
        frame = batch.to_pandas()
        if carry is not None:
            frame = pd.concat([carry, frame], ignore_index=True)
        last = frame["tgt_id"].iloc[-1]
        carry = frame[frame["tgt_id"] == last]
        for _, group in frame[frame["tgt_id"] != last].groupby("tgt_id", sort=False):
            yield group
    if carry is not None and len(carry):
        yield carry


def _side(doc: str, lang: str, ids, texts) -> store.AlignedSide:
    sentences = [
        Sentence(i, t, 0)
        for link_ids, link_texts in zip(ids, texts, strict=True)
        for i, t in zip(link_ids, link_texts, strict=True)
    ]
    return store.AlignedSide(doc, lang, "", sentences)


def reviews_of(folder: CorpusFolder) -> Path | None:
    """The ``alignments/`` folder of the workbench a corpus lies in (``<root>/corpora/<name>``), where a
    pair opened for sentence review (``corpus open``) keeps its article's alignment; None elsewhere."""
    return folder.path.parent.parent / "alignments" if folder.path.parent.name == "corpora" else None


def _reviewed(folder: CorpusFolder, reviews: Path | None, pair, tgt_id: str, langs) -> store.Alignment | None:
    """The person's review of a pair's sentence links: the alignment of the article the pair was opened as,
    where it exists, is of this pair, still has the pair's texts and holds a bead a person confirmed or
    edited; None otherwise (the machine's links are exported)."""
    if reviews is None:
        return None
    src_id = pair["src_id"]
    path = store.alignment_path(reviews, story_article_id(folder, tgt_id, src_id), f"{langs[1]}.corpus")
    if not path.is_file():
        return None
    try:
        record = store.load_alignment(path)
    except (WorkbenchError, OSError, ValueError) as exc:
        log.warning(
            "the review of pair %s -> %s is not read (%s): its machine links are exported",
            src_id,
            tgt_id,
            exc,
        )
        return None
    if record.params.get("src_id") != src_id or record.params.get("tgt_id") != tgt_id:
        return None
    if not any(store.is_reviewed(link) for link in record.links):
        return None
    docs = pq.read_table(folder.table_path("documents"), filters=[("doc_id", "in", [src_id, tgt_id])])
    docs = docs.to_pandas().set_index("doc_id")
    for side, doc in ((record.source, src_id), (record.target, tgt_id)):
        text = story_text(docs.loc[doc].to_dict()) if doc in docs.index else None
        if text is None or side.sha256 not in (content_hash(text), content_hash(text + "\n")):  # (stored)
            log.warning(
                "the review of pair %s -> %s is of other texts: its machine links are exported",
                src_id,
                tgt_id,
            )
            return None
    return record


def records(
    folder: CorpusFolder,
    options: CorpusExportOptions,
    report: ex.ExportReport,
    progress: Callable[[int, int, str], None] | None = None,
    reviews: Path | None = None,
) -> Iterator[ex.Record]:
    """One export record per pair that passes ``options``, in target id order. A pair a person reviewed
    sentence by sentence (its article's alignment in ``reviews``) goes out with the person's links."""
    pairs = _pairs(folder, options).set_index("tgt_id")
    languages = folder.manifest.get("params", {}).get("pair", {})
    src_lang, tgt_lang = languages.get("src", "src"), languages.get("tgt", "tgt")
    stamp = folder.stage("align").get("finished") or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    created = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    origin = f"corpus {folder.name}"
    done = 0
    for group in _link_groups(folder):
        tgt_id = group["tgt_id"].iloc[0]
        if tgt_id not in pairs.index:
            continue
        pair = pairs.loc[tgt_id]
        if (group["src_id"] != pair["src_id"]).any():
            continue
        record = store.Alignment(
            article=f"{folder.name}/{tgt_id}",
            source=_side(pair["src_id"], src_lang, group["src_sent_ids"], group["src_sents"]),
            target=_side(tgt_id, tgt_lang, group["tgt_sent_ids"], group["tgt_sents"]),
            links=[
                store.Link(list(a), list(b), float(s))
                for a, b, s in zip(group["src_sent_ids"], group["tgt_sent_ids"], group["score"], strict=True)
            ],
            model="corpus",
            params={},
            created=stamp,
            modified=stamp,
        )
        reviewed = _reviewed(folder, reviews, pair, tgt_id, (src_lang, tgt_lang))
        if reviewed is not None:
            record = store.Alignment(
                article=record.article,
                source=store.AlignedSide(pair["src_id"], src_lang, "", reviewed.source.sentences),
                target=store.AlignedSide(tgt_id, tgt_lang, "", reviewed.target.sentences),
                links=reviewed.links,
                model=f"corpus, reviewed in {reviewed.article}",
                params={},
                created=stamp,
                modified=reviewed.modified,
            )
        score, margin = pair["score"], pair["margin"]
        yield ex.Record(
            record,
            _version(pair["src_id"], src_lang, "source", origin, created),
            _version(tgt_id, tgt_lang, "human", origin, created),
            extra={
                "pair_score": None if score != score or score is None else round(float(score), 4),
                "pair_margin": None if margin != margin or margin is None else round(float(margin), 4),
                "pair_decision": pair["decision"],
            },
        )
        done += 1
        if progress:
            progress(done, len(pairs), tgt_id)
    if done < len(pairs):
        report.warn(
            f"{len(pairs) - done} pair(s) have no sentence links yet: "
            f"run `workbench corpus align {folder.name}`"
        )


def check_out(folder: CorpusFolder, out: Path) -> None:
    """CorpusError when ``out`` (a file, or a Moses prefix) lies inside a corpus folder, this one or
    another: an export there could replace a corpus's tables, its manifest or a person's decisions."""
    refuse_inside_corpus(out, folder.path)


def export_corpus(
    folder: CorpusFolder,
    fmt: str,
    out: Path,
    options: CorpusExportOptions = CorpusExportOptions(),
    progress: Callable[[int, int, str], None] | None = None,
    reviews: Path | None = None,
) -> ex.ExportReport:
    """Write the corpus's links to ``out`` in ``fmt`` (every workbench export format, plus the Hugging
    Face layout ``hf-jsonl``/``hf-parquet``), atomically; NothingToExportError when nothing passes. A pair
    reviewed sentence by sentence goes out with the person's links (``reviews``: the ``alignments/``
    folder to read them from, by default the one of the corpus's workbench folder)."""
    options.check()
    check_format(fmt)
    check_out(folder, out)
    if folder.stage("align").get("status") != "done":
        raise CorpusError(
            f"corpus {folder.name} is not aligned yet: run `workbench corpus build` (or align) first"
        )
    bead_options = ex.ExportOptions(status="any", min_score=options.min_score, one_to_one=options.one_to_one)
    bead_options.check()
    report = ex.ExportReport(fmt)
    found = records(folder, options, report, progress, reviews_of(folder) if reviews is None else reviews)
    return ex.write_export(found, fmt, out, bead_options, report, EXTRA)
