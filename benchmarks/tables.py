"""Benchmark tables into the docs: what a benchmark prints, written into its page of docs/benchmarks.

Every benchmark takes ``--markdown PATH`` (``add_option``) and runs its ``main`` through ``run``, which
tees what it prints (its tables and signature lines) and, when it ends well, writes that into PATH
between two markers, with the command, the date and the commit. The rest of the page (what the benchmark
measures, the runs recorded before) is left as it is; a page with no markers gets the block at its end.

    python benchmarks/segment_archive.py --markdown docs/benchmarks/segment_archive.md
    python benchmarks/tables.py --markdown docs/benchmarks/fault_campaign.md -- benchmarks/fault_campaign.py
    python benchmarks/tables.py --cheap        # regenerate every cheap page (make docs-bench)

The second form runs a script that has no ``--markdown`` of its own and writes what it prints.
"""

from __future__ import annotations

import argparse
import datetime
import io
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEGIN = "<!-- generated: begin (benchmarks/tables.py replaces everything up to the end marker) -->"
END = "<!-- generated: end -->"

# The benchmarks that run in a couple of minutes on a 2-core machine; the others' pages keep their
# recorded runs until someone runs them (each page gives its command).
CHEAP = [
    ["benchmarks/segment_archive.py", "--markdown", "docs/benchmarks/segment_archive.md"],
    ["benchmarks/align_speed.py", "--quick", "--markdown", "docs/benchmarks/align_speed.md"],
    [
        "benchmarks/align_accuracy.py",
        "--config",
        "fast",
        "--split",
        "dev",
        "--markdown",
        "docs/benchmarks/align_accuracy.md",
    ],
    ["benchmarks/export_scale.py", "--counts", "1000", "--markdown", "docs/benchmarks/export_scale.md"],
]


def add_option(ap: argparse.ArgumentParser) -> None:
    """The ``--markdown PATH`` option (``run`` acts on it; the script's own parser only documents it)."""
    ap.add_argument(
        "--markdown",
        metavar="PATH",
        type=Path,
        help="also write the table(s) and signature into this page (docs/benchmarks/NAME.md)",
    )


class _Tee:
    """sys.stdout that also keeps what is written."""

    def __init__(self, out):
        self.out = out
        self.seen = io.StringIO()

    def __getattr__(self, name: str):
        return getattr(self.out, name)

    def write(self, text: str) -> int:
        self.seen.write(text)
        return self.out.write(text)

    def flush(self) -> None:
        self.out.flush()


def run(main: Callable[[], int | None]) -> int | None:
    """Run a benchmark's ``main``; with ``--markdown PATH`` also write what it printed into PATH."""
    peek = argparse.ArgumentParser(add_help=False)
    add_option(peek)
    path = peek.parse_known_args()[0].markdown
    if path is None:
        return main()
    tee = _Tee(sys.stdout)
    sys.stdout = tee
    try:
        code = main()
    finally:
        sys.stdout = tee.out
    if code not in (0, None):
        print(f"not written: {path} (the benchmark ended with {code})", file=sys.stderr)
        return code
    command = "python " + shlex.join([_relative(Path(sys.argv[0])), *sys.argv[1:]])
    write_page(path, tee.seen.getvalue(), command)
    return code


def write_page(path: Path, printed: str, command: str) -> None:
    """Put ``printed`` as markdown into the generated block of the page at ``path``."""
    if printed.lstrip().startswith("skipped"):
        print(f"not written: {path} (the benchmark skipped: {printed.strip()})", file=sys.stderr)
        return
    today = datetime.date.today().isoformat()
    block = "\n".join(
        [
            BEGIN,
            "",
            f"**Regenerated** on {today} at commit {git_commit()} by `{command}`:",
            "",
            as_markdown(printed),
            "",
            END,
        ]
    )
    path = Path(path)
    page = path.read_text(encoding="utf-8") if path.exists() else f"# {path.stem}\n\n"
    if BEGIN in page and END in page:
        head, rest = page.split(BEGIN, 1)
        page = head + block + rest.split(END, 1)[1]
    else:
        page = page.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)


def as_markdown(printed: str) -> str:
    """What a benchmark printed, as markdown: tables set apart by blank lines, signatures as code."""
    out: list[str] = []
    for line in printed.strip("\n").splitlines():
        line = line.rstrip()
        is_row = line.startswith("|")
        before = out[-1] if out else ""
        if line and before and before.startswith("|") != is_row:
            out.append("")
        if line.startswith("signature:"):
            line = f"`{line}`"
        if line and not is_row and not line.startswith("#"):
            line += "  "  # keep the printed line breaks
        out.append(line)
    return "\n".join(out)


def git_commit(
    paths: tuple[str, ...] = ("workbench", "benchmarks"), mark: str = " (+ uncommitted changes)"
) -> str:
    """The checkout's commit, with ``mark`` when files under ``paths`` differ from it."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=10", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", *paths],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return sha + (mark if dirty else "")


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_option(ap)
    ap.add_argument("--cheap", action="store_true", help="regenerate the pages of the cheap benchmarks")
    ap.add_argument("script", nargs=argparse.REMAINDER, help="-- SCRIPT [ARGS]: run it and write its page")
    args = ap.parse_args()
    if args.cheap:
        failed = 0
        for command in CHEAP:
            print("$ python " + shlex.join(command), file=sys.stderr, flush=True)
            failed += subprocess.run([sys.executable, *command], cwd=ROOT).returncode != 0
        return 1 if failed else 0
    script = args.script[1:] if args.script[:1] == ["--"] else args.script
    if not script or args.markdown is None:
        ap.error("give --cheap, or --markdown PATH -- SCRIPT [ARGS]")
    done = subprocess.run([sys.executable, *script], capture_output=True, text=True)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        print(f"not written: {args.markdown} (the benchmark ended with {done.returncode})", file=sys.stderr)
        return done.returncode
    command = ["benchmarks/tables.py", "--markdown", str(args.markdown), "--", _relative(Path(script[0]))]
    write_page(args.markdown, done.stdout, "python " + shlex.join([*command, *script[1:]]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
