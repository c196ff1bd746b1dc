"""What a corpus tells, measured on a built corpus folder: omission detection on synthetic deletions, the
concordance's search time and eflomal's word-alignment time.

    python benchmarks/corpus_tells.py CORPUS_FOLDER [--pairs 40] [--lengths 1,2,3] [--preset fast]
                                      [--since 2012-01-01] [--no-eflomal]

1. **Omission detection.** From pairs whose links all have text on both sides (no sentence left out or
   added as aligned), copies are made with the Spanish (target) sentences of ``L`` consecutive links deleted
   at a seeded place; each copy is aligned again with the real aligner (``--preset``), and its left-out source
   sentences (``workbench.corpus.divergence.pair_divergence``) are compared with the source sentences of the
   deleted links: precision and recall by deletion length. The untouched pairs, aligned again the same way,
   give the false alarms of the left-out and rewritten rules on pairs with nothing deleted.
2. **Search.** The median time of ``workbench.corpus.concordance.search`` over a few queries (plain, whole
   word, regex; the first, cold read not counted).
3. **Word alignment.** eflomal over every link with text on both sides (the cache is rebuilt).

Use ``--since 2012-01-01`` to draw the deletion pairs from 2012 only (the dev period). Do not run it on the
whole archive on a shared machine: the re-alignment embeds every sentence of the chosen pairs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUERIES = [
    ("Supreme People's Assembly", {}),
    ("army", {"word": True}),
    ("Kim Jong Il", {"side": "src"}),
    (r"\b\d{4}\b", {"regex": True}),
    ("ejército", {"side": "tgt"}),
]


def commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short=10", "HEAD"], capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
        )
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


def clean_pairs(folder, since: str | None, least: int) -> list[list[dict]]:
    """The pairs (their links in order) whose every link has both sides, at least ``least`` links."""
    from workbench.corpus.concordance import link_dates

    dates = link_dates(folder)
    columns = ["tgt_id", "src_id", "link", "src_sent_ids", "tgt_sent_ids", "src_sents", "tgt_sents", "score"]
    groups: dict[str, list[dict]] = {}
    for row in folder.read("links", columns=columns).to_pylist():
        groups.setdefault(row["tgt_id"], []).append(row)
    out = []
    for tgt_id, rows in sorted(groups.items()):
        if since and (dates.get(tgt_id) or "") < since:
            continue
        rows.sort(key=lambda r: r["link"])
        if len(rows) >= least and all(r["src_sents"] and r["tgt_sents"] for r in rows):
            out.append(rows)
    return out


def realign(aligner, rows: list[dict], deleted: set[int]) -> tuple[list[dict], set[str]]:
    """The links of the pair aligned again with the target sentences of links ``deleted`` removed, and the
    source sentence ids of those links (the gold left-out sentences)."""
    src = [(i, t) for r in rows for i, t in zip(r["src_sent_ids"], r["src_sents"], strict=True)]
    tgt = [
        (i, t)
        for k, r in enumerate(rows)
        if k not in deleted
        for i, t in zip(r["tgt_sent_ids"], r["tgt_sents"], strict=True)
    ]
    gold = {i for k in deleted for i in rows[k]["src_sent_ids"]}
    beads = aligner.align([t for _, t in src], [t for _, t in tgt])
    links = [
        {
            "link": k,
            "src_sent_ids": [src[i][0] for i in b.src],
            "tgt_sent_ids": [tgt[j][0] for j in b.tgt],
            "score": b.score,
        }
        for k, b in enumerate(beads)
    ]
    return links, gold


def omissions(folder, args) -> None:
    from workbench.corpus.divergence import pair_divergence
    from workbench.workspace import make_aligner, resolve_models

    pairs = clean_pairs(folder, args.since, least=max(args.lengths) + 4)
    rng = random.Random(args.seed)
    rng.shuffle(pairs)
    pairs = pairs[: args.pairs]
    names, params = resolve_models(args.preset)
    aligner = make_aligner(names, params)
    print(f"\nomission detection: {len(pairs)} clean pairs, preset {args.preset}, seed {args.seed}")
    start = time.perf_counter()
    false_left = rewritten = links_n = src_n = 0
    for rows in pairs:
        links, _ = realign(aligner, rows, set())
        pair = pair_divergence(links)
        false_left += len(pair.left_out)
        rewritten += len(pair.rewritten)
        links_n += len(links)
        src_n += pair.n_src
    print(
        f"  untouched pairs: {false_left} of {src_n} source sentences called left out "
        f"({false_left / max(src_n, 1):.1%}); {rewritten} of {links_n} links called rewritten "
        f"({rewritten / max(links_n, 1):.1%})"
    )
    print(
        f"  {'deleted':>8} {'cases':>6} {'gold':>6} {'found':>6} {'right':>6} {'precision':>9} {'recall':>7}"
    )
    for length in args.lengths:
        gold_n = found_n = right_n = cases = 0
        for rows in pairs:
            at = rng.randrange(1, len(rows) - length)  # never the headline link
            links, gold = realign(aligner, rows, set(range(at, at + length)))
            found = set(pair_divergence(links).left_out)
            gold_n, found_n, right_n, cases = (
                gold_n + len(gold),
                found_n + len(found),
                right_n + len(found & gold),
                cases + 1,
            )
        precision = right_n / found_n if found_n else float("nan")
        recall = right_n / gold_n if gold_n else float("nan")
        print(
            f"  {length:>8} {cases:>6} {gold_n:>6} {found_n:>6} {right_n:>6} {precision:>9.3f} {recall:>7.3f}"
        )
    print(f"  ({time.perf_counter() - start:.1f} s)")


def search_time(folder, runs: int) -> None:
    from workbench.corpus.concordance import search

    search(folder, "the")  # the cold read of the links table
    times = []
    for _ in range(runs):
        for query, options in QUERIES:
            start = time.perf_counter()
            search(folder, query, limit=50, **options)
            times.append(time.perf_counter() - start)
    print(
        f"\nsearch: median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms "
        f"over {len(times)} searches"
    )


def eflomal_time(folder) -> None:
    from workbench.corpus.variants import word_alignments

    start = time.perf_counter()
    wa = word_alignments(folder, refresh=True)
    print(
        f"\neflomal: {len(wa):,} links word-aligned in {wa.seconds:.1f} s "
        f"({time.perf_counter() - start:.1f} s in all)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a built corpus folder (corpora/NAME)")
    parser.add_argument("--pairs", type=int, default=40, help="clean pairs to delete sentences from")
    parser.add_argument("--lengths", default="1,2,3", help="deletion lengths, in links")
    parser.add_argument("--preset", default="fast")
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--since", default=None, help="only pairs dated on or after this day (YYYY-MM-DD)")
    parser.add_argument("--runs", type=int, default=5, help="rounds of the search queries")
    parser.add_argument("--no-eflomal", action="store_true", help="skip the word-alignment timing")
    args = parser.parse_args()
    args.lengths = [int(x) for x in args.lengths.split(",")]

    from workbench.corpus.folder import CorpusFolder
    from workbench.corpus.folder import fingerprint as print_of

    folder = CorpusFolder.open(args.corpus)
    links = folder.read("links", columns=["tgt_id"]).num_rows
    print(
        f"signature: commit {commit()}, corpus {folder.name} ({links:,} links, align "
        f"{folder.stage('align').get('fingerprint')}), deletions {args.lengths} in {args.pairs} pairs "
        f"since {args.since or 'any date'}, preset {args.preset}, seed {args.seed}, "
        f"params {print_of(args.pairs, args.lengths, args.preset, args.seed, args.since)}"
    )
    search_time(folder, args.runs)
    if not args.no_eflomal:
        eflomal_time(folder)
    omissions(folder, args)


if __name__ == "__main__":
    main()
