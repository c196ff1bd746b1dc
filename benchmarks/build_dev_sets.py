"""Build the development sets under benchmarks/data/ from ../shared, or check that they are up to date.

    python benchmarks/build_dev_sets.py            # (re)write benchmarks/data/nk-ko-en-dev and the KCNA texts
    python benchmarks/build_dev_sets.py --check    # exit 1 if a committed file differs from what this builds

- ``nk-ko-en-dev``: Korean-English news documents cut from pairs 0-499 (only) of
  ../shared/evaldata/nk-ko-en (line-aligned 1-1), with merged lines (two consecutive sentences of one side
  joined into one line: a 2-1 or 1-2 gold bead) and deleted lines (a sentence removed from one side: its
  counterpart is a 1-0 or 0-1 bead). Seeded, so the same files come out every time. Pairs 500-999 are not
  read: they stay unseen.
- ``kcna-en-es-dev``: the 10 KCNA sample pairs of ../shared/corpora/kcna-en-es-samples split into sentences
  by ``workbench.segment.split_sentences``, one a line. The gold beads there were annotated by hand on
  these files (see its README) and are not written by this script; ``--check`` fails when the splitter
  no longer gives the sentences the gold numbers.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from workbench import evaluate as ev
from workbench.segment import split_sentences

ROOT = Path(__file__).resolve().parent
SHARED = ROOT.parents[1] / "shared"
OUT = ROOT / "data"
KO_PAIRS = 500  # pairs 0..499 of nk-ko-en only
KO_SEED = 16


def korean_documents() -> dict[str, dict[str, str]]:
    """name -> {"en": text, "ko": text, "gold": text} for the Korean set."""
    folder = SHARED / "evaldata" / "nk-ko-en"
    en = (folder / "dev.en").read_text(encoding="utf-8").split("\n")[:KO_PAIRS]
    ko = (folder / "dev.ko").read_text(encoding="utf-8").split("\n")[:KO_PAIRS]
    rng = random.Random(KO_SEED)
    docs, start = {}, 0
    while start < KO_PAIRS:
        size = rng.randint(20, 40)
        if KO_PAIRS - start - size < 20:  # no short remainder: the last document takes it
            size = KO_PAIRS - start
        name = f"doc{len(docs) + 1:02d}"
        docs[name] = _edit(en[start : start + size], ko[start : start + size], rng)
        start += size
    return docs


def _edit(en: list[str], ko: list[str], rng: random.Random) -> dict[str, str]:
    """Merge and delete lines of a 1-1 document; the gold beads follow."""
    n = len(en)
    # 1 to 3 merges and 1 to 3 deletions at distinct places, at least two lines apart, never the first line
    edits = {}
    spots = list(range(1, n - 1))
    rng.shuffle(spots)
    wanted = ["merge"] * rng.randint(1, 3) + ["delete"] * rng.randint(1, 3)
    for spot in spots:
        if not wanted:
            break
        if all(abs(spot - other) > 2 for other in edits):
            edits[spot] = (wanted.pop(), rng.choice(["en", "ko"]))
    lines = {"en": [], "ko": []}
    gold = []
    i = 0
    while i < n:
        what, side = edits.get(i, (None, None))
        e0, k0 = len(lines["en"]), len(lines["ko"])
        if what == "merge":  # lines i and i+1 are one line on ``side``, two on the other
            other = "ko" if side == "en" else "en"
            pair = {"en": en[i : i + 2], "ko": ko[i : i + 2]}
            lines[side].append(" ".join(pair[side]))
            lines[other] += pair[other]
            ids = {side: (len(lines[side]) - 1,), other: (len(lines[other]) - 2, len(lines[other]) - 1)}
            gold.append((ids["en"], ids["ko"]))
            i += 2
            continue
        if what == "delete":  # line i is gone from ``side``: its counterpart is left unaligned
            if side == "en":
                lines["ko"].append(ko[i])
                gold.append(((), (k0,)))
            else:
                lines["en"].append(en[i])
                gold.append(((e0,), ()))
            i += 1
            continue
        lines["en"].append(en[i])
        lines["ko"].append(ko[i])
        gold.append(((e0,), (k0,)))
        i += 1
    return {"en": _text(lines["en"]), "ko": _text(lines["ko"]), "gold": ev.format_beads(gold)}


def kcna_documents() -> dict[str, dict[str, str]]:
    """name -> {"en": text, "es": text} for the KCNA samples, one sentence a line."""
    folder = SHARED / "corpora" / "kcna-en-es-samples"
    docs = {}
    for pair in sorted(folder.glob("kcna-*-en-es")):
        name = pair.name.removesuffix("-en-es")
        docs[name] = {
            lang: _text([s.text for s in split_sentences((pair / f"{lang}.txt").read_text("utf-8"), lang)])
            for lang in ("en", "es")
        }
    return docs


def _text(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = ap.parse_args(argv)
    if not SHARED.is_dir():
        print(f"skipped: {SHARED} not found")
        return 0
    sets = {"nk-ko-en-dev": korean_documents(), "kcna-en-es-dev": kcna_documents()}
    stale = []
    for set_name, docs in sets.items():
        for doc, parts in docs.items():
            for part, text in parts.items():
                path = OUT / set_name / part / doc
                if args.check:
                    if not path.is_file() or path.read_text(encoding="utf-8") != text:
                        stale.append(path)
                    continue
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    if args.check:
        for path in stale:
            print(f"differs from what build_dev_sets.py builds: {path.relative_to(ROOT.parent)}")
        return 1 if stale else 0
    print(f"wrote {sum(len(d) for d in sets.values())} documents under {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
