"""The whole KCNA archive through `workbench corpus`, cold: seconds, CPU seconds (user + sys of a stage's
process and its workers) and peak memory per stage, pairing precision and recall against the 2012
development gold, counts by decision, and a histogram of pair scores (docs/corpus-pair-scores.png).

    python benchmarks/corpus_kcna.py                    # the archive in ../shared (22,337 stories)
    python benchmarks/corpus_kcna.py --scale 4 --no-plot   # a synthetic archive 4 times larger
    python benchmarks/corpus_kcna.py --engine ray         # the same on Ray Data (issue 7)

Each stage runs as its own `workbench corpus ...` process, so its peak memory is its own: the process's
maximum resident set plus the largest of its workers' (they run at the same time, so the sum of the
process and all its workers is at most process + workers x worker peak; both are printed). The synthetic
archive repeats every story under a new id (``<id>~k``) with its dates shifted by k x 800 days and a mark
added to its text, so that the copies are neither duplicates of each other nor candidates of each other.
Skips cleanly (exit 0) without ../shared.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT.parent / "shared" / "corpora" / "kcna-2011-2012" / "stories.parquet"
GOLD = ROOT / "benchmarks" / "data" / "kcna-pairs-dev-2012.csv"
PLOT = ROOT / "docs" / "corpus-pair-scores.png"
sys.path.insert(0, str(ROOT))

import tables  # noqa: E402


def synthetic(archive: Path, scale: int, out: Path) -> Path:
    """The archive ``scale`` times: copy k has ids ``<id>~k``, dates k x 800 days later, a mark in its
    text."""
    df = pd.read_parquet(archive)
    copies = [df]
    for k in range(1, scale):
        c = df.copy()
        c["id"] = c["id"] + f"~{k}"
        shift = timedelta(days=800 * k)
        c["date"] = (pd.to_datetime(c["date"]) + shift).dt.strftime("%Y-%m-%d").where(c["date"].notna(), None)
        # 2012's dates come from the index page: shift the date written there too
        dates = c["index_page"].str.extract(r"(\d{8})-\d+\w*\.html")[0]
        shifted = (pd.to_datetime(dates, format="%Y%m%d") + shift).dt.strftime("%Y%m%d")
        c["index_page"] = [
            p.replace(d, s) if isinstance(d, str) else p
            for p, d, s in zip(c["index_page"], dates, shifted, strict=True)
        ]
        c["story"] = c["story"] + f" ({k})"
        copies.append(c)
    path = out / f"stories-x{scale}.parquet"
    pd.concat(copies, ignore_index=True).to_parquet(path, index=False)
    return path


CPU: dict[str, float] = {}  # user + sys seconds of each stage: its process and its workers


def stage(cmd: list[str], env: dict) -> float:
    start, used = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[cmd[4]] = now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--archive", type=Path, default=ARCHIVE)
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--scale", type=int, default=1, help="repeat the archive this many times (synthetic)")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--engine", default="local", help="local or ray")
    ap.add_argument("--out", type=Path, default=None, help="corpus folder (default: a temporary one)")
    ap.add_argument("--no-plot", action="store_true", help="do not write docs/corpus-pair-scores.png")
    tables.add_option(ap)
    args = ap.parse_args()
    if not args.archive.is_file():
        print(f"skipped: {args.archive} not found")
        return
    scratch = Path(tempfile.mkdtemp(prefix="corpus-bench-"))
    archive = synthetic(args.archive, args.scale, scratch) if args.scale > 1 else args.archive
    folder = args.out or scratch / "corpus"
    env = dict(os.environ, WORKBENCH_CACHE=str(scratch / "cache"))  # cold: no vectors from earlier runs
    base = [sys.executable, "-c", "from workbench.cli import app; app()", "corpus"]
    extra = ["--workers", str(args.workers)] if args.workers else []
    if args.engine != "local":
        extra += ["--engine", args.engine]
    wall = {
        "import": stage([*base, "import", str(archive), "--out", str(folder), *extra], env),
        "pair": stage([*base, "pair", str(folder), "--src", "en", "--tgt", "es", *extra], env),
        "align": stage([*base, "align", str(folder), *extra], env),
    }
    out_file = scratch / "kcna.en-es.tmx"
    wall["export"] = stage([*base, "export", str(folder), "--out", str(out_file)], env)
    manifest = json.loads((folder / "manifest.json").read_text())

    from workbench.corpus import CorpusFolder
    from workbench.corpus.gold import read_gold, score_pairs

    corpus = CorpusFolder.open(folder)
    docs = corpus.read("documents", columns=["doc_id", "language"]).to_pandas()
    pairs = corpus.read("pairs").to_pandas()
    sentences = corpus.read("sentences", columns=["doc_id"]).num_rows
    links = corpus.read("links", columns=["tgt_id"]).num_rows
    imported = manifest["import"]
    print(
        f"signature: commit {tables.git_commit()}, engine {args.engine}, "
        f"workers {args.workers or os.cpu_count()}, "
        f"archive {archive.name} ({manifest['source']['sha256'][:19]}…, x{args.scale}), "
        f"pair {json.dumps(manifest['params']['pair'], sort_keys=True)}, align {manifest['params']['align']}"
    )
    print(
        f"\n{len(docs):,} stories ({', '.join(f'{k} {v:,}' for k, v in imported['languages'].items())}), "
        f"{sentences:,} sentences; relabelled {imported['relabelled']}; flags {imported['flags']}"
    )
    print("\n| stage | wall s | stage s | CPU s | rate | peak MB (process) | peak MB (a worker) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    rates = {
        "import": f"{len(docs) / manifest['stages']['import']['seconds']:,.0f} stories/s",
        "pair": f"{len(pairs) / manifest['stages']['pair']['seconds']:,.1f} target stories/s",
        "align": f"{links / manifest['stages']['align']['seconds']:,.0f} links/s",
        "export": f"{links / wall['export']:,.0f} links/s",
    }
    for name in ("import", "pair", "align", "export"):
        info = manifest["stages"].get(name, {})
        print(
            f"| {name} | {wall[name]:.1f} | {info.get('seconds', wall[name]):.1f} | {CPU[name]:.1f} | "
            f"{rates[name]} | "
            f"{info.get('peak_mb', 0):,.0f} | {info.get('worker_peak_mb', 0):,.0f} |"
        )
    print(f"| total | {sum(wall.values()):.1f} | | {sum(CPU.values()):.1f} | | | |")
    counts = pairs["decision"].value_counts().to_dict()
    print(
        f"\ndecisions: {counts}; {links:,} sentence links; export {out_file.stat().st_size / 1e6:.1f} MB TMX"
    )
    if args.gold.is_file() and args.scale == 1:
        s = score_pairs(pairs, read_gold(args.gold))
        print(
            f"\npairing against {args.gold.name} ({s.stories} stories, {s.gold_pairs} with an original): "
            f"precision {s.precision:.3f}, recall {s.recall:.3f}, F1 {s.f1:.3f}; accepted {s.accepted}, "
            f"right {s.correct}; none said {s.none_said} (right {s.none_right} of {s.none_gold}); "
            f"doubtful {s.doubtful}"
        )
        for tgt, decision, src, right in s.errors:
            print(f"  {tgt}: {decision} {src or '-'} (gold {right})")
    if not args.no_plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 3.6), dpi=110)
        bins = [x / 10 for x in range(0, 46)]
        for decision, colour in (("auto", "#2da44e"), ("doubtful", "#d29922"), ("none", "#cf222e")):
            scores = pairs.loc[pairs["decision"] == decision, "score"].dropna().clip(0, 4.5)
            ax.hist(scores, bins=bins, alpha=0.75, color=colour, label=f"{decision} ({len(scores):,})")
        params = manifest["params"]["pair"]
        for value, label in ((params["accept"], "accept"), (params["reject"], "reject")):
            ax.axvline(value, color="black", linestyle="--", linewidth=0.8)
            ax.text(value + 0.03, ax.get_ylim()[1] * 0.92, label, fontsize=8)
        ax.set_xlabel("pair score (final) of each Spanish story's best candidate")
        ax.set_ylabel("stories")
        ax.set_title(f"KCNA 2011-2012: {len(pairs):,} Spanish stories paired with English ones")
        ax.legend()
        fig.tight_layout()
        fig.savefig(PLOT)
        print(f"\nhistogram -> {PLOT.relative_to(ROOT)}")


if __name__ == "__main__":
    tables.run(main)
