"""Whether two builds of a corpus are the same: its tables (pairs, candidates, links, documents, sentences)
equal to the bit, and its TMX exports equal but for the corpus's name and the align stage's finish time
(``changedate``). For a change that must not change any output (issue 29: a faster build):

    python benchmarks/corpus_same.py /tmp/kcna-new /tmp/kcna-after
"""

from __future__ import annotations

import argparse
import filecmp
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

TABLES = ("pairs", "candidates", "links", "documents", "sentences")


def same_tables(a: Path, b: Path) -> bool:
    ok = True
    for name in TABLES:
        x, y = (pq.read_table(f / f"{name}.parquet").to_pandas() for f in (a, b))
        try:
            pd.testing.assert_frame_equal(x, y, check_exact=True)
            print(f"{name}: identical ({len(x):,} rows, {len(x.columns)} columns)")
        except AssertionError as exc:
            ok = False
            print(f"{name}: DIFFERENT: {str(exc)[:400]}")
    return ok


def _normalised(path: Path, folder: Path) -> str:
    text = path.read_text(encoding="utf-8").replace(folder.name, "CORPUS")
    return re.sub(r'changedate="[0-9TZ]+"', 'changedate="-"', text)


def same_export(a: Path, b: Path) -> bool:
    scratch = Path(tempfile.mkdtemp(prefix="corpus-same-"))
    out = []
    for k, folder in enumerate((a, b)):
        path = scratch / f"{k}.tmx"
        cmd = [sys.executable, "-c", "from workbench.cli import app; app()", "corpus", "export"]
        subprocess.run([*cmd, str(folder), "--out", str(path)], check=True, capture_output=True)
        out.append(path)
    same = _normalised(out[0], a) == _normalised(out[1], b)
    print(
        f"TMX export: {'identical' if same else 'DIFFERENT'} but for the corpus name and changedate "
        f"({out[0].stat().st_size:,} bytes; byte-identical: {filecmp.cmp(*out, shallow=False)})"
    )
    return same


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    args = ap.parse_args()
    ok = same_tables(args.a, args.b) & same_export(args.a, args.b)
    print("RESULT:", "identical" if ok else "DIFFERENT")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
