"""What a corpus tells, measured on a built corpus folder: omission detection and the rewritten rule on
synthetic edits of its pairs, the concordance's search time, eflomal's time and the top variants of
hand-checked terms.

    python benchmarks/corpus_tells.py CORPUS_FOLDER [--year 2011] [--pairs 100] [--lengths 1,2,3]
        [--choose] [--terms benchmarks/data/kcna-terms-check.tsv] [--terms-grid TSV] [--no-search]
        [--no-eflomal] [--no-omissions] [--markdown docs/benchmarks/corpus_tells.md]

1. **Omission detection.** From the pairs of ``--year`` whose links all have text on both sides, copies are
   made with the Spanish (target) sentences of ``L`` consecutive links deleted at a seeded place (never the
   headline link); each copy is aligned again with the real aligner (``--preset``), its links go through
   ``workbench.corpus.divergence.split_links`` and ``pair_divergence``, and the left-out source sentences
   are compared with the source sentences of the deleted links: precision and recall by deletion length,
   beside the aligner's own 1-0 beads. The untouched pairs, aligned again the same way, give the false
   alarms on pairs with nothing deleted. **Rewritten:** copies with the Spanish of one link replaced by the
   Spanish of a link of another pair; the rule should flag that link and no link of untouched pairs.
   ``--choose`` (development only: ``--year 2012``) prints the grid the thresholds were chosen from, with the
   development sets ``nk-ko-en-dev`` and ``kcna-en-es-dev`` (deleted lines); without it, the chosen
   settings are measured once on ``--year`` (2011: held out, never tuned on).
2. **Search.** The median time of ``workbench.corpus.concordance.search`` over a few queries (plain, whole
   word, regex; the first, cold read not counted).
3. **Word alignment.** eflomal over every link with text on both sides, timed; what it learns is thrown
   away, so the corpus's cached word alignment, and with it every term's variants, stays as it was.
4. **Variants.** With ``--terms TSV`` (term, the right renderings separated by `` | ``, a note; repeatable):
   each term's top variant over the cached word alignment, whether it is one of the right renderings (case
   and accents aside), and how the answers would change over the fresh eflomal run of 3. The rules of
   ``workbench.corpus.variants`` were chosen on ``benchmarks/data/kcna-terms-tune.tsv`` and
   ``kcna-terms-tune2.tsv`` (``--terms-grid`` with each prints the grid of ``REACH``, ``VOTE`` and
   ``COLLOCATE``); ``kcna-terms-check.tsv`` is the list they are reported on, never tuned on.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import tables  # noqa: E402

QUERIES = [
    ("Supreme People's Assembly", {}),
    ("army", {"word": True}),
    ("Kim Jong Il", {"side": "src"}),
    (r"\b\d{4}\b", {"regex": True}),
    ("ejército", {"side": "tgt"}),
]
GAINS = (-0.04, -0.02, -0.015, -0.01, 0.0, 0.01, 0.02, 0.03, 0.05, 0.1)
REWRITES = [(r, c) for r in (0.3, 0.5, 0.7, 0.9) for c in (0.3, 0.5, 0.7, 1.0)]
DEV_SETS = ("nk-ko-en-dev", "kcna-en-es-dev")


def clean_pairs(folder, aligner, year: str, least: int, want: int, seed: int) -> list[list[dict]]:
    """``want`` pairs of ``year`` (drawn in a seeded order) whose every link, as ``aligner`` aligns them, has
    both sides, with at least ``least`` links: their links in order. Read from the pairs and sentences
    tables (the aligner is deterministic, so these are the links the align stage wrote with that preset)."""
    from workbench.corpus.concordance import link_dates
    from workbench.corpus.pipeline import ALIGNED

    dates = link_dates(folder)
    pairs = [
        (p["tgt_id"], p["src_id"])
        for p in folder.read("pairs", columns=["tgt_id", "src_id", "decision"]).to_pylist()
        if p["decision"] in ALIGNED and p["src_id"] and (dates.get(p["tgt_id"]) or "").startswith(year)
    ]
    random.Random(seed).shuffle(pairs)
    sentences = folder.read("sentences", columns=["doc_id", "idx", "sent_id", "text"]).to_pylist()
    docs: dict[str, list] = {}
    for row in sorted(sentences, key=lambda r: (r["doc_id"], r["idx"])):
        docs.setdefault(row["doc_id"], []).append((row["sent_id"], row["text"]))
    out = []
    for tgt_id, src_id in pairs:
        src, tgt = docs.get(src_id, []), docs.get(tgt_id, [])
        if len(src) < least or len(tgt) < least:
            continue
        rows = realign(aligner, src, tgt)
        if len(rows) >= least and all(r["src_sents"] and r["tgt_sents"] for r in rows):
            out.append(rows)
            if len(out) == want:
                break
    return out


def edited(rows: list[dict], deleted: set[int] = frozenset(), swap=None) -> tuple[list, list]:
    """The pair's source and target sentences ((id, text) lists), with the target sentences of links
    ``deleted`` removed and those of link ``swap[0]`` replaced by ``swap[1]``."""
    src = [(i, t) for r in rows for i, t in zip(r["src_sent_ids"], r["src_sents"], strict=True)]
    tgt = []
    for k, r in enumerate(rows):
        if k in deleted:
            continue
        tgt += swap[1] if swap and swap[0] == k else list(zip(r["tgt_sent_ids"], r["tgt_sents"], strict=True))
    return src, tgt


def realign(aligner, src: list[tuple[str, str]], tgt: list[tuple[str, str]]) -> list[dict]:
    """The links of two (id, text) lists as ``aligner`` aligns them (as the align stage writes them)."""
    from workbench.corpus.divergence import beads_to_links

    return beads_to_links(aligner.align([t for _, t in src], [t for _, t in tgt]), src, tgt)


def _pr(right: int, found: int, gold: int) -> str:
    precision = f"{right / found:.3f}" if found else "-"
    recall = f"{right / gold:.3f}" if gold else "-"
    return f"{precision} | {recall}"


class Cases:
    """The synthetic cases of a set of pairs, aligned once: untouched, deletions by length, substitutions."""

    def __init__(self, aligner, pairs: list[list[dict]], lengths: list[int], seed: int):
        rng = random.Random(seed)
        self.untouched = pairs  # as the aligner aligned them
        self.deletions: dict[int, list[tuple[list[dict], set[str]]]] = {}
        for length in lengths:
            cases = []
            for rows in pairs:
                at = rng.randrange(1, len(rows) - length + 1)  # never the headline link
                gold = {i for k in range(at, at + length) for i in rows[k]["src_sent_ids"]}
                cases.append((realign(aligner, *edited(rows, set(range(at, at + length)))), gold))
            self.deletions[length] = cases
        self.swaps = []
        for n, rows in enumerate(pairs if len(pairs) > 1 else []):
            k = rng.randrange(1, len(rows))
            other = pairs[(n + 1 + rng.randrange(len(pairs) - 1)) % len(pairs)]
            donor = other[rng.randrange(1, len(other))]
            sents = [(f"swap.{i}", t) for i, t in enumerate(donor["tgt_sents"])]
            links = realign(aligner, *edited(rows, swap=(k, sents)))
            self.swaps.append((links, set(rows[k]["src_sent_ids"])))


def _left(aligner, links, gain):
    from workbench.corpus.divergence import pair_divergence, split_links

    return set(pair_divergence(links if gain is None else split_links(links, aligner, gain)).left_out)


def deletion_table(aligner, cases: Cases, gains: list) -> None:
    """Precision and recall of left-out sentences by deletion length, and the untouched pairs' sentences
    called left out, for each gain (None: the aligner's own 1-0 beads). *All*: every sentence called left
    out in the copy counts. *New*: the sentences already called left out in the same pair untouched are set
    aside on both sides (they are real omissions of KCNA's Spanish or false alarms, the same with or
    without the deletion), so the figure measures the answer to the deletion itself."""
    print(
        "| rule | untouched: called left out | deleted | cases | gold | found | right | precision | recall |",
        end="",
    )
    print(" new: gold | found | right | precision | recall |")
    print(
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    for gain in gains:
        base = [_left(aligner, links, gain) for links in cases.untouched]
        false = sum(len(b) for b in base)
        sents = sum(len(r["src_sent_ids"]) for links in cases.untouched for r in links)
        for length, items in cases.deletions.items():
            all_, new = [0, 0, 0], [0, 0, 0]
            for (links, g), b in zip(items, base, strict=True):
                f = _left(aligner, links, gain)
                for counts, gold, found in ((all_, g, f), (new, g - b, f - b)):
                    counts[0], counts[1], counts[2] = (
                        counts[0] + len(gold),
                        counts[1] + len(found),
                        counts[2] + len(found & gold),
                    )
            print(
                f"| {_label(gain)} | {false}/{sents} ({false / max(sents, 1):.1%}) | {length} | "
                f"{len(items)} | "
                f"{all_[0]} | {all_[1]} | {all_[2]} | {_pr(all_[2], all_[1], all_[0])} | "
                f"{new[0]} | {new[1]} | {new[2]} | {_pr(new[2], new[1], new[0])} |"
            )


def rewrite_table(aligner, cases: Cases, gain: float, rules: list) -> None:
    """The rewritten rule's settings: how many swapped links it flags (and how many it calls left out),
    and how many links of untouched pairs it flags."""
    from workbench.corpus.divergence import pair_divergence, split_links

    untouched = [split_links(links, aligner, gain) for links in cases.untouched]
    swaps = [(split_links(links, aligner, gain), gold) for links, gold in cases.swaps]
    print("| ratio | ceiling | untouched links flagged | swapped | flagged | left out instead | precision |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for ratio, ceiling in rules:
        false = sum(len(pair_divergence(lk, ratio=ratio, ceiling=ceiling).rewritten) for lk in untouched)
        links_n = sum(len(lk) for lk in untouched)
        hit = left = flagged = 0
        for links, gold in swaps:
            pair = pair_divergence(links, ratio=ratio, ceiling=ceiling)
            ids = set(pair.rewritten_ids)
            hit += bool(ids & gold)
            left += bool(set(pair.left_out) & gold) and not ids & gold
            flagged += len(pair.rewritten)
        precision = f"{hit / flagged:.3f}" if flagged else "-"
        print(
            f"| {ratio} | {ceiling} | {false}/{links_n} ({false / max(links_n, 1):.1%}) | {len(swaps)} | "
            f"{hit} ({hit / max(len(swaps), 1):.1%}) | {left} | {precision} |"
        )


def dev_sets(aligner, gains: list) -> None:
    """Left-out and added sentences on the development sets with deleted lines, for each gain."""
    from evalsets import standard_sets

    from workbench.align import evaluate as ev
    from workbench.align.omission import split_unaligned

    sets = [s for s in standard_sets() if s.name in DEV_SETS]
    for s in sets:
        print(f"\n{s.describe()}")
        print("| rule | left out: gold | found | right | precision | recall | added: gold | found | right |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        docs = s.documents()
        aligned = [(d, aligner.align(d.src, d.tgt)) for d in docs]
        for gain in gains:
            left, added = ev.Omissions(), ev.Omissions()
            for d, beads in aligned:
                split = beads if gain is None else split_unaligned(aligner, d.src, d.tgt, beads, gain)
                a, b = ev.omissions([(x.src, x.tgt) for x in split], d.gold, len(d.src), len(d.tgt))
                left, added = left + a, added + b
            print(
                f"| {_label(gain)} | {left.gold} | {left.system} | {left.both} | "
                f"{_pr(left.both, left.system, left.gold)} | {added.gold} | {added.system} | {added.both} |"
            )


def _label(gain) -> str:
    return "aligner's 1-0 beads only" if gain is None else f"split, gain {gain:g}"


def omissions(folder, args) -> None:
    from workbench.align.factory import make_aligner, resolve_models
    from workbench.align.omission import GAIN
    from workbench.corpus.divergence import REWRITE_MAX, REWRITE_RATIO

    aligner = make_aligner(*resolve_models(args.preset))
    start = time.perf_counter()
    pairs = clean_pairs(folder, aligner, args.year, max(args.lengths) + 4, args.pairs, args.seed)
    cases = Cases(aligner, pairs, args.lengths, args.seed)
    what = "development: the grid" if args.choose else "the chosen settings"
    print(
        f"\nomission detection on {len(pairs)} clean {args.year} pairs ({what}; "
        f"{time.perf_counter() - start:.0f} s to align the cases)"
    )
    gains = [None, *GAINS] if args.choose else [None, GAIN]
    deletion_table(aligner, cases, gains)
    print(f"\nrewritten (one link's Spanish swapped for another pair's), left-out split at gain {GAIN:g}")
    rewrite_table(aligner, cases, GAIN, REWRITES if args.choose else [(REWRITE_RATIO, REWRITE_MAX)])
    if args.choose:
        dev_sets(aligner, gains)


def search_time(folder, runs: int) -> None:
    from workbench.corpus.concordance import search

    search(folder, "Juche", limit=5)  # the cold read of the links table
    times = []
    for _ in range(runs):
        for query, options in QUERIES:
            start = time.perf_counter()
            search(folder, query, limit=50, **options)
            times.append(time.perf_counter() - start)
    print(
        f"\nsearch: median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms "
        f"over {len(times)} searches (target: median <= 300 ms)"
    )


def eflomal_time(folder):
    import os
    import resource

    from workbench.corpus.variants import SAMPLERS, word_alignments

    start, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    wa = word_alignments(folder, refresh=True, keep=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime
    print(
        f"\neflomal ({SAMPLERS} samplers): {len(wa):,} links word-aligned in {wa.seconds:.1f} s "
        f"({time.perf_counter() - start:.1f} s in all; target <= 120 s); eflomal's CPU time {used:.0f} s, "
        f"that is {used / 2:.0f} s on 2 free cores; load average {os.getloadavg()[0]:.1f} when it ended "
        "(not kept: the variants below use the cached word alignment)"
    )
    return wa


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def _terms(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh, delimiter="\t")]


def _right(found, row: dict) -> bool:
    answers = {_plain(a.strip()) for a in row["right"].split("|")}
    return bool(found.variants) and _plain(found.variants[0].rendering) in answers


def _top(found) -> str:
    return _plain(found.variants[0].rendering) if found.variants else ""


def terms_check(folder, path: Path, wa, fresh=None) -> None:
    """Each hand-checked term's top variant against its right renderings; with ``fresh`` (another eflomal
    run's word alignment), how many top variants that run would change."""
    from workbench.corpus.variants import variants

    rows = _terms(path)
    print(f"\nvariants: the top rendering of {len(rows)} terms checked by hand ({path.name})")
    print("| term | right rendering(s) | top variant | count | share | occurrences | right |")
    print("| --- | --- | --- | ---: | ---: | ---: | :---: |")
    good = 0
    for row in rows:
        found = variants(folder, row["term"], wa)
        answers = [a.strip() for a in row["right"].split("|")]
        top = found.variants[0] if found.variants else None
        ok = _right(found, row)
        good += ok
        shown = (top.rendering, top.count, f"{top.share:.0%}") if top else ("(none)", 0, "-")
        print(
            f"| {row['term']} | {' / '.join(answers)} | {shown[0]} | {shown[1]} | {shown[2]} | "
            f"{found.occurrences} | {'yes' if ok else 'no'} |"
        )
    print(f"\nvariants: the top variant is right for {good} of {len(rows)} terms ({path.name})")
    if fresh is not None:
        again = {r["term"]: variants(folder, r["term"], fresh) for r in rows}
        right = sum(_right(again[r["term"]], r) for r in rows)
        changed = [r["term"] for r in rows if _top(again[r["term"]]) != _top(variants(folder, r["term"], wa))]
        print(
            f"\nvariants over the fresh eflomal run (not kept): right for {right} of {len(rows)}; "
            f"top variant changed for {len(changed)} ({', '.join(changed) or 'none'})"
        )


def terms_grid(folder, paths: list[Path], wa) -> None:
    """How many top variants are right on each tuning list, and the mean share of the right renderings
    over them all, for each ``REACH``, ``VOTE`` and ``COLLOCATE`` of ``workbench.corpus.variants``
    (choose on the tuning lists only)."""
    from workbench.corpus import variants as v

    lists = {path.name: _terms(path) for path in paths}
    dates = v.link_dates(folder)
    found = {}
    for rows in lists.values():
        for row in rows:
            words = [v._norm(row["term"][a:b]) for a, b in v.tokens(row["term"])]
            found[row["term"]] = v._occurrences(wa, words)
    chosen = (v.REACH, v.VOTE, v.COLLOCATE)
    print(
        f"\nvariants: the grid the span rules were chosen from ({', '.join(lists)}; chosen: reach "
        f"{chosen[0]}, vote {chosen[1]:g}, collocate {chosen[2]:g}; collocate off: no widening over "
        "collocations)"
    )
    print(f"| reach | vote | collocate | {' | '.join(lists)} | all | mean share of the right renderings |")
    print(f"| ---: | ---: | ---: | {' | '.join('---:' for _ in lists)} | ---: | ---: |")
    total = sum(len(rows) for rows in lists.values())
    try:
        for reach in (2, 3, 4):
            for vote in (0.3, 0.5, 0.7):
                for collocate in (float("inf"), 0.5, 0.7, 0.9):
                    v.REACH, v.VOTE, v.COLLOCATE = reach, vote, collocate
                    goods, share = [], 0.0
                    for rows in lists.values():
                        good = 0
                        for row in rows:
                            result = v._variants(wa, row["term"], found[row["term"]], dates)
                            good += _right(result, row)
                            answers = {_plain(a.strip()) for a in row["right"].split("|")}
                            share += sum(x.share for x in result.variants if _plain(x.rendering) in answers)
                        goods.append(f"{good}/{len(rows)}")
                    right = sum(int(g.split("/")[0]) for g in goods)
                    shown = "off" if collocate == float("inf") else f"{collocate:g}"
                    print(
                        f"| {reach} | {vote:g} | {shown} | {' | '.join(goods)} | {right}/{total} | "
                        f"{share / total:.3f} |"
                    )
    finally:
        v.REACH, v.VOTE, v.COLLOCATE = chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a built corpus folder (corpora/NAME)")
    parser.add_argument("--year", default="2011", help="the pairs to edit: 2011 held out, 2012 development")
    parser.add_argument("--pairs", type=int, default=100, help="clean pairs to edit")
    parser.add_argument("--lengths", default="1,2,3", help="deletion lengths, in links")
    parser.add_argument("--preset", default="fast")
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--choose", action="store_true", help="print the grid of settings (dev year only)")
    parser.add_argument("--runs", type=int, default=5, help="rounds of the search queries")
    parser.add_argument(
        "--terms", type=Path, action="append", default=[], help="TSV of terms and their right renderings"
    )
    parser.add_argument(
        "--terms-grid",
        type=Path,
        action="append",
        default=[],
        help="a tuning TSV to print the span rules' grid on (repeatable)",
    )
    parser.add_argument("--no-search", action="store_true")
    parser.add_argument("--no-eflomal", action="store_true", help="skip the word-alignment timing")
    parser.add_argument("--no-omissions", action="store_true")
    tables.add_option(parser)
    args = parser.parse_args()
    args.lengths = [int(x) for x in args.lengths.split(",")]
    if args.choose and args.year != "2012":
        parser.error("--choose tunes: use it on the development year only (--year 2012)")

    from workbench.align.omission import GAIN
    from workbench.corpus.divergence import REWRITE_MAX, REWRITE_RATIO
    from workbench.corpus.folder import CorpusFolder
    from workbench.corpus.variants import COLLOCATE, REACH, VOTE

    folder = CorpusFolder.open(args.corpus)
    links = folder.read("links", columns=["tgt_id"]).num_rows if folder.has("links") else 0
    print(
        f"signature: commit {tables.git_commit()}, corpus {folder.name} ({links:,} links, align "
        f"{folder.stage('align').get('fingerprint')}), {args.pairs} pairs of {args.year}, deletions "
        f"{args.lengths}, preset {args.preset}, seed {args.seed}, gain {GAIN:g}, rewritten ratio "
        f"{REWRITE_RATIO:g} ceiling {REWRITE_MAX:g}, terms {', '.join(p.name for p in args.terms) or 'none'}"
        f", span rules reach {REACH} vote {VOTE:g} collocate {COLLOCATE:g}"
    )
    if not args.no_search:
        search_time(folder, args.runs)
    fresh = None if args.no_eflomal else eflomal_time(folder)
    if args.terms or args.terms_grid:
        from workbench.corpus.variants import word_alignments

        wa = word_alignments(folder)
        if args.terms_grid:
            terms_grid(folder, args.terms_grid, wa)
        for path in args.terms:
            terms_check(folder, path, wa, fresh)
    if not args.no_omissions:
        omissions(folder, args)


if __name__ == "__main__":
    sys.exit(tables.run(main))
