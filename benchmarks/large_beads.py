"""Large beads: one long Chinese sentence against three or four English ones, made from the Chinese dev set.

    python benchmarks/large_beads.py [--param KEY=VALUE ...] [--cache FILE]

Literary Chinese often renders several English sentences as one, chained with commas; the issue's
literary errors were mostly such 1-3 and 1-4 beads. The Chinese dev set (``debian-faq-en-zh-dev``) is
nearly all 1-1, so this benchmark makes the beads: in each document, runs of three to six consecutive
1-1 beads (one in about twelve places, seeded) become one Chinese line, the sentences joined with "，"
and the gold a 3-1 to 6-1 bead. For each preset it reports strict F1, how many of those gold beads are
found exactly, and how many of the system's beads of three or more sentences a side are right, on the
merged set and on the set as it is (where such beads would be spurious). Dev data only.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tables  # noqa: E402
from evalsets import signature, standard_sets  # noqa: E402

from workbench.align import evaluate as ev  # noqa: E402
from workbench.align.aligner import PRESETS, Aligner  # noqa: E402
from workbench.embed.embedder import get_embedder  # noqa: E402
from workbench.store import evalsets  # noqa: E402

SET = "debian-faq-en-zh-dev"
SEED = 5
CHANCE = 0.08  # of a run starting at a bead
ENDS = ("。", "？", "！")


def merged(doc: evalsets.Document, rng: random.Random) -> evalsets.Document:
    """``doc`` with runs of 3 to 6 consecutive 1-1 beads joined into one target line (a 3-1 to 6-1 bead)."""
    lines: list[str] = []
    gold: list[ev.BeadIds] = []
    k = 0
    while k < len(doc.gold):
        if rng.random() < CHANCE:
            run = doc.gold[k : k + rng.choice([3, 4, 5, 6])]
            one_to_one = all(len(s) == 1 and len(t) == 1 for s, t in run)
            following = all(b[1][0] == a[1][0] + 1 for a, b in zip(run, run[1:], strict=False))
            if len(run) >= 3 and one_to_one and following:
                parts = [doc.tgt[t[0]].rstrip().rstrip("。") for _, t in run]
                text = "，".join(parts)
                lines.append(text if text.endswith(ENDS) else text + "。")
                gold.append((tuple(s[0] for s, _ in run), (len(lines) - 1,)))
                k += len(run)
                continue
        s, t = doc.gold[k]
        start = len(lines)
        lines += [doc.tgt[j] for j in t]
        gold.append((s, tuple(range(start, len(lines)))))
        k += 1
    return evalsets.Document(doc.name, doc.src, lines, gold)


def _large(beads) -> set[ev.BeadIds]:
    return {b for b in beads if max(len(b[0]), len(b[1])) >= 3}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="aligner setting")
    ap.add_argument("--cache", type=Path, help="embedding cache file (default: the workbench's own)")
    tables.add_option(ap)
    args = ap.parse_args()
    sets = {s.name: s for s in standard_sets()}
    if SET not in sets:
        print(f"skipped: {SET} not found")
        return 0
    plain = sets[SET].documents()
    rng = random.Random(SEED)
    made = [merged(doc, rng) for doc in plain]
    count = sum(len(_large(d.gold)) - len(_large(p.gold)) for d, p in zip(made, plain, strict=True))
    print(f"{SET}: {count} runs of 1-1 beads merged into 3-1 to 6-1 beads (seed {SEED})\n")
    print("| preset | set | strict F1 | 3+ gold beads found | 3+ system beads right |")
    print("|---|---|---:|---:|---:|")
    cache = args.cache or True
    lines = []
    for preset, (models, params) in PRESETS.items():
        params = params.overridden(args.param)
        aligner = Aligner({m: get_embedder(m, cache=cache) for m in models}, params)
        for name, docs in (("merged", made), ("as it is", plain)):
            counts, found, gold, system = ev.Counts(), 0, 0, 0  # a large system bead is right if found
            for result in ev.evaluate(aligner, docs):
                counts = counts + result.counts
                g, s = _large(result.gold), _large(result.system)
                found, gold, system = found + len(g & s), gold + len(g), system + len(s)
            f1 = counts.scores()["strict_f1"]
            print(f"| {preset} | {name} | {f1:.4f} | {found} / {gold} | {found} / {system} |")
        data = f"{sets[SET].describe(plain)}, merged: seed {SEED}, chance {CHANCE}, runs of 3-6"
        lines.append(signature(preset, models, params, data))
    print("\n" + "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(tables.run(main))
