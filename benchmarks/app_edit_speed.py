"""How fast the review app reacts on a long article: the time of an edit plus the re-render it causes.

    python benchmarks/app_edit_speed.py [--sentences 500] [--repeat 10] [--browser | --browser-only]

The article: English KCNA stories of 2011 (``../shared/corpora/kcna-2011-2012/stories.parquet``), one story
after another until it has ``--sentences`` sentences, and their Spanish translation by Apertium
(``apertium eng-spa``, one paragraph a line). Without the corpus or Apertium it falls back to the sample
KCNA articles repeated (English and KCNA's own Spanish). The pair is aligned once with the ``fast`` preset.

Then the app runs in Streamlit's AppTest, as a browser session would drive it, showing the default page
of 10 beads, and each action is timed from the click to the end of the script run that redraws the page
(``--repeat`` times, median and maximum): moving to the next bead, confirming, merging, splitting,
undoing, with autosave on (each edit is saved to disk, atomically) and off; then the actions of issue 15:
editing a sentence's text, splitting a sentence (a line break in the editor) and joining it again, undoing
a text edit (the text file is put back), finding a word and moving to the next match, going to a bead,
Home/End, and the Statistics view. The core edit alone (``workbench.review.beads``,
``workbench.review.textedit``) and
the save alone are timed too. The last line is the signature: commit, parameters, data. ``--browser``
also times every one of these actions in headless chromium (Playwright drives Debian's chromium; it and
the server share the machine's cores), from the key press or click to the page redrawn: a run later than
the one before drawn and over (``#wb-run``, the run's last element), nothing stale, and the action's own
change (the current bead, the number of beads, the sentence's text, the find box's count, the charts).
Every edit is undone before the next, so that the article stays the same. No bead of this article is
below the default threshold (0.5): the low-confidence actions use 0.95 (about 1 bead in 10).
``--browser-only`` skips the AppTest part.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpora" / "kcna-2011-2012" / "stories.parquet"
APP = REPO / "workbench" / "app" / "main.py"
ARTICLE = "kcna-2011-long-digest"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
SAMPLES = [
    "kcna-2011-08-30-cheonan-salvage-delay",
    "kcna-2011-09-02-bunker-buster",
    "kcna-2011-09-02-us-travel-company-dprk-tourism",
    "kcna-2011-12-15-kwangbok-supermarket",
]


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n+", text) if p.strip()]


def corpus_article(sentences: int) -> tuple[list[str], list[str], str] | None:
    """English KCNA paragraphs up to ``sentences`` sentences and their Apertium translation."""
    if not CORPUS.is_file() or not shutil.which("apertium"):
        return None
    import pandas as pd

    from workbench.text.segment import split_sentences

    stories = pd.read_parquet(CORPUS, columns=["language", "title", "story"])
    english = stories[stories.language == "en"]
    paragraphs, count = [], 0
    for title, story in zip(english.title, english.story, strict=True):
        for para in [title, *_paragraphs(story)]:
            paragraphs.append(para)
            count += len(split_sentences(para, "en"))
        if count >= sentences:
            break
    out = subprocess.run(
        ["apertium", "-u", "eng-spa"],
        input="\n".join(paragraphs) + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    spanish = out.stdout.rstrip("\n").split("\n")
    if len(spanish) != len(paragraphs):
        return None
    return paragraphs, spanish, "KCNA 2011 English stories + Apertium eng-spa"


def sample_article(sentences: int) -> tuple[list[str], list[str], str]:
    """The sample KCNA articles (English and KCNA's Spanish) repeated until ``sentences`` sentences."""
    from workbench.text.segment import split_sentences

    en, es, count, rep = [], [], 0, 0
    while count < sentences:
        for art in SAMPLES:
            a = (REPO / "texts" / art / "en.source.txt").read_text(encoding="utf-8").splitlines()
            b = (REPO / "texts" / art / "es.kcna.txt").read_text(encoding="utf-8").splitlines()
            en += [f"{line} ({rep})" for line in a]
            es += [f"{line} ({rep})" for line in b]
            count += sum(len(split_sentences(line, "en")) for line in a)
        rep += 1
    return en, es, "the sample KCNA articles repeated"


def build_workspace(root: Path, sentences: int) -> str:
    """Make the article, align it; returns what it is (for the signature)."""
    from workbench.align.factory import make_aligner, resolve_models
    from workbench.store import texts
    from workbench.workspace import Workspace, align_version

    en, es, label = corpus_article(sentences) or sample_article(sentences)
    texts.create_article(root / "texts", ARTICLE, en[0], publisher="KCNA")
    texts.add_version(
        root / "texts", ARTICLE, "\n".join(en) + "\n", language="en", kind="source", origin="KCNA"
    )
    texts.add_version(
        root / "texts",
        ARTICLE,
        "\n".join(es) + "\n",
        language="es",
        kind="machine",
        origin=label,
        tag="apertium",
    )
    ws = Workspace(root)
    names, params = resolve_models("fast")
    start = time.perf_counter()
    record = align_version(
        ws, ws.article(ARTICLE), "es.apertium", make_aligner(names, params), "use-m3"
    ).record
    print(
        f"article: {label}; {len(record.source.sentences)} x {len(record.target.sentences)} sentences, "
        f"{len(record.links)} beads, aligned in {time.perf_counter() - start:.1f} s"
    )
    n, m = len(record.source.sentences), len(record.target.sentences)
    return f"{label}, {n} x {m} sentences, {len(record.links)} beads"


def _timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def _row(name: str, times: list[float]) -> str:
    return f"| {name} | {statistics.median(times) * 1000:.0f} | {max(times) * 1000:.0f} |"


def app_timings(root: Path, repeat: int) -> list[str]:
    from streamlit.testing.v1 import AppTest

    from workbench.review import beads as review
    from workbench.store.alignments import load_alignment, save_alignment

    os.environ["WORKBENCH_ROOT"] = str(root)
    at = AppTest.from_file(str(APP), default_timeout=120)
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    assert not at.exception, at.exception
    docs = at.session_state["docs"]
    (doc,) = docs.values()
    rows = [_row("open the article (first run)", [first])]

    def click(key: str):
        def go():
            at.button(key=key).click().run()
            assert not at.exception, at.exception

        return go

    def goto_middle():
        doc.cur = len(doc.history.present.links) // 2
        at.run()

    goto_middle()
    for autosave in (True, False):
        at.toggle(key="autosave").set_value(autosave).run()
        label = "autosave on" if autosave else "autosave off"
        rows.append(_row(f"next bead ({label})", _timed(click("next"), repeat)))
        rows.append(_row(f"confirm & next ({label})", _timed(click("confirm"), repeat)))
        merges, splits = [], []
        for _ in range(repeat):  # merge two beads, then split them again at the default place
            merges += _timed(click("merge_next"), 1)
            splits += _timed(click("split"), 1)
        rows.append(_row(f"merge with next ({label})", merges))
        rows.append(_row(f"split a bead ({label})", splits))
        rows.append(_row(f"undo ({label})", _timed(click("undo"), repeat)))
    at.slider(key="threshold").set_value(0.95).run()  # (the beads here: about 1 in 10 below 0.95)
    at.toggle(key="only_low").set_value(True).run()
    rows.append(_row("next low-confidence bead, filtered view", _timed(click("next_low"), repeat)))
    at.toggle(key="only_low").set_value(False).run()
    at.slider(key="threshold").set_value(0.5).run()
    rows += text_timings(at, doc, click, repeat)
    rows += find_timings(at, doc, click, repeat)
    a = doc.history.present
    k = len(a.links) // 2
    rows.append(_row("core: review.merge_next alone", _timed(lambda: review.merge_next(a, k), repeat)))
    path = doc.path
    record = load_alignment(path)

    def save():
        nonlocal record
        record = save_alignment(path, record, expected_revision=record.revision)

    rows.append(_row("core: save_alignment alone (atomic write)", _timed(save, repeat)))
    return rows


def _box(at, prefix: str):
    (found,) = [s for s in at.selectbox if s.key and s.key.startswith(prefix)]
    return found


def text_timings(at, doc, click, repeat: int) -> list[str]:
    """Editing a sentence's text, splitting it, joining it again, undoing a text edit (autosave is off
    here: a text edit is saved all the same, the text file with the alignment)."""
    goto_middle = len(doc.history.present.links) // 2
    doc.cur = goto_middle
    at.run()

    def sentence() -> tuple[str, str]:
        link = doc.history.present.links[doc.cur]
        sid = link.tgt[0]
        return sid, next(s.text for s in doc.history.present.target.sentences if s.id == sid)

    def open_editor(sid: str):
        _box(at, "sentence_").select(f"tgt:{sid}").run()
        at.button(key="edit_text").click().run()
        (area,) = [t for t in at.text_area if t.key.startswith("edit_area_")]
        return area

    edits, splits, joins, undos = [], [], [], []
    for i in range(repeat):
        sid, text = sentence()
        open_editor(sid).input(text + " (r)" if i % 2 == 0 else text.removesuffix(" (r)"))
        edits += _timed(click("save_text"), 1)
        sid, text = sentence()
        cut = text.find(" ", len(text) // 2)
        open_editor(sid).input(text[:cut] + "\n" + text[cut + 1 :])
        splits += _timed(click("save_text"), 1)
        _box(at, "sentence_").select(f"tgt:{sid}").run()
        joins += _timed(click("join_next"), 1)
        undos += _timed(click("undo"), 1)  # the join undone: the text is put back
        at.button(key="redo").click().run()
    assert not at.exception, at.exception
    rows = [
        _row("edit a sentence's text (saved with its text file)", edits),
        _row("split a sentence (a line break in the editor)", splits),
        _row("join two sentences", joins),
        _row("undo a text edit (the text file put back)", undos),
    ]
    from workbench.review import textedit
    from workbench.workspace import Workspace

    ws = Workspace.find()
    article = ws.article(doc.article)
    a = doc.history.present
    middle = a.target.sentences[len(a.target.sentences) // 2]
    sid, text = middle.id, middle.text

    def core_edit():
        nonlocal a
        now = next(s.text for s in a.target.sentences if s.id == sid)
        a = textedit.edit_sentence(
            ws, article, a, "tgt", sid, text if now != text else text + " (c)"
        ).alignment

    rows.append(
        _row("core: textedit.edit_sentence alone (text, edits file, article.toml)", _timed(core_edit, repeat))
    )
    doc.history.push(a)  # (the app follows the core's edits; saved, so that the file is not stale)
    doc.dirty = True
    at.button(key="save").click().run()
    return rows


def find_timings(at, doc, click, repeat: int) -> list[str]:
    """Finding a word (every match highlighted), the next match, going to a bead, Home and End, and the
    Statistics view."""
    words = ["Korea", "people", "the", "Kim", "DPRK", "meeting", "said", "army", "Pyongyang", "party"]
    finds = []
    for i in range(repeat):
        box = at.text_input(key="find_q").input(words[i % len(words)])
        finds += _timed(box.run, 1)
    rows = [_row("find a word (type and Enter; matches highlighted)", finds)]
    rows.append(_row("next match (N)", _timed(click("find_next"), repeat)))
    n = len(doc.history.present.links)
    gotos = []
    for i in range(repeat):
        box = at.text_input(key="goto").input(str((i * 37) % n + 1))
        gotos += _timed(box.run, 1)
    rows.append(_row("go to a bead number", gotos))
    ends = []
    for i in range(repeat):
        ends += _timed(click("last" if i % 2 == 0 else "first"), 1)
    rows.append(_row("Home / End", ends))
    at.text_input(key="find_q").input("").run()
    stats = []
    for _ in range(repeat):
        stats += _timed(lambda: at.segmented_control(key="view").set_value("Statistics").run(), 1)
        at.segmented_control(key="view").set_value("Review").run()
    assert not at.exception, at.exception
    rows.append(_row("the Statistics view (three charts)", stats))
    return rows


# The page's state as the browser timings read it: the current bead's number, the footer's "of N" (the
# number of beads), the find box's count, the number of the app's last run drawn (``#wb-run``, the run's
# last element), whether anything is still stale (being redrawn) and whether the app says its run is over.
STATE = """() => {
  const d = document, q = (s) => d.querySelector(s);
  const cur = q('.st-key-bead_current [data-testid=stBaseButton-primary]');
  const foot = [...d.querySelectorAll('[data-testid=stCaptionContainer]')]
    .map((c) => c.innerText).find((t) => /^beads \\d+/.test(t)) || '';
  const found = [...d.querySelectorAll('.st-key-toolbar [data-testid=stCaptionContainer]')]
    .map((c) => c.innerText).join(' ');
  const run = q('#wb-run') ? +q('#wb-run').dataset.run : 0;
  return {cur: cur ? +cur.innerText.trim() : 0, beads: +(foot.match(/of (\\d+)/) || [0, 0])[1],
          found, run, stale: !!q('[data-stale="true"]'),
          idle: !!q('[data-testid=stApp][data-test-script-state=notRunning]'),
          text: (q('.st-key-bead_current') || {}).innerText || '', editor: !!q('.st-key-editor textarea'),
          charts: d.querySelectorAll('[data-testid=stVegaLiteChart] svg.marks').length,
          view: q('.st-key-bead_current') ? q('.st-key-bead_current').getBoundingClientRect().top : -1};
}"""


class Browser:
    """The app in headless chromium: each action timed from the key press (or click) to the page redrawn
    in the state it must reach: a run later than the one before drawn and over, nothing stale, and the
    action's own change (the current bead, the number of beads, the text, the charts)."""

    def __init__(self, page):
        self.page = page

    def state(self) -> dict:
        return self.page.evaluate(STATE)

    def timed(self, act, done: str, arg=None) -> float:
        """Seconds from ``act()`` to the page redrawn with ``done(state, before, arg)`` true (JS)."""
        before = self.state()
        start = time.perf_counter()
        act()
        self.page.wait_for_function(
            f"([before, arg]) => {{ const s = ({STATE})(); return s.run > before.run && !s.stale && s.idle"
            f" && (({done}))(s, before, arg); }}",
            arg=[before, arg],
            timeout=60_000,
        )
        took = time.perf_counter() - start
        self.idle()  # (not timed: the next action starts on a page at rest)
        return took

    def key(self, key: str, done: str, arg=None) -> float:
        return self.timed(lambda: self.page.keyboard.press(key), done, arg)

    def idle(self) -> None:
        """Let the page settle (no run, nothing stale) before the next action."""
        self.page.wait_for_function(
            "!!document.querySelector('[data-testid=stApp][data-test-script-state=notRunning]')"
            " && !document.querySelector('[data-stale=\"true\"]')",
            timeout=60_000,
        )
        self.page.wait_for_timeout(150)

    def focus_page(self) -> None:
        self.page.locator("[data-testid=stHeading]").first.click()

    def menu(self, name: str) -> None:
        bar = self.page.locator(".st-key-toolbar [data-testid=stPopoverButton]")
        bar.filter(has_text=re.compile(name)).first.click()
        self.page.locator("[data-testid=stPopoverBody]").first.wait_for()


MOVED = "(s, b) => s.cur !== b.cur"
TO = "(s, b, k) => s.cur === k"
FEWER = "(s, b) => s.beads === b.beads - 1"
MORE = "(s, b) => s.beads === b.beads + 1"
IN_VIEW = "(s, b, k) => s.cur === k && s.view >= 0 && s.view < innerHeight"


def _edits(b: Browser, repeat: int, label: str) -> list[str]:
    """Confirm & next, merge with next, split, undo: each edit undone, so that the article stays the same."""
    enter = [b.key("Enter", MOVED) for _ in range(repeat)]
    merges, splits, undos = [], [], []
    for _ in range(repeat):
        merges.append(b.key("m", FEWER))
        splits.append(b.key("s", MORE))
        undos.append(b.key("Control+z", FEWER))  # the split undone
        b.key("Control+z", MORE)  # and the merge
    return [
        _row(f"browser: confirm & next (Enter, {label})", enter),
        _row(f"browser: merge with next (M, {label})", merges),
        _row(f"browser: split a bead (S, {label})", splits),
        _row(f"browser: undo (Ctrl+Z, {label})", undos),
    ]


def _text_edits(b: Browser, repeat: int) -> list[str]:
    """A sentence's text edited (E, the text, Ctrl+Enter) and the edit undone (Ctrl+Z)."""
    page, saves, undos = b.page, [], []
    for i in range(repeat):
        b.focus_page()
        b.key("e", "(s) => s.editor")
        page.wait_for_function("document.activeElement && document.activeElement.tagName === 'TEXTAREA'")
        area = page.locator(".st-key-editor textarea")
        mark = f"(r{i})"
        area.fill(area.input_value() + " " + mark)
        saves.append(b.key("Control+Enter", "(s, b, m) => !s.editor && s.text.includes(m)", mark))
        undos.append(b.key("Control+z", "(s, b, m) => !s.text.includes(m)", mark))
    return [
        _row("browser: edit a sentence's text (Ctrl+Enter in the editor)", saves),
        _row("browser: undo a text edit (Ctrl+Z)", undos),
    ]


def _finds(b: Browser, repeat: int, beads: int) -> list[str]:
    """Find a word (/, the word, Enter), the next match (N), go to a bead number (the More menu)."""
    page = b.page
    words = ["Korea", "people", "the", "Kim", "DPRK", "meeting", "said", "army", "Pyongyang", "party"]
    finds, nexts, gotos = [], [], []
    for i in range(repeat):
        b.focus_page()
        page.keyboard.press("/")
        page.keyboard.type(words[i % len(words)])
        finds.append(b.key("Enter", "(s, b) => s.found !== b.found && /match/.test(s.found)"))
    for _ in range(repeat):
        nexts.append(b.key("n", MOVED))
    b.focus_page()
    page.keyboard.press("/")
    page.keyboard.press("Control+a")
    page.keyboard.press("Backspace")
    b.key("Enter", "(s) => !/match/.test(s.found)")
    for i in range(repeat):
        k = (i * 37) % beads + 1
        if not page.locator(".st-key-goto input").is_visible():
            b.menu("More")
        page.locator(".st-key-goto input").fill(str(k))
        gotos.append(b.key("Enter", TO, k))
    page.keyboard.press("Escape")
    return [
        _row("browser: find a word (/, the word, Enter; matches highlighted)", finds),
        _row("browser: next match (N)", nexts),
        _row("browser: go to a bead number (Enter in the More menu's box)", gotos),
    ]


def _statistics(b: Browser, repeat: int) -> list[str]:
    """The Statistics view (three charts drawn), and back to the Review view."""
    page, stats, back = b.page, [], []
    for _ in range(repeat):
        stats.append(b.timed(page.get_by_text("Statistics", exact=True).click, "(s) => s.charts >= 3"))
        back.append(b.timed(page.get_by_text("Review", exact=True).first.click, "(s) => s.cur > 0"))
    return [
        _row("browser: the Statistics view (three charts), click to drawn charts", stats),
        _row("browser: back to the Review view, click to the grid", back),
    ]


def browser_timings(root: Path, repeat: int) -> list[str]:
    from playwright.sync_api import sync_playwright

    from workbench.cli import app_command
    from workbench.store.alignments import load_alignment

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, WORKBENCH_ROOT=str(root))
    proc = subprocess.Popen(app_command(port), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    beads = len(load_alignment(root / "alignments" / ARTICLE / "es.apertium.json").links)
    rows = []
    try:
        time.sleep(5)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/")
            page.get_by_text("beads reviewed").wait_for(timeout=120_000)
            b = Browser(page)
            page.wait_for_timeout(1000)
            times = [b.key("j", TO, k + 1) for k in range(1, repeat + 1)]
            rows.append(_row("browser: next bead (J)", times))
            rows += _edits(b, repeat, "autosave on")
            b.timed(page.locator(".st-key-autosave label").click, "(s) => true")
            b.focus_page()
            rows += _edits(b, repeat, "autosave off")
            b.focus_page()
            b.key("Control+s", "(s) => true")  # saved: the text edits below save the alignment too
            thumb = page.locator(".st-key-threshold input").first
            b.timed(lambda: (thumb.focus(), page.keyboard.press("End")), "(s) => true")  # below 0.95
            b.focus_page()
            lows = [b.key("l", MOVED) for _ in range(repeat)]
            rows.append(_row("browser: next low-confidence bead (L)", lows))
            rows += _text_edits(b, repeat)
            rows += _finds(b, repeat, beads)
            b.focus_page()
            ends = []
            for i in range(repeat):  # End / Home: the current bead jumps ~500 beads and is drawn in view
                ends.append(b.key("End" if i % 2 == 0 else "Home", IN_VIEW, beads if i % 2 == 0 else 1))
            rows.append(_row("browser: End / Home (the bead drawn in view)", ends))
            rows += _statistics(b, repeat)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument(
        "--browser", action="store_true", help="also time the round trip in headless chromium"
    )
    parser.add_argument("--browser-only", action="store_true", help="only the browser's timings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ.setdefault("WORKBENCH_CACHE", str(root / "cache"))
        data = build_workspace(root, args.sentences)
        rows = [] if args.browser_only else app_timings(root, args.repeat)
        if (args.browser or args.browser_only) and Path("/usr/bin/chromium").exists():
            rows += browser_timings(root, args.repeat)
    print("| action | median ms | max ms |")
    print("| --- | ---: | ---: |")
    print("\n".join(rows))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"signature: commit {commit.stdout.strip() or '?'}; preset fast, page of 10 beads, --sentences "
        f"{args.sentences} --repeat {args.repeat}{' --browser' if args.browser else ''}; data: {data}; "
        f"{os.cpu_count()} cores, load {load:.2f} at the end, Python {platform.python_version()}"
    )


if __name__ == "__main__":
    main()
