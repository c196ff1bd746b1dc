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

The settings and data are in ``params``, the search in ``dp`` (plain functions); ``Aligner`` embeds the
sentences and windows, runs the search and turns its path into beads with their confidence.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from workbench.align import dp
from workbench.align.params import PRESETS, AlignError, AlignParams, Bead, ModelSims
from workbench.embed.embedder import span_texts

__all__ = [
    "CONF_LINK",
    "CONF_SKIP",
    "PRESETS",
    "AlignError",
    "AlignParams",
    "Aligner",
    "Bead",
    "Similarities",
    "confidence",
]

log = logging.getLogger(__name__)

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


class Aligner:
    """Aligns two lists of sentences. ``encoders`` maps a model name to a function texts -> unit vectors,
    or to an ``embed.Embedder`` (which also embeds multi-sentence spans, composing them where it can)."""

    def __init__(self, encoders: dict[str, Encoder], params: AlignParams | None = None):
        if not encoders:
            raise AlignError("at least one embedding model is needed")
        self.params = params or AlignParams()
        self._spans = {name: _span_encoder(encoder) for name, encoder in encoders.items()}

    def _prepare(self, src: Sequence[str], tgt: Sequence[str]) -> list[ModelSims]:
        """Every model's sentence vectors and the rescaling of its cosines to the shared scale."""
        models = []
        for name, spans in self._spans.items():
            s = spans(list(src), [(i, i + 1) for i in range(len(src))])
            t = spans(list(tgt), [(j, j + 1) for j in range(len(tgt))])
            mean, std = dp.background(s, t, _PRIOR_BACKGROUND.get(name.split(":")[0]))  # e5-small:torch too
            models.append(ModelSims(s, t, mean, 0.1 / std))
        return models

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

    def _dp(self, models, lo, hi, n, m, lines):
        """Best path through the band (``dp.best_path``)."""
        return dp.best_path(models, lo, hi, n, m, lines, self.params)

    def similarities(self, src: Sequence[str], tgt: Sequence[str]) -> Similarities:
        """Sentence-by-sentence similarities on the aligner's shared scale (unrelated pairs about 0,
        spread 0.1), the ones the first pass and the confidence read; any block on demand, so that a
        long document's view never needs the whole n x m matrix."""
        if not src or not tgt:
            return Similarities([], len(src), len(tgt))
        return Similarities(self._prepare(src, tgt), len(src), len(tgt))

    def align(self, src: Sequence[str], tgt: Sequence[str]) -> list[Bead]:
        """Align two sentence lists. Deterministic and monotonic; every sentence is in exactly one bead."""
        p = self.params
        if p.windows not in ("all", "near", "sum"):
            raise AlignError(f"unknown windows mode {p.windows!r}: use all, near or sum")
        if p.window_reach < 0:
            raise AlignError(f"window_reach is {p.window_reach}: use 0 or more")
        n, m = len(src), len(tgt)
        if n == 0 or m == 0:
            return [Bead((i,), (), 1.0) for i in range(n)] + [Bead((), (j,), 1.0) for j in range(m)]
        models = self._prepare(src, tgt)
        lo, hi = dp.band(dp.anchors(models, n, m, p.top_k), n, m, p.window)
        local = dp.local(models, lo, hi, n, m)
        src_best, tgt_best = dp.best_local(local, n, m)
        dp.sum_windows(models, p.max_side)
        real = [] if p.windows == "sum" else list(range(min(p.window_models, len(models))))
        if p.windows == "all" and real:  # the first model embeds every window in the band up front
            sizes, cols = range(2, p.max_side + 1), dp.band_cols(lo, hi)
            need_s, need_t = {a: set(range(n + 1)) for a in sizes}, {b: cols for b in sizes}
            self._windows(models, real[:1], src, tgt, need_s, need_t)
            real = real[1:]
        typical = float(np.median(np.concatenate([src_best, tgt_best])))
        args = (models, lo, hi, n, m, dp.lines(src, tgt, src_best, tgt_best, typical, p))
        path = self._dp(*args)
        if real:  # the others embed the windows near where a first guess is not 1-1
            need_s, need_t = dp.windows_near(path, p.max_side, p.window_reach)
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
                margin = sim - dp.rival(local, r0, r1, c0, c1)
            score = confidence(unaligned, sim, margin, (r1 - r0) + (c1 - c0) - 2)
            beads.append(Bead(tuple(range(r0, r1)), tuple(range(c0, c1)), score, sim, margin))
        return beads


@dataclass(frozen=True, slots=True)
class Similarities:
    """Two documents' sentence vectors, rescaled per model: similarity blocks cost only their cells."""

    models: list[ModelSims]
    n: int
    m: int

    def block(self, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        """Similarities of source sentences ``r0..r1-1`` (rows) with target sentences ``c0..c1-1``."""
        return dp.similarity_block(self.models, self.n, self.m, r0, r1, c0, c1)


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
