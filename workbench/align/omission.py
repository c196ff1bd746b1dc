"""Omission detection on top of a sentence alignment: sentences that the aligner merged into a neighbouring
bead although they have no counterpart.

The aligner rarely leaves a sentence unaligned (a 1-0 or 0-1 bead): a source sentence whose translation
was dropped usually joins its neighbour's bead (a 2-1 bead where the truth is 1-0 then 1-1). So each bead
with two or more sentences on a side is tested: if leaving out the sentence at one end of that side makes
the bead's two sides *more* alike by at least ``gain`` (on the aligner's shared scale: unrelated pairs about
0, spread 0.1), that sentence is split off as unaligned, and the rest of the bead is tested again. A
sentence that truly shares a bead (a translator's merge) adds meaning the other side has, so leaving it out
makes the sides less alike. Only end sentences are split off, so every bead keeps consecutive sentences and
the beads stay in order. The threshold was chosen on development data only (docs/methods-divergence.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from workbench.align.aligner import _PRIOR_BACKGROUND, Aligner, Bead

__all__ = ["GAIN", "split_unaligned"]

GAIN = -0.015  # chosen on development data only: docs/methods-divergence.md


class _Sims:
    """Similarity of runs of sentences inside the beads to test, on the aligner's scale (cosines times
    0.1 / the spread of unrelated pairs; the mean cancels out of the differences the rule reads), averaged
    over the aligner's models. Every run is embedded up front, one call per model and side, as the aligner
    embeds windows; a model with no known spread takes the document's, as the aligner does."""

    def __init__(self, aligner: Aligner, src: Sequence[str], tgt: Sequence[str], runs: tuple[set, set]):
        sides = (list(src), list(tgt))
        spans = aligner._spans  # the aligner's own span encoders (private to the align package)
        document = None
        self.models = []
        for k, (name, encode) in enumerate(spans.items()):
            prior = _PRIOR_BACKGROUND.get(name.split(":")[0])
            if prior is None:
                document = document or aligner.similarities(src, tgt).models
                scale = document[k].scale
            else:
                scale = 0.1 / prior[1]
            vectors = []
            for sents, wanted in zip(sides, runs, strict=True):
                order = sorted(wanted)
                vecs = np.asarray(encode(sents, order), dtype=np.float32)
                vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
                vectors.append(dict(zip(order, vecs, strict=True)))
            self.models.append((scale, vectors))

    @staticmethod
    def inside(beads: list[Bead]) -> tuple[set, set]:
        """Every run of consecutive sentences inside the beads' sides (what ``_peel`` may read)."""
        runs: tuple[set, set] = (set(), set())
        for bead in beads:
            for ids, found in zip((bead.src, bead.tgt), runs, strict=True):
                found.update((a, b) for a in ids for b in range(a + 1, ids[-1] + 2))
        return runs

    def __call__(self, src: tuple[int, int], tgt: tuple[int, int]) -> float:
        total = sum(scale * float(v[0][src] @ v[1][tgt]) for scale, v in self.models)
        return total / len(self.models)


def _peel(sims: _Sims, side: int, own: list[int], other: tuple[int, int], gain: float) -> tuple[list, list]:
    """Split unaligned sentences off the ends of ``own`` (a side's consecutive sentence indices) against
    ``other`` (the other side's run): the sentences split off before and after what stays."""

    def sim(lo: int, hi: int) -> float:
        run = (own[lo], own[hi - 1] + 1)
        return sims(run, other) if side == 0 else sims(other, run)

    lo, hi = 0, len(own)
    while hi - lo >= 2:
        whole = sim(lo, hi)
        first, last = sim(lo + 1, hi) - whole, sim(lo, hi - 1) - whole
        if max(first, last) < gain:
            break
        if first >= last:
            lo += 1
        else:
            hi -= 1
    return own[:lo], own[hi:]


def split_unaligned(
    aligner: Aligner, src: Sequence[str], tgt: Sequence[str], beads: list[Bead], gain: float = GAIN
) -> list[Bead]:
    """The beads with every sentence that leaving out raises its bead's similarity by ``gain`` or more
    split off as a bead of its own (1-0 on the source side, 0-1 on the target side). A split-off sentence
    gets confidence 0.5 (evidence of a different kind than the aligner's); what stays keeps its bead's."""
    tested = [b for b in beads if b.src and b.tgt and (len(b.src) > 1 or len(b.tgt) > 1)]
    if not tested:
        return list(beads)
    sims = _Sims(aligner, src, tgt, _Sims.inside(tested))
    out: list[Bead] = []
    for bead in beads:
        if not bead.src or not bead.tgt or (len(bead.src) < 2 and len(bead.tgt) < 2):
            out.append(bead)
            continue
        src_ids, tgt_ids = list(bead.src), list(bead.tgt)
        before_s, after_s = _peel(sims, 0, src_ids, (tgt_ids[0], tgt_ids[-1] + 1), gain)
        src_ids = src_ids[len(before_s) : len(src_ids) - len(after_s)]
        before_t, after_t = _peel(sims, 1, tgt_ids, (src_ids[0], src_ids[-1] + 1), gain)
        tgt_ids = tgt_ids[len(before_t) : len(tgt_ids) - len(after_t)]
        out += [Bead((i,), (), 0.5) for i in before_s] + [Bead((), (j,), 0.5) for j in before_t]
        if len(src_ids) == len(bead.src) and len(tgt_ids) == len(bead.tgt):
            out.append(bead)
        else:
            out.append(Bead(tuple(src_ids), tuple(tgt_ids), bead.score, sims(_run(src_ids), _run(tgt_ids))))
        out += [Bead((i,), (), 0.5) for i in after_s] + [Bead((), (j,), 0.5) for j in after_t]
    return out


def _run(ids: list[int]) -> tuple[int, int]:
    return ids[0], ids[-1] + 1
