"""Sentences per second of `workbench translate` (the argos engine) against (a) raw CTranslate2
``translate_batch`` on the same model and sentences, the limit, and (b) argostranslate's ``translate()``
called once per sentence, the naive way.

The model is a random-weight Argos package of realistic size built offline by ``tests/tiny_argos.py``
(SentencePiece of 8,000 pieces trained on the corpus, a Transformer of d_model 256, 3+3 layers, int8), so
outputs are gibberish and run to the length cap: ``max_decoding_length`` is the same for all three. The
sentences are real English from the KCNA corpus (``../shared/corpora/kcna-2011-2012/stories.parquet``;
skipped cleanly if absent, falling back to the sample articles in ``texts/``), split by the workbench.

    python benchmarks/translate_throughput.py [--sentences 1000] [--naive 300] [--max-length 48]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "kcna-2011-2012" / "stories.parquet"
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import tables  # noqa: E402

log = logging.getLogger("translate_throughput")


def corpus_stories(limit_sentences: int) -> list[tuple[str, str]]:
    """(title, body) of English stories, enough for ``limit_sentences`` sentences."""
    if CORPUS.exists():
        import pandas as pd

        df = pd.read_parquet(CORPUS, columns=["language", "title", "story"])
        rows = df[df.language == "en"].itertuples()
        stories = [
            (r.title.strip(), r.story)
            for r in rows
            if isinstance(r.title, str) and r.title.strip() and isinstance(r.story, str) and r.story.strip()
        ]
    else:
        log.warning("%s is absent: using the sample articles in texts/", CORPUS)
        stories = []
        for path in sorted((ROOT / "texts").glob("*/en.*.txt")):
            title, _, body = path.read_text(encoding="utf-8").partition("\n")
            stories.append((title, body))
        stories = stories * (1 + limit_sentences // 50)
    return stories


def sentences_of(stories: list[tuple[str, str]], n: int) -> list[str]:
    from workbench.text.segment import split_sentences

    out: list[str] = []
    for title, body in stories:
        out.extend(s.text for s in split_sentences(f"{title}\n{body}", "en"))
        if len(out) >= n:
            break
    return out[:n]


def build_model(args, stories, folder: Path) -> Path:
    """The benchmark's .argosmodel, built once per configuration and kept in ``folder``."""
    from tiny_argos import build_argosmodel

    from workbench.text.segment import split_paragraphs

    name = f"d{args.d_model}-l{args.layers}-v{args.vocab}"
    target = folder / name / "translate-en_es-1_0.argosmodel"
    if target.exists():
        return target
    training = [p for _, body in stories[:3000] for p in split_paragraphs(body)]
    log.info("building a d_model %d model on %d lines ...", args.d_model, len(training))
    return build_argosmodel(
        folder / name,
        "en",
        "es",
        vocab_size=args.vocab,
        d_model=args.d_model,
        layers=args.layers,
        heads=max(2, args.d_model // 64),
        ffn_dim=4 * args.d_model,
        quantization="int8",
        lines=training,
    )


def article_workspace(stories: list[tuple[str, str]], n: int, root: Path):
    """A workbench folder with the first stories as articles (at least ``n`` sentences in all)."""
    from workbench.store import texts
    from workbench.workspace import Workspace

    count = 0
    for i, (title, body) in enumerate(stories):
        if count >= n:
            break
        article = f"story-{i:05d}"
        texts.create_article(root / "texts", article, title)
        version = texts.add_version(
            root / "texts",
            article,
            f"{title}\n{body}",
            language="en",
            kind="source",
            origin="KCNA",
            check_script=False,
        )
        count += len(sentences_of([(title, body)], 10**6))
        del version
    return Workspace(root)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sentences", type=int, default=1000, help="sentences for workbench and raw")
    parser.add_argument("--naive", type=int, default=300, help="sentences for the naive way (slow)")
    parser.add_argument("--max-length", type=int, default=48, help="max_decoding_length for all three")
    parser.add_argument("--beam-size", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--d-model", type=int, default=256)
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--vocab", type=int, default=8000)
    parser.add_argument("--repeats", type=int, default=3, help="interleaved runs; the best time counts")
    parser.add_argument(
        "--models",
        type=Path,
        default=Path(tempfile.gettempdir()) / "workbench-bench-models",
        help="model cache",
    )
    tables.add_option(parser)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    home = Path(tempfile.mkdtemp(prefix="workbench-bench-"))
    for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache")):
        os.environ[var] = str(home / sub)  # a private Argos folder; set before argostranslate is imported
    os.environ["ARGOS_PACKAGES_DIR"] = str(home / "data" / "argos-translate" / "packages")
    try:
        benchmark(args, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def benchmark(args: argparse.Namespace, home: Path) -> None:
    from workbench.translate.argos_models import install_from_file
    from workbench.translate.engines import ArgosEngine, get_engine
    from workbench.translate.job import plan_translation, run_translations

    os.environ["ARGOS_BEAM_SIZE"] = str(args.beam_size)

    stories = corpus_stories(args.sentences)
    sentences = sentences_of(stories, args.sentences)
    naive_sentences = sentences[: args.naive]
    pkg = install_from_file(build_model(args, stories, args.models))
    size = sum(f.stat().st_size for f in (pkg.path / "model").iterdir()) / 1e6
    log.info("%d sentences; model %s (%.0f MB)", len(sentences), pkg.path, size)

    options = {
        "beam_size": args.beam_size,
        "batch_size": args.batch_size,
        "max_decoding_length": args.max_length,
    }
    engine: ArgosEngine = get_engine("argos", "en", "es", **options)  # type: ignore[assignment]
    engine.translate(sentences[:8])  # load the model
    threads = f"{engine.inter_threads} (inter) x {engine.intra_threads} (intra)"
    loaded = engine._models[0]
    encode, _ = loaded.tokenizer
    tokens = [encode(s) for s in sentences]  # raw gets its input tokenized for free
    kwargs = {
        "max_batch_size": args.batch_size,
        "beam_size": args.beam_size,
        "max_decoding_length": args.max_length,
        "length_penalty": 0.2,
        "replace_unknowns": True,
    }

    # The naive way: argostranslate.translate.translate() once per sentence, with the workbench's splitter
    # instead of Argos's (which downloads models) and the same output cap.
    import ctranslate2
    from argostranslate import translate as argos

    from workbench.text.segment import split_sentences

    class Splitter:
        def split_sentences(self, text: str) -> list[str]:
            return [s.text for s in split_sentences(text, "en")] or [text]

    class Capped:
        def __init__(self, translator):
            self.translator = translator

        def translate_batch(self, batch, **kw):
            return self.translator.translate_batch(batch, **{**kw, "max_decoding_length": args.max_length})

    from argostranslate import settings

    logging.getLogger("argostranslate.utils").setLevel(logging.WARNING)
    package_translation = argos.get_translation_from_codes("en", "es").underlying
    package_translation.sentencizer = Splitter()
    model_dir = str(pkg.path / "model")
    naive_translators = {  # as argostranslate makes it (from its settings), and with one thread
        "naive": ctranslate2.Translator(
            model_dir,
            device="cpu",
            inter_threads=settings.inter_threads,
            intra_threads=settings.intra_threads,
            compute_type=settings.compute_type,
        ),
        "naive-1": ctranslate2.Translator(model_dir, device="cpu", intra_threads=1),
    }

    def naive(name: str) -> int:
        package_translation.translator = Capped(naive_translators[name])
        return sum(1 for s in naive_sentences if argos.translate(s, "en", "es") is not None)

    workspace = article_workspace(stories, len(sentences), home / "workspace")
    articles = workspace.articles()

    def run_articles() -> int:  # what `workbench translate --all --force` does, less the progress bar
        plans = [plan_translation(workspace, art, "es", engine, force=True) for art in workspace.articles()]
        return sum(result.sentences for _, result in run_translations(workspace, plans, engine))

    jobs = {
        "raw": lambda: loaded.translator.translate_batch(tokens, **kwargs) and len(tokens),
        "engine": lambda: len(engine.translate(sentences)),
        "articles": run_articles,
        "naive": lambda: naive("naive"),
        "naive-1": lambda: naive("naive-1"),
        "engine-small": lambda: len(engine.translate(naive_sentences)),
    }
    best: dict[str, tuple[float, float, int]] = {}  # name -> (wall s, CPU s, sentences) of the fastest run
    for rep in range(args.repeats):
        for name, job in jobs.items():
            start, cpu = time.perf_counter(), time.process_time()
            count = job()
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            log.info("run %d %s: %d sentences in %.1fs (CPU %.1fs)", rep + 1, name, count, seconds, cpu)
            if name not in best or seconds < best[name][0]:
                best[name] = (seconds, cpu, count)

    def per_second(name: str) -> float:
        return best[name][2] / best[name][0]

    raw_rate, naive_rate = per_second("raw"), max(per_second("naive"), per_second("naive-1"))
    a = args
    print(f"\nd_model {a.d_model}, {a.layers}+{a.layers} layers, vocab {a.vocab}, int8, {size:.0f} MB;")
    print(f"beam {a.beam_size}, max_decoding_length {a.max_length}, batch {a.batch_size}, threads {threads};")
    print(f"{len(articles)} articles; best of {args.repeats} interleaved runs\n")
    print("| path | sentences | seconds | CPU seconds | sentences/s | vs raw | vs naive |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, name in [
        ("raw `translate_batch` (the limit)", "raw"),
        ("workbench argos engine", "engine"),
        ("`workbench translate` path (split, translate, write each article)", "articles"),
        ("workbench argos engine, the naive run's sentences", "engine-small"),
        ("argostranslate `translate()` once per sentence (naive), its thread settings", "naive"),
        ("argostranslate `translate()` once per sentence (naive), 1 thread", "naive-1"),
    ]:
        seconds, cpu, count = best[name]
        r = per_second(name)
        ratios = f"{r / raw_rate:.2f}x | {r / naive_rate:.1f}x"
        print(f"| {label} | {count:,} | {seconds:.1f} | {cpu:.1f} | {r:,.1f} | {ratios} |")


if __name__ == "__main__":
    tables.run(main)
