"""How much of the Korean development set's error is the source corpus's own: pairs 0-499 of nk-ko-en.

    python benchmarks/ko_source_audit.py [--cache FILE]

nk-ko-en is line-aligned 1-1, but a few of its lines are not translations of each other: an English
sentence cut in two at an abbreviation, a Korean line that runs one ahead for a few lines, a reordering.
``nk-ko-en-dev`` (``build_dev_sets.py``) keeps their 1-1 gold, so an aligner that gets them right is
scored wrong there. This benchmark

1. lists every pair of 0-499 whose partner is less alike (the accurate preset's models, on the aligner's
   scale) than a sentence within two lines of it, with the hand verdict of ``KO_MISALIGNED``: wrong, or
   loose but right;
2. scores both presets on the documents that hold a pair judged wrong and on the others, apart;
3. and on every document with the beads that touch a line of a wrong pair left out, on both sides (the
   system's and the gold's), so the score is the aligner's on sound source.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tables  # noqa: E402
from build_dev_sets import KO_MISALIGNED, KO_PAIRS, korean_chunks  # noqa: E402
from evalsets import SHARED, signature, standard_sets  # noqa: E402

from workbench.align import evaluate as ev  # noqa: E402
from workbench.align.aligner import PRESETS, Aligner  # noqa: E402
from workbench.embed.embedder import get_embedder  # noqa: E402


def suspects(embedders, en: list[str], ko: list[str], reach: int = 2) -> list[tuple[int, float, float, int]]:
    """(pair, its similarity, the best neighbour's, that neighbour) where a neighbour beats the partner."""
    sims = Aligner(embedders).similarities(en, ko).block(0, len(en), 0, len(ko))
    out = []
    for i in range(len(en)):
        near = [j for j in range(max(i - reach, 0), min(i + reach + 1, len(en))) if j != i]
        best = max((max(sims[i, j], sims[j, i]), j) for j in near)
        if best[0] > sims[i, i]:
            out.append((i, float(sims[i, i]), float(best[0]), best[1]))
    return out


def tainted(gold: list[ev.BeadIds], start: int) -> tuple[set[int], set[int]]:
    """Source and target lines of the gold beads made from a pair of ``KO_MISALIGNED``: the gold beads
    are in the order of the pairs from ``start``, a merged bead made of two and every other of one."""
    src, tgt, pair = set(), set(), start
    for s, t in gold:
        size = max(len(s), len(t))
        if any(pair + k in KO_MISALIGNED for k in range(size)):
            src.update(s)
            tgt.update(t)
        pair += size
    return src, tgt


def sound(beads: list[ev.BeadIds], lines: tuple[set[int], set[int]]) -> list[ev.BeadIds]:
    return [b for b in beads if not (set(b[0]) & lines[0] or set(b[1]) & lines[1])]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, help="embedding cache file (default: the workbench's own)")
    tables.add_option(ap)
    args = ap.parse_args()
    folder = SHARED / "nk-ko-en"
    sets = {s.name: s for s in standard_sets()}
    if not folder.is_dir() or "nk-ko-en-dev" not in sets:
        print(f"skipped: {folder} not found")
        return 0
    en = (folder / "dev.en").read_text(encoding="utf-8").split("\n")[:KO_PAIRS]
    ko = (folder / "dev.ko").read_text(encoding="utf-8").split("\n")[:KO_PAIRS]
    cache = args.cache or True
    embed = {m: get_embedder(m, cache=cache) for m in PRESETS["accurate"][0]}
    found = suspects(embed, en, ko)
    print(f"pairs 0-{KO_PAIRS - 1} of nk-ko-en whose partner is less alike than a neighbour: {len(found)}\n")
    print("| pair | partner | best neighbour | hand verdict |")
    print("|---:|---:|---|---|")
    for i, own, best, j in found:
        verdict = f"wrong: {KO_MISALIGNED[i]}" if i in KO_MISALIGNED else "loose but right"
        print(f"| {i} | {own:.2f} | {best:.2f} (line {j}) | {verdict} |")
    unflagged = sorted(set(KO_MISALIGNED) - {i for i, *_ in found})
    print(
        f"\njudged wrong by hand: {len(KO_MISALIGNED)} pairs ({len(KO_MISALIGNED) / KO_PAIRS:.1%})"
        + (f", {len(unflagged)} of them not in the list above: {unflagged}" if unflagged else "")
    )
    chunks = {name: (start, size) for name, start, size, _ in korean_chunks()}
    bad = {
        name
        for name, (start, size) in chunks.items()
        if any(start <= i < start + size for i in KO_MISALIGNED)
    }
    docs = sets["nk-ko-en-dev"].documents()
    print(f"documents holding such a pair: {', '.join(sorted(bad))} ({len(bad)} of {len(docs)})\n")
    print(
        "| preset | all documents | documents with a wrong source pair | the others | beads on sound source |"
    )
    print("|---|---:|---:|---:|---:|")
    lines = []
    for preset, (models, params) in PRESETS.items():
        aligner = Aligner({m: get_embedder(m, cache=cache) for m in models}, params)
        parts = {True: ev.Counts(), False: ev.Counts()}
        clean = ev.Counts()
        for doc, result in zip(docs, ev.evaluate(aligner, docs), strict=True):
            parts[doc.name in bad] = parts[doc.name in bad] + result.counts
            wrong = tainted(result.gold, chunks[doc.name][0])
            clean = clean + ev.score(sound(result.system, wrong), sound(result.gold, wrong))
        f1 = {k: v.scores()["strict_f1"] for k, v in parts.items()}
        every = (parts[True] + parts[False]).scores()["strict_f1"]
        kept = clean.scores()["strict_f1"]
        print(
            f"| {preset} | {every:.4f} | {f1[True]:.4f} | {f1[False]:.4f} | {kept:.4f} ({clean.gold} beads) |"
        )
        lines.append(signature(preset, models, params, sets["nk-ko-en-dev"].describe(docs)))
    print("\nstrict F1 (workbench.align.evaluate)")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(tables.run(main))
