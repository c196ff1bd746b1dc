"""Unit tests of the aligner's dynamic programme (``workbench.align.dp``) on tiny hand-made arrays, where
the answer is known: one-hot sentence vectors, so that the similarity of two sentences is 1 or 0."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.align import dp
from workbench.align.params import AlignError, AlignParams, ModelSims

PARAMS = AlignParams(max_side=2, max_align=3)


def onehot(*rows: tuple[int, ...], dim: int = 4) -> np.ndarray:
    """Unit vectors, each the normalised sum of the given axes."""
    out = np.zeros((len(rows), dim), dtype=np.float32)
    for i, axes in enumerate(rows):
        out[i, list(axes)] = 1.0
    return dp.unit(out)


def search(src_vecs, tgt_vecs, src_texts, tgt_texts, p=PARAMS, lo=None, hi=None):
    """The dynamic programme's inputs over the whole n x m rectangle (no rescaling: mean 0, scale 1)."""
    n, m = len(src_vecs), len(tgt_vecs)
    models = [ModelSims(src_vecs, tgt_vecs, 0.0, 1.0)]
    dp.sum_windows(models, p.max_side)
    lo = np.zeros(n + 1, dtype=int) if lo is None else np.array(lo)
    hi = np.full(n + 1, m) if hi is None else np.array(hi)
    local = dp.local(models, lo, hi, n, m)
    src_best, tgt_best = dp.best_local(local, n, m)
    typical = float(np.median(np.concatenate([src_best, tgt_best])))
    lines = dp.lines(src_texts, tgt_texts, src_best, tgt_best, typical, p)
    return models, lo, hi, n, m, lines


def beads(path) -> list[tuple[int, int, int, int]]:
    return [(r0, r1, c0, c1) for r0, r1, c0, c1, _ in path]


def test_identity_similarity_gives_the_diagonal():
    # 3 x 3, sentence i like target i only: three 1-1 beads, each of similarity 1 and gain 1.
    eye = onehot((0,), (1,), (2,), dim=3)
    args = search(eye, eye, ["aaaa"] * 3, ["bbbb"] * 3)
    score, back, sims = dp.forward(*args, PARAMS)
    assert score[3][3] == pytest.approx(3.0)
    path = dp.best_path(*args, PARAMS)
    assert beads(path) == [(0, 1, 0, 1), (1, 2, 1, 2), (2, 3, 2, 3)]
    assert [s for *_, s in path] == pytest.approx([1.0, 1.0, 1.0])


def test_a_sentence_split_in_two_gives_a_1_2_bead():
    # The middle source sentence holds both middle target sentences (and is as long as both together).
    src = onehot((0,), (1, 2), (3,))
    tgt = onehot((0,), (1,), (2,), (3,))
    path = dp.best_path(*search(src, tgt, ["aaaa", "aaaaaaaa", "aaaa"], ["bbbb"] * 4), PARAMS)
    assert beads(path) == [(0, 1, 0, 1), (1, 2, 1, 3), (2, 3, 3, 4)]


def test_a_target_sentence_with_no_counterpart_is_left_unaligned():
    src = onehot((0,), (1,), (2,))
    tgt = onehot((0,), (3,), (1,), (2,))
    path = dp.best_path(*search(src, tgt, ["aaaa"] * 3, ["bbbb"] * 4), PARAMS)
    assert beads(path) == [(0, 1, 0, 1), (1, 1, 1, 2), (1, 2, 2, 3), (2, 3, 3, 4)]
    assert path[1][4] == 0.0  # an unaligned sentence's bead has no similarity of its own


def test_no_path_through_a_band_that_skips_too_far():
    eye = onehot((0,), (1,), (2,), dim=3)
    # Rows 0-2 reach column 0 only, row 3 column 3 only: the last step would need a 1-3 bead.
    args = search(eye, eye, ["aaaa"] * 3, ["bbbb"] * 3, lo=[0, 0, 0, 3], hi=[0, 0, 0, 3])
    score, _, _ = dp.forward(*args, PARAMS)
    assert score[3][0] <= dp.NEG / 2
    with pytest.raises(AlignError, match="widen"):
        dp.best_path(*args, PARAMS)


def test_backtrace_follows_the_codes():
    moves = dp.codes(PARAMS)
    assert moves == [(1, 0), (0, 1), (1, 1), (1, 2), (2, 1)]
    # 2 x 3, full band: (2, 3) came by a 1-2 bead (code 3) from (1, 1), which came by a 1-1 bead from (0, 0).
    back = [np.array([0, 1, 1, 1]), np.array([0, 2, 0, 0]), np.array([0, 0, 0, 3])]
    sims = [np.zeros(4, dtype=np.float32), np.array([0, 0.5, 0, 0]), np.array([0, 0, 0, 0.25])]
    path = dp.backtrace(back, sims, np.zeros(3, dtype=int), 2, 3, moves)
    assert path == [(0, 1, 0, 1, 0.5), (1, 2, 1, 3, 0.25)]


def test_bead_types_smallest_first():
    assert dp.bead_types(PARAMS) == [(1, 1), (1, 2), (2, 1)]
    assert dp.bead_types(AlignParams(max_side=1, max_align=5)) == [(1, 1)]


def test_best_chain_is_the_heaviest_increasing_chain():
    points = [(0, 0, 1.0), (1, 1, 1.0), (1, 0, 5.0), (2, 2, 1.0), (2, 1, 0.5)]
    assert dp.best_chain(points, 3) == [(1, 0), (2, 2)]  # 6 beats the diagonal's 3
    assert dp.best_chain([(0, 2, 1.0), (1, 2, 1.0)], 3) == [(0, 2)]  # one column cannot be used twice
    assert dp.best_chain([], 3) == []


def test_band_reaches_both_corners_and_grows_monotonically():
    lo, hi = dp.band([(1, 1)], 4, 5, 1)
    assert lo[0] == 0 and hi[-1] == 5
    assert (np.diff(lo) >= 0).all() and (np.diff(hi) >= 0).all() and (lo <= hi).all()
    assert dp.band_cols(np.array([0, 1]), np.array([1, 3])) == {0, 1, 2, 3}


def test_summed_windows_and_windows_near():
    vecs = onehot((0,), (1,), (2,), dim=3)
    two = dp.summed_windows(vecs, 2)
    assert two.shape == (4, 3) and not two[:2].any()
    assert two[2] == pytest.approx(onehot((0, 1), dim=3)[0])  # row e: sentences e-2 and e-1
    path = [(0, 1, 0, 1, 1.0), (1, 2, 1, 3, 1.0)]
    assert dp.windows_near(path, 2, reach=0) == ({}, {2: {3}})
    need_s, need_t = dp.windows_near(path, 3, reach=1)
    assert need_s == {2: {2, 3}, 3: {3}} and need_t == {2: {2, 3, 4}, 3: {3, 4}}
