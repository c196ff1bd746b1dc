"""The quick cases of the fault campaign of issue 28 (``benchmarks/fault_campaign.py``): corpus export of
odd story ids and text, regexes, queries and pastes that must not hang, bead numbers that are no numbers,
decisions that cannot be read, and crafted links to the app."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import re
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cli_run import run
from corpus_mini import mini_corpus

from workbench.export.formats import Row, WriteReport, open_writer
from workbench.review import search
from workbench.review.search import SearchError
from workbench.review.textedit import TextEditError, edit_sentence
from workbench.store.alignments import load_alignment, save_alignment
from workbench.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
RODONG = "rodong-2024-08-09-general-offensive"

ODD = "Odd \u200fmark <b>x</b> ]]> a\tb\x00c\x01d."


def _row(article: str, text: str) -> Row:
    return Row(
        article=article,
        source_lang="en",
        target_lang="es",
        source_version=f"{article}\x02",
        target_version="es\x1f",
        source_ids=["s1"],
        target_ids=["t1"],
        source_text=text,
        target_text=text,
        score=0.5,
        status="auto",
        kind="human",
        origin="corpus \x0b",
        official=False,
        source_sha="x",
        source_kind="source",
        source_origin="o",
        position=0,
        modified="2011-01-01T00:00:00Z",
        extra={"pair_decision": "auto\x03"},
    )


def test_a_control_character_in_a_story_id_makes_well_formed_tmx():
    out, report = io.BytesIO(), WriteReport("tmx")
    writer = open_writer("tmx", out, report)
    writer.write_article([_row("mini/2012-09445\x01<]]>\u200f", ODD)])
    writer.close()
    root = ET.fromstring(out.getvalue())  # ill-formed XML raises here
    tu = root.find("body/tu")
    assert tu.get("tuid") == "mini/2012-09445\ufffd<]]>\u200f:s1"
    assert [s.text for s in root.iter("seg")] == [ODD.replace("\x00", "\ufffd").replace("\x01", "\ufffd")] * 2
    assert report.replaced_chars > 0


# --- search: no regex or query hangs (item 5) -------------------------------------------------------------


@pytest.fixture
def alignment():
    return load_alignment(REPO / "alignments" / RODONG / "ko.team.json")


def _with_first_source(alignment, text: str):
    first = dataclasses.replace(alignment.source.sentences[0], text=text)
    alignment.source = dataclasses.replace(
        alignment.source, sentences=[first, *alignment.source.sentences[1:]]
    )
    return alignment


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("(a|aa)+c", "a" * 5000),
        ("(x+x+)+y", "x" * 10_000),
        ("(a+)+$", "a" * 30 + "b"),
        ("(.*a){20}", "ab" * 2500),
    ],
)
def test_a_catastrophic_regex_is_stopped_well_within_2_s(alignment, pattern, text):
    started = time.monotonic()
    with contextlib.suppress(SearchError):
        search.find(_with_first_source(alignment, text), pattern, "regex")
    assert time.monotonic() - started < 2.0


def test_a_huge_query_is_refused_at_once(alignment):
    started = time.monotonic()
    with pytest.raises(SearchError, match="at most 1,000"):
        search.find(alignment, "a " * 500_000, "text")
    assert time.monotonic() - started < 2.0


# --- a corrupt corpus folder ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("damage", [b"PAR1" + bytes(300) + b"PAR1", b""])
def test_corpus_status_names_unreadable_decisions_and_their_copy(tmp_path, damage):
    mini_corpus(tmp_path)
    (tmp_path / "texts").mkdir()
    assert run("corpus", "decide", "mini", "2012-09484", "--accept", "", "--root", tmp_path).exit_code == 0
    (tmp_path / "corpora" / "mini" / "decisions.parquet").write_bytes(damage)
    result = run("corpus", "status", "mini", "--root", tmp_path)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "decisions.backup.parquet" in " ".join(result.output.split())


@pytest.mark.parametrize("where", ["²", "١٢", "9" * 5000, "-3", "#0", "src:", "x" * 100_000])
def test_a_bead_or_sentence_that_is_not_there_is_a_message(alignment, where):
    with pytest.raises(SearchError):
        search.locate(alignment, where)


# --- text edits: a paste gives a result or a message at once (items 6 and 8) -------------------------------


@pytest.fixture
def ws(workspace: Path) -> Workspace:
    shutil.copytree(REPO / "alignments", workspace / "alignments")
    return Workspace(workspace)


@pytest.mark.parametrize(
    "paste",
    [
        "\n".join(f"Línea {i} del texto pegado." for i in range(40_000)),  # 1 MB of lines
        "palabra " * 130_000,  # a 1 MB line
        "\n".join(f"Línea {i}." for i in range(8_000)),
    ],
    ids=["1 MB of lines", "a 1 MB line", "8,000 lines"],
)
def test_a_huge_paste_is_refused_at_once(ws, paste):
    ko = load_alignment(ws.alignment_path(RODONG, "ko.team"))
    started = time.monotonic()
    with pytest.raises(TextEditError, match="at most"):
        edit_sentence(ws, ws.article(RODONG), ko, "src", ko.source.sentences[0].id, paste)
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(
    "paste", ["\r\nSegunda línea.\r\n", "\u2028Otra línea.", " a\x00b.", " \u200fRTL <b>]]>"]
)
def test_an_odd_paste_leaves_the_text_editable(ws, paste):
    ko = load_alignment(ws.alignment_path(RODONG, "ko.team"))
    first = ko.source.sentences[0]
    done = edit_sentence(ws, ws.article(RODONG), ko, "src", first.id, first.text + paste)
    assert not re.search("[\x00-\x08]", done.after)
    path = ws.alignment_path(RODONG, "ko.team")
    save_alignment(path, done.alignment, expected_revision=ko.revision)
    ko = load_alignment(path)
    again = edit_sentence(ws, ws.article(RODONG), ko, "src", first.id, first.text + " Otra vez.")
    assert again.alignment.source.sentences[0].text == first.text + " Otra vez."


# --- the app's links ---------------------------------------------------------------------------------------

IMG = "![x](http://HOST/p.png)"
REMOTE = re.compile(r"<img[^>]*\bsrc=[\"']?(?!/|data:|app/static)", re.I)


def _shown(node):
    """Every text of the page as the browser renders it (Markdown, or HTML where the element allows it)."""
    from markdown_it import MarkdownIt

    for child in getattr(node, "children", {}).values():
        yield from _shown(child)
    proto = getattr(node, "proto", None)
    if proto is not None and hasattr(proto, "body"):
        raw = getattr(node, "type", "") == "html" or getattr(proto, "allow_html", False)
        yield MarkdownIt("commonmark", {"html": raw}).render(proto.body)


def _open(ws: Workspace, monkeypatch, params: dict):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("WORKBENCH_ROOT", str(ws.root))
    at = AppTest.from_file(str(REPO / "workbench" / "app" / "main.py"), default_timeout=60)
    at.query_params.update(params)
    at.run()
    return at


@pytest.mark.slow
@pytest.mark.parametrize(
    "params",
    [
        {"article": '<img src="http://HOST/p.png">'},
        {"article": RODONG, "target": "es.team", "bead": '<img src="http://HOST/p.png">'},
        {"article": RODONG, "target": "es.team", "bead": IMG},
        {"article": "../../etc/passwd"},
        {"article": RODONG, "target": "../es.team"},
        {"article": "a" * 100_000},
    ],
    ids=["article <img>", "bead <img>", "bead image", "article ../", "target ../", "huge article"],
)
def test_a_crafted_link_gets_a_message_and_fetches_nothing(ws, monkeypatch, params):
    at = _open(ws, monkeypatch, params)
    assert not at.exception, at.exception
    assert not [h for h in _shown(at._tree) if REMOTE.search(h)]


@pytest.mark.slow
@pytest.mark.parametrize("params", [{"article": IMG}, {"article": RODONG, "target": IMG}])
def test_a_markdown_image_in_a_link_is_shown_as_text(ws, monkeypatch, params):
    at = _open(ws, monkeypatch, params)
    assert not at.exception, at.exception
    assert not [h for h in _shown(at._tree) if REMOTE.search(h)]
