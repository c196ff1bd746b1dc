"""Is the align stage's cost per link the same in a larger archive? The same sample of pairs, aligned in
one process, from the KCNA corpus and from the synthetic one (``corpus_kcna.py --scale N --out DIR``),
and the same pairs' copy k in the synthetic one (its stories end with the mark " (k)").

    python benchmarks/corpus_align_probe.py /tmp/kcna-new /tmp/kcna-x4 --copy 2
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import tables  # noqa: E402

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")  # as in a worker of the local engine


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("x1", type=Path, help="the corpus of the archive")
    ap.add_argument("xn", type=Path, help="the corpus of the synthetic archive")
    ap.add_argument("--copy", type=int, default=2, help="which copy of the synthetic archive")
    ap.add_argument("--pairs", type=int, default=150)
    tables.add_option(ap)
    args = ap.parse_args()
    from workbench.corpus import CorpusFolder, pipeline

    fn = pipeline._AlignPairs(pipeline.AlignSettings("fast"), ("en", "es"))
    base = None
    print(
        f"signature: commit {tables.git_commit()}, preset fast, {args.pairs} pairs (seed 0), one process, "
        "1 thread\n"
    )
    print("| corpus | pairs | sentences | links | seconds | links/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, path, suffix in (
        (args.x1.name, args.x1, ""),
        (args.xn.name, args.xn, ""),
        (f"{args.xn.name}, copy {args.copy}", args.xn, f"~{args.copy}"),
    ):
        folder = CorpusFolder.open(path)
        if base is None:
            pairs = folder.read("pairs", columns=["tgt_id", "src_id", "decision"]).to_pandas()
            pairs = pairs[pairs["decision"].isin(pipeline.ALIGNED) & pairs["src_id"].notna()]
            base = pairs.sample(args.pairs, random_state=0)[["tgt_id", "src_id"]]
            fn(pipeline._with_sentences(folder, base.head(3)))  # the model loads
        wanted = base.assign(tgt_id=base["tgt_id"] + suffix, src_id=base["src_id"] + suffix)
        rows = pipeline._with_sentences(folder, wanted)
        start = time.perf_counter()
        links = fn(rows)
        seconds = time.perf_counter() - start
        sentences = int(rows["src_sents"].map(len).sum() + rows["tgt_sents"].map(len).sum())
        rate = len(links) / seconds
        print(f"| {label} | {len(rows)} | {sentences:,} | {len(links):,} | {seconds:.1f} | {rate:.0f} |")


if __name__ == "__main__":
    tables.run(main)
