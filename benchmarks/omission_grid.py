"""Left-out sentence detection: the ideas tried on development data only and not chosen (issue 31), beside
the chosen split (``workbench.align.omission``): the split's test read with other models, a mutual-best-match
test for shifted runs, and a detection pass (an alignment with a cheap skip).

    python benchmarks/omission_grid.py CORPUS_FOLDER [--year 2012] [--pairs 100] [--least 7]
        [--sims fast,accurate,e5] [--gains -0.03,-0.015,0] [--timed 20] [--skips -0.04,-0.02]
        [--windows 1,2] [--ratios 0.3,0.5] [--shift-sims fast] [--shift-gains -0.015]
        [--middles 0,0.01] [--whole] [--cache PATH]

The cases are ``corpus_tells.py``'s single deletions (the same draw: pairs of ``--year`` whose every link
has text on both sides and at least ``--least`` links, 7 as ``corpus_tells`` draws them with ``--lengths
1,2,3``, 5 with ``--lengths 1``; the Spanish of one link, never the headline, deleted; the copy aligned again
with the corpus's preset, ``fast``). Each rule is read as ``corpus_tells`` reads it: *new* precision and
recall (the sentences called left out on the same pair untouched set aside), and the left-out and added
sentences it finds (right, of the gold) on the development sets ``nk-ko-en-dev`` and ``kcna-en-es-dev``.

- **sims:** the split with the alignment untouched but its similarities from other models: ``fast``
  (use-m3, the corpus's own), ``accurate`` (use-m3 and e5-small averaged, the ``accurate`` preset's
  models), ``e5`` (e5-small alone); ``--timed N``: seconds per pair for the split with no embedding cache.
- **pass** (``passed``, ``--skips``): the pair aligned again with a cheap skip, its unaligned sentences
  checked by the split's test read the other way, then the split (docs/methods-divergence.md).
- **shift** (``shifted``, ``--windows``): after the split, a source sentence that is no target sentence's
  best match among the beads within ``window`` of its own, and whose best similarity there (on the shared
  scale, unrelated pairs about 0) is below ``ratio`` times the pair's median best similarity, is called
  left out when leaving it out of its bead, joined with a neighbouring bead, makes the sides more alike by
  at least the gain (the split's test).
- **middle** (``middled``, ``--middles``): in a bead with three or more sentences on a side, the middle
  sentence whose leaving out raises the sides' similarity most (the run without it embedded as use-m3
  composes any run) is split off when that raises it by the middle gain, the other side divided between
  the parts before and after it where their similarities sum highest; ``--whole`` also where that side has
  one sentence (it stays with one part, the other part is left unaligned too). After the split, or before
  it (``middle first``).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import functools
import pickle
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import corpus_tells as ct  # noqa: E402
import tables  # noqa: E402

SIMS = {"fast": ["use-m3"], "accurate": ["use-m3", "e5-small"], "e5": ["e5-small"]}


def build(folder, aligner, year: str, want: int, seed: int, least: int) -> dict:
    """The single-deletion cases of ``corpus_tells`` (same draw) and the development sets, aligned."""
    from evalsets import standard_sets

    pairs = ct.clean_pairs(folder, aligner, year, least, want, seed)
    rng = random.Random(seed)
    cases = []
    for rows in pairs:
        at = rng.randrange(1, len(rows))  # never the headline; the draw of corpus_tells' length 1
        gold = set(rows[at]["src_sent_ids"])
        cases.append((ct.realign(aligner, *ct.edited(rows, {at})), gold))
    dev = {}
    for s in standard_sets():
        if s.name in ct.DEV_SETS:
            dev[s.name] = [(d, aligner.align(d.src, d.tgt)) for d in s.documents()]
    return {"pairs": pairs, "cases": cases, "dev": dev}


def _sides(links):
    from workbench.align.aligner import Bead

    src, tgt, beads = [], [], []
    for row in links:
        s = list(zip(row["src_sent_ids"] or (), row["src_sents"] or (), strict=True))
        t = list(zip(row["tgt_sent_ids"] or (), row["tgt_sents"] or (), strict=True))
        beads.append(
            Bead(tuple(range(len(src), len(src) + len(s))), tuple(range(len(tgt), len(tgt) + len(t))), 1)
        )
        src += s
        tgt += t
    return src, tgt, beads


def _texts_sim(aligner, a: list[str], b: list[str]) -> float:
    """Similarity of two joined texts on the aligner's scale, averaged over its models (as ``_Sims``)."""
    from workbench.align.aligner import _PRIOR_BACKGROUND

    total = 0.0
    for name, encode in aligner._spans.items():
        u = np.asarray(encode(a, [(0, len(a))]), dtype=np.float32)[0]
        v = np.asarray(encode(b, [(0, len(b))]), dtype=np.float32)[0]
        cos = float(u @ v / max(np.linalg.norm(u) * np.linalg.norm(v), 1e-12))
        total += cos * 0.1 / _PRIOR_BACKGROUND[name.split(":")[0]][1]
    return total / len(aligner._spans)


def shifted(aligner, src: list[str], tgt: list[str], beads: list, gain: float, window: int, ratio: float):
    """The beads (already split) with each candidate of the mutual-best test that the gain test confirms
    split off as left out (a 1-1 bead's target joins the neighbour the test read)."""
    from workbench.align.aligner import _PRIOR_BACKGROUND, Bead
    from workbench.align.omission import _Sims

    if not src or not tgt:
        return beads
    sims = _Sims(
        aligner, src, tgt, ({(i, i + 1) for i in range(len(src))}, {(j, j + 1) for j in range(len(tgt))})
    )
    # on the shared scale, unrelated pairs about 0: each model's background mean taken off
    offset = statistics.mean(
        0.1 * m / sd for m, sd in (_PRIOR_BACKGROUND[n.split(":")[0]] for n in aligner._spans)
    )
    S = np.array([[sims((i, i + 1), (j, j + 1)) for j in range(len(tgt))] for i in range(len(src))]) - offset
    both = [k for k, b in enumerate(beads) if b.src and b.tgt]
    best, bested = {}, set()
    for n, k in enumerate(both):
        near = both[max(0, n - window) : n + window + 1]
        ss = [i for q in near for i in beads[q].src]
        ts = [j for q in near for j in beads[q].tgt]
        for i in beads[k].src:
            best[i] = float(S[i, ts].max())
        for j in beads[k].tgt:
            bested.add(ss[int(np.argmax(S[ss, j]))])
    if not best:
        return beads
    typical = statistics.median(best.values())
    out = list(beads)
    for i in sorted(best):
        if i in bested or best[i] >= ratio * typical:
            continue
        k = next(q for q, b in enumerate(out) if i in b.src)
        b = out[k]
        options = []
        if len(b.src) > 1:
            options.append((None, list(b.src), list(b.tgt)))
        for q in (k - 1, k + 1):
            if 0 <= q < len(out) and out[q].src and out[q].tgt:
                lo, hi = sorted((k, q))
                options.append((q, [*out[lo].src, *out[hi].src], [*out[lo].tgt, *out[hi].tgt]))
        scored = []
        for q, s_ids, t_ids in options:
            t_txt = [tgt[j] for j in t_ids]
            change = _texts_sim(aligner, [src[x] for x in s_ids if x != i], t_txt) - _texts_sim(
                aligner, [src[x] for x in s_ids], t_txt
            )
            scored.append((change, q is None, q))
        if not scored or max(scored)[0] < gain:
            continue
        _, _, q = max(scored)
        alone = Bead((i,), (), 0.5)
        if q is None:
            rest = tuple(x for x in b.src if x != i)
            out[k : k + 1] = (
                [Bead(rest, b.tgt, b.score), alone] if i > rest[0] else [alone, Bead(rest, b.tgt, b.score)]
            )
            continue
        lo, hi = sorted((k, q))
        s_rest = tuple(x for x in (*out[lo].src, *out[hi].src) if x != i)
        merged = Bead(s_rest, (*out[lo].tgt, *out[hi].tgt), out[q].score)
        out[lo : hi + 1] = [alone, merged] if k < q else [merged, alone]
    return out


def _gapped(aligner, sents: list[str], runs: list[tuple[int, ...]]) -> list[dict]:
    """Similarity vectors of non-contiguous runs of one side's sentences (each a tuple of indices), per
    model as ``_Sims`` keeps them: the runs laid end to end as one list of sentences and embedded as
    spans of it, one call per model (use-m3 composes each from its sentences' token features)."""
    if not runs:
        return []
    flat, spans = [], []
    for run in runs:
        spans.append((len(flat), len(flat) + len(run)))
        flat += [sents[i] for i in run]
    out = []
    for encode in aligner._spans.values():
        vecs = np.asarray(encode(flat, spans), dtype=np.float32)
        vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        out.append(dict(zip(runs, vecs, strict=True)))
    return out


def middled(
    aligner, src: list[str], tgt: list[str], beads: list, gain: float, middle: float, whole: bool, first=False
):
    """The split (``split_unaligned`` at ``gain``), then in each bead with three or more sentences on a
    side the middle sentence whose leaving out raises the bead's similarity most, split off when that
    raises it by ``middle`` or more: the bead becomes [before]-[their first part], [middle]-[], [after]-
    [their second part], the other side divided where the two parts' similarities sum highest. A side of
    one sentence cannot be divided: with ``whole`` it stays with the part it suits better and the other
    part is left unaligned too; without, such a bead is not split. With ``first`` the middle test runs on
    the aligner's beads and the split after it."""
    from workbench.align.omission import split_unaligned

    if first:
        return split_unaligned(aligner, src, tgt, _middles(aligner, src, tgt, beads, middle, whole), gain)
    return _middles(aligner, src, tgt, split_unaligned(aligner, src, tgt, beads, gain), middle, whole)


def _middles(aligner, src: list[str], tgt: list[str], out: list, middle: float, whole: bool) -> list:
    """``middled``'s middle test on the beads ``out``."""
    from workbench.align.aligner import Bead
    from workbench.align.omission import _run, _Sims

    tested = [b for b in out if b.src and b.tgt and max(len(b.src), len(b.tgt)) >= 3]
    if not tested:
        return out
    runs = _Sims.inside(tested)
    sims = _Sims(aligner, src, tgt, runs)
    holes: tuple[list, list] = ([], [])
    for b in tested:
        for side, ids in enumerate((b.src, b.tgt)):
            if len(ids) >= 3:
                holes[side].extend(tuple(x for x in ids if x != m) for m in ids[1:-1])
    gapped = [_gapped(aligner, sents, holes[side]) for side, sents in enumerate((src, tgt))]

    def sim(a, b) -> float:  # a, b: runs (tuples of ids, contiguous or not)
        total = 0.0
        for k, (scale, v) in enumerate(sims.models):
            u = v[0][_run(list(a))] if _contiguous(a) else gapped[0][k][tuple(a)]
            w = v[1][_run(list(b))] if _contiguous(b) else gapped[1][k][tuple(b)]
            total += scale * float(u @ w)
        return total / len(sims.models)

    result = []
    for b in out:
        if b not in tested:
            result.append(b)
            continue
        best = None
        for side, ids in enumerate((b.src, b.tgt)):
            other = (b.src, b.tgt)[1 - side]
            if len(ids) < 3 or (len(other) < 2 and not whole):
                continue
            base = _pair(sim, side, ids, other)
            for m in ids[1:-1]:
                change = _pair(sim, side, tuple(x for x in ids if x != m), other) - base
                if change >= middle and (best is None or change > best[0]):
                    best = (change, side, m)
        if best is None:
            result.append(b)
            continue
        _, side, m = best
        ids, other = (b.src, b.tgt)[side], (b.src, b.tgt)[1 - side]
        before, after = tuple(x for x in ids if x < m), tuple(x for x in ids if x > m)
        cuts = range(1, len(other)) if len(other) >= 2 else range(0, 2)
        k = max(
            cuts, key=lambda c, s=side: _pair(sim, s, before, other[:c]) + _pair(sim, s, after, other[c:])
        )
        parts = [(before, other[:k]), ((m,), ()), (after, other[k:])]
        for own, theirs in parts:
            s, t = (own, theirs) if side == 0 else (theirs, own)
            if s or t:
                result.append(Bead(s, t, b.score if s and t else 0.5))
    return result


def _pair(sim, side: int, own: tuple, theirs: tuple) -> float:
    """``sim`` of a run of side ``side`` and a run of the other side (0 when either is empty)."""
    if not own or not theirs:
        return 0.0
    return sim(own, theirs) if side == 0 else sim(theirs, own)


def _contiguous(ids) -> bool:
    return list(ids) == list(range(ids[0], ids[-1] + 1))


def passed(aligner, src: list[str], tgt: list[str], beads: list, gain: float, skip: float) -> list:
    """The detection pass of issue 31 (tried, not chosen): the split of ``beads``, then the pair aligned
    again with a 1-0 or 0-1 bead gaining ``skip`` (``realigned``), each sentence that pass left unaligned
    and the split did not checked by the split's test read the other way (``_rejoin``), and the end split
    run on the pass's beads, never splitting off a sentence the split had tested and kept."""
    from workbench.align.aligner import Bead
    from workbench.align.omission import _Sims, split_unaligned

    plain = split_unaligned(aligner, src, tgt, beads, gain)
    if not src or not tgt:
        return plain
    known = ({i for b in plain if not b.tgt for i in b.src}, {j for b in plain if not b.src for j in b.tgt})
    kept: tuple[set, set] = (set(), set())  # ends of a side of two or more that the split kept
    for b in plain:
        for ids, ends in zip((b.src, b.tgt), kept, strict=True):
            if len(ids) > 1 and b.src and b.tgt:
                ends.update((ids[0], ids[-1]))
    beads = _rejoin(aligner, src, tgt, realigned(aligner, src, tgt, skip), gain, known, kept)
    tested = [b for b in beads if b.src and b.tgt and (len(b.src) > 1 or len(b.tgt) > 1)]
    if not tested:
        return list(beads)
    sims = _Sims(aligner, src, tgt, _Sims.inside(tested))
    out: list = []
    for bead in beads:
        if bead not in tested:
            out.append(bead)
            continue
        src_ids, tgt_ids = list(bead.src), list(bead.tgt)
        before_s, after_s = _peel_keeping(sims, 0, src_ids, (tgt_ids[0], tgt_ids[-1] + 1), gain, kept[0])
        src_ids = src_ids[len(before_s) : len(src_ids) - len(after_s)]
        before_t, after_t = _peel_keeping(sims, 1, tgt_ids, (src_ids[0], src_ids[-1] + 1), gain, kept[1])
        tgt_ids = tgt_ids[len(before_t) : len(tgt_ids) - len(after_t)]
        out += [Bead((i,), (), 0.5) for i in before_s] + [Bead((), (j,), 0.5) for j in before_t]
        out.append(Bead(tuple(src_ids), tuple(tgt_ids), bead.score))
        out += [Bead((i,), (), 0.5) for i in after_s] + [Bead((), (j,), 0.5) for j in after_t]
    return out


def _peel_keeping(
    sims, side: int, own: list[int], other: tuple[int, int], gain: float, keep=frozenset()
) -> tuple[list, list]:
    """Split unaligned sentences off the ends of ``own`` (a side's consecutive sentence indices) against
    ``other`` (the other side's run), never one in ``keep``: the sentences split off before and after
    what stays."""

    def sim(lo: int, hi: int) -> float:
        run = (own[lo], own[hi - 1] + 1)
        return sims(run, other) if side == 0 else sims(other, run)

    lo, hi = 0, len(own)
    while hi - lo >= 2:
        whole = sim(lo, hi)
        ends = [(sim(lo + 1, hi) - whole, 1, own[lo]), (sim(lo, hi - 1) - whole, 0, own[hi - 1])]
        ends = [e for e in ends if e[0] >= gain and e[2] not in keep]
        if not ends:
            break
        if max(ends)[1]:
            lo += 1
        else:
            hi -= 1
    return own[:lo], own[hi:]


def realigned(aligner, src: list[str], tgt: list[str], skip: float) -> list:
    """The two texts aligned again by ``aligner`` with a 1-0 or 0-1 bead gaining ``skip`` (for every
    sentence, orphan or not, unless its own orphan gain is higher): a detection pass, the aligner's
    own settings (and the links it wrote) untouched."""
    return _realigned(aligner, tuple(src), tuple(tgt), skip)


@functools.cache
def _realigned(aligner, src: tuple, tgt: tuple, skip: float) -> list:
    p = aligner.params
    detector = copy.copy(aligner)
    detector.params = dataclasses.replace(p, skip=skip, orphan_skip=max(p.orphan_skip, skip))
    return detector.align(list(src), list(tgt))


def _rejoin(aligner, src: list[str], tgt: list[str], beads: list, gain: float, known, kept) -> list:
    """The detection pass's ``beads`` with each sentence it left unaligned that the split of the aligner's
    beads did not (``known``: source and target indices) joined back to the neighbouring bead it suits
    best, when the split already tested it and kept it in its bead (``kept``: the ends of sides of two or
    more sentences) or when joining it makes that bead's sides less alike by less than ``gain`` (the
    split's own test, read the other way): the pass proposes, the test decides."""
    from workbench.align import omission
    from workbench.align.aligner import Bead
    from workbench.align.omission import _Sims

    wanted = []  # (bead, side, sentence, [(neighbour, joined run, own run, other run)])
    for k, bead in enumerate(beads):
        if bool(bead.src) == bool(bead.tgt) or (bead.src or bead.tgt)[0] in known[0 if bead.src else 1]:
            continue
        side, i = (0, bead.src[0]) if bead.src else (1, bead.tgt[0])
        options = []
        for near in (k - 1, k + 1):
            if 0 <= near < len(beads) and beads[near].src and beads[near].tgt:
                own, other = (beads[near].src, beads[near].tgt)[:: 1 - 2 * side]
                options.append(
                    (near, (min(own[0], i), max(own[-1], i) + 1), omission._run(own), omission._run(other))
                )
        wanted.append((k, side, i, options))
    if not any(options for *_, options in wanted):
        return list(beads)
    runs: tuple[set, set] = (set(), set())
    for _, side, _, options in wanted:
        for _, joined, own, other in options:
            runs[side].update((joined, own))
            runs[1 - side].add(other)
    sims = _Sims(aligner, src, tgt, runs)

    def sim(side: int, own: tuple[int, int], other: tuple[int, int]) -> float:
        return sims(own, other) if side == 0 else sims(other, own)

    joins: dict[int, tuple[list, list]] = {}
    dropped = set()
    for k, side, i, options in wanted:
        if not options:
            continue
        change, near = max((sim(side, j, o) - sim(side, own, o), near) for near, j, own, o in options)
        if change > -gain or i in kept[side]:  # leaving it out would not raise the similarity by gain
            joins.setdefault(near, ([], []))[side].append(i)
            dropped.add(k)
    out = []
    for k, bead in enumerate(beads):
        if k in dropped:
            continue
        if k in joins:
            more_s, more_t = joins[k]
            bead = Bead(tuple(sorted((*bead.src, *more_s))), tuple(sorted((*bead.tgt, *more_t))), bead.score)
        out.append(bead)
    return out


def _rule_beads(rule, models, src, tgt, beads):
    from workbench.align.omission import split_unaligned

    gain, shift, skip, *middle = rule
    if skip is not None:
        return passed(models, src, tgt, beads, gain, skip)
    if middle:
        return middled(models, src, tgt, beads, gain, *middle[0])
    out = split_unaligned(models, src, tgt, beads, gain)
    return out if shift is None else shifted(models, src, tgt, out, gain, *shift)


def _left(rule, models, links) -> set:
    src, tgt, beads = _sides(links)
    out = _rule_beads(rule, models, [t for _, t in src], [t for _, t in tgt], beads)
    return {src[i][0] for b in out if not b.tgt for i in b.src}


def measure(data: dict, sims: str, models, rules: list) -> None:
    """One table: each rule with the models ``sims`` on the cases and the development sets."""
    from workbench.align import evaluate as ev

    print(
        "\n| sims | gain | test | untouched: called left out | new: gold | found | right | precision | "
        "recall | nk-ko-en-dev left out: found (right of gold) | added | kcna-en-es-dev left out | "
        "added |"
    )
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for rule in rules:
        new = [0, 0, 0]
        base_n = 0
        for rows, (links, gold) in zip(data["pairs"], data["cases"], strict=True):
            base = _left(rule, models, rows)
            found = _left(rule, models, links)
            base_n += len(base)
            g, f = gold - base, found - base
            new = [new[0] + len(g), new[1] + len(f), new[2] + len(f & g)]
        cells = []
        for name in ct.DEV_SETS:
            left, added = ev.Omissions(), ev.Omissions()
            for d, beads in data["dev"][name]:
                out = _rule_beads(rule, models, d.src, d.tgt, beads)
                a, b = ev.omissions([(x.src, x.tgt) for x in out], d.gold, len(d.src), len(d.tgt))
                left, added = left + a, added + b
            cells.append(
                f"{left.system} ({left.both} of {left.gold}) | {added.system} ({added.both} of {added.gold})"
            )
        gain, shift, skip, *middle = rule
        test = "split" if shift is None else "split, then shift: window {}, ratio {:g}".format(*shift)
        test = test if skip is None else f"pass, skip {skip:g}, then split"
        if middle:
            mid, whole, *first = middle[0]
            test = f"{'middle first, then split' if first and first[0] else 'split'}, middle gain {mid:g}"
            test += ", a one-sentence side whole" if whole else ""
        print(
            f"| {sims} | {gain:g} | {test} | {base_n} | {new[0]} | {new[1]} | {new[2]} | "
            f"{ct._pr(new[2], new[1], new[0])} | {' | '.join(cells)} |",
            flush=True,
        )


def cold_time(data: dict, names: list[str], params, count: int) -> float:
    """Seconds per pair for the split of ``count`` copies with models ``names`` and no embedding cache
    (what ``corpus divergence`` pays on a corpus whose runs were never embedded by these models), the
    models loaded first."""
    from workbench.align.factory import make_aligner
    from workbench.align.omission import split_unaligned

    models = make_aligner(names, params, cache=False)
    cases = data["cases"][:count]
    for k, (links, _) in enumerate([data["cases"][-1], *cases]):  # the last copy loads the models
        if k == 1:
            start = time.perf_counter()
        src, tgt, beads = _sides(links)
        split_unaligned(models, [t for _, t in src], [t for _, t in tgt], beads)
    return (time.perf_counter() - start) / max(len(cases), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a built corpus folder (corpora/NAME)")
    parser.add_argument("--year", default="2012", help="development only: 2012")
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument(
        "--least",
        type=int,
        default=7,
        help="links a pair needs (7: corpus_tells' --lengths 1,2,3; 5: --lengths 1)",
    )
    parser.add_argument(
        "--sims", default="fast,accurate,e5", help="the models of the test: " + ", ".join(SIMS)
    )
    parser.add_argument("--gains", default="-0.03,-0.02,-0.015,-0.01,0")
    parser.add_argument("--windows", default="", help="the shift test's windows (beads each way); none: off")
    parser.add_argument("--ratios", default="0.3,0.5")
    parser.add_argument("--skips", default="", help="the detection pass's skip gains (with fast); none: off")
    parser.add_argument(
        "--shift-sims", default="fast", help="the models the shift grid runs with (comma-separated)"
    )
    parser.add_argument("--shift-gains", default="-0.015", help="the gains the shift grid runs with")
    parser.add_argument(
        "--timed", type=int, default=20, help="copies to time each set of models on, uncached"
    )
    parser.add_argument(
        "--middles", default="", help="the middle split's gains (with fast, at each --shift-gains); none: off"
    )
    parser.add_argument(
        "--whole", action="store_true", help="the middle split also in beads with one sentence opposite"
    )
    parser.add_argument("--cache", type=Path, help="a pickle of the aligned cases (made if missing)")
    tables.add_option(parser)
    args = parser.parse_args()
    if args.year != "2012":
        parser.error("this grid tunes: development year only (--year 2012)")

    from workbench.align.factory import make_aligner, resolve_models
    from workbench.corpus.folder import CorpusFolder

    folder = CorpusFolder.open(args.corpus)
    aligner = make_aligner(*resolve_models("fast"))
    if args.cache and args.cache.exists():
        data = pickle.loads(args.cache.read_bytes())
    else:
        data = build(folder, aligner, args.year, args.pairs, args.seed, args.least)
        if args.cache:
            args.cache.write_bytes(pickle.dumps(data))
    gains = [float(g) for g in args.gains.split(",")]
    print(
        f"signature: commit {tables.git_commit()}, corpus {folder.name} (align "
        f"{folder.stage('align').get('fingerprint')}), {len(data['cases'])} pairs of {args.year} (at least "
        f"{args.least} links), single deletions, alignment preset fast, seed {args.seed}"
    )
    params = resolve_models("fast")[1]
    for sims in [s for s in args.sims.split(",") if s]:
        models = make_aligner(SIMS[sims], params)
        measure(data, sims, models, [(g, None, None) for g in gains])
    skips = [float(x) for x in args.skips.split(",") if x]
    if skips:
        models = make_aligner(SIMS["fast"], params)  # the pass aligns again: with the corpus's own aligner
        measure(data, "fast", models, [(g, None, k) for k in skips for g in gains])
    for sims in [s for s in args.sims.split(",") if s] if args.timed else []:
        seconds = cold_time(data, SIMS[sims], params, args.timed)
        print(f"\n{sims}: {seconds:.2f} s per pair to split, uncached ({args.timed} copies)", flush=True)
    windows = [int(w) for w in args.windows.split(",") if w]
    for sims in args.shift_sims.split(",") if windows else []:
        models = make_aligner(SIMS[sims], params)
        rules = [
            (float(g), (w, float(r)), None)
            for g in args.shift_gains.split(",")
            for w in windows
            for r in args.ratios.split(",")
        ]
        measure(data, sims, models, rules)
    middles = [float(x) for x in args.middles.split(",") if x]
    if middles:
        models = make_aligner(SIMS["fast"], params)
        wholes = (False, True) if args.whole else (False,)
        rules = [
            (float(g), None, None, (m, w, f))
            for f in (False, True)
            for w in wholes
            for g in args.shift_gains.split(",")
            for m in middles
        ]
        measure(data, "fast", models, rules)


if __name__ == "__main__":
    sys.exit(tables.run(main))
