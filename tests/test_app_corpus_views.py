"""The corpus views of the app (QA marking, Concordance, Divergence) on the mini corpus: through Streamlit's
AppTest, and the QA view's keyboard marking in chromium."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from corpus_mini import mini_corpus
from streamlit.testing.v1 import AppTest

from workbench.corpus import open_corpus, qa
from workbench.store.alignments import load_alignment

pytestmark = pytest.mark.slow  # every test runs the real Streamlit script

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "workbench" / "app" / "main.py"


@pytest.fixture
def ws(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample texts and the mini corpus in a fresh folder named by WORKBENCH_ROOT."""
    shutil.copytree(REPO / "alignments", workspace / "alignments")
    mini_corpus(workspace)
    monkeypatch.setenv("WORKBENCH_ROOT", str(workspace))
    return workspace


def view(name: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.segmented_control(key="view").set_value(name).run()
    assert not at.exception, at.exception
    return at


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def html_of(at: AppTest) -> str:
    """What the page's st.html elements hold."""
    return "\n".join(e.proto.body for e in at.get("html"))


def marks(root: Path) -> dict[int, str | None]:
    frame = qa.items(open_corpus(root, "mini"))
    return dict(zip(frame["item"].astype(int), frame["mark"], strict=True))


# --- QA ---------------------------------------------------------------------------------------------------


def test_qa_draws_a_sample_then_marks_it(ws):
    at = view("QA")
    assert any("no QA sample yet" in i.value for i in at.info)
    at.number_input(key="qa_size").set_value(30)
    at.number_input(key="qa_seed").set_value(7)
    click(at, "qa_draw")
    sample, meta = qa.read_sample(open_corpus(ws, "mini"))
    assert meta["seed"] == 7 and (sample["kind"] == "link").sum() == 30
    assert at.session_state["qa_item_mini"] == 1
    assert "0 of " in at.get("progress")[0].proto.text
    first = sample.set_index("item").loc[1]
    page = html_of(at)
    assert 'class="wb-cur" data-item="1"' in page and first["tgt_id"] in page
    click(at, "qa_right")
    assert marks(ws)[1] == "right" and at.session_state["qa_item_mini"] == 2
    click(at, "qa_wrong")
    click(at, "qa_partial")
    click(at, "qa_skip")
    assert [marks(ws)[i] for i in (1, 2, 3, 4)] == ["right", "wrong", "partial", "skip"]
    assert "4 of " in at.get("progress")[0].proto.text
    click(at, "qa_prev")
    click(at, "qa_clear")  # forget the skip of item 4
    assert marks(ws)[4] is None and at.session_state["qa_item_mini"] == 4
    click(at, "qa_next")
    click(at, "qa_unmarked")
    assert at.session_state["qa_item_mini"] == 6  # the first unmarked after 5
    # the report (drawn with the page, not after each mark): a row per band and the pairs, with intervals
    click(at, "qa_report_update")
    bands = at.dataframe[0].value  # (AppTest knows no key of a dataframe)
    assert list(bands["band"]) == [qa.band_label(b) for b in range(len(qa.BANDS))] + [qa.PAIR_BAND]
    assert bands["right"].sum() == 1 and bands["wrong"].sum() == 1 and bands["partly"].sum() == 1
    assert any("–" in v and "%" in v for v in bands["95% interval"])
    assert "Report" in "\n".join(m.value for m in at.markdown)


def test_qa_texts_are_shown_as_plain_text(ws):
    folder = open_corpus(ws, "mini")
    qa.draw(folder, 10, seed=1)
    sample = folder.read("qa_sample")
    texts = sample.column("src_text").to_pylist()
    texts[0] = "<b>bold</b> **stars** <script>alert(1)</script>"
    column = sample.schema.get_field_index("src_text")
    folder.write("qa_sample", sample.set_column(column, "src_text", [texts]))
    at = view("QA")
    page = html_of(at)
    assert "&lt;b&gt;bold&lt;/b&gt; **stars** &lt;script&gt;" in page and "<b>bold" not in page


# --- Concordance -------------------------------------------------------------------------------------------


def test_concordance_search_highlights_and_jumps_to_the_pair(ws):
    at = view("Concordance")
    at.text_input(key="conc_query").input("Korean People's Army").run()
    assert not at.exception, at.exception
    said = "\n".join(m.value for m in at.markdown)
    assert "matching link" in said
    page = html_of(at)
    assert "<mark>Korean People&#x27;s Army</mark>" in page and 'class="wb-sent wb-counterpart"' in page
    assert "2011-11220" in page
    # whole words, a side, a regex and a minimum score reach the search
    at.selectbox(key="conc_side").set_value("tgt").run()
    assert any("**0 matching links**" in m.value for m in at.markdown)  # English is not on the target side
    at.text_input(key="conc_query").input("Ej[eé]rcito Popular").run()
    at.checkbox(key="conc_regex").check().run()
    assert not at.exception, at.exception
    assert "<mark>Ejército Popular</mark>" in html_of(at)
    at.text_input(key="conc_query").input("(unclosed").run()
    assert any("not a valid regular expression" in e.value for e in at.error)
    # the jump: the pair of the first hit, opened for review at the hit's bead
    at.text_input(key="conc_query").input("79º aniversario").run()
    at.checkbox(key="conc_regex").uncheck().run()
    first = [b for b in at.button if b.key.startswith("conc_open_")][0]
    first.click().run()
    assert not at.exception, at.exception
    assert at.session_state["view"] == "Review"
    article, target = at.session_state["article"], at.session_state["target"]
    assert article.startswith("mini-2011-11220-")
    bead = int(at.query_params["bead"][0]) - 1
    link = load_alignment(ws / "alignments" / article / f"{target}.json").links[bead]
    doc = at.session_state["docs"][(article, target)]
    assert doc.cur == bead and link.tgt  # the hit's bead is the current one
    assert "beads reviewed" in at.get("progress")[0].proto.text


def test_concordance_variants_table(ws):
    at = view("Concordance")
    at.text_input(key="var_term").input("Korean People's Army").run()
    click(at, "var_go")
    table = at.dataframe[0].value
    assert len(table) and {"rendering", "count", "share", "first", "last", "example"} <= set(table.columns)
    from workbench.corpus.variants import variants

    found = variants(open_corpus(ws, "mini"), "Korean People's Army")  # (the word alignments are cached)
    assert list(table["rendering"]) == [v.rendering for v in found.variants]
    assert list(table["count"]) == [v.count for v in found.variants]


# --- Divergence --------------------------------------------------------------------------------------------


def split_link(folder, tgt_id: str, link: int) -> None:
    """Make link ``link`` of the pair of ``tgt_id`` two beads: its source left out, its target added."""
    import pandas as pd
    import pyarrow as pa

    table = folder.read("links")
    frame = table.to_pandas()
    row = frame[(frame["tgt_id"] == tgt_id) & (frame["link"] == link)].iloc[0].to_dict()
    later = (frame["tgt_id"] == tgt_id) & (frame["link"] > link)
    frame.loc[later, "link"] += 1
    frame = frame.drop(frame[(frame["tgt_id"] == tgt_id) & (frame["link"] == link)].index)
    left = {**row, "tgt_sent_ids": [], "tgt_sents": [], "tgt_text": "", "score": 0.0, "kind": "1-0"}
    added = {**row, "link": link + 1, "src_sent_ids": [], "src_sents": [], "src_text": "", "score": 0.0}
    added["kind"] = "0-1"
    frame = pd.concat([frame, pd.DataFrame([left, added])], ignore_index=True)
    frame = frame.sort_values(["tgt_id", "link"]).reset_index(drop=True)
    folder.write("links", pa.Table.from_pandas(frame, schema=table.schema, preserve_index=False))


def test_divergence_of_a_pair_and_the_archive_report(ws):
    from workbench.corpus.divergence import archive_report

    folder = open_corpus(ws, "mini")
    split_link(folder, "2011-11220", 3)
    split_link(folder, "2011-11220", 6)
    split_link(folder, "2011-13810", 2)
    report = archive_report(open_corpus(ws, "mini"))
    at = view("Divergence")
    top = report.most_abridged[0]
    assert at.session_state["div_pair_mini"] == top.tgt_id
    page = html_of(at)
    assert 'id="wb-divergence"' in page and "wb-left-out" in page and ">left out</span>" in page
    assert len(at.dataframe[0].value) == len(report.months)
    # a jump from the report: another pair shown, then opened for review
    other = report.most_abridged[1]
    click(at, "div_show_1")
    assert at.session_state["div_pair_mini"] == other.tgt_id
    click(at, "div_open")
    assert at.session_state["view"] == "Review"
    assert at.session_state["article"].startswith(f"mini-{other.tgt_id}-")


# --- the QA view in chromium, by keyboard -------------------------------------------------------------------


@pytest.fixture(scope="module")
def qa_server(tmp_path_factory: pytest.TempPathFactory):
    """The app served on 127.0.0.1 over a folder with the mini corpus and a QA sample of 20 links."""
    import os
    import subprocess
    import urllib.request

    from test_browser import _free_port, _wait_until

    from workbench.cli import app_command

    root = tmp_path_factory.mktemp("qa-browser")
    qa.draw(open_corpus(root, mini_corpus(root)), 20, seed=3, pairs=0)
    port = _free_port()
    log = (root / "streamlit.log").open("w")
    env = dict(os.environ, WORKBENCH_ROOT=str(root))
    proc = subprocess.Popen(app_command(port), env=env, stdout=log, stderr=subprocess.STDOUT)

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                return r.status == 200
        except OSError:
            assert proc.poll() is None, (root / "streamlit.log").read_text()
            return False

    try:
        _wait_until(healthy, 60, "the app to start")
        yield f"http://127.0.0.1:{port}/", root
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


QA_RUN = "(() => { const m = document.getElementById('wb-qa-run'); return m ? +m.dataset.run : 0; })()"


def test_qa_marking_by_keyboard_in_chromium(qa_server):
    """A right, X wrong, P partly, S skip, K back, Backspace forgets: each saved at once."""
    from test_browser import CHROMIUM, FLAGS, _focus_page, _idle, _new_page, _run

    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: install it with `apt-get install chromium`")
    sync_api = pytest.importorskip("playwright.sync_api")
    url, root = qa_server
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = _new_page(chromium)
        page.goto(url + "qa")
        page.get_by_text("marked", exact=False).first.wait_for(timeout=60_000)
        _idle(page, 0)
        _focus_page(page)

        def press(key: str) -> None:  # a mark redraws the QA view's fragment only: its own run number
            before = page.evaluate(QA_RUN)
            _run(page, lambda: page.keyboard.press(key), surely=False)
            page.wait_for_function(f"{QA_RUN} > {before}")

        for key in ("a", "x", "p", "s"):
            press(key)
        assert [marks(root)[i] for i in (1, 2, 3, 4)] == ["right", "wrong", "partial", "skip"]
        assert page.get_by_text("4 of 20 marked").first.is_visible()
        assert page.locator('#wb-qa tr.wb-cur[data-item="5"]').count() == 1
        press("k")
        press("Backspace")
        assert marks(root)[4] is None
        assert page.get_by_text("3 of 20 marked").first.is_visible()
        # the QA view as docs/guide-corpus.md shows it (written there with WORKBENCH_SCREENSHOTS=1)
        shots = REPO / "docs" if os.environ.get("WORKBENCH_SCREENSHOTS") == "1" else root
        page.screenshot(path=str(shots / "app-qa.png"))
        chromium.close()
