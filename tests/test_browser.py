"""The review app in a real browser: Debian's chromium driven by Playwright, the app served by
``streamlit run`` on 127.0.0.1, exactly as ``workbench app`` starts it.

With ``WORKBENCH_SCREENSHOTS=1`` the test also writes the README's screenshots, docs/app-review.png and
docs/app-heatmap.png (otherwise they go to a temporary folder).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from workbench.alignments import load_alignment
from workbench.cli import app_command

pytestmark = pytest.mark.slow  # a Streamlit server and a browser

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CHEONAN = "kcna-2011-08-30-cheonan-salvage-delay"
RODONG = "rodong-2024-08-09-general-offensive"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until(check, timeout: float = 30.0, what: str = "condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def server(tmp_path: Path):
    """The app on a free port of 127.0.0.1, serving a copy of the samples and their alignments."""
    workspace = tmp_path / "workbench"
    for folder in ("texts", "alignments"):
        shutil.copytree(REPO / folder, workspace / folder)
    port = _free_port()
    env = dict(os.environ, WORKBENCH_ROOT=str(workspace))
    log = (workspace / "streamlit.log").open("w")
    proc = subprocess.Popen(app_command(port), env=env, stdout=log, stderr=subprocess.STDOUT)

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                return r.status == 200
        except OSError:
            assert proc.poll() is None, (workspace / "streamlit.log").read_text()
            return False

    try:
        _wait_until(healthy, 60, "the app to start")
        yield f"http://127.0.0.1:{port}/", workspace
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def page():
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: install it with `apt-get install chromium`")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        tab = browser.new_page(viewport={"width": 1600, "height": 1050})
        tab.set_default_timeout(30_000)
        yield tab
        browser.close()


def _idle(page) -> None:
    """Wait for Streamlit to finish its run: no running indicator and no stale elements left."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-stale=\"true\"]')",
        timeout=60_000,
    )
    page.wait_for_timeout(300)


def _current(page, k: int) -> None:
    """Wait until bead ``k`` (0-based) is the current one and the page is redrawn."""
    page.locator(f".st-key-row_{k} [data-testid=stBaseButton-primary]").first.wait_for()
    _idle(page)


def _click(page, key: str) -> None:
    page.locator(f".st-key-{key} button").first.click()


def _select(page, key: str, option: str) -> None:
    page.locator(f".st-key-{key}").click()
    page.get_by_role("option", name=option).first.click()
    _idle(page)


def test_merge_two_beads_and_save_in_the_browser(server, page):
    url, root = server
    path = root / "alignments" / CHEONAN / "es.kcna.json"
    before = load_alignment(path)
    page.goto(url)
    page.get_by_text("beads reviewed").wait_for()
    _idle(page)
    page.locator(".st-key-autosave label").click()  # autosave off: the explicit save is what is tested
    _idle(page)
    _click(page, "row_2")
    _idle(page)
    _click(page, "merge_next")
    page.get_by_text("unsaved changes").wait_for()
    assert load_alignment(path).revision == before.revision  # not saved yet
    _click(page, "save")
    saved = _wait_until(lambda: (r := load_alignment(path)).revision > before.revision and r, 20, "the save")
    assert saved.links[2].src == ["p3.s1", "p4.s1"] and saved.links[2].tgt == ["p3.s1", "p4.s1"]
    assert saved.links[2].status == "edited" and len(saved.links) == len(before.links) - 1
    page.get_by_text(f"revision {saved.revision}").first.wait_for()
    _idle(page)
    # Keyboard shortcuts: J moves to the next bead, Enter confirms it and moves on (autosave is off: Ctrl+S).
    page.keyboard.press("j")
    _current(page, 3)
    page.keyboard.press("Enter")
    _current(page, 4)
    page.keyboard.press("Control+s")
    confirmed = _wait_until(lambda: (r := load_alignment(path)).revision > saved.revision and r, 20, "Ctrl+S")
    assert confirmed.links[3].status == "confirmed"


def test_screenshots(server, page, tmp_path):
    """The review screen and the similarity matrix, as the README shows them."""
    url, root = server
    out = REPO / "docs" if os.environ.get("WORKBENCH_SCREENSHOTS") == "1" else tmp_path
    page.goto(url)
    page.get_by_text("beads reviewed").wait_for()
    _idle(page)
    _select(page, "article", f"General Offensive for National Liberation · {RODONG}")
    _select(page, "target", "ko.team · human, workbench team")
    page.locator(".st-key-extra").click()
    page.get_by_role("option", name="es.team").click()
    page.keyboard.press("Escape")
    _idle(page)
    for _ in range(2):  # confirm the first two beads
        _click(page, "confirm")
        _idle(page)
    _click(page, "row_3")  # the 1-2 bead, low confidence
    _idle(page)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.move(0, 0)
    review_png = out / "app-review.png"
    page.screenshot(path=str(review_png))
    page.get_by_text("Similarity matrix").click()
    page.locator("[data-testid=stVegaLiteChart] svg.marks").first.wait_for(timeout=60_000)
    _idle(page)
    page.wait_for_timeout(1000)  # the chart draws after the run
    heatmap_png = out / "app-heatmap.png"
    page.screenshot(path=str(heatmap_png))
    for png in (review_png, heatmap_png):
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    assert not page.get_by_text("Traceback").count()
