"""The aligner's search as plain functions over numpy arrays (as vecalign keeps its DP in ``dp_utils``).

In the order ``Aligner.align`` calls them:

- rescaling: ``background`` (a model's cosines of unrelated pairs), ``similarity_block``;
- first pass: ``anchors`` (confident 1-1 links, chained by ``best_chain``), ``band`` (the target
  boundaries each source boundary may reach);
- local evidence: ``local``, ``best_local`` (each sentence's best similarity nearby), ``rival``;
- windows: ``sum_windows`` (multi-sentence vectors as normalised sums), ``band_cols`` and
  ``windows_near`` (which windows are worth embedding for real);
- second pass: ``lines`` (what is known of the texts besides vectors), ``gain`` (the score of a bead: its
  similarity, less Bertalign's margin, times a length factor, with the rules of ``AlignParams``),
  ``forward`` (the score table over the band), ``backtrace`` (the best path), ``best_path`` (both).

Paths are lists of beads ``(r0, r1, c0, c1, similarity)`` in boundary coordinates (boundary ``i`` comes
after the first ``i`` sentences). No state, no file IO.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from workbench.align.params import AlignError, AlignParams, Lines, ModelSims

_PRIOR_WEIGHT = 200  # pseudo-count of prior background pairs
NEG = -1e9  # the score of a cell no path reaches

# -- similarities ----------------------------------------------------------------------------------


def background(src: np.ndarray, tgt: np.ndarray, prior: tuple[float, float] | None) -> tuple[float, float]:
    """Mean and spread of the cosines of unrelated pairs (all pairs, or a sample of 40,000 of them),
    blended with a known model's ``prior`` (mean, spread) so that short documents are rescaled sensibly."""
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


def similarity_block(models: Sequence[ModelSims], n: int, m: int, r0: int, r1: int, c0: int, c1: int):
    """Similarities of source sentences ``r0..r1-1`` (rows) with target sentences ``c0..c1-1``, averaged
    over the models (float32; the range is clipped to the ``n`` x ``m`` documents)."""
    r0, r1 = max(r0, 0), min(r1, n)
    c0, c1 = max(c0, 0), min(c1, m)
    rows, cols = max(r1 - r0, 0), max(c1 - c0, 0)
    if not models or not rows or not cols:
        return np.zeros((rows, cols), dtype=np.float32)
    total = sum((mdl.src[r0:r1] @ mdl.tgt[c0:c1].T - mdl.mean) * mdl.scale for mdl in models)
    return (total / len(models)).astype(np.float32)


# -- first pass: anchors ---------------------------------------------------------------------------


def anchors(models: Sequence[ModelSims], n: int, m: int, top_k: int) -> list[tuple[int, int]]:
    """A monotonic chain of confident 1-1 links (source index, target index) among every source
    sentence's ``top_k`` target neighbours, scored by a margin over their neighbourhood."""
    k = min(top_k, m)
    points: list[tuple[int, int, float]] = []
    col_best = np.full(m, -np.inf, dtype=np.float32)
    row_tops = []
    for start in range(0, n, 256):
        rows = np.arange(start, min(n, start + 256))
        sims = similarity_block(models, n, m, start, start + 256, 0, m)
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
    return best_chain(points, m)


def best_chain(points: list[tuple[int, int, float]], m: int) -> list[tuple[int, int]]:
    """Maximum-gain chain of points ``(row, column, gain)`` strictly increasing in both coordinates
    (Fenwick tree, O(p log p)); columns are below ``m``. Sorts ``points`` in place."""
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


def band(anchors: list[tuple[int, int]], n: int, m: int, window: int) -> tuple[np.ndarray, np.ndarray]:
    """For each source boundary r in 0..n, the range [lo, hi] of target boundaries to search: the
    rectangle between consecutive anchors, widened by ``window`` (as Bertalign does)."""
    w = window
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


# -- local evidence --------------------------------------------------------------------------------


def local(models: Sequence[ModelSims], lo, hi, n: int, m: int) -> list[tuple[int, np.ndarray]]:
    """For each source sentence, its similarities to the target sentences its band reaches (as
    ``(first column, similarities)``)."""
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


def best_local(local, n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Each source and target sentence's best similarity to a sentence of the other side nearby."""
    src_best = np.full(n, -1.0)
    tgt_best = np.full(m, -1.0)
    for i, (c0, sims) in enumerate(local):
        if len(sims):
            src_best[i] = sims.max()
            tgt_best[c0 : c0 + len(sims)] = np.maximum(tgt_best[c0 : c0 + len(sims)], sims)
    return src_best, tgt_best


def rival(local, r0: int, r1: int, c0: int, c1: int) -> float:
    """The best similarity between a sentence of the bead and a sentence outside it, nearby; at least the
    background level (0), so that a bead with no neighbours must still stand out from chance."""
    best = 0.0
    for i in range(max(r0 - 3, 0), min(r1 + 3, len(local))):
        start, sims = local[i]
        cols = np.arange(start, start + len(sims))
        if r0 <= i < r1:
            mask = (cols < c0) | (cols >= c1)  # this source sentence against targets outside the bead
        else:
            mask = (cols >= c0) & (cols < c1)  # sources outside the bead against its targets
        if mask.any():
            best = max(best, float(sims[mask].max()))
    return best


# -- windows ---------------------------------------------------------------------------------------


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def summed_windows(vecs: np.ndarray, size: int) -> np.ndarray:
    """Row ``e`` holds the normalised sum of vectors ``e-size .. e-1`` (rows below ``size`` are zero)."""
    n, d = vecs.shape
    csum = np.vstack([np.zeros((1, d), dtype=np.float32), np.cumsum(vecs, axis=0, dtype=np.float32)])
    out = np.zeros((n + 1, d), dtype=np.float32)
    if size <= n:
        out[size:] = unit(csum[size:] - csum[: n + 1 - size])
    return out


def sum_windows(models: Sequence[ModelSims], max_side: int) -> None:
    """Fill the models' window vectors as normalised sums of sentence vectors (row ``e`` = the window
    ending before ``e``), sizes 1 to ``max_side``."""
    for mdl in models:
        mdl.src_win[1] = np.vstack([np.zeros_like(mdl.src[:1]), mdl.src])
        mdl.tgt_win[1] = np.vstack([np.zeros_like(mdl.tgt[:1]), mdl.tgt])
        for size in range(2, max_side + 1):
            mdl.src_win[size] = summed_windows(mdl.src, size)
            mdl.tgt_win[size] = summed_windows(mdl.tgt, size)


def band_cols(lo: np.ndarray, hi: np.ndarray) -> set[int]:
    """Every target boundary the band reaches."""
    cols: set[int] = set()
    for a, b in zip(lo, hi, strict=True):
        cols.update(range(int(a), int(b) + 1))
    return cols


def windows_near(path, max_side: int, reach: int = 1):
    """Window ends worth embedding for real: the multi-sentence sides of a first guess's beads and of the
    beads up to ``reach`` sentences larger or smaller at either edge (source and target: size -> ends)."""
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


# -- second pass: what a bead gains ----------------------------------------------------------------


def numbers(text: str) -> set[str]:
    """Numbers of two or more digits inside a line of four or more tokens, not its first or last token
    (where OCR leaves page numbers), nor parts of dates, decimals or codes."""
    tokens = text.split()
    if len(tokens) < 4:
        return set()
    return set(re.findall(r"(?<![\w.,/])\d{2,}(?![\w/]|[.,]\d)", " ".join(tokens[1:-1])))


def skips(best: np.ndarray, typical: float, p: AlignParams) -> np.ndarray:
    """The gain of leaving each sentence unaligned: ``skip``, or ``orphan_skip`` for a sentence whose best
    similarity nearby is below ``orphan`` times the document's typical link."""
    out = np.full(len(best), p.skip)
    if p.orphan > 0 and typical > 0:
        out[best < p.orphan * typical] = p.orphan_skip
    return out


def lines(
    src: Sequence[str], tgt: Sequence[str], src_best, tgt_best, typical: float, p: AlignParams
) -> Lines:
    """What the dynamic programme reads of the two texts besides their vectors."""
    src_len = np.array([max(len(s), 1) for s in src], dtype=float)
    tgt_len = np.array([max(len(t), 1) for t in tgt], dtype=float)
    ratio = src_len.sum() / tgt_len.sum()

    def colons(texts: Sequence[str]) -> np.ndarray:
        return np.concatenate([[0], np.cumsum([x.rstrip().endswith((":", "\uff1a")) for x in texts])])

    return Lines(
        np.concatenate([[0.0], np.cumsum(src_len)]),
        np.concatenate([[0.0], np.cumsum(tgt_len)]) * ratio,
        [numbers(x) for x in src],
        [numbers(x) for x in tgt],
        colons(src),
        colons(tgt),
        typical,
        skips(src_best, typical, p),
        skips(tgt_best, typical, p),
    )


def bead_types(p: AlignParams) -> list[tuple[int, int]]:
    """The bead sizes ``(a, b)`` with sentences on both sides that ``p`` allows, smallest first."""
    types = [
        (a, b) for a in range(1, p.max_side + 1) for b in range(1, p.max_side + 1) if a + b <= p.max_align
    ]
    return sorted(types, key=lambda t: (t[0] + t[1], t))


def score(models, a, r, b, cols, n, m, p: AlignParams) -> tuple[np.ndarray, np.ndarray]:
    """Similarity, and similarity less the neighbour margin, of the source window of ``a`` sentences
    ending at ``r`` against the target windows of ``b`` sentences ending at ``cols``."""
    sim = np.zeros(len(cols))
    rel = np.zeros(len(cols))
    for mdl in models:
        sv = mdl.src_win[a][r]
        tv = mdl.tgt_win[b][cols]
        this = ((tv @ sv) - mdl.mean) * mdl.scale
        sim += this
        if p.margin:
            this = this - neighbours(mdl, sv, tv, r, a, cols, b, n, m)
        rel += this
    return sim / len(models), rel / len(models)


def similarity(models, a, r, b, cols) -> np.ndarray:
    """Similarity of the source window of ``a`` sentences ending at ``r`` to the target windows of
    ``b`` sentences ending at ``cols`` (no margin)."""
    return sum((mdl.tgt_win[b][cols] @ mdl.src_win[a][r] - mdl.mean) * mdl.scale for mdl in models) / len(
        models
    )


def neighbours(mdl: ModelSims, sv, tv, r, a, cols, b, n, m) -> np.ndarray:
    """Bertalign's margin: mean similarity of each side of a bead to the sentences just outside the
    other side (left and right), averaged over the two sides."""
    # The source window against the target sentences just before and after each target window.
    left, right = cols - b - 1, cols
    first = max(int(left.min()), 0)
    seg = (mdl.tgt[first : min(int(right.max()) + 1, m)] @ sv - mdl.mean) * mdl.scale
    has_l, has_r = left >= 0, right < m
    last = len(seg) - 1  # (np.minimum of np.maximum: np.clip's checks cost more than the clipping here)
    t_l = np.where(has_l, seg[np.minimum(np.maximum(left - first, 0), last)], 0.0)
    t_r = np.where(has_r, seg[np.minimum(np.maximum(right - first, 0), last)], 0.0)
    t_nb = (t_l + t_r) / np.maximum(has_l.astype(int) + has_r.astype(int), 1)
    # The target windows against the source sentences just before and after the source window.
    s_parts = []
    if r - a - 1 >= 0:
        s_parts.append((tv @ mdl.src[r - a - 1] - mdl.mean) * mdl.scale)
    if r < n:
        s_parts.append((tv @ mdl.src[r] - mdl.mean) * mdl.scale)
    s_nb = sum(s_parts) / len(s_parts) if s_parts else 0.0
    return (t_nb + s_nb) / 2


def gain(models, a, r, b, cols, n, m, lines: Lines, p: AlignParams) -> tuple[np.ndarray, np.ndarray]:
    """Similarity and gain of the beads of ``a`` source sentences ending at boundary ``r`` and ``b``
    target sentences ending at boundaries ``cols`` (``a, b >= 1``): what the dynamic programme adds up."""
    sim, rel = score(models, a, r, b, cols, n, m, p)
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
            first, last = similarity(models, a - 1, r, b, cols), similarity(models, a - 1, r - 1, b, cols)
        else:
            first, last = similarity(models, a, r, b - 1, cols), similarity(models, a, r, b - 1, cols - 1)
        gain = gain - p.subsumed * (np.maximum(first, last) >= sim)
    if p.crossed and a == 2 and b == 2 and lines.typical >= p.reads_typical:
        one = lambda i, c: similarity(models, 1, i, 1, c)  # noqa: E731  (sentence i - 1 against c - 1)
        cross = np.minimum(one(r - 1, cols), one(r, cols - 1))
        diag = np.maximum(one(r - 1, cols - 1), one(r, cols))
        gain = gain + p.crossed * (cross > diag)
    if a + b >= 3 and p.unrelated > 0 and lines.typical > 0:
        floor = p.unrelated * lines.typical
        gain = np.where(sim < floor, np.minimum(gain, p.skip * (a + b) - 0.01), gain)
    return sim, gain


# -- second pass: the dynamic programme ------------------------------------------------------------


def codes(p: AlignParams) -> list[tuple[int, int]]:
    """The moves of the dynamic programme, by code: 1-0 (code 0), 0-1 (code 1), then ``bead_types``."""
    return [(1, 0), (0, 1), *bead_types(p)]


def forward(models, lo, hi, n: int, m: int, lines: Lines, p: AlignParams):
    """The forward pass over the band: per source boundary ``r``, arrays over target boundaries
    ``lo[r]..hi[r]`` of the best score of a path from (0, 0) (``NEG`` where none reaches), the code of its
    last move (see ``codes``) and that bead's similarity. Returns ``(score, back, sims)``."""
    moves = codes(p)
    score = [np.full(hi[r] - lo[r] + 1, NEG) for r in range(n + 1)]
    back = [np.zeros(hi[r] - lo[r] + 1, dtype=np.int8) for r in range(n + 1)]
    sims_at = [np.zeros(hi[r] - lo[r] + 1, dtype=np.float32) for r in range(n + 1)]
    score[0][0] = 0.0
    for r in range(n + 1):
        cols = np.arange(lo[r], hi[r] + 1)
        best = score[r]
        if r > 0:
            for code, (a, b) in enumerate(moves):
                if a == 0 or a > r:
                    continue
                pr = r - a
                q = cols - b
                ok = (q >= lo[pr]) & (q <= hi[pr])
                if not ok.any():
                    continue
                prev = np.full(len(cols), NEG)
                prev[ok] = score[pr][q[ok] - lo[pr]]
                if b == 0:
                    gained = np.full(len(cols), lines.src_skip[r - 1])
                    sim = np.zeros(len(cols))
                else:
                    # unreachable cells get a reachable neighbour's column: a placeholder far
                    # to the left would make the margin read every target sentence in between
                    tcols = np.where(ok, cols, cols[ok][0])
                    sim, gained = gain(models, a, r, b, tcols, n, m, lines, p)
                cand = prev + gained
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
    return score, back, sims_at


def backtrace(back, sims_at, lo, n: int, m: int, moves: list[tuple[int, int]]):
    """The path ending at (``n``, ``m``) that ``back`` (codes into ``moves``) records, from (0, 0)."""
    path = []
    r, c = n, m
    while r > 0 or c > 0:
        k = c - lo[r]
        a, b = moves[back[r][k]]
        path.append((r - a, r, c - b, c, float(sims_at[r][k])))
        r, c = r - a, c - b
    path.reverse()
    return path


def best_path(models, lo, hi, n: int, m: int, lines: Lines, p: AlignParams):
    """Best path through the band, as beads (r0, r1, c0, c1, similarity) in boundary coordinates;
    AlignError when no path reaches (``n``, ``m``)."""
    score, back, sims_at = forward(models, lo, hi, n, m, lines, p)
    if score[n][m - lo[n]] <= NEG / 2:
        raise AlignError("no path through the search band; widen AlignParams.window")
    return backtrace(back, sims_at, lo, n, m, codes(p))
