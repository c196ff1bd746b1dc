"""Alignment accuracy on the standard test sets, per model combination and preset.

    python benchmarks/align_accuracy.py                       # every configuration, each from a cold cache
    python benchmarks/align_accuracy.py --config fast --config accurate --cache ~/.cache/workbench
    python benchmarks/align_accuracy.py --models use-m3+e5-small+st:/models/LaBSE   # any combination
    python benchmarks/align_accuracy.py --config accurate --param max_align=7 --param max_side=6

Scores Text+Berg de-fr ``test0..test6`` and ParIce en-is (all 10 documents) the field's standard way
(strict and lax F1, see workbench.evaluate), and prints embedding seconds, alignment seconds and the
process's peak memory. ``--models`` scores any combination of models (a model on disk included) with
the accurate preset's settings, or the fast preset's for a single model; ``--param`` changes any
``AlignParams`` setting in every configuration. Reads ../shared/evaldata (or ``--data``); skips cleanly
when it is absent.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from dataclasses import fields, replace
from pathlib import Path

from workbench import evaluate as ev
from workbench.align import PRESETS, Aligner, AlignParams
from workbench.embed import EmbeddingError, get_embedder, span_texts

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "evaldata"
SETS = {
    "textberg-de-fr": ("de", "fr", "test"),
    "parice-en-is": ("en", "is", ""),
}
# name -> (models, parameter overrides); presets first, then single models.
CONFIGS = {
    "fast": (PRESETS["fast"][0], {}),
    "accurate": (PRESETS["accurate"][0], {}),
    "e5-small": (["e5-small"], {"windows": "near"}),
}
# Also on request: the fast preset with use-m3 embedding every window's joined text, as it did before it
# composed windows from the sentences (--config fast-joined; same F1, several times the embedding time).
EXTRA = {"fast-joined": (PRESETS["fast"][0], {})}
PUBLISHED = [
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


def run(config: str, models: list[str], overrides: dict, cache: Path, data: Path) -> dict:
    params = PRESETS["accurate" if len(models) > 1 else "fast"][1]
    params = replace(params, **overrides)
    compose = config not in EXTRA
    timers = {m: Timed(get_embedder(m, cache=cache), compose) for m in models}
    aligner = Aligner(timers, params)
    out = {"config": config, "models": "+".join(models)}
    total_start = time.perf_counter()
    for name, (sl, tl, prefix) in SETS.items():
        folder = data / name
        counts = ev.Counts()
        start = time.perf_counter()
        embed_before = sum(t.seconds for t in timers.values())
        for doc in ev.eval_documents(folder / "gold", folder / sl, folder / tl):
            if not doc.startswith(prefix):
                continue
            beads = aligner.align(ev.read_lines(folder / sl / doc), ev.read_lines(folder / tl / doc))
            gold = ev.parse_beads((folder / "gold" / doc).read_text(encoding="utf-8"))
            counts = counts + ev.score([(b.src, b.tgt) for b in beads], gold)
        embed = sum(t.seconds for t in timers.values()) - embed_before
        scores = counts.scores()
        out[name] = (scores["strict_f1"], scores["lax_f1"], embed, time.perf_counter() - start - embed)
    out["seconds"] = time.perf_counter() - total_start
    out["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def parse_params(items: list[str]) -> dict:
    """``["prior=0.03", "windows=near"]`` -> ``{"prior": 0.03, "windows": "near"}``, names checked."""
    known = {f.name for f in fields(AlignParams)}
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or key not in known:
            raise ValueError(f"--param {item!r}: use KEY=VALUE with KEY one of {', '.join(sorted(known))}")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def main() -> int:
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
    ap.add_argument("--cache", type=Path, help="embedding cache file to reuse (default: a new, cold one)")
    ap.add_argument("--data", type=Path, default=DATA, help=f"evaluation data (default: {DATA})")
    args = ap.parse_args()
    try:
        changes = parse_params(args.param)
    except ValueError as exc:
        ap.error(str(exc))
    if not args.data.is_dir():
        print(f"skipped: {args.data} not found")
        return 0
    named = args.config or ([] if args.models else list(CONFIGS))
    table = {**CONFIGS, **EXTRA}
    configs = [(name, table[name][0], {**table[name][1], **changes}) for name in named]
    configs += [("--models", spec.split("+"), changes) for spec in args.models]
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for k, (config, models, overrides) in enumerate(configs):
            # each configuration starts cold (its own new cache) unless --cache names one to share
            cache = args.cache or Path(tmp) / f"{k}.sqlite"
            try:
                row = run(config, models, overrides, cache, args.data)
            except EmbeddingError as exc:
                print(f"error: {'+'.join(models)}: {exc}", file=sys.stderr)
                return 2
            rows.append(row)
            print(f"done {config} in {row['seconds']:.0f}s", file=sys.stderr, flush=True)
    print(
        "| configuration | models | Text+Berg strict F1 | lax F1 | embed s | align s "
        "| ParIce strict F1 | lax F1 | embed s | align s | peak MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        tb, pi = row["textberg-de-fr"], row["parice-en-is"]
        print(
            f"| {row['config']} | {row['models']} | {tb[0]:.3f} | {tb[1]:.3f} | {tb[2]:.1f} | {tb[3]:.1f} "
            f"| {pi[0]:.3f} | {pi[1]:.3f} | {pi[2]:.1f} | {pi[3]:.1f} | {row['rss']:.0f} |"
        )
    for name, strict, lax in PUBLISHED:
        print(f"| {name} (published) | | {strict} | {lax} | | | | | | | |")
    print("\npeak MB: the process's maximum resident memory so far (models included), after each row.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
