"""The review queue of a corpus's document pairs: each target story with the source story the pipeline
paired it with (or none), the pair's score and margin, the runner-up candidates, and the leads of every
story to judge them by; a person's decision on it; and the pair opened as an article for sentence review.

Built on ``workbench.corpus``: ``pairs_frame`` gives the queue (doubtful and low-margin pairs first),
``review.decide`` saves a decision (atomically, in the corpus; no run of the pipeline overrides it, and the
export honours it), ``review.open_pair`` makes the article. What the corpus API does not give directly, the
few rows of one pair (read with a filter, not the whole table) and aligning a pair a person chose after the
align stage ran, is here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from workbench.corpus import CorpusError, CorpusFolder, pairing, pairs_frame, pipeline, probability, run_align
from workbench.corpus import review as corpus_review
from workbench.corpus.pipeline import AlignSettings
from workbench.store import texts

__all__ = ["ACTIONS", "Candidate", "PairView", "Story", "decide", "open_for_review", "pair_view", "queue"]

# What a reviewer does with a pair -> the decision saved in the corpus.
ACTIONS = {"accept": "accepted", "reject": "rejected", "none": "none", "clear": "clear"}


@dataclass(frozen=True, slots=True)
class Story:
    """One story of the corpus, as far as judging a pair needs it."""

    doc_id: str
    title: str
    date: str
    language: str
    lead: str  # its first characters, cut at a word
    sentences: int
    text: str = ""  # the whole story (the pair's own stories only)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A source story that could translate the target, with the pipeline's evidence for it."""

    story: Story
    rank: int
    score: float  # the final score (rescored by sentence alignment)
    sim: float  # lead similarity (cosine)
    numbers: float
    names: float  # NaN: the target has no names
    ratio: float = float("nan")  # the lead similarity's ratio margin (NaN: a corpus paired without it)
    terms: dict[str, float] = field(default_factory=dict)  # every term of ``score``, by name (they add up)
    probability: float = float("nan")  # the pair probability, were this candidate the pair


@dataclass(frozen=True, slots=True)
class PairView:
    """A target story, its source story (None: no translation found or decided), and the candidates."""

    target: Story
    source: Story | None
    score: float | None
    margin: float | None
    decision: str
    reason: str
    decided_by: str
    candidates: list[Candidate]  # by final score (the rank before rescoring breaks ties), the paired one too
    probability: float | None = None  # the machine's pair probability (a person's pair too)


def queue(folder: CorpusFolder, decisions: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The corpus's pairs, doubtful and low-margin first (``workbench.corpus.pairs_frame``)."""
    return pairs_frame(folder, decisions)


def _rows(folder: CorpusFolder, table: str, column: str, values: list[str]) -> pd.DataFrame:
    """The rows of ``table`` whose ``column`` is one of ``values`` (read with a filter)."""
    path = folder.table_path(table)
    if not path.is_file():
        raise CorpusError(f"{folder.name} has no {table} table yet: run `workbench corpus build` first")
    try:
        return pq.read_table(path, filters=[(column, "in", list(values))]).to_pandas()
    except (OSError, pa.ArrowException) as exc:
        raise CorpusError(f"{path} cannot be read ({exc}): run the stage that writes it again") from exc


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _lead(text: str, size: int) -> str:
    text = " ".join(text.split())
    if len(text) <= size:
        return text
    cut = text.rfind(" ", 0, size)
    return text[: cut if cut > size // 2 else size] + " …"


def _number(value: object) -> float | None:
    return None if value is None or value != value else float(value)


def pair_view(folder: CorpusFolder, tgt_id: str, lead: int = 500) -> PairView:
    """The pair of target story ``tgt_id`` with its candidates and every story's lead."""
    pair = _rows(folder, "pairs", "tgt_id", [tgt_id])
    if pair.empty:
        raise CorpusError(f"{tgt_id!r} is not a target story of corpus {folder.name}")
    row = pair.iloc[0]
    cands = _rows(folder, "candidates", "tgt_id", [tgt_id]) if folder.has("candidates") else None
    cands = _scored(folder, cands) if cands is not None and len(cands) else pd.DataFrame(columns=["src_id"])
    src_id = row["src_id"] if isinstance(row["src_id"], str) else None
    ids = [tgt_id, *([src_id] if src_id else []), *cands["src_id"].tolist()]
    docs = _rows(folder, "documents", "doc_id", ids).set_index("doc_id")

    def story(doc_id: str, whole: bool = False) -> Story:
        d = docs.loc[doc_id]
        return Story(
            doc_id,
            _text(d["title"]),
            str(d["date"]) if isinstance(d["date"], str) or d["date"] == d["date"] else "",
            _text(d["language"]),
            _lead(_text(d["text"]), lead),
            int(d["n_sentences"]) if "n_sentences" in d and d["n_sentences"] == d["n_sentences"] else 0,
            _text(d["text"]) if whole else "",
        )

    candidates = [
        Candidate(
            story(c.src_id),
            int(c.rank),
            float(c.final),
            float(c.sim),
            float(c.numbers),
            float(c.names),
            float(getattr(c, "ratio", float("nan"))),
            {k: float(getattr(c, f"term_{k}")) for k in _TERMS},
            float(c.probability),
        )
        for c in cands.itertuples()
        if c.src_id in docs.index
    ]
    p = _number(row["probability"]) if "probability" in row else None
    return PairView(
        story(tgt_id, whole=True),
        story(src_id, whole=True) if src_id and src_id in docs.index else None,
        _number(row["score"]),
        _number(row["margin"]),
        str(row["decision"]),
        _text(row["reason"]),
        _text(row["decided_by"]),
        candidates,
        p,
    )


_TERMS = ("lead", "numbers", "names", "length", "match_tgt", "match_src")


def _scored(folder: CorpusFolder, cands: pd.DataFrame) -> pd.DataFrame:
    """A target's candidates by final score, with every term of it (``term_<name>``) and the probability
    each would have as the pair (its margin over the best other candidate)."""
    params = pipeline.pair_params(folder)
    cands = cands.sort_values(["final", "rank"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )
    terms = pairing.score_terms(cands, params)
    for k in _TERMS:
        cands[f"term_{k}"] = terms[k]
    finals = cands["final"].to_numpy(dtype=float)
    best_other = [
        max([f for j, f in enumerate(finals) if j != i], default=finals[i] - 1.0) for i in range(len(finals))
    ]
    cands["margin"] = finals - np.array(best_other)
    cands["probability"] = probability.from_manifest(folder.manifest).probability(cands)
    return cands


def decide(folder: CorpusFolder, tgt_id: str, action: str, src_id: str | None = None, note: str = "") -> dict:
    """Save a person's decision on a pair: ``accept`` (``src_id``: another candidate instead of the current
    one), ``reject``, ``none`` (no translation in the archive) or ``clear``; returns the new pair row."""
    if action not in ACTIONS:
        raise CorpusError(f"unknown action {action!r}: use {', '.join(ACTIONS)}")
    return corpus_review.decide(folder, tgt_id, ACTIONS[action], src_id=src_id, note=note)


def article_id(folder: CorpusFolder, tgt_id: str, src_id: str) -> str:
    """The article a pair becomes: one per corpus, target and source story (another source, another one)."""
    return corpus_review.story_article_id(folder, tgt_id, src_id)


def open_for_review(
    folder: CorpusFolder, ws, tgt_id: str, progress: Callable[[str, int, int], None] | None = None
) -> tuple[str, str]:
    """The article and translation (ids) to review the pair's sentence alignment in: made by
    ``review.open_pair`` the first time (after aligning the sentences of a pair a person chose since the
    align stage ran), the same one afterwards."""
    view = pair_view(folder, tgt_id, lead=0)
    if view.source is None:
        raise CorpusError(
            f"{tgt_id} has no source story ({view.decision}: {view.reason}): accept a candidate first"
        )
    aid = article_id(folder, tgt_id, view.source.doc_id)
    if (ws.texts / aid / texts.METADATA_FILE).is_file():
        article = ws.article(aid)
        return aid, article.translations()[0].id
    links = _rows(folder, "links", "tgt_id", [tgt_id]) if folder.has("links") else pd.DataFrame()
    if links.empty or view.source.doc_id not in set(links["src_id"]):
        settings = AlignSettings(**folder.manifest.get("params", {}).get("align", {}))
        run_align(folder, settings, progress=progress or (lambda *_: None))
    article, record = corpus_review.open_pair(folder, ws, tgt_id, article_id=aid)
    return article.id, record.target.version
