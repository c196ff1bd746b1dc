"""Helps label the document-pairing gold (benchmarks/data/kcna-pairs-dev-2012.csv) by hand: for a Spanish
story of the KCNA archive, its text and the best English candidates of its window side by side.

    python benchmarks/label_pairs_helper.py 2012-00036             # one story
    python benchmarks/label_pairs_helper.py --date 2012-03-18      # every Spanish story of a date
    python benchmarks/label_pairs_helper.py --date 2012-03-18 --brief   # titles, scores, shared numbers

The window is every English story dated 7 days before to 1 day after the Spanish one (the date of a 2012
row is the one in its ``index_page`` URL). The Spanish is machine-translated with Apertium (``apertium
spa-eng``, Debian ``apertium-eng-spa``) and the window ranked by the TF-IDF cosine of that translation
with each English story (title and text). The ranking only orders the reading: every pair is decided by
reading both texts (names, figures, dates, paragraph order) and checking the window for look-alikes.
Nothing here writes the gold.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import textwrap
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT.parent / "shared" / "corpora" / "kcna-2011-2012" / "stories.parquet"
BEFORE, AFTER = 7, 1
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_TOKEN = re.compile(r"[a-z][a-z'-]+|\d+")


@cache
def archive(path: Path = ARCHIVE) -> pd.DataFrame:
    """The archive with a ``day`` column: the ``date`` column, or the date in the index page URL."""
    df = pd.read_parquet(path)
    from_url = pd.to_datetime(df["index_page"].str.extract(r"/(\d{8})-")[0], format="%Y%m%d", errors="coerce")
    df["day"] = pd.to_datetime(df["date"], errors="coerce").fillna(from_url).dt.normalize()
    return df


def translate(text: str) -> str:
    """Apertium spa-eng, without its unknown-word marks."""
    done = subprocess.run(["apertium", "spa-eng"], input=text, capture_output=True, text=True, check=True)
    return done.stdout.replace("*", "")


def numbers(text: str) -> set[str]:
    return {n.replace(",", "").replace(".", "") for n in _NUMBER.findall(text) if len(n) > 1}


def rank(es: pd.Series, window: pd.DataFrame) -> pd.DataFrame:
    """The window's English stories by TF-IDF cosine with the Apertium translation of ``es``."""
    query = translate(f"{es['title']}\n{es['story']}").lower()
    docs = [f"{t}\n{s}".lower() for t, s in zip(window["title"], window["story"], strict=True)]
    tokens = [_TOKEN.findall(d) for d in [query, *docs]]
    vocab = {w: i for i, w in enumerate(sorted({w for ts in tokens for w in ts}))}
    counts = np.zeros((len(tokens), len(vocab)))
    for i, ts in enumerate(tokens):
        for w in ts:
            counts[i, vocab[w]] += 1
    idf = np.log((1 + len(tokens)) / (1 + (counts > 0).sum(axis=0))) + 1
    tfidf = np.log1p(counts) * idf
    tfidf /= np.maximum(np.linalg.norm(tfidf, axis=1, keepdims=True), 1e-9)
    out = window.assign(cosine=tfidf[1:] @ tfidf[0])
    es_numbers = numbers(es["story"])
    out["shared_numbers"] = [" ".join(sorted(es_numbers & numbers(s))) for s in out["story"]]
    return out.sort_values("cosine", ascending=False)


def window_of(es: pd.Series) -> pd.DataFrame:
    df = archive()
    day = es["day"]
    en = df[(df["language"] == "en") & (df["day"] >= day - pd.Timedelta(days=BEFORE))]
    return en[en["day"] <= day + pd.Timedelta(days=AFTER)]


def show(es_id: str, top: int, chars: int, brief: bool) -> None:
    df = archive()
    es = df[df["id"] == es_id].iloc[0]
    ranked = rank(es, window_of(es))
    print(f"=== {es['id']} {es['day']:%Y-%m-%d} {es['title']} ({len(es['story'])} chars)")
    if not brief:
        print(textwrap.indent(textwrap.fill(translate(es["story"][:chars]), 110), "  es> "))
    for k, c in enumerate(ranked.head(top).itertuples(index=False), 1):
        gap = (es["day"] - c.day).days
        print(
            f"  #{k} {c.id} {c.day:%Y-%m-%d} (gap {gap}) cos {c.cosine:.3f} {len(c.story)} chars: {c.title}"
            f"\n      shared numbers: {c.shared_numbers or '-'}"
        )
        if not brief:
            print(textwrap.indent(textwrap.fill(c.story[:chars], 110), "   en> "))
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ids", nargs="*", help="Spanish story ids")
    ap.add_argument("--date", action="append", default=[], help="every Spanish story of this date")
    ap.add_argument("--top", type=int, default=4, help="candidates shown")
    ap.add_argument("--chars", type=int, default=700, help="characters of each text shown")
    ap.add_argument("--brief", action="store_true", help="titles, scores and shared numbers only")
    args = ap.parse_args()
    df = archive()
    ids = list(args.ids)
    for day in args.date:
        es = df[(df["language"] == "es") & (df["day"] == pd.Timestamp(day))]
        ids += es.sort_values("id")["id"].tolist()
    for es_id in ids:
        show(es_id, args.top, args.chars, args.brief)


if __name__ == "__main__":
    main()
