"""Build the development sets under benchmarks/data/ from ../shared, or check that they are up to date.

    python benchmarks/build_dev_sets.py            # (re)write benchmarks/data/nk-ko-en-dev and the KCNA texts
    python benchmarks/build_dev_sets.py --check    # exit 1 if a committed file differs from what this builds

- ``nk-ko-en-dev``: Korean-English news documents cut from pairs 0-499 (only) of
  ../shared/evaldata/nk-ko-en (line-aligned 1-1), with merged lines (two consecutive sentences of one side
  joined into one line: a 2-1 or 1-2 gold bead) and deleted lines (a sentence removed from one side: its
  counterpart is a 1-0 or 0-1 bead). Seeded, so the same files come out every time. Pairs 500-999 are not
  read: they stay unseen.
- ``kcna-en-es-dev``: the 10 KCNA sample pairs of ../shared/corpora/kcna-en-es-samples split into sentences
  by ``workbench.text.segment.split_sentences``, one a line. The gold beads there were annotated by hand on
  these files (see its README) and are not written by this script; ``--check`` fails when the splitter
  no longer gives the sentences the gold numbers.
- ``debian-faq-en-zh-dev``: seven chapters of the Debian FAQ (Debian packages ``debian-faq`` and
  ``debian-faq-zh-cn``, 11.1) in English and in its Simplified Chinese translation, which po4a keeps
  paragraph by paragraph. Paragraphs are paired by position; a paragraph pair with as many sentences on
  each side is 1-1 sentence by sentence, and the others were annotated by hand (``ZH_BEADS``). Then one or
  two sentences a chapter are deleted from one side (seeded). Built from the packages' HTML, given with
  ``--debian-faq DIR`` (see ``debian_faq_documents``); without it the committed files are left alone.
"""

from __future__ import annotations

import argparse
import random
import sys
from html.parser import HTMLParser
from pathlib import Path

from workbench.align import evaluate as ev
from workbench.text.segment import split_sentences

ROOT = Path(__file__).resolve().parent
SHARED = ROOT.parents[1] / "shared"
OUT = ROOT / "data"
KO_PAIRS = 500  # pairs 0..499 of nk-ko-en only
KO_SEED = 16
# Pairs of 0..499 that are not translations of each other, read by hand (benchmarks/ko_source_audit.py
# lists every pair whose neighbour is more alike than its partner; these are the ones that are wrong, the
# others loose but right). The documents holding them keep their 1-1 gold: these numbers only let the
# audit score the documents with and without them apart.
KO_MISALIGNED = {
    10: "English 10 stops at 'U.S.' mid-sentence; English 10-11 are Korean 11; Korean 10 is a headline",
    11: "with 10",
    12: "English 13 goes on from 12 ('that 15 of the 19 hijackers...'): English 12-13 are Korean 12-13",
    13: "with 12",
    29: "Korean 29-30 are English 29 ('..., but clipper may not be the best way'); English 30 has no Korean",
    30: "with 29",
    66: "English 66-67 are one sentence cut at a semicolon, Korean 66; Korean then runs a line ahead to 70",
    67: "its Korean is English 68",
    68: "its Korean is English 69",
    69: "its Korean is English 70",
    70: "Korean 70 (two dead, 14 hurt in Kunming) is the end of English 70",
    73: "Korean 74 renders English 73's quote and 74; Korean 73 sums them up: a 2-2",
    74: "with 73",
    169: "English 169-170 are one sentence cut at 'for'; Korean 169-170 (hotels, tourists) differ",
    170: "with 169",
    256: "Korean 256-257 are English 256 (casualties, the alert); English 257 (calm streets) has no Korean",
    257: "with 256",
    340: "Korean 340-341 are English 340 (arginine, 'an amino acid...'); Korean 342 is English 341-342",
    341: "with 340",
    342: "with 340",
    407: "English 407 is Korean 408-409; Korean 407 has no English here",
    408: "English 408 (a photo on the site) has no Korean",
    409: "English 409 (the site's caption) has no Korean",
}


def korean_documents() -> dict[str, dict[str, str]]:
    """name -> {"en": text, "ko": text, "gold": text} for the Korean set."""
    return {name: doc for name, _, _, doc in korean_chunks()}


def korean_chunks():
    """(name, first pair, pairs, document) of each Korean document, in order: runs of 20-40 pairs of
    0..499, their lines merged and deleted (``_edit``), the document as ``korean_documents`` gives it."""
    folder = SHARED / "evaldata" / "nk-ko-en"
    en = (folder / "dev.en").read_text(encoding="utf-8").split("\n")[:KO_PAIRS]
    ko = (folder / "dev.ko").read_text(encoding="utf-8").split("\n")[:KO_PAIRS]
    rng = random.Random(KO_SEED)
    start, count = 0, 0
    while start < KO_PAIRS:
        size = rng.randint(20, 40)
        if KO_PAIRS - start - size < 20:  # no short remainder: the last document takes it
            size = KO_PAIRS - start
        count += 1
        yield f"doc{count:02d}", start, size, _edit(en[start : start + size], ko[start : start + size], rng)
        start += size


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


ZH_CHAPTERS = (
    "basic-defs",
    "compatibility",
    "customizing",
    "kernel",
    "redistributing",
    "software",
    "support",
)
ZH_SEED = 9
# Hand-annotated beads of the paragraph pairs whose sentence counts differ: (chapter, paragraph) -> beads of
# sentence numbers within the paragraph. Mostly the Chinese splitter cutting after a closing quote that
# does not end the sentence (``参见第 5.1 节 “…？” 以获取…``), headings, footnote marks and merged sentences.
ZH_BEADS: dict[tuple[str, int], list[tuple[tuple[int, ...], tuple[int, ...]]]] = {
    **{(ch, 0): [((0, 1), (0,))] for ch in ZH_CHAPTERS},  # "Chapter 1." "Definitions..." / "第 1 章 定义..."
    ("basic-defs", 15): [((0,), (0,)), ((1,), (1,)), ((2,), (2, 3))],
    ("basic-defs", 36): [((0,), (0,)), ((1,), (1,)), ((2,), (2, 3, 4))],
    ("basic-defs", 37): [((0,), (0,)), ((1,), (1,)), ((2,), (2, 3))],
    ("compatibility", 31): [((0,), (0, 1)), ((1,), (2,))],
    ("compatibility", 37): [((0,), (0,)), ((1, 2), (1,)), ((3,), (2,))],
    ("compatibility", 44): [((0,), (0, 1))],
    ("customizing", 16): [((0,), (0,)), ((1,), (1,)), ((2,), (2, 3))],
    ("software", 27): [((0,), (0,)), ((1,), (1, 2))],
    ("software", 42): [((0, 1), (0,))],
    ("software", 51): [((0,), (0,)), ((1,), (1, 2))],
    ("support", 10): [((0,), (0, 1))],
    ("support", 18): [((0, 1), (0,)), ((2,), (1,)), ((3,), (2,)), ((4,), (3,))],
    ("support", 21): [((0,), (0,)), ((1,), (1,)), ((2, 3), (2,)), ((4,), (3,)), ((5,), (4,))],
    ("support", 27): [((0,), (0,)), ((1,), (1, 2))],
}


class _Paragraphs(HTMLParser):
    """The text of every paragraph, list item and heading of a DocBook HTML page, in order (not the
    navigation tables or the table of contents)."""

    TAGS = ("p", "li", "h1", "h2", "h3")

    def __init__(self):
        super().__init__()
        self.out: list[str] = []
        self.tag, self.parts = "", None

    def handle_starttag(self, tag, attrs):
        if tag in self.TAGS and self.parts is None:
            self.tag, self.parts = tag, []

    def handle_endtag(self, tag):
        if self.parts is not None and tag == self.tag:
            self.out.append(" ".join("".join(self.parts).split()))
            self.parts = None

    def handle_data(self, data):
        if self.parts is not None:
            self.parts.append(data)


def _paragraphs(path: Path) -> list[str]:
    parser = _Paragraphs()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.out


def debian_faq_documents(folder: Path) -> dict[str, dict[str, str]]:
    """name -> {"en", "zh", "gold"} from the two packages unpacked under ``folder``::

    apt-get download debian-faq debian-faq-zh-cn   # 11.1
    for d in debian-faq*.deb; do dpkg-deb -x "$d" FOLDER; done
    """
    html = folder / "usr" / "share" / "doc" / "debian" / "FAQ"
    if not (html / "zh-cn").is_dir():
        raise SystemExit(
            f"{folder}: no usr/share/doc/debian/FAQ/zh-cn; unpack debian-faq and debian-faq-zh-cn there"
        )
    rng = random.Random(ZH_SEED)
    docs = {}
    for chapter in ZH_CHAPTERS:
        en_pars = _paragraphs(html / f"{chapter}.en.html")
        zh_pars = _paragraphs(html / "zh-cn" / f"{chapter}.zh-cn.html")
        if len(en_pars) != len(zh_pars):
            raise SystemExit(f"{chapter}: {len(en_pars)} English paragraphs, {len(zh_pars)} Chinese")
        beads: list[tuple[list[str], list[str]]] = []
        for k, (en, zh) in enumerate(zip(en_pars, zh_pars, strict=True)):
            if not en or en == zh:  # empty, or left untranslated
                continue
            e = [s.text for s in split_sentences(en, "en")]
            z = [s.text for s in split_sentences(zh, "zh")]
            local = ZH_BEADS.get((chapter, k))
            if local is None:
                if len(e) != len(z):
                    raise SystemExit(
                        f"{chapter} paragraph {k}: {len(e)} / {len(z)} sentences and no hand gold"
                    )
                local = [((j,), (j,)) for j in range(len(e))]
            covered = sorted(i for b in local for i in b[0]), sorted(i for b in local for i in b[1])
            if covered != (list(range(len(e))), list(range(len(z)))):
                raise SystemExit(f"{chapter} paragraph {k}: the hand gold does not cover its sentences")
            beads += [([e[i] for i in be], [z[i] for i in bz]) for be, bz in local]
        singles = [k for k in range(1, len(beads)) if len(beads[k][0]) == len(beads[k][1]) == 1]
        for k in sorted(rng.sample(singles, rng.randint(1, 2))):  # deleted lines: 1-0 or 0-1
            en, zh = beads[k]
            beads[k] = (en, []) if rng.random() < 0.5 else ([], zh)
        lines: dict[str, list[str]] = {"en": [], "zh": []}
        gold = []
        for en, zh in beads:
            e0, z0 = len(lines["en"]), len(lines["zh"])
            lines["en"] += en
            lines["zh"] += zh
            gold.append((tuple(range(e0, e0 + len(en))), tuple(range(z0, z0 + len(zh)))))
        docs[chapter] = {"en": _text(lines["en"]), "zh": _text(lines["zh"]), "gold": ev.format_beads(gold)}
    return docs


def _text(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    ap.add_argument(
        "--debian-faq",
        type=Path,
        metavar="DIR",
        help="the packages debian-faq and debian-faq-zh-cn unpacked here: build the Chinese set too",
    )
    args = ap.parse_args(argv)
    sets = {}
    if SHARED.is_dir():
        sets = {"nk-ko-en-dev": korean_documents(), "kcna-en-es-dev": kcna_documents()}
    else:
        print(f"skipped the Korean and Spanish sets: {SHARED} not found")
    if args.debian_faq:
        sets["debian-faq-en-zh-dev"] = debian_faq_documents(args.debian_faq)
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
