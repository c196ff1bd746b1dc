"""The pair stage: for every target-language story, the source-language story it translates, or none.

1. **Features** (:class:`LeadEncoder`, :func:`features`): each story's title and lead embedded (use-m3),
   its numbers and its names (``evidence``).
2. **Candidates** (:func:`blocks`, :func:`score_block`): the source stories dated from ``before`` days
   before a target to ``after`` days after it; a block is one target date, so the cost grows linearly with
   the archive. A candidate's score adds the lead similarity (the ratio margin of Artetxe & Schwenk 2019:
   the cosine over the mean cosine of both stories' nearest neighbours, so that a story like every other
   is no hub), the shared numbers and names, and a penalty for an unlikely length ratio. The best
   ``top_k`` are kept.
3. **Rescoring** (:class:`Rescorer`): the best ``rescore`` candidates are sentence-aligned with the target
   (Thompson & Koehn 2020): the share of sentences in non-empty beads and the beads' similarity.
4. **Assignment and decision** (:func:`assign`): one-to-one, greedily by the final score (mutual best
   first); the margin of a story's pair over its best rival; ``auto``, ``doubtful`` or ``none``, with the
   reason. Decisions a person made (``decisions`` table) are applied as they are and never overwritten.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from workbench.corpus import evidence, probability
from workbench.corpus.folder import CorpusError, check_numbers

__all__ = [
    "DECISIONS",
    "LeadEncoder",
    "PairParams",
    "Rescorer",
    "assign",
    "blocks",
    "features",
    "score_block",
]

log = logging.getLogger(__name__)

DECISIONS = ("auto", "doubtful", "none", "accepted", "rejected")  # the last two are a person's
PERSON = ("accepted", "rejected", "none")


@dataclass(frozen=True, slots=True)
class PairParams:
    """Settings of the pair stage (the thresholds were chosen on the 2012 development gold: see the
    README's corpus section).

    - ``before``/``after``: days a source story may precede / follow its target.
    - ``lead_chars``: characters of the story after the title that go into the lead embedding.
    - ``neighbours``: k of the ratio margin: a pair's lead cosine is divided by the mean cosine of the
      target's k nearest sources (in its date window) and the source's k nearest targets (in theirs),
      averaged; 0 takes the plain cosine.
    - ``numbers``/``names``/``length``: weights of the shared numbers (Jaccard), the shared names (IDF
      weighted share of the target's names) and of the length penalty (``|log(tgt/src chars) -
      log(length_ratio)|``) in a candidate's score, beside the lead similarity (weight 1).
    - ``top_k``: candidates kept per target; the best ``rescore`` of them are rescored by their sentences
      (:class:`Rescorer`; on the 2012 dev gold 3 decide as 5 do, at 60% of the cost).
    - ``match_tgt``: weight, in the final score, of how well the target's sentences are matched in the
      candidate; ``match_src`` the same for the candidate's sentences (0: a partial translation, which
      leaves source sentences unmatched, is not penalised).
    - ``accept``/``reject``/``margin``: the hand-set cut-offs of the final score and margin that decided
      before issue 29; the decisions now come from the pair probability (:mod:`.probability`), and these
      stay only so that older manifests load.
    - ``serials``: the parts of a serial (target stories whose titles differ only in a closing "(I)",
      "(2)", ...) may share one source story, the full text they were cut from.
    """

    src: str = "en"
    tgt: str = "es"
    before: int = 3
    after: int = 1
    model: str = "use-m3"
    lead_chars: int = 400
    neighbours: int = 4
    numbers: float = 0.3
    names: float = 1.0
    length: float = 0.4
    length_ratio: float = 1.1
    top_k: int = 5
    rescore: int = 3
    match_src: float = 0.0
    match_tgt: float = 2.0
    accept: float = 2.8
    reject: float = 2.4
    margin: float = 0.2
    serials: bool = True

    def __post_init__(self) -> None:
        inf = math.inf
        days, weight = (0, 3650), (0, inf)
        check_numbers(
            self,
            {
                "before": days, "after": days, "lead_chars": (0, inf), "neighbours": (0, inf),
                "numbers": weight, "names": weight, "length": weight, "length_ratio": (1e-6, 1e6),
                "top_k": (1, inf), "rescore": (0, inf), "match_src": weight, "match_tgt": weight,
                "accept": (-inf, inf), "reject": (-inf, inf), "margin": (0, inf),
            },
            "pair",
        )  # fmt: skip
        if self.reject > self.accept:
            raise CorpusError(
                f"pair setting reject ({self.reject:g}) is above accept ({self.accept:g}): a pair scoring "
                "between them would be both; give reject <= accept"
            )
        for name in ("src", "tgt", "model"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise CorpusError(f"pair setting {name} must be a name, not {getattr(self, name)!r}")
        if not isinstance(self.serials, bool):
            raise CorpusError(f"pair setting serials must be true or false, not {self.serials!r}")
        inert = [
            f"{k}={getattr(self, k):g}" for k in ("accept", "reject", "margin") if getattr(self, k) != _OLD[k]
        ]
        if inert:
            log.warning(
                "the cut-offs %s no longer decide the pairs: the pair probability does "
                "(`workbench corpus refit` fits it again on a corpus's reviewed pairs)",
                ", ".join(inert),
            )

    def to_dict(self) -> dict:
        return asdict(self)


_OLD = {"accept": 2.8, "reject": 2.4, "margin": 0.2}  # the cut-offs' last values


_PART = re.compile(r"\s*[(\[](?:[IVXLC]+|\d{1,2})[)\]]\s*$")


def serial_of(title: str | None) -> str | None:
    """The title of the serial a story is a part of ("Texto integro ... (3)" -> "texto integro ..."), or
    None for a story that is not a numbered part."""
    if not isinstance(title, str) or not _PART.search(title):
        return None
    return " ".join(_PART.sub("", title).lower().replace(".", " ").split()) or None


# --- features --------------------------------------------------------------------------------------


def lead(title: str, text: str, chars: int) -> str:
    """The title and the start of the story: what an editor reads to recognise it."""
    body = " ".join(text.split())[:chars]
    if len(text) > chars and " " in body:
        body = body.rsplit(" ", 1)[0]
    return f"{title}. {body}" if title else body


def features(docs: pd.DataFrame, params: PairParams) -> pd.DataFrame:
    """``doc_id``, ``lead``, ``numbers`` and ``names`` (lists) of a batch of documents."""
    return pd.DataFrame(
        {
            "doc_id": docs["doc_id"].tolist(),
            "lead": [lead(t, x, params.lead_chars) for t, x in zip(docs["title"], docs["text"], strict=True)],
            "numbers": [
                sorted(evidence.numbers(f"{t}\n{x}"))
                for t, x in zip(docs["title"], docs["text"], strict=True)
            ],
            "names": [
                sorted(evidence.names(f"{t}\n{x}")) for t, x in zip(docs["title"], docs["text"], strict=True)
            ],
        }
    )


class LeadEncoder:
    """Embeds the ``lead`` column of a batch (``vector``: float32 lists). The model loads on the first
    batch, once per worker; callable as a Ray Data ``map_batches`` class."""

    def __init__(self, model: str = "use-m3", cache: object = False):
        self.model, self.cache = model, cache
        self._embedder = None

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        if self._embedder is None:
            from workbench.embed.embedder import get_embedder

            self._embedder = get_embedder(self.model, cache=self.cache)
        vectors = self._embedder.encode(batch["lead"].tolist()) if len(batch) else np.zeros((0, 0))
        out = batch[["doc_id"]].copy()
        out["vector"] = [v.astype(np.float32) for v in vectors]
        return out


# --- candidates ------------------------------------------------------------------------------------


def blocks(docs: pd.DataFrame, params: PairParams) -> Iterator[tuple[date, pd.DataFrame, pd.DataFrame]]:
    """(date, targets of that date, sources dated ``before`` days earlier to ``after`` days later), for
    every date that has targets. ``docs`` holds the pairable documents of both languages."""
    targets = docs[docs["language"] == params.tgt]
    sources = docs[docs["language"] == params.src].sort_values(["date", "doc_id"])
    src_dates = sources["date"].to_numpy()
    for day, group in targets.groupby("date", sort=True):
        lo = np.searchsorted(src_dates, day - timedelta(days=params.before), side="left")
        hi = np.searchsorted(src_dates, day + timedelta(days=params.after), side="right")
        yield day, group.sort_values("doc_id"), sources.iloc[lo:hi]


def block_batches(
    docs: pd.DataFrame, params: PairParams, days: int = 30
) -> Iterator[tuple[str, pd.DataFrame]]:
    """The documents cut into batches of ``days`` target dates each, with the source stories of those
    dates' windows: :class:`BlockScorer` makes the same :func:`blocks` of a batch as of the whole table."""
    targets = docs[docs["language"] == params.tgt]
    dates = sorted(targets["date"].dropna().unique())
    sources = docs[docs["language"] == params.src]
    reach = timedelta(days=params.before + params.after)
    for k in range(0, len(dates), days):
        first, last = dates[k], dates[min(k + days, len(dates)) - 1]
        lo, hi = first - timedelta(days=params.before), last + timedelta(days=params.after)
        # the targets of the sources' own windows too (``context``): the sources' neighbours
        near = targets[(targets["date"] >= first - reach) & (targets["date"] <= last + reach)]
        batch = pd.concat(
            [
                near.assign(context=(near["date"] < first) | (near["date"] > last)),
                sources[(sources["date"] >= lo) & (sources["date"] <= hi)].assign(context=False),
            ],
            ignore_index=True,
        )
        yield f"{first.isoformat()}", batch


class BlockScorer:
    """Candidates of a batch of :func:`block_batches`: :func:`score_block` for each of its blocks. Cheap
    work on big rows: the local engine runs it in its own process (``light``)."""

    light = True

    def __init__(self, params: PairParams, weights: dict[str, float]):
        self.params, self.weights = params, weights

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        context = batch["context"] if "context" in batch else pd.Series(False, index=batch.index)
        batch = batch.assign(ctx=source_context(batch, self.params))[~context.to_numpy(dtype=bool)]
        found = [score_block(t, s, self.params, self.weights) for _, t, s in blocks(batch, self.params)]
        return pd.concat(found, ignore_index=True) if found else _candidates([])


def _nearest(sims: np.ndarray, k: int) -> np.ndarray:
    """The mean of each row's ``k`` largest values (of all, where a row has fewer)."""
    k = min(k, sims.shape[1])
    return -np.partition(-sims, k - 1, axis=1)[:, :k].mean(axis=1)


def source_context(docs: pd.DataFrame, params: PairParams) -> np.ndarray:
    """For each source story of ``docs``, the mean lead cosine of its ``neighbours`` nearest target
    stories among those whose date window holds it (``after`` days before it to ``before`` after); NaN
    for the targets, and where there is none. ``docs`` must hold every target of those windows."""
    out = np.full(len(docs), np.nan)
    if not params.neighbours:
        return out
    is_src = (docs["language"] == params.src).to_numpy()
    targets = docs[~is_src].sort_values("date")
    if targets.empty or not is_src.any():
        return out
    tgt_vectors, tgt_dates = np.stack(targets["vector"].to_list()), targets["date"].to_numpy()
    positions = np.flatnonzero(is_src)
    src_dates = docs["date"].to_numpy()[positions]
    for day in np.unique(src_dates):
        lo = np.searchsorted(tgt_dates, day - timedelta(days=params.after), side="left")
        hi = np.searchsorted(tgt_dates, day + timedelta(days=params.before), side="right")
        if hi > lo:
            rows = positions[src_dates == day]
            vectors = np.stack(docs["vector"].iloc[rows].to_list())
            out[rows] = _nearest(vectors @ tgt_vectors[lo:hi].T, params.neighbours)
    return out


def candidate_score(lead, numbers, names, length, params: PairParams):
    """A candidate's score from its features (arrays or columns): the lead term (the ratio margin, or the
    cosine with ``neighbours`` 0), the shared numbers and names, less the length penalty."""
    return lead + params.numbers * numbers + params.names * np.nan_to_num(names) - params.length * length


def score_block(
    targets: pd.DataFrame, sources: pd.DataFrame, params: PairParams, idf: dict[str, float]
) -> pd.DataFrame:
    """The ``top_k`` candidates of each target of a block with their features and score.

    ``targets`` and ``sources`` carry ``doc_id``, ``date``, ``n_chars``, ``vector``, ``numbers``,
    ``names``, ``near_duplicate_of``, and the sources ``ctx`` (:func:`source_context`). Rows: tgt_id,
    src_id, rank (1 = best), day_diff (target date minus source date), sim (the lead cosine), ratio (its
    ratio margin), numbers, names, length, score."""
    rows = []
    if sources.empty:
        return _candidates(rows)
    sims = np.stack(targets["vector"].to_list()) @ np.stack(sources["vector"].to_list()).T
    if params.neighbours:
        src_ctx = sources["ctx"].to_numpy(dtype=float) if "ctx" in sources else np.full(len(sources), np.nan)
        tgt_ctx = _nearest(sims, params.neighbours)[:, None]
        both = (tgt_ctx + np.where(np.isnan(src_ctx), tgt_ctx, src_ctx[None, :])) / 2
        ratios = sims / np.maximum(both, 1e-3)
    else:
        ratios = sims
    src_numbers = [set(x) for x in sources["numbers"]]
    src_names = [set(x) for x in sources["names"]]
    src_chars = sources["n_chars"].to_numpy(dtype=float)
    src_ids, src_dates = sources["doc_id"].tolist(), sources["date"].tolist()
    for i, t in enumerate(targets.itertuples(index=False)):
        numbers, names = set(t.numbers), set(t.names)
        num = np.array([evidence.number_overlap(numbers, s) for s in src_numbers])
        nam = np.array([evidence.name_overlap(names, s, idf) for s in src_names])
        length = np.abs(np.log(max(t.n_chars, 1) / np.maximum(src_chars, 1)) - math.log(params.length_ratio))
        score = candidate_score(ratios[i], num, nam, length, params)
        order = np.lexsort((np.arange(len(score)), -score))[: params.top_k]  # ties: archive order
        for rank, j in enumerate(order, 1):
            rows.append(
                (
                    t.doc_id,
                    src_ids[j],
                    rank,
                    (t.date - src_dates[j]).days,
                    float(sims[i, j]),
                    float(ratios[i, j]),
                    float(num[j]),
                    float(nam[j]),
                    float(length[j]),
                    float(score[j]),
                )
            )
    return _candidates(rows)


_CANDIDATE_COLUMNS = [
    "tgt_id",
    "src_id",
    "rank",
    "day_diff",
    "sim",
    "ratio",
    "numbers",
    "names",
    "length",
    "score",
]


def _candidates(rows: list[tuple]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=_CANDIDATE_COLUMNS)
    return out.astype({"rank": "int32", "day_diff": "int32"})


# --- rescoring -------------------------------------------------------------------------------------


class Rescorer:
    """Scores candidate pairs by their sentences (rows of ``src_id``, ``tgt_id``, ``src_sents``,
    ``tgt_sents``), in the spirit of Thompson & Koehn (2020), who rescore candidate documents by how their
    sentences align: ``match_src`` and ``match_tgt`` are how well each sentence of that side is matched
    by its most similar sentence on the other side (the mean of the best cosines). A translation scores
    high on both sides, a story on the same topic low, a partial translation high on the target side.

    Each story's sentences are embedded once per worker (the model loads on the first batch); callable as
    a Ray Data ``map_batches`` class."""

    MEMO = 4096  # stories whose sentence vectors a worker keeps (neighbouring targets share candidates)

    def __init__(self, model: str = "use-m3"):
        self.model = model
        self._embedder = None
        self._memo: dict[str, np.ndarray] = {}

    def _vectors(self, doc_id: str, sentences: list[str]) -> np.ndarray:
        vectors = self._memo.pop(doc_id, None)
        if vectors is None:
            if self._embedder is None:
                from workbench.embed.embedder import get_embedder

                self._embedder = get_embedder(self.model, cache=False)
            vectors = self._embedder.encode(sentences)
        self._memo[doc_id] = vectors  # most recent last
        while len(self._memo) > self.MEMO:
            self._memo.pop(next(iter(self._memo)))
        return vectors

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        match_src, match_tgt = [], []
        for row in batch.itertuples(index=False):
            src, tgt = list(row.src_sents), list(row.tgt_sents)
            if not src or not tgt:
                match_src.append(0.0)
                match_tgt.append(0.0)
                continue
            sims = self._vectors(row.src_id, src) @ self._vectors(row.tgt_id, tgt).T
            match_src.append(float(sims.max(axis=1).mean()))
            match_tgt.append(float(sims.max(axis=0).mean()))
        out = batch[["tgt_id", "src_id"]].copy()
        out["match_src"], out["match_tgt"] = match_src, match_tgt
        return out


RESCORED = ("match_src", "match_tgt")


# --- assignment and decisions ----------------------------------------------------------------------


def final_score(candidates: pd.DataFrame, params: PairParams) -> pd.Series:
    """A candidate's score plus what its sentences show. A target without names (no evidence either way)
    is credited the names share typical of the corpus's best candidates, so that its score reads on the
    same scale as the others'."""
    typical = candidates.loc[candidates["rank"] == 1, "names"].median()
    missing = candidates["names"].isna() * params.names * (0.0 if typical != typical else typical)
    bonus = params.match_src * candidates["match_src"].fillna(0) + params.match_tgt * candidates[
        "match_tgt"
    ].fillna(0)
    return candidates["score"] + missing + bonus


def score_terms(candidates: pd.DataFrame, params: PairParams) -> pd.DataFrame:
    """Every term of each candidate's final score (``final`` must be there): ``lead`` (the ratio margin,
    or the cosine with ``neighbours`` 0), ``numbers``, ``names`` (weighted; a target without names gets
    the corpus's typical credit), ``length`` (the penalty, negative), ``match_tgt`` and ``match_src`` (the
    sentence-alignment rescore, weighted); they add up to ``final``."""
    lead_ = candidates["ratio"] if params.neighbours and "ratio" in candidates else candidates["sim"]
    out = pd.DataFrame(
        {
            "lead": lead_.astype(float),
            "numbers": params.numbers * candidates["numbers"].astype(float),
            "length": -params.length * candidates["length"].astype(float),
            "match_tgt": params.match_tgt * candidates["match_tgt"].astype(float).fillna(0),
            "match_src": params.match_src * candidates["match_src"].astype(float).fillna(0),
        },
        index=candidates.index,
    )
    out.insert(2, "names", candidates["final"] - out.sum(axis=1))  # the weighted share, or the credit
    return out


def assign(
    targets: pd.DataFrame,
    candidates: pd.DataFrame,
    params: PairParams,
    family: dict[str, str] | None = None,
    person: pd.DataFrame | None = None,
    serial: dict[str, str] | None = None,
    model: probability.PairModel | None = None,
) -> pd.DataFrame:
    """One row per target: its pair, score, margin, decision and reason.

    ``targets``: doc_id and, for stories that cannot be paired, a ``why`` (else None). ``candidates``:
    :func:`score_block` rows with ``match_src``/``match_tgt`` (:class:`Rescorer`). ``family`` maps a
    story to the longer story it is a near duplicate of, so that a flash report is no rival of its full
    story. ``serial`` maps a target to its serial (:func:`serial_of`): with ``params.serials``, the parts
    of one serial may share a source story.
    ``person``: decisions a person made (tgt_id, decision, src_id), applied first and never changed.
    ``model``: the pair probability that makes the machine's decisions (default: the packaged one).
    """
    family = family or {}
    serial = (serial or {}) if params.serials else {}
    cands = candidates.copy()
    cands["final"] = final_score(cands, params)
    scored = cands  # every candidate, the rejected ones too
    decided: dict[str, dict] = {}
    taken: dict[str, str] = {}  # source story -> the target it went to
    by_person: set[str] = set()  # sources a person's acceptance took
    rejected: set[tuple[str, str]] = set()
    for p in person.itertuples(index=False) if person is not None else []:
        if p.decision == "rejected":
            rejected.add((p.tgt_id, p.src_id))
        decided[p.tgt_id] = {
            "src_id": p.src_id if p.decision in ("accepted", "rejected") else None,
            "decision": p.decision,
            "by": "person",
        }
        if p.decision == "accepted" and p.src_id:
            taken[p.src_id] = p.tgt_id
            by_person.add(p.src_id)
    if rejected:
        keep = [(t, s) not in rejected for t, s in zip(cands["tgt_id"], cands["src_id"], strict=True)]
        cands = cands[keep]
    cands = cands.sort_values(["tgt_id", "final", "rank"], ascending=[True, False, True], kind="stable")
    best_of = {tgt: group for tgt, group in cands.groupby("tgt_id", sort=False)}

    def related(a: str, b: str) -> bool:
        return family.get(a) == b or family.get(b) == a or (a in family and family.get(a) == family.get(b))

    # greedy one-to-one: every candidate edge by final score, best first
    order = cands.sort_values(["final", "tgt_id", "src_id"], ascending=[False, True, True], kind="stable")
    for edge in order.itertuples(index=False):
        if edge.tgt_id in decided:
            continue
        if edge.src_id in taken and (
            edge.tgt_id not in serial or serial.get(taken[edge.src_id]) != serial[edge.tgt_id]
        ):
            continue
        group = best_of[edge.tgt_id]
        rivals = group[(group["src_id"] != edge.src_id)]
        rivals = rivals[[not related(edge.src_id, s) for s in rivals["src_id"]]]
        runner = rivals["final"].max() if len(rivals) else edge.final - 1.0
        first = group.iloc[0]
        info = {"src_id": edge.src_id, "score": edge.final, "margin": edge.final - runner, "by": "machine"}
        info["edge"] = edge
        if first.src_id != edge.src_id and not related(first.src_id, edge.src_id):
            info["lost"] = _lost(first.src_id, taken, by_person)
        decided[edge.tgt_id] = info
        taken[edge.src_id] = edge.tgt_id
    model = model or probability.default_model()
    prob = _probabilities(decided, model)
    rows = []
    for t in targets.itertuples(index=False):
        group = best_of.get(t.doc_id)
        runners = [] if group is None else group["src_id"].tolist()
        info = decided.get(t.doc_id)
        if info is not None and info.get("by") == "person":
            rows.append(_person_row(t.doc_id, info, scored, group, related, model, runners))
            continue
        if isinstance(t.why, str):
            rows.append(_row(t.doc_id, None, None, None, "none", t.why, "machine", runners))
            continue
        if info is None:
            if group is None:
                why = f"no {params.src} story dated {params.before} days before to {params.after} after it"
            elif group.iloc[0].src_id in taken:
                why = _lost(group.iloc[0].src_id, taken, by_person)
            else:
                why = "every candidate went to another story that matches it better"
            rows.append(_row(t.doc_id, None, None, None, "none", why, "machine", runners))
            continue
        score, margin = float(info["score"]), float(info["margin"])
        low = [info["lost"]] if "lost" in info else []
        decision, why = _decide(prob[t.doc_id], score, margin, model, info["src_id"], low)
        src = info["src_id"] if decision != "none" else None
        rows.append(
            _row(
                t.doc_id,
                src,
                score,
                margin,
                decision,
                why,
                "machine",
                runners,
                candidate=info["src_id"],
                p=prob[t.doc_id],
            )
        )
    return pd.DataFrame(rows)


def _lost(src: str, taken: dict[str, str], by_person: set[str]) -> str:
    """Why a target lost its best candidate ``src``: the story that took it, and whether a person did."""
    if src in by_person:
        return f"its source {src} was taken by {taken[src]} (a person's decision)"
    return f"its best candidate {src} went to {taken[src]}"


def _person_row(tgt, info, candidates, group, related, model, runners) -> dict:
    """The row of a target a person decided, with the machine's score, margin and probability of the pair
    the person accepted or rejected (where it is among the candidates) kept beside the decision."""
    src, decision = info["src_id"], info["decision"]
    score = margin = p = None
    mine = candidates[(candidates["tgt_id"] == tgt)] if src else candidates.iloc[:0]
    if len(mine) and src in set(mine["src_id"]):  # (``final`` computed over the whole table)
        edge = mine[mine["src_id"] == src].iloc[0]
        rivals = mine[[s != src and not related(src, s) for s in mine["src_id"]]]
        score = float(edge["final"])
        margin = float(score - rivals["final"].max()) if len(rivals) else 1.0
        p = float(model.probability(edge.to_frame().T.assign(margin=margin).infer_objects())[0])
    why = f"a person rejected {src}" if decision == "rejected" else "decided by a person"
    if score is not None:
        why += f" (the machine: {_stats(p, score, margin)})"
    best = src
    if decision == "rejected":
        rest = [] if group is None else [s for s in group["src_id"] if s != src]
        why += f"; the next candidate is {rest[0]}" if rest else ""
        best = rest[0] if rest else None
    return _row(tgt, src, score, margin, decision, why, "person", runners, candidate=best, p=p)


def _probabilities(decided: dict[str, dict], model: probability.PairModel) -> dict[str, float]:
    """The pair probability of every target the machine paired (``decided`` by :func:`assign`)."""
    machine = {t: info for t, info in decided.items() if info.get("by") == "machine"}
    if not machine:
        return {}
    edges = pd.DataFrame([info["edge"]._asdict() for info in machine.values()])
    edges["margin"] = [info["margin"] for info in machine.values()]
    return dict(zip(machine, model.probability(edges).tolist(), strict=True))


def _decide(
    p: float, score: float, margin: float, model: probability.PairModel, src: str, low: list[str]
) -> tuple[str, str]:
    """The machine's decision on its pair with ``src``, of probability ``p``, and the reason; ``low``:
    what else keeps it from ``auto`` (its best candidate went elsewhere). A value a rule compares is
    printed with the digits that show the comparison (p 0.8996, not 0.900, under 0.9000)."""
    stats = _stats(p, score, margin)
    if p < model.none_below:
        value, limit = apart(p, model.none_below)
        why = f"best candidate {src} is unlike it (p {value} under {limit}; {_stats(None, score, margin)})"
        return "none", "; ".join([why, *low])
    if p >= model.threshold and not low:
        return "auto", stats
    if p < model.threshold:
        value, limit = apart(p, model.threshold)
        low = [f"p {value} under {limit}", *low]
    return "doubtful", f"{stats}: {'; '.join(low)}"


def _stats(p: float | None, score: float, margin: float) -> str:
    head = "" if p is None else f"p {p:.3f}, "
    return f"{head}score {score:.2f}, margin {margin:.2f}"


def apart(value: float, limit: float, digits: int = 3) -> tuple[str, str]:
    """``value`` and ``limit`` printed with the fewest decimals (at least ``digits``) that tell them apart,
    so that a rule's comparison reads true ("0.1950 under 0.2000", never "0.20 under 0.2")."""
    for d in range(digits, 12):
        a, b = f"{value:.{d}f}", f"{limit:.{d}f}"
        if a != b:
            return a, b
    return repr(float(value)), repr(float(limit))


def _row(tgt, src, score, margin, decision, reason, by, runners, candidate=None, p=None) -> dict:
    return {
        "tgt_id": tgt,
        "src_id": src,
        "score": score,
        "margin": margin,
        "decision": decision,
        "reason": reason,
        "decided_by": by,
        "best_candidate": candidate if candidate is not None else src,
        "candidates": runners,
        "probability": p,
    }
