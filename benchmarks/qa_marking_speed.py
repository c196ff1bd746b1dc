"""How fast the QA view redraws after a mark, in chromium (issue 29's target: ≤ 0.3 s at the median).

    python benchmarks/qa_marking_speed.py [--week 2012-09-03] [--size 200] [--marks 60] [--markdown PATH]

The corpus: one week of KCNA's 2012 stories (``../shared/corpora/kcna-2011-2012/stories.parquet``; the 2012
rows have their day in ``index_page`` only), built with ``workbench corpus build`` (en → es, the default
settings). A QA sample of ``--size`` links (no pairs) is drawn with seed 1. The app is served by ``streamlit
run`` on 127.0.0.1 as ``workbench app`` serves it, and headless chromium (Playwright) opens the QA view and
marks ``--marks`` items by keyboard (A, X, P, S in turn). Each mark is timed from the key press to the page
redrawn: the run that saved the mark (of the view's marking part, a fragment) has drawn its last element
and Streamlit says it is idle. The marks are then read back from the corpus. Without the archive, chromium
or Playwright it says "skipped".
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import tables
from evalsets import git_commit

REPO = Path(__file__).resolve().parents[1]
STORIES = REPO.parent / "shared" / "corpora" / "kcna-2011-2012" / "stories.parquet"
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
# The number of the QA view's last run of its marking part (a fragment: a mark redraws it alone).
RUN_NO = "(() => { const m = document.getElementById('wb-qa-run'); return m ? +m.dataset.run : 0; })()"
IDLE = (
    "!!document.querySelector('[data-testid=stApp][data-test-script-state=notRunning]')"
    " && !document.querySelector('[data-stale=\"true\"]')"
)
TARGET = 0.3


def week_stories(start: str, out: Path) -> int:
    """The 2012 stories of the seven days from ``start`` (YYYY-MM-DD), dated from ``index_page``."""
    import pandas as pd

    stories = pd.read_parquet(STORIES)
    day = pd.to_datetime(stories["index_page"].str.extract(r"/(\d{8})-")[0], format="%Y%m%d", errors="coerce")
    first = pd.Timestamp(start)
    week = stories[(day >= first) & (day < first + pd.Timedelta(days=7))]
    week.to_parquet(out, index=False)
    return len(week)


def build(root: Path, start: str, size: int) -> tuple[int, int, int]:
    """The week's corpus and its QA sample: (stories, links, sampled)."""
    from workbench.corpus import open_corpus, qa

    archive = root / "stories.parquet"
    n = week_stories(start, archive)
    code = "from workbench.cli import app; app()"
    args = [
        "corpus",
        "build",
        str(archive),
        "--name",
        "week",
        "--src",
        "en",
        "--tgt",
        "es",
        "--root",
        str(root),
    ]
    subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    folder = open_corpus(root, "week")
    sample = qa.draw(folder, size, seed=1, pairs=0)
    return n, folder.read("links", columns=["link"]).num_rows, len(sample)


def serve(root: Path, log) -> tuple[subprocess.Popen, str]:
    from workbench.cli import app_command

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        app_command(port),
        env=dict(os.environ, WORKBENCH_ROOT=str(root)),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    end = time.monotonic() + 90
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, f"http://127.0.0.1:{port}/"
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("the app did not start") from None
            time.sleep(0.3)
    raise RuntimeError("the app did not start in 90 s")


def mark_times(url: str, marks: int) -> tuple[list[float], str]:
    """Seconds from each key press to the page redrawn, and chromium's version."""
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1050})
        page.set_default_timeout(60_000)
        page.goto(url + "qa")
        page.get_by_text("marked").first.wait_for()
        page.wait_for_function(IDLE)
        page.wait_for_timeout(1000)
        page.locator("[data-testid=stHeading]").first.click()  # the page has the focus, no field
        page.wait_for_function(IDLE)
        for k in range(marks):
            before = page.evaluate(RUN_NO)
            start = time.perf_counter()
            page.keyboard.press("axps"[k % 4])
            page.wait_for_function(f"{RUN_NO} > {before} && {IDLE}", polling="raf")
            times.append(time.perf_counter() - start)
            page.wait_for_timeout(150)  # a reviewer reads the next line
        version = browser.version
        browser.close()
    return times, version


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--week", default="2012-09-03", help="the first day of the week of 2012 (YYYY-MM-DD)")
    ap.add_argument("--size", type=int, default=200, help="links in the QA sample")
    ap.add_argument("--marks", type=int, default=60, help="marks to time")
    tables.add_option(ap)
    args = ap.parse_args()
    if not STORIES.is_file():
        print(f"skipped: no KCNA archive at {STORIES}")
        return 0
    if not CHROMIUM.exists():
        print("skipped: no /usr/bin/chromium")
        return 0
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        print("skipped: Playwright is not installed")
        return 0
    import streamlit

    from workbench.corpus import open_corpus, qa

    with tempfile.TemporaryDirectory(prefix="qa-marking-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        stories, links, sampled = build(root, args.week, args.size)
        built = time.perf_counter() - started
        with (root / "streamlit.log").open("w") as log:
            proc, url = serve(root, log)
            try:
                times, chromium = mark_times(url, min(args.marks, sampled))
            finally:
                proc.terminate()
                proc.wait(10)
        saved = qa.items(open_corpus(root, "week"))["mark"].notna().sum()
    if saved != len(times):
        print(f"error: {len(times)} marks pressed, {saved} saved", file=sys.stderr)
        return 1
    median = statistics.median(times)
    p90 = sorted(times)[int(0.9 * (len(times) - 1))]
    print(
        f"QA marking in chromium: the week of {args.week} ({stories} stories, {links} links; "
        f"built in {built:.0f} s)"
    )
    print()
    print("| sample | marks timed | median (s) | p90 (s) | max (s) | target | met |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {sampled} links | {len(times)} | {median:.3f} | {p90:.3f} | {max(times):.3f} "
        f"| ≤ {TARGET} s median | {'yes' if median <= TARGET else 'no'} |"
    )
    print()
    print(
        f"signature: commit {git_commit()} | qa view: streamlit {streamlit.__version__}, "
        f"chromium {chromium}, {os.cpu_count()} cpu (load {os.getloadavg()[0]:.1f}) "
        f"| sample size {sampled} seed 1 "
        f"| data KCNA {args.week} + 6 days "
        f"({re.sub(r'.*/shared/', 'shared/', str(STORIES))})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(tables.run(main))
