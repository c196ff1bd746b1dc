"""Export time and memory as the archive grows: synthetic workspaces of 1,000 and 10,000 articles.

Each synthetic article has an English source of 110 sentences and one translation (Spanish or Korean,
human or machine) aligned to it in 100 beads (1-1, 2-1 and some 1-0; 80% confirmed, 5% edited, the rest
auto), written as real ``texts/`` and ``alignments/`` files that are not stale. Every export runs in a
fresh subprocess through ``export.export_workspace`` (the code behind ``workbench export --all``), which
reports its wall time and peak RSS (``ru_maxrss``), and the RSS after imports (pyarrow warmed up), before
the export.

    python benchmarks/export_scale.py                    # 1,000 then 10,000 articles, every format
    python benchmarks/export_scale.py --counts 200 --formats tsv tmx
    python benchmarks/export_scale.py --keep /tmp/synth  # keep the generated workspace (reused if there)
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tables

from workbench.store import alignments as store
from workbench.store.alignments import AlignedSide, Alignment, Link
from workbench.store.texts import content_hash
from workbench.text.segment import Sentence

BEADS = 100
FORMATS = ("tmx", "moses", "tsv", "jsonl", "parquet")
EN = [
    "the",
    "people",
    "army",
    "party",
    "leader",
    "revolution",
    "country",
    "workers",
    "great",
    "struggle",
    "victory",
    "peace",
    "nation",
    "construction",
    "socialist",
    "economic",
    "plan",
    "factory",
    "farm",
    "year",
    "day",
    "new",
    "united",
    "front",
    "south",
    "north",
]
ES = [
    "el",
    "pueblo",
    "ejercito",
    "partido",
    "lider",
    "revolucion",
    "pais",
    "obreros",
    "gran",
    "lucha",
    "victoria",
    "paz",
    "nacion",
    "construccion",
    "socialista",
    "plan",
    "fabrica",
    "granja",
    "ano",
    "dia",
    "nuevo",
    "frente",
    "unido",
    "sur",
    "norte",
]
KO = [
    "인민",
    "군대",
    "당",
    "령도자",
    "혁명",
    "나라",
    "로동자",
    "위대한",
    "투쟁",
    "승리",
    "평화",
    "민족",
    "건설",
    "사회주의",
    "경제",
    "계획",
    "공장",
    "농장",
    "해",
    "날",
]
TOML = """id = "{id}"
title = "Synthetic article {n}"
date = 2024-08-09
publisher = "benchmark"
source_url = ""

[[versions]]
id = "en.source"
file = "en.source.txt"
language = "en"
kind = "source"
origin = "synthetic"
official = true
created = 2024-08-09T00:00:00Z

[[versions]]
id = "{target}"
file = "{target}.txt"
language = "{lang}"
kind = "{kind}"
origin = "synthetic {kind} translation"
official = false
created = 2024-08-10T00:00:00Z
"""


def _sentence(rng: random.Random, words: list[str], sep: str = " ") -> str:
    return sep.join(rng.choices(words, k=rng.randint(6, 18))).capitalize() + "."


def make_article(root: Path, n: int) -> None:
    """Write one synthetic article (texts and alignment) under ``root``."""
    rng = random.Random(n)
    article_id = f"synth-{n:05d}"
    lang = ("es", "ko")[n % 2]
    kind = "machine" if n % 3 == 0 else "human"
    target = f"{lang}.synth"
    src_texts, tgt_texts, links = [], [], []
    for j in range(BEADS):
        shape = (1, 0) if j % 20 == 7 else (2, 1) if j % 10 == 3 else (1, 1)
        src = [f"p{len(src_texts) + k + 1}.s1" for k in range(shape[0])]
        tgt = [f"p{len(tgt_texts) + k + 1}.s1" for k in range(shape[1])]
        src_texts += [_sentence(rng, EN) for _ in src]
        tgt_texts += [_sentence(rng, ES if lang == "es" else KO) for _ in tgt]
        r = rng.random()
        status = "confirmed" if r < 0.8 else "edited" if r < 0.85 else "auto"
        links.append(Link(src, tgt, round(rng.random(), 4), status))
    folder = root / "texts" / article_id
    folder.mkdir(parents=True)
    (folder / "article.toml").write_text(
        TOML.format(id=article_id, n=n, target=target, lang=lang, kind=kind), encoding="utf-8"
    )
    sides = []
    for version, language, sentences in (("en.source", "en", src_texts), (target, lang, tgt_texts)):
        text = "".join(f"{s}\n" for s in sentences)
        (folder / f"{version}.txt").write_text(text, encoding="utf-8")
        sents = [Sentence(f"p{i}.s1", s, i) for i, s in enumerate(sentences, 1)]
        sides.append(AlignedSide(version, language, content_hash(text), sents))
    stamp = "2026-01-01T00:00:00Z"
    alignment = Alignment(article_id, *sides, links, "synthetic", {}, stamp, stamp, 1)
    path = store.alignment_path(root / "alignments", article_id, target)
    path.parent.mkdir(parents=True)
    path.write_text(store.dumps(alignment), encoding="utf-8")


def grow(root: Path, count: int) -> float:
    """Make sure ``root`` holds articles 0..count-1; returns the seconds spent."""
    start = time.perf_counter()
    have = len(list((root / "texts").glob("synth-*"))) if (root / "texts").is_dir() else 0
    for n in range(have, count):
        make_article(root, n)
    return time.perf_counter() - start


CHILD = """
import json, resource, sys, time
from pathlib import Path
import pyarrow, pyarrow.parquet
from workbench.export import articles as ex
from workbench.workspace import Workspace
root, fmt, out = sys.argv[1:4]
pyarrow.table({"a": ["x"]})  # pyarrow's first table costs ~50 MB once: count it in the baseline
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
report = ex.export_workspace(Workspace(Path(root)), None, fmt, Path(out))
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
size = sum(Path(p).stat().st_size for p in report.files)
print(json.dumps({"seconds": seconds, "written": report.written, "units": report.units,
                  "skipped": sum(report.skipped.values()), "base_kb": base, "peak_kb": peak, "bytes": size,
                  "files": report.files}))
"""


def measure(root: Path, fmt: str, out: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), fmt, str(out)], capture_output=True, text=True, check=False
    )
    if proc.returncode:
        raise SystemExit(f"export {fmt} failed:\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    for path in result.pop("files"):
        Path(path).unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--counts", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--formats", nargs="+", default=list(FORMATS), choices=FORMATS)
    parser.add_argument("--keep", type=Path, help="generate into (and keep) this folder")
    tables.add_option(parser)
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="export-scale-"))
    root.mkdir(parents=True, exist_ok=True)
    outdir = Path(tempfile.mkdtemp(prefix="export-out-"))
    rows = []
    try:
        for count in sorted(args.counts):
            seconds = grow(root, count)
            print(f"{count:,} articles ready ({seconds:.0f}s to generate)", file=sys.stderr, flush=True)
            for fmt in args.formats:
                r = measure(root, fmt, outdir / ("corpus" if fmt == "moses" else f"corpus.{fmt}"))
                row = (
                    f"| {count:,} | {count * BEADS:,} | {fmt} | {r['written']:,} | {r['seconds']:.1f} | "
                    f"{r['written'] / r['seconds']:,.0f} | {r['base_kb'] / 1024:.0f} | "
                    f"{r['peak_kb'] / 1024:.0f} | {(r['peak_kb'] - r['base_kb']) / 1024:.0f} | "
                    f"{r['bytes'] / 1e6:,.0f} |"
                )
                rows.append(row)
                print(row, file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(outdir, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print(
        "| articles | beads | format | written | seconds | beads/s | RSS after imports MB | peak RSS MB "
        "| growth MB | output MB |"
    )
    print("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))


if __name__ == "__main__":
    tables.run(main)
