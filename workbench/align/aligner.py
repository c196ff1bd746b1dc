"""Sentence alignment with multilingual embeddings: many-to-many beads, banded dynamic programming.

The method follows Bertalign (Liu & Zhu 2022) with changes measured on Text+Berg and ParIce:

1. **Similarities.** Sentence vectors from one or more models. Each model's cosines are rescaled per
   document so that background (unrelated) pairs have mean 0 and spread 0.1; models are then averaged.
2. **First pass.** Every source sentence's top-k target neighbours, scored by a margin over their
   neighbourhood, are chained into the best monotonic path of 1-1 anchors (a weighted longest
   increasing subsequence, O(n log n)).
3. **Second pass.** A dynamic programme over a band around the anchor path chooses beads of up to
   ``max_side`` sentences a side (``a + b <= max_align``), plus 1-0 and 0-1. A bead's gain is the
   similarity of its concatenated sides times a length factor, less a small prior per extra sentence;
   with ``unrelated``, a large bead of dissimilar lines gains less than leaving them unaligned.
   Only cells in the band are visited, so time and memory grow linearly with document length.
4. **Confidence.** Each bead gets a probability-like confidence in [0, 1] from its similarity, length
   agreement and size; low values flag beads worth a human look.

Multi-sentence windows get real vectors (of the joined text; an ``embed.Embedder`` for use-m3 composes
them from the sentences' token features), all of them in the band or only near where a first path is not
1-1, and elsewhere are approximated by the normalised sum of their sentence vectors; ``windows`` and
``window_models`` choose.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from workbench.embed.embedder import span_texts
from workbench.errors import WorkbenchError
from workbench.settings import apply_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Bead:
    """One link: source and target sentence indices (0-based, consecutive, either side may be empty)."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float  # confidence in [0, 1]
    sim: float = 0.0  # similarity of the two sides (background 0, spread 0.1); for 1-0/0-1, the best nearby
    margin: float = 0.0  # how far ``sim`` beats the best rival link of its sentences (1-1 and larger)

    @property
    def kind(self) -> str:
        return f"{len(self.src)}-{len(self.tgt)}"


@dataclass(frozen=True, slots=True)
class AlignParams:
    """Aligner settings. Defaults hold across Text+Berg (de-fr) and ParIce (en-is).

    - ``max_align``: largest bead, counted over both sides (``a + b``), e.g. 5 allows 1-4, 2-3, 3-2, 4-1.
    - ``max_side``: most sentences on one side of a bead.
    - ``top_k``: target neighbours per source sentence in the first pass.
    - ``window``: half-width of the search band around the first-pass path, in sentences.
    - ``skip``: gain of a 1-0 or 0-1 bead (an unaligned sentence); more negative means fewer unaligned.
    - ``prior``: penalty per sentence beyond one on each side of a bead (favours 1-1).
    - ``length_weight``: 0 ignores length; 1 multiplies similarity by Bertalign's ``log2(1 + min/max)``.
    - ``windows``: how multi-sentence beads are embedded: ``"all"``: the first model embeds every window in
      the band, the others only those near non-1-1 beads of a first guess; ``"near"``: every model only
      those; ``"sum"``: none (normalised sums of sentence vectors).
    - ``margin``: score a bead by its similarity less the mean similarity of its sides to the sentences
      just outside the other side (Bertalign's margin); this beats raw similarity by several points.
    - ``window_models``: how many of the models, in order, embed windows as set by ``windows``; the others
      always sum sentence vectors.
    - ``window_reach``: which windows "near" a first guess's bead of more than one sentence means: 1 its
      sides and the sides one sentence larger or smaller at either edge, 0 its sides only (fewer windows
      to embed: faster, a little less accurate).
    - ``numbers``: bonus for numbers shared by a bead's sides, times their Jaccard overlap (numbers at the
      start or end of a line, where OCR leaves page numbers, do not count); 0 turns this off.
    - ``unrelated``: a bead of three or more sentences whose similarity is below this fraction of the
      document's typical link (the median of every sentence's best similarity nearby) gains less than
      leaving its sentences unaligned. Without it, lines with no counterpart (captions, OCR debris) are
      merged with unrelated neighbours, because one merged bead costs less than several skips; 0 turns
      this off.
    - ``colon``: penalty on a bead whose last sentence on one side ends with a colon while the other side
      has no such sentence. Where a text was cut at colons (as pre-split corpora are), a segment ending in
      a colon continues in the next one, so it belongs with what follows; 0 turns this off.
    - ``orphan``, ``orphan_skip``: a sentence whose best similarity nearby is below ``orphan`` times the
      document's typical link gains ``orphan_skip`` (instead of ``skip``) when left unaligned: without it
      a sentence with no counterpart (a caption, a line the translator left out) joins a neighbouring
      bead, because that costs less than a skip; 0 turns this off.
    - ``subsumed``: penalty on a bead of one sentence against several whose several are no more similar
      to the one than they are without their first or their last sentence: that sentence adds nothing,
      as when a translator left a line out and the neighbouring bead took it in; 0 turns this off.
    - ``crossed``: bonus for a 2-2 bead whose sentences are more alike crosswise (first with second,
      second with first) than in order: two sentences translated in the other order, which a monotonic
      aligner can only keep whole as one 2-2 bead; 0 turns this off.
    - ``size_gain``: each sentence beyond one on each side of a bead also gains this times the bead's
      weighed similarity, so that a bead whose link is strong earns its ``prior`` back (they cancel at a
      similarity of ``prior / size_gain``) and a weak one does not: with a higher prior, fewer lines left
      out of a translation merge into their neighbours' beads, and fewer true large beads are split; 0
      turns this off.
    - ``reads_typical``: the subsumed and crossed rules read single sentences' similarities, so they act
      only where the document's typical link is at least this: below it the models read the language
      too poorly for that (ParIce's Icelandic with use-m3).
    """

    max_align: int = 5
    max_side: int = 4
    top_k: int = 3
    window: int = 6
    skip: float = -0.1
    prior: float = 0.03
    length_weight: float = 1.0
    windows: str = "near"
    window_models: int = 1
    window_reach: int = 1
    margin: bool = True
    numbers: float = 0.0
    unrelated: float = 0.0
    colon: float = 0.05
    orphan: float = 0.0
    orphan_skip: float = -0.1
    subsumed: float = 0.0
    crossed: float = 0.0
    reads_typical: float = 0.2
    size_gain: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    def overridden(self, settings: Sequence[str]) -> AlignParams:
        """These parameters with ``KEY=VALUE`` settings applied (``--param subsumed=0.2``), read by
        :func:`workbench.settings.apply_settings`; AlignError names a bad one."""
        return apply_settings(self, settings, option="--param", error=AlignError)

    @classmethod
    def from_dict(cls, data: dict) -> AlignParams:
        """The parameters ``to_dict`` gave (as saved in an alignment file). Keys this version does not know
        are dropped with a warning, missing ones take their default; AlignError for a wrong type or a float
        that is not finite (JSON's ``Infinity``, ``NaN``: they would break the dynamic programme)."""
        defaults = cls()
        data = {_RENAMED.get(k, k): v for k, v in data.items()}
        unknown = sorted(k for k in data if k not in cls.__dataclass_fields__)
        if unknown:
            log.warning("ignoring aligner parameters this version does not know: %s", ", ".join(unknown))
        values = {}
        for key, value in data.items():
            if key in unknown:
                continue
            kind = type(getattr(defaults, key))
            if kind is float and type(value) is int:
                value = float(value)
            if type(value) is not kind:
                raise AlignError(f"aligner parameter {key} = {value!r} should be a {kind.__name__}")
            if kind is float and not math.isfinite(value):
                raise AlignError(f"aligner parameter {key} = {value!r} should be a finite number")
            values[key] = value
        return cls(**values)


_RENAMED = {"subsumed_typical": "reads_typical"}  # parameters' old names, as older alignment files have them

# fast: use-m3 embeds every window (cheap). accurate: use-m3 embeds every window, e5-small only those near
# non-1-1 beads of a first guess; shared numbers help with two models (not with use-m3 alone), and so
# does the unrelated rule. Both: beads of up to 6 sentences a side (7 in all), and sentences with nothing
# similar nearby stay unaligned more easily (orphan). Chosen on the development sets (Text+Berg dev,
# ParIce, nk-ko-en-dev, kcna-en-es-dev: benchmarks/align_accuracy.py --split dev). The accurate preset
# weighs length less (0.9): with e5-small's similarities it needs less help from length; use-m3 alone does
# best at 1 (README, "How the settings were chosen"). Both keep a crossed pair whole (crossed). The subsumed
# rule is in neither: it gains on dev but loses on the test set; nor is size_gain with a higher prior,
# which gains on dev's mean but loses on its made large beads and on the test set.
_COMMON = {
    "windows": "all",
    "max_align": 7,
    "max_side": 6,
    "orphan": 0.15,
    "orphan_skip": -0.05,
    "crossed": 0.1,
}
PRESETS: dict[str, tuple[list[str], AlignParams]] = {
    "fast": (["use-m3"], AlignParams(**_COMMON)),
    "accurate": (
        ["use-m3", "e5-small"],
        AlignParams(**_COMMON, window_models=2, numbers=0.1, unrelated=0.2, length_weight=0.9),
    ),
}


class AlignError(WorkbenchError, ValueError):
    """Alignment input that cannot be aligned."""


@dataclass(slots=True)
class _ModelSims:
    """One model's sentence vectors plus the rescaling that maps its cosines to the shared scale."""

    src: np.ndarray
    tgt: np.ndarray
    mean: float
    scale: float
    src_win: dict[int, np.ndarray] = field(default_factory=dict)
    tgt_win: dict[int, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Lines:
    """What the dynamic programme knows of the two texts besides their vectors, per sentence boundary."""

    src_chars: np.ndarray  # running character counts (boundary i = the first i sentences)
    tgt_chars: np.ndarray  # the same, scaled so that both texts have the same total length
    src_numbers: list[set[str]]
    tgt_numbers: list[set[str]]
    src_colons: np.ndarray  # running count of sentences that end with a colon
    tgt_colons: np.ndarray
    typical: float  # the document's typical link: the median of every sentence's best similarity nearby
    src_skip: np.ndarray  # the gain of leaving each source sentence unaligned
    tgt_skip: np.ndarray

    @classmethod
    def of(cls, src, tgt, src_best, tgt_best, typical: float, params: AlignParams) -> _Lines:
        src_len = np.array([max(len(s), 1) for s in src], dtype=float)
        tgt_len = np.array([max(len(t), 1) for t in tgt], dtype=float)
        ratio = src_len.sum() / tgt_len.sum()

        def colons(lines: Sequence[str]) -> np.ndarray:
            return np.concatenate([[0], np.cumsum([x.rstrip().endswith((":", "\uff1a")) for x in lines])])

        return cls(
            np.concatenate([[0.0], np.cumsum(src_len)]),
            np.concatenate([[0.0], np.cumsum(tgt_len)]) * ratio,
            [_numbers(x) for x in src],
            [_numbers(x) for x in tgt],
            colons(src),
            colons(tgt),
            typical,
            _skips(src_best, typical, params),
            _skips(tgt_best, typical, params),
        )


Encoder = Callable[[list[str]], np.ndarray]
SpanEncoder = Callable[[list[str], list[tuple[int, int]]], np.ndarray]


def _span_encoder(encoder) -> SpanEncoder:
    """``(sentences, spans) -> vectors`` of the joined spans: the encoder's own ``encode_spans`` (an
    ``embed.Embedder``, which may compose spans cheaply), else its ``encode`` (or itself) on joined texts."""
    spans = getattr(encoder, "encode_spans", None)
    if spans is not None:
        return spans
    encode = getattr(encoder, "encode", encoder)
    return lambda sentences, pairs: encode(span_texts(sentences, pairs))


# Background cosines of unrelated pairs for known models: blended with the document's own statistics
# so that short documents are rescaled sensibly.
_PRIOR_BACKGROUND = {"use-m3": (0.10, 0.10), "e5-small": (0.79, 0.03)}
_PRIOR_WEIGHT = 200  # pseudo-count of prior background pairs


def _background(src: np.ndarray, tgt: np.ndarray, prior: tuple[float, float] | None) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    n, m = len(src), len(tgt)
    if n * m <= 40_000:
        sims = (src @ tgt.T).ravel()
    else:  # a random sample of pairs, in chunks to keep memory small
        i = rng.integers(0, n, 40_000)
        j = rng.integers(0, m, 40_000)
        sims = np.concatenate(
            [
                np.einsum("ij,ij->i", src[i[k : k + 2000]], tgt[j[k : k + 2000]])
                for k in range(0, 40_000, 2000)
            ]
        )
    count = len(sims)
    mean, var = float(sims.mean()), float(sims.var())
    if prior is not None:
        pm, ps = prior
        w = _PRIOR_WEIGHT
        total = count + w
        new_mean = (count * mean + w * pm) / total
        var = (count * (var + (mean - new_mean) ** 2) + w * (ps**2 + (pm - new_mean) ** 2)) / total
        mean = new_mean
    return mean, max(math.sqrt(var), 1e-3)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def _summed_windows(vecs: np.ndarray, size: int) -> np.ndarray:
    """Row ``e`` holds the normalised sum of vectors ``e-size .. e-1`` (rows below ``size`` are zero)."""
    n, d = vecs.shape
    csum = np.vstack([np.zeros((1, d), dtype=np.float32), np.cumsum(vecs, axis=0, dtype=np.float32)])
    out = np.zeros((n + 1, d), dtype=np.float32)
    if size <= n:
        out[size:] = _unit(csum[size:] - csum[: n + 1 - size])
    return out


class Aligner:
    """Aligns two lists of sentences. ``encoders`` maps a model name to a function texts -> unit vectors,
    or to an ``embed.Embedder`` (which also embeds multi-sentence spans, composing them where it can)."""

    def __init__(self, encoders: dict[str, Encoder], params: AlignParams | None = None):
        if not encoders:
            raise AlignError("at least one embedding model is needed")
        self.params = params or AlignParams()
        self._spans = {name: _span_encoder(encoder) for name, encoder in encoders.items()}

    # -- similarities -------------------------------------------------------------------------------

    def _prepare(self, src: Sequence[str], tgt: Sequence[str]) -> list[_ModelSims]:
        models = []
        for name, spans in self._spans.items():
            s = spans(list(src), [(i, i + 1) for i in range(len(src))])
            t = spans(list(tgt), [(j, j + 1) for j in range(len(tgt))])
            mean, std = _background(s, t, _PRIOR_BACKGROUND.get(name.split(":")[0]))  # e5-small:torch too
            models.append(_ModelSims(s, t, mean, 0.1 / std))
        return models

    # -- first pass: anchors ------------------------------------------------------------------------

    def _anchors(self, models: list[_ModelSims], n: int, m: int) -> list[tuple[int, int]]:
        """A monotonic chain of confident 1-1 links (source index, target index)."""
        k = min(self.params.top_k, m)
        points: list[tuple[int, int, float]] = []
        col_best = np.full(m, -np.inf, dtype=np.float32)
        row_tops = []
        every = Similarities(models, n, m)
        for start in range(0, n, 256):
            rows = np.arange(start, min(n, start + 256))
            sims = every.block(start, start + 256, 0, m)
            # copied out of the (rows x m) partition: a view would keep every chunk's whole partition
            # alive until the loop ends, memory growing with n x m
            top = (
                np.argpartition(-sims, k - 1, axis=1)[:, :k].copy()
                if k < m
                else np.tile(np.arange(m), (len(rows), 1))
            )
            top_sims = np.take_along_axis(sims, top, axis=1)
            kk = min(4, m)
            near = -np.partition(-sims, kk - 1, axis=1)[:, :kk]
            row_tops.append((rows, top, top_sims, near.mean(axis=1)))
            col_best = np.maximum(col_best, sims.max(axis=0))
        # Margin: how far a pair stands out from the source sentence's neighbourhood.
        for rows, top, top_sims, row_ctx in row_tops:
            for r, cols, vals, ctx in zip(rows, top, top_sims, row_ctx, strict=True):
                for c, v in zip(cols, vals, strict=True):
                    margin = v - ctx
                    gain = v + margin
                    if v > 0.2 and v >= col_best[c] - 0.15:
                        points.append((int(r), int(c), float(gain)))
        return _best_chain(points, m)

    # -- band --------------------------------------------------------------------------------------

    def _band(self, anchors: list[tuple[int, int]], n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
        """For each source boundary r in 0..n, the range [lo, hi] of target boundaries to search: the
        rectangle between consecutive anchors, widened by ``window`` (as Bertalign does)."""
        w = self.params.window
        lo = np.zeros(n + 1, dtype=int)
        hi = np.zeros(n + 1, dtype=int)
        prev_i, prev_j = 0, 0
        for i, j in [*((i + 1, j + 1) for i, j in anchors), (n, m)]:
            lo[prev_i : i + 1] = max(prev_j - w, 0)
            hi[prev_i : i + 1] = min(j + w, m)
            prev_i, prev_j = i, j
        # Also a corridor around the straight lines between anchors, widening with their distance, so
        # that one wrong anchor does not pin the path.
        xs = np.array([0.0, *(i + 0.5 for i, _ in anchors), n])
        ys = np.array([0.0, *(j + 0.5 for _, j in anchors), m])
        r = np.arange(n + 1, dtype=float)
        seg = np.clip(np.searchsorted(xs, r, side="right") - 1, 0, len(xs) - 2)
        half = w + np.minimum(np.maximum(xs[seg + 1] - xs[seg], ys[seg + 1] - ys[seg]) / 2, 4 * w)
        centre = np.interp(r, xs, ys)
        lo = np.minimum(lo, np.clip(np.floor(centre - half), 0, m).astype(int))
        hi = np.maximum(hi, np.clip(np.ceil(centre + half), 0, m).astype(int))
        lo[0], hi[n] = 0, m
        lo = np.maximum.accumulate(lo)
        hi = np.minimum.accumulate(hi[::-1])[::-1]
        return lo, np.maximum(hi, lo)

    # -- windows -----------------------------------------------------------------------------------

    def _bead_types(self) -> list[tuple[int, int]]:
        p = self.params
        types = [
            (a, b) for a in range(1, p.max_side + 1) for b in range(1, p.max_side + 1) if a + b <= p.max_align
        ]
        return sorted(types, key=lambda t: (t[0] + t[1], t))

    def _sum_windows(self, models) -> None:
        """Window vectors as normalised sums of sentence vectors (row ``e`` = window ending before ``e``)."""
        for mdl in models:
            mdl.src_win[1] = np.vstack([np.zeros_like(mdl.src[:1]), mdl.src])
            mdl.tgt_win[1] = np.vstack([np.zeros_like(mdl.tgt[:1]), mdl.tgt])
            for size in range(2, self.params.max_side + 1):
                mdl.src_win[size] = _summed_windows(mdl.src, size)
                mdl.tgt_win[size] = _summed_windows(mdl.tgt, size)

    def _windows(self, models, which, src, tgt, needed_src, needed_tgt) -> None:
        """Embed the needed windows (sizes to sets of end boundaries) for real with models ``which``."""
        pairs = list(zip(self._spans.items(), models, strict=True))
        for (name, spans), mdl in (pairs[k] for k in which):
            for sents, needed, win in ((src, needed_src, "src_win"), (tgt, needed_tgt, "tgt_win")):
                wanted = [
                    (size, np.array(sorted(e for e in ends if size <= e <= len(sents)), dtype=int))
                    for size, ends in sorted(needed.items())
                    if size >= 2
                ]
                wanted = [(size, ends) for size, ends in wanted if len(ends)]
                if not wanted:
                    continue
                vecs = spans(list(sents), [(int(e) - size, int(e)) for size, ends in wanted for e in ends])
                at = 0  # one call per side, so that a model that composes spans reads each sentence once
                for size, ends in wanted:
                    getattr(mdl, win)[size][ends] = vecs[at : at + len(ends)]
                    at += len(ends)
            log.debug("windows embedded for %s", name)

    # -- second pass -------------------------------------------------------------------------------

    def _score(self, models, a, r, b, cols, n, m) -> tuple[np.ndarray, np.ndarray]:
        """Similarity, and similarity less the neighbour margin, of the source window of ``a`` sentences
        ending at ``r`` against the target windows of ``b`` sentences ending at ``cols``."""
        sim = np.zeros(len(cols))
        rel = np.zeros(len(cols))
        for mdl in models:
            sv = mdl.src_win[a][r]
            tv = mdl.tgt_win[b][cols]
            this = ((tv @ sv) - mdl.mean) * mdl.scale
            sim += this
            if self.params.margin:
                this = this - self._neighbours(mdl, sv, tv, r, a, cols, b, n, m)
            rel += this
        return sim / len(models), rel / len(models)

    @staticmethod
    def _sim(models, a, r, b, cols) -> np.ndarray:
        """Similarity of the source window of ``a`` sentences ending at ``r`` to the target windows of
        ``b`` sentences ending at ``cols`` (no margin)."""
        return sum((mdl.tgt_win[b][cols] @ mdl.src_win[a][r] - mdl.mean) * mdl.scale for mdl in models) / len(
            models
        )

    @staticmethod
    def _neighbours(mdl, sv, tv, r, a, cols, b, n, m) -> np.ndarray:
        """Bertalign's margin: mean similarity of each side of a bead to the sentences just outside the
        other side (left and right), averaged over the two sides."""
        # The source window against the target sentences just before and after each target window.
        left, right = cols - b - 1, cols
        first = max(int(left.min()), 0)
        seg = (mdl.tgt[first : min(int(right.max()) + 1, m)] @ sv - mdl.mean) * mdl.scale
        has_l, has_r = left >= 0, right < m
        t_l = np.where(has_l, seg[np.clip(left - first, 0, len(seg) - 1)], 0.0)
        t_r = np.where(has_r, seg[np.clip(right - first, 0, len(seg) - 1)], 0.0)
        t_nb = (t_l + t_r) / np.maximum(has_l.astype(int) + has_r.astype(int), 1)
        # The target windows against the source sentences just before and after the source window.
        s_parts = []
        if r - a - 1 >= 0:
            s_parts.append((tv @ mdl.src[r - a - 1] - mdl.mean) * mdl.scale)
        if r < n:
            s_parts.append((tv @ mdl.src[r] - mdl.mean) * mdl.scale)
        s_nb = sum(s_parts) / len(s_parts) if s_parts else 0.0
        return (t_nb + s_nb) / 2

    def _gain(self, models, a, r, b, cols, n, m, lines: _Lines) -> tuple[np.ndarray, np.ndarray]:
        """Similarity and gain of the beads of ``a`` source sentences ending at boundary ``r`` and ``b``
        target sentences ending at boundaries ``cols`` (``a, b >= 1``): what the dynamic programme adds up."""
        p = self.params
        sim, rel = self._score(models, a, r, b, cols, n, m)
        ls = lines.src_chars[r] - lines.src_chars[r - a]
        lt = lines.tgt_chars[cols] - lines.tgt_chars[cols - b]
        lf = np.log2(1 + np.minimum(ls, lt) / np.maximum(np.maximum(ls, lt), 1e-9))
        extra = a + b - 2
        weighed = rel * (1 - p.length_weight + p.length_weight * lf)
        gain = weighed * (1 + p.size_gain * extra) - p.prior * extra
        mine = set().union(*lines.src_numbers[r - a : r]) if p.numbers else None
        if mine:  # numbers shared by both sides (Jaccard)
            for k, c in enumerate(cols):
                other = set().union(*lines.tgt_numbers[c - b : c])
                if other:
                    gain[k] += p.numbers * len(mine & other) / len(mine | other)
        if p.colon:  # one side ends in a colon, the other has none (a crossed pair keeps its 2-2 bead)
            sc, tc = lines.src_colons, lines.tgt_colons
            src_end, tgt_end = sc[r] > sc[r - 1], tc[cols] > tc[cols - 1]
            src_any, tgt_any = sc[r] > sc[r - a], tc[cols] > tc[cols - b]
            gain = gain - p.colon * ((src_end & ~tgt_any) | (tgt_end & ~src_any))
        if p.subsumed and (a == 1) != (b == 1) and lines.typical >= p.reads_typical:
            # n-1 or 1-n: is the many side more like the one than it is without its first or last sentence?
            if a > 1:
                first, last = self._sim(models, a - 1, r, b, cols), self._sim(models, a - 1, r - 1, b, cols)
            else:
                first, last = self._sim(models, a, r, b - 1, cols), self._sim(models, a, r, b - 1, cols - 1)
            gain = gain - p.subsumed * (np.maximum(first, last) >= sim)
        if p.crossed and a == 2 and b == 2 and lines.typical >= p.reads_typical:
            one = lambda i, c: self._sim(models, 1, i, 1, c)  # noqa: E731  (sentence i - 1 against c - 1)
            cross = np.minimum(one(r - 1, cols), one(r, cols - 1))
            diag = np.maximum(one(r - 1, cols - 1), one(r, cols))
            gain = gain + p.crossed * (cross > diag)
        if a + b >= 3 and p.unrelated > 0 and lines.typical > 0:
            floor = p.unrelated * lines.typical
            gain = np.where(sim < floor, np.minimum(gain, p.skip * (a + b) - 0.01), gain)
        return sim, gain

    def _dp(self, models, lo, hi, n, m, lines: _Lines):
        """Best path through the band, as beads (r0, r1, c0, c1, similarity) in boundary coordinates."""
        types = self._bead_types()
        neg = -1e9
        score = [np.full(hi[r] - lo[r] + 1, neg) for r in range(n + 1)]
        back = [np.zeros(hi[r] - lo[r] + 1, dtype=np.int8) for r in range(n + 1)]
        sims_at = [np.zeros(hi[r] - lo[r] + 1, dtype=np.float32) for r in range(n + 1)]
        score[0][0] = 0.0
        codes = [(1, 0), (0, 1), *types]
        for r in range(n + 1):
            cols = np.arange(lo[r], hi[r] + 1)
            best = score[r]
            if r > 0:
                for code, (a, b) in enumerate(codes):
                    if a == 0 or a > r:
                        continue
                    pr = r - a
                    q = cols - b
                    ok = (q >= lo[pr]) & (q <= hi[pr])
                    if not ok.any():
                        continue
                    prev = np.full(len(cols), neg)
                    prev[ok] = score[pr][q[ok] - lo[pr]]
                    if b == 0:
                        gain = np.full(len(cols), lines.src_skip[r - 1])
                        sim = np.zeros(len(cols))
                    else:
                        # unreachable cells get a reachable neighbour's column: a placeholder far
                        # to the left would make the margin read every target sentence in between
                        tcols = np.where(ok, cols, cols[ok][0])
                        sim, gain = self._gain(models, a, r, b, tcols, n, m, lines)
                    cand = prev + gain
                    better = cand > best
                    best[better] = cand[better]
                    back[r][better] = code
                    sims_at[r][better] = sim[better]
            # 0-1 beads chain along the row: best[j] = max(best[j], best[j-1] + skip).
            for j in range(1, len(cols)):
                cand = best[j - 1] + lines.tgt_skip[cols[j] - 1]
                if cand > best[j]:
                    best[j] = cand
                    back[r][j] = 1
                    sims_at[r][j] = 0.0
        if score[n][m - lo[n]] <= neg / 2:
            raise AlignError("no path through the search band; widen AlignParams.window")
        path = []
        r, c = n, m
        while r > 0 or c > 0:
            k = c - lo[r]
            a, b = codes[back[r][k]]
            path.append((r - a, r, c - b, c, float(sims_at[r][k])))
            r, c = r - a, c - b
        path.reverse()
        return path

    # -- local evidence ------------------------------------------------------------------------------

    def _local(self, models, lo, hi, n, m) -> list[tuple[int, np.ndarray]]:
        """For each source sentence, its similarities to the target sentences its band reaches."""
        rows = []
        for i in range(n):
            c0, c1 = int(lo[i]), int(hi[i + 1])
            c1 = max(c1, c0 + 1) if m else c0
            c1 = min(c1, m)
            sims = np.zeros(c1 - c0)
            for mdl in models:
                sims += (mdl.tgt[c0:c1] @ mdl.src[i] - mdl.mean) * mdl.scale
            rows.append((c0, sims / len(models)))
        return rows

    @staticmethod
    def _best_local(local, n, m) -> tuple[np.ndarray, np.ndarray]:
        """Each source and target sentence's best similarity to a sentence of the other side nearby."""
        src_best = np.full(n, -1.0)
        tgt_best = np.full(m, -1.0)
        for i, (c0, sims) in enumerate(local):
            if len(sims):
                src_best[i] = sims.max()
                tgt_best[c0 : c0 + len(sims)] = np.maximum(tgt_best[c0 : c0 + len(sims)], sims)
        return src_best, tgt_best

    # -- public --------------------------------------------------------------------------------------

    def similarities(self, src: Sequence[str], tgt: Sequence[str]) -> Similarities:
        """Sentence-by-sentence similarities on the aligner's shared scale (unrelated pairs about 0,
        spread 0.1), the ones the first pass and the confidence read; any block on demand, so that a
        long document's view never needs the whole n x m matrix."""
        if not src or not tgt:
            return Similarities([], len(src), len(tgt))
        return Similarities(self._prepare(src, tgt), len(src), len(tgt))

    def align(self, src: Sequence[str], tgt: Sequence[str]) -> list[Bead]:
        """Align two sentence lists. Deterministic and monotonic; every sentence is in exactly one bead."""
        mode = self.params.windows
        if mode not in ("all", "near", "sum"):
            raise AlignError(f"unknown windows mode {mode!r}: use all, near or sum")
        if self.params.window_reach < 0:
            raise AlignError(f"window_reach is {self.params.window_reach}: use 0 or more")
        n, m = len(src), len(tgt)
        if n == 0 or m == 0:
            return [Bead((i,), (), 1.0) for i in range(n)] + [Bead((), (j,), 1.0) for j in range(m)]
        models = self._prepare(src, tgt)
        anchors = self._anchors(models, n, m)
        lo, hi = self._band(anchors, n, m)
        local = self._local(models, lo, hi, n, m)
        src_best, tgt_best = self._best_local(local, n, m)
        self._sum_windows(models)
        real = [] if mode == "sum" else list(range(min(self.params.window_models, len(models))))
        if mode == "all" and real:  # the first model embeds every window in the band up front
            sizes, cols = range(2, self.params.max_side + 1), _band_cols(lo, hi)
            need_s, need_t = {a: set(range(n + 1)) for a in sizes}, {b: cols for b in sizes}
            self._windows(models, real[:1], src, tgt, need_s, need_t)
            real = real[1:]
        typical = float(np.median(np.concatenate([src_best, tgt_best])))
        args = (models, lo, hi, n, m, _Lines.of(src, tgt, src_best, tgt_best, typical, self.params))
        path = self._dp(*args)
        if real:  # the others embed the windows near where a first guess is not 1-1
            need_s, need_t = _windows_near(path, self.params.max_side, self.params.window_reach)
            if need_s or need_t:
                self._windows(models, real, src, tgt, need_s, need_t)
                path = self._dp(*args)
        beads = []
        for r0, r1, c0, c1, sim in path:
            unaligned = r0 == r1 or c0 == c1
            if unaligned:
                sim = float(src_best[r0] if r0 < r1 else tgt_best[c0])
                margin = 0.0
            else:
                margin = sim - _rival(local, r0, r1, c0, c1)
            score = confidence(unaligned, sim, margin, (r1 - r0) + (c1 - c0) - 2)
            beads.append(Bead(tuple(range(r0, r1)), tuple(range(c0, c1)), score, sim, margin))
        return beads


@dataclass(frozen=True, slots=True)
class Similarities:
    """Two documents' sentence vectors, rescaled per model: similarity blocks cost only their cells."""

    models: list[_ModelSims]
    n: int
    m: int

    def block(self, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        """Similarities of source sentences ``r0..r1-1`` (rows) with target sentences ``c0..c1-1``."""
        r0, r1 = max(r0, 0), min(r1, self.n)
        c0, c1 = max(c0, 0), min(c1, self.m)
        rows, cols = max(r1 - r0, 0), max(c1 - c0, 0)
        if not self.models or not rows or not cols:
            return np.zeros((rows, cols), dtype=np.float32)
        total = sum((m.src[r0:r1] @ m.tgt[c0:c1].T - m.mean) * m.scale for m in self.models)
        return (total / len(self.models)).astype(np.float32)


def _rival(local, r0: int, r1: int, c0: int, c1: int) -> float:
    """The best similarity between a sentence of the bead and a sentence outside it, nearby; at least the
    background level (0), so that a bead with no neighbours must still stand out from chance."""
    rival = 0.0
    for i in range(max(r0 - 3, 0), min(r1 + 3, len(local))):
        start, sims = local[i]
        cols = np.arange(start, start + len(sims))
        if r0 <= i < r1:
            mask = (cols < c0) | (cols >= c1)  # this source sentence against targets outside the bead
        else:
            mask = (cols >= c0) & (cols < c1)  # sources outside the bead against its targets
        if mask.any():
            rival = max(rival, float(sims[mask].max()))
    return rival


def confidence(unaligned: bool, sim: float, margin: float, extra: int = 0, link=None, skip=None) -> float:
    """Probability-like confidence of a bead from its evidence (see ``Bead``); ``extra`` counts the
    sentences beyond one on each side. ``link`` and ``skip``: other coefficients than ``CONF_LINK`` and
    ``CONF_SKIP`` (the calibration benchmark tries its fits with them)."""
    if unaligned:
        # An unaligned sentence is likely right when nothing near it resembles it.
        mid, spread = skip or CONF_SKIP
        return float(1 / (1 + math.exp((sim - mid) / spread)))
    w_sim, w_margin, w_extra, bias = link or CONF_LINK
    return float(1 / (1 + math.exp(-(w_sim * sim + w_margin * margin + w_extra * extra + bias))))


# Confidence calibration: benchmarks/calibrate_confidence.py fits these on the beads of both presets on the
# five development sets (de-fr, en-is, en-ko, en-es, en-zh) and on those documents against a reversed target.
CONF_LINK = (1.662, 10.528, -1.420, 0.173)  # weights of similarity, margin, extra sentences; bias
CONF_SKIP = (1.506, 0.481)  # an unaligned sentence: midpoint and spread of its best local similarity


def _skips(best: np.ndarray, typical: float, p: AlignParams) -> np.ndarray:
    """The gain of leaving each sentence unaligned: ``skip``, or ``orphan_skip`` for a sentence whose best
    similarity nearby is below ``orphan`` times the document's typical link."""
    out = np.full(len(best), p.skip)
    if p.orphan > 0 and typical > 0:
        out[best < p.orphan * typical] = p.orphan_skip
    return out


def _band_cols(lo: np.ndarray, hi: np.ndarray) -> set[int]:
    cols: set[int] = set()
    for a, b in zip(lo, hi, strict=True):
        cols.update(range(int(a), int(b) + 1))
    return cols


def _windows_near(path, max_side: int, reach: int = 1):
    """Window ends worth embedding for real: the multi-sentence sides of a first guess's beads and of the
    beads up to ``reach`` sentences larger or smaller at either edge."""
    need_s: dict[int, set[int]] = {}
    need_t: dict[int, set[int]] = {}
    for r0, r1, c0, c1, _ in path:
        if r1 - r0 == 1 and c1 - c0 == 1:
            continue
        for lo_, hi_, need in ((r0, r1, need_s), (c0, c1, need_t)):
            for start in range(lo_ - reach, lo_ + reach + 1):
                for end in range(hi_ - reach, hi_ + reach + 1):
                    size = end - start
                    if 2 <= size <= max_side and start >= 0:
                        need.setdefault(size, set()).add(end)
    return need_s, need_t


def _best_chain(points: list[tuple[int, int, float]], m: int) -> list[tuple[int, int]]:
    """Maximum-gain chain of points strictly increasing in both coordinates (Fenwick tree, O(p log p))."""
    if not points:
        return []
    points.sort(key=lambda p: (p[0], p[1]))
    size = m + 1
    tree_val = [0.0] * (size + 1)
    tree_idx = [-1] * (size + 1)
    best_val = [0.0] * len(points)
    prev = [-1] * len(points)

    def query(j: int) -> tuple[float, int]:  # best over columns < j
        v, idx = 0.0, -1
        while j > 0:
            if tree_val[j] > v:
                v, idx = tree_val[j], tree_idx[j]
            j -= j & -j
        return v, idx

    def update(j: int, v: float, idx: int) -> None:
        j += 1
        while j <= size:
            if v > tree_val[j]:
                tree_val[j], tree_idx[j] = v, idx
            j += j & -j

    start = 0
    while start < len(points):
        end = start
        while end < len(points) and points[end][0] == points[start][0]:
            end += 1
        for k in range(start, end):  # all of one row are queried before any is inserted
            v, idx = query(points[k][1])
            best_val[k] = v + points[k][2]
            prev[k] = idx
        for k in range(start, end):
            update(points[k][1], best_val[k], k)
        start = end
    k = max(range(len(points)), key=lambda i: best_val[i])
    chain = []
    while k != -1:
        chain.append((points[k][0], points[k][1]))
        k = prev[k]
    return chain[::-1]


def _numbers(text: str) -> set[str]:
    """Numbers of two or more digits inside a line of four or more tokens, not its first or last token
    (where OCR leaves page numbers), nor parts of dates, decimals or codes."""
    tokens = text.split()
    if len(tokens) < 4:
        return set()
    return set(re.findall(r"(?<![\w.,/])\d{2,}(?![\w/]|[.,]\d)", " ".join(tokens[1:-1])))
