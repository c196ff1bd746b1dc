"""The sentence splitter over the KCNA archive: how many fragments and over-long sentences it leaves.

    python benchmarks/segment_archive.py                 # 3,000 English and every Spanish story
    python benchmarks/segment_archive.py --per-language 0   # all 22,337 stories

Splits each story as ``workbench align`` would and counts the pieces under 12 characters (fragments, when
they are not real short sentences such as "He said:") and the sentences over 2,000 characters (which
``workbench align`` stops at unless ``--anyway``). Reads ../shared/corpora/kcna-2011-2012; skips cleanly when
it is absent.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import tables

from workbench.text.segment import split_sentences
from workbench.workspace import MAX_SENTENCE_CHARS

ARCHIVE = (
    Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "kcna-2011-2012" / "stories.parquet"
)
SHORT = 12


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-language", type=int, default=3000, help="stories per language (0: all)")
    ap.add_argument("--archive", type=Path, default=ARCHIVE)
    tables.add_option(ap)
    args = ap.parse_args()
    if not args.archive.is_file():
        print(f"skipped: {args.archive} not found")
        return 0
    import pandas as pd

    df = pd.read_parquet(args.archive, columns=["id", "language", "story"])
    if args.per_language:
        df = df.groupby("language").head(args.per_language)
    stories, sentences, short, long_ = Counter(), Counter(), Counter(), []
    start = time.perf_counter()
    for sid, lang, story in zip(df["id"], df["language"], df["story"], strict=True):
        split = split_sentences(story, lang)
        stories[lang] += 1
        sentences[lang] += len(split)
        short.update(s.text for s in split if len(s.text) < SHORT)
        long_ += [(sid, lang, len(s.text)) for s in split if len(s.text) > MAX_SENTENCE_CHARS]
    seconds = time.perf_counter() - start
    print("| language | stories | sentences |")
    print("|---|---:|---:|")
    for lang in sorted(stories):
        print(f"| {lang} | {stories[lang]:,} | {sentences[lang]:,} |")
    print(f"\nsplit in {seconds:.1f} s ({sum(sentences.values()) / seconds:,.0f} sentences/s)")
    print(f"pieces under {SHORT} characters: {sum(short.values()):,}; most common:")
    print(", ".join(f"{text!r} {n}" for text, n in short.most_common(15)))
    print(f"stories with a sentence over {MAX_SENTENCE_CHARS:,} characters: {len({s for s, _, _ in long_})}")
    for sid, lang, chars in long_[:12]:
        print(f"  {sid} ({lang}): {chars:,} characters")
    return 0


if __name__ == "__main__":
    sys.exit(tables.run(main))
