"""Alignment accuracy on the development sets and the test set, per model combination and preset.

    python benchmarks/align_accuracy.py                       # every configuration, each from a cold cache
    python benchmarks/align_accuracy.py --config accurate --split dev --cache ~/.cache/workbench/c.sqlite
    python benchmarks/align_accuracy.py --set path/to/folder  # any folder of documents with gold
    python benchmarks/align_accuracy.py --models use-m3+e5-small+st:/models/LaBSE   # any combination
    python benchmarks/align_accuracy.py --config accurate --param max_align=7 --param max_side=6 --kinds

Development sets (settings are chosen on these) and the test set (Text+Berg test0..6: reported, never
used to choose) are reported apart, each row with strict and lax scores, omission precision and recall
(sentences left unaligned, per side, so per language), embedding and alignment seconds. ``--kinds`` adds
recall and precision by bead kind; ``--set`` scores any folder laid out like benchmarks/data (``gold/``
and the two sides' folders) instead of the standard sets. Every configuration prints a signature line:
commit, preset and parameters, data. ``--models`` scores any combination of models (a model on disk
included) with the accurate preset's settings, or the fast preset's for a single model; ``--param``
changes any ``AlignParams`` setting in every configuration. Sets in ../shared/evaldata (or ``--data``)
are skipped when it is absent.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tables  # noqa: E402
from evalsets import SHARED, EvalSet, folder_set, signature, standard_sets  # noqa: E402

from workbench.align import evaluate as ev  # noqa: E402
from workbench.align.aligner import PRESETS, Aligner, AlignParams  # noqa: E402
from workbench.embed.embedder import EmbeddingError, get_embedder, span_texts  # noqa: E402

# name -> (models, parameter overrides); presets first, then single models.
CONFIGS = {
    "fast": (PRESETS["fast"][0], {}),
    "accurate": (PRESETS["accurate"][0], {}),
    "e5-small": (["e5-small"], {"windows": "near"}),
}
# Also on request: the fast preset with use-m3 embedding every window's joined text, as it did before it
# composed windows from the sentences (--config fast-joined; same F1, several times the embedding time).
EXTRA = {"fast-joined": (PRESETS["fast"][0], {})}
PUBLISHED = [  # Text+Berg test0..6, strict / lax F1
    ("Bertalign (LaBSE, GPU)", "0.936", "0.989"),
    ("SentAlign (LaBSE)", "0.932", ""),
    ("Vecalign (LASER)", "0.902", "0.986"),
    ("hunalign", "0.744", "0.867"),
]


class Timed:
    """Wraps an embedder and adds up the seconds spent in it; ``compose=False`` embeds the joined text of
    every multi-sentence window instead of letting the embedder compose it."""

    def __init__(self, embedder, compose: bool = True):
        self.embedder = embedder
        self.compose = compose
        self.seconds = 0.0

    def _timed(self, method, *args):
        start = time.perf_counter()
        try:
            return method(*args)
        finally:
            self.seconds += time.perf_counter() - start

    def encode(self, texts):
        return self._timed(self.embedder.encode, texts)

    def encode_spans(self, sentences, spans):
        if not self.compose:
            return self.encode(span_texts(sentences, spans))
        return self._timed(self.embedder.encode_spans, sentences, spans)


def preset_params(models: list[str], overrides: dict) -> AlignParams:
    return replace(PRESETS["accurate" if len(models) > 1 else "fast"][1], **overrides)


def run(config: str, models: list[str], overrides: dict, cache: Path, sets: list[EvalSet]) -> dict:
    """Align and score every set with one configuration; per set: results, embedding and align seconds."""
    params = preset_params(models, overrides)
    timers = {m: Timed(get_embedder(m, cache=cache), config not in EXTRA) for m in models}
    aligner = Aligner(timers, params)
    out = {"config": config, "models": models, "params": params, "sets": {}}
    start_all = time.perf_counter()
    for s in sets:
        docs = s.documents()
        start, embed_before = time.perf_counter(), sum(t.seconds for t in timers.values())
        results = list(ev.evaluate(aligner, docs))
        embed = sum(t.seconds for t in timers.values()) - embed_before
        out["sets"][s.name] = (s, results, embed, time.perf_counter() - start - embed, s.describe(docs))
    out["seconds"] = time.perf_counter() - start_all
    out["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def scores(results: list[ev.Result]) -> dict:
    s = ev.total(results).scores()
    src = sum((r.src_omissions for r in results), ev.Omissions())
    tgt = sum((r.tgt_omissions for r in results), ev.Omissions())
    return {**s, "src_om": src, "tgt_om": tgt}


def _om(o: ev.Omissions) -> str:
    return f"{o.precision:.2f} / {o.recall:.2f} ({o.gold})" if o.gold or o.system else "- (0)"


def report(row: dict, kinds: bool) -> None:
    print(f"\n### {row['config']} ({'+'.join(row['models'])})\n")
    print(
        "| set | split | docs | strict P | strict R | strict F1 | lax F1 | omitted src P / R (gold) "
        "| omitted tgt P / R (gold) | embed s | align s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|---|---:|---:|")
    dev, pooled = [], ev.Counts()
    for name, (s, results, embed, align, _) in row["sets"].items():
        sc = scores(results)
        if s.split == "dev":
            dev.append(sc["strict_f1"])
            pooled = pooled + ev.total(results)
        print(
            f"| {name} ({s.pair}) | {s.split} | {len(results)} | {sc['strict_p']:.3f} | {sc['strict_r']:.3f} "
            f"| {sc['strict_f1']:.3f} | {sc['lax_f1']:.3f} | {_om(sc['src_om'])} | {_om(sc['tgt_om'])} "
            f"| {embed:.1f} | {align:.1f} |"
        )
    if dev:
        print(
            f"\ndev mean strict F1 (the {len(dev)} dev sets, unweighted): {sum(dev) / len(dev):.4f}; "
            f"pooled (their beads counted together): {pooled.scores()['strict_f1']:.4f}"
        )
    if kinds:
        print("\nby bead kind (gold beads: found exactly / all; system beads: right / all):\n")
        print("| set | " + " | ".join(ev.KIND_GROUPS) + " |")
        print("|---|" + "---|" * len(ev.KIND_GROUPS))
        for name, (_, results, *_rest) in row["sets"].items():
            counts = ev.KindCounts.of(results)
            found, right = counts.found.get, counts.right.get
            cells = [
                f"{found(k, 0)}/{counts.gold.get(k, 0)}; {right(k, 0)}/{counts.system.get(k, 0)}"
                for k in ev.KIND_GROUPS
            ]
            print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"\npeak MB so far {row['rss']:.0f}; {row['seconds']:.0f} s in all")
    for *_, described in row["sets"].values():
        print(signature(row["config"], row["models"], row["params"], described))


def parse_params(items: list[str]) -> dict:
    """``["prior=0.03", "windows=near"]`` -> ``{"prior": 0.03, "windows": "near"}``, names and types checked
    as ``workbench align --param`` checks them (``AlignParams.overridden``)."""
    given = AlignParams().overridden(items)
    keys = [item.partition("=")[0].strip() for item in items]
    return {key: getattr(given, key) for key in keys}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--config",
        action="append",
        choices=[*CONFIGS, *EXTRA],
        help="configurations (default: all but fast-joined, unless --models names others)",
    )
    ap.add_argument(
        "--models",
        action="append",
        default=[],
        metavar="SPEC",
        help="'+'-joined models (use-m3, e5-small, st:<name-or-path>) to score as one more configuration",
    )
    ap.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an AlignParams setting for every configuration, e.g. prior=0.03 (repeatable)",
    )
    ap.add_argument(
        "--split", choices=["dev", "test"], help="only the development sets, or only the test set"
    )
    ap.add_argument("--only", action="append", default=[], metavar="NAME", help="only these standard sets")
    ap.add_argument(
        "--set", action="append", default=[], type=Path, metavar="FOLDER", help="score this folder"
    )
    ap.add_argument("--sides", help="the --set folders' source and target folder names, e.g. de,fr")
    ap.add_argument("--kinds", action="store_true", help="also recall and precision by bead kind")
    ap.add_argument("--cache", type=Path, help="embedding cache file to reuse (default: a new, cold one)")
    ap.add_argument(
        "--data", type=Path, default=SHARED, help=f"../shared evaluation data (default: {SHARED})"
    )
    tables.add_option(ap)
    args = ap.parse_args(argv)
    try:
        changes = parse_params(args.param)
        sides = tuple(args.sides.split(",")) if args.sides else None
        if sides is not None and len(sides) != 2:
            raise ValueError(f"--sides {args.sides!r}: give two folder names, e.g. de,fr")
        if args.set:
            sets = [folder_set(path, sides) for path in args.set]
        else:
            sets = [s for s in standard_sets(args.data) if not args.split or s.split == args.split]
            unknown = set(args.only) - {s.name for s in standard_sets(args.data)}
            if unknown:
                raise ValueError(f"--only: no set {', '.join(sorted(unknown))} (or its data is absent)")
            sets = [s for s in sets if not args.only or s.name in args.only]
    except (ValueError, ev.EvalSetError) as exc:
        ap.error(str(exc))
    if not sets:
        print("skipped: no evaluation set to score")
        return 0
    named = args.config or ([] if args.models else list(CONFIGS))
    table = {**CONFIGS, **EXTRA}
    configs = [(name, table[name][0], {**table[name][1], **changes}) for name in named]
    configs += [("--models", spec.split("+"), changes) for spec in args.models]
    with tempfile.TemporaryDirectory() as tmp:
        for k, (config, models, overrides) in enumerate(configs):
            # each configuration starts cold (its own new cache) unless --cache names one to share
            cache = args.cache or Path(tmp) / f"{k}.sqlite"
            try:
                row = run(config, models, overrides, cache, sets)
            except EmbeddingError as exc:
                print(f"error: {'+'.join(models)}: {exc}", file=sys.stderr)
                return 2
            except ev.EvalSetError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            report(row, args.kinds)
            sys.stdout.flush()
    if any(s.name == "textberg-test" for s in sets):
        print(
            "\nPublished on Text+Berg test0..6 (strict / lax F1): "
            + "; ".join(f"{n} {a} / {b or '-'}" for n, a, b in PUBLISHED)
        )
    return 0


if __name__ == "__main__":
    sys.exit(tables.run(main))
