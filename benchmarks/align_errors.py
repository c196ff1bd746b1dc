"""Where the aligner's remaining errors come from, document by document.

    python benchmarks/align_errors.py                      # accurate preset, Text+Berg dev
    python benchmarks/align_errors.py --preset fast --set parice
    python benchmarks/align_errors.py --set textberg-test  # the test set: to report, not to choose rules on

For each document: strict F1, the wrong beads by kind (system beads not in the gold, gold beads the
system missed), the gold beads no monotonic aligner can produce (and, over all documents, the score of
the gold as far as a monotonic aligner can follow it: a reference point for what is left), and the search
check: the score the aligner's objective gives its own path against the score it gives the gold beads.
When the aligner's path scores at least as high as the gold, the search found what the objective asked
for, and the errors come from the evidence (the models' similarities, length, priors), not from the band
or the dynamic programme. Any set of benchmarks/evalsets.py (those in ../shared/evaldata are skipped
cleanly when it is absent). Uses the workbench's embedding cache unless ``--cache`` names another.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tables  # noqa: E402
from evalsets import signature, standard_sets  # noqa: E402

from workbench.align import dp  # noqa: E402
from workbench.align import evaluate as ev  # noqa: E402
from workbench.align.aligner import PRESETS, Aligner  # noqa: E402
from workbench.embed.embedder import get_embedder  # noqa: E402


class Recording(Aligner):
    """An aligner that keeps what its last dynamic programme saw, to score other paths the same way."""

    def _dp(self, *args):
        self.seen = args
        return super()._dp(*args)

    def producible(self, src: tuple[int, ...], tgt: tuple[int, ...]) -> bool:
        contiguous = all(list(side) == list(range(side[0], side[-1] + 1)) for side in (src, tgt) if side)
        if not src or not tgt:
            return contiguous
        return contiguous and (len(src), len(tgt)) in dp.bead_types(self.params)

    def objective(self, beads) -> float:
        """The objective's total for ``beads`` (source ids, target ids) of the last aligned pair; a bead
        the aligner cannot produce counts as its sentences left unaligned."""
        models, _lo, _hi, n, m, lines = self.seen
        total = 0.0
        for src, tgt in beads:
            if not src or not tgt or not self.producible(src, tgt):
                total += float(sum(lines.src_skip[list(src)]) + sum(lines.tgt_skip[list(tgt)]))
                continue
            end = np.array([tgt[-1] + 1])
            total += float(
                dp.gain(models, len(src), src[-1] + 1, len(tgt), end, n, m, lines, self.params)[1][0]
            )
        return total


def gold_path(aligner: Recording, gold, n: int, m: int) -> list:
    """The gold as far as a monotonic aligner with these bead sizes can follow it: the longest chain of
    producible gold links in order on both sides, every other sentence left unaligned."""
    links = [b for b in gold if b[0] and b[1] and aligner.producible(*b)]
    links.sort(key=lambda b: (b[0][0], b[1][0]))
    best, prev = [1] * len(links), [-1] * len(links)
    for k, (src, tgt) in enumerate(links):
        for j in range(k):
            if links[j][0][-1] < src[0] and links[j][1][-1] < tgt[0] and best[j] + 1 > best[k]:
                best[k], prev[k] = best[j] + 1, j
    chain, k = [], max(range(len(links)), key=best.__getitem__) if links else -1
    while k != -1:
        chain.append(links[k])
        k = prev[k]
    used_s = {i for b in chain for i in b[0]}
    used_t = {j for b in chain for j in b[1]}
    rest_s = [((i,), ()) for i in range(n) if i not in used_s]
    return chain[::-1] + rest_s + [((), (j,)) for j in range(m) if j not in used_t]


def kind(bead) -> str:
    return f"{len(bead[0])}-{len(bead[1])}"


def main() -> int:
    sets = {s.name: s for s in standard_sets()}
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", choices=list(PRESETS), default="accurate")
    ap.add_argument("--set", default="textberg-dev", help=f"one of: {', '.join(sets) or 'none here'}")
    ap.add_argument("--cache", type=Path, help="embedding cache file (default: the workbench's own)")
    tables.add_option(ap)
    args = ap.parse_args()
    if args.set not in sets:
        print(f"skipped: set {args.set} not found (here: {', '.join(sets) or 'none'})")
        return 0
    models, params = PRESETS[args.preset]
    aligner = Recording({m: get_embedder(m, cache=args.cache or True) for m in models}, params)
    print("| document | gold beads | not producible | strict F1 | wrong | missed | objective: ours | gold |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    wrong, missed, totals, best, below = Counter(), Counter(), ev.Counts(), ev.Counts(), 0
    docs = sets[args.set].documents()
    for doc, result in zip(docs, ev.evaluate(aligner, docs), strict=True):
        system, gold, counts = result.system, doc.gold, result.counts
        totals = totals + counts
        best = best + ev.score(gold_path(aligner, gold, len(doc.src), len(doc.tgt)), gold)
        ours, theirs = aligner.objective(system), aligner.objective(gold)
        below += ours < theirs
        gold_set, system_set = set(gold), set(system)
        doc_wrong = [b for b in system if b not in gold_set]
        doc_missed = [b for b in gold if b not in system_set]
        wrong.update(kind(b) for b in doc_wrong)
        missed.update(kind(b) for b in doc_missed)
        odd = sum(not aligner.producible(s, t) for s, t in gold)
        print(
            f"| {doc.name} | {len(gold)} | {odd} | {counts.scores()['strict_f1']:.3f} | {len(doc_wrong)} "
            f"| {len(doc_missed)} | {ours:.2f} | {theirs:.2f} |"
        )
    print(f"\nstrict F1 over all documents: {totals.scores()['strict_f1']:.4f} ({args.preset} preset)")
    print(
        f"the gold as far as a monotonic aligner can follow it: {best.scores()['strict_f1']:.4f} "
        "(the longest chain of producible gold links, every other sentence unaligned)"
    )
    print("wrong beads by kind:", ", ".join(f"{k} {v}" for k, v in wrong.most_common()))
    print("missed gold beads by kind:", ", ".join(f"{k} {v}" for k, v in missed.most_common()))
    print(
        f"documents where the gold scores higher than the aligner's path (search errors): {below}"
        if below
        else "the aligner's path scores at least as high as the gold in every document: the errors come "
        "from the evidence, not from the search"
    )
    print(signature(args.preset, models, params, sets[args.set].describe(docs)))
    return 0


if __name__ == "__main__":
    sys.exit(tables.run(main))
