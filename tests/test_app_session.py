"""The review app's editing session (``workbench.app.editing``) without Streamlit: opening, saving, the
checks against the file on disk, edits and their undo, where the current bead goes, the queue's order."""

from __future__ import annotations

import ast
import importlib.util
import shutil
from pathlib import Path

import pytest

from workbench.app import editing
from workbench.app.editing import Session, pair_order, pair_step, window
from workbench.review import beads as review
from workbench.review import search
from workbench.store.alignments import load_alignment, save_alignment

REPO = Path(__file__).resolve().parents[1]
CHEONAN = "kcna-2011-08-30-cheonan-salvage-delay"  # 7 beads, bead 2 is 2-1
KWANGBOK = "kcna-2011-12-15-kwangbok-supermarket"  # 14 beads


@pytest.fixture
def ws(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample texts and their committed alignments in a fresh folder named by WORKBENCH_ROOT."""
    shutil.copytree(REPO / "alignments", workspace / "alignments")
    monkeypatch.setenv("WORKBENCH_ROOT", str(workspace))
    return workspace


def path_of(root: Path, article: str = CHEONAN, version: str = "es.kcna") -> Path:
    return root / "alignments" / article / f"{version}.json"


def opened(root: Path, article: str = CHEONAN, autosave: bool = True) -> tuple[Session, editing.Doc]:
    session = Session(autosave=autosave)
    return session, session.open(path_of(root, article), article, "es.kcna")


def test_the_session_imports_no_streamlit():
    """The editing session is the app's logic, not its screen: no module it imports, directly or through
    others of the workbench (their packages included), imports Streamlit."""
    seen, todo = set(), ["workbench.app.editing"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [name.rsplit(".", 1)[0]] if "." in name else []  # its package's __init__ runs first
        tree = ast.parse(Path(importlib.util.find_spec(name).origin).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for imported in names:
                assert imported.split(".")[0] != "streamlit", f"{name} imports {imported}"
                if imported.startswith("workbench."):
                    todo.append(imported if _is_module(imported) else imported.rsplit(".", 1)[0])
    assert {"workbench.review.beads", "workbench.store.alignments", "workbench.workspace"} <= seen


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


# --- the file -------------------------------------------------------------------------------------------


def test_an_edit_is_saved_at_once_and_an_equal_one_makes_no_revision(ws):
    session, doc = opened(ws)
    before = load_alignment(doc.path).revision
    session.act(doc, "confirm")
    assert load_alignment(doc.path).revision == before + 1 and not doc.dirty and doc.saved_at
    assert doc.cur == 1  # confirm goes on to the next bead
    session.push(doc, doc.history.present, 0)
    assert load_alignment(doc.path).revision == before + 1 and not doc.dirty
    assert session.save(doc) and session.notes[-1][0] == "info"  # nothing to save: nothing written
    assert load_alignment(doc.path).revision == before + 1


def test_without_autosave_an_edit_waits_for_save(ws):
    session, doc = opened(ws, autosave=False)
    before = load_alignment(doc.path)
    session.act(doc, "merge_next")
    assert doc.dirty and load_alignment(doc.path).revision == before.revision
    assert session.save(doc)
    assert not doc.dirty and doc.revision == before.revision + 1
    assert session.notes == [("success", f"Saved {doc.path.name} (revision {doc.revision}).")]


def test_a_save_over_a_change_on_disk_is_a_conflict_then_keep_both(ws):
    session, doc = opened(ws, autosave=False)
    session.act(doc, "merge_next")
    outside = review.confirm(load_alignment(doc.path), 6)  # another tab or the CLI saves
    save_alignment(doc.path, outside, expected_revision=outside.revision)
    assert not session.save(doc) and doc.conflict and doc.dirty
    session.keep_both(doc)
    (copy,) = doc.path.parent.glob(f"{doc.path.name}.mine-*")
    assert len(load_alignment(copy).links) == len(outside.links) - 1  # this tab's version, merged
    fresh = session.docs[(CHEONAN, "es.kcna")]
    assert fresh is not doc and not fresh.conflict and fresh.revision == outside.revision + 1
    assert fresh.history.present.links[6].status == "confirmed"


def test_a_change_on_disk_reloads_or_is_a_conflict(ws):
    session, doc = opened(ws, autosave=False)
    doc.cur = 3
    outside = review.confirm(load_alignment(doc.path), 0)
    save_alignment(doc.path, outside, expected_revision=outside.revision)
    session.check_disk(doc)  # nothing unsaved here: the file's version is loaded
    fresh = session.docs[(CHEONAN, "es.kcna")]
    assert fresh is not doc and fresh.cur == 3 and fresh.history.present.links[0].status == "confirmed"
    assert session.notes[-1][0] == "info" and "changed on disk" in session.notes[-1][1]
    session.act(fresh, "confirm")  # unsaved here, and changed there: a conflict, nothing overwritten
    again = review.confirm(load_alignment(doc.path), 6)
    save_alignment(doc.path, again, expected_revision=again.revision)
    session.check_disk(fresh)
    assert fresh.conflict and session.docs[(CHEONAN, "es.kcna")] is fresh
    session.reload(fresh)
    assert not session.docs[(CHEONAN, "es.kcna")].dirty


def test_a_file_gone_closes_the_alignment(ws):
    session, doc = opened(ws)
    doc.path.unlink()
    session.reload(doc)
    assert (CHEONAN, "es.kcna") not in session.docs and session.notes[-1][0] == "warning"


# --- edits and undo -------------------------------------------------------------------------------------


def test_a_refused_edit_warns_and_changes_nothing(ws):
    session, doc = opened(ws)
    before = doc.history.present
    session.act(doc, "merge_prev")  # bead 1 has no bead before it
    assert doc.history.present == before and not doc.history.can_undo
    assert session.notes[-1][0] == "warning"
    session.unalign(doc, "tgt:no-such-sentence")
    assert session.notes[-1] == ("warning", "Choose a sentence of bead 1 first.")


def test_undo_and_redo(ws):
    session, doc = opened(ws)
    original = doc.history.present.links
    session.act(doc, "merge_next")
    session.undo(doc)
    assert load_alignment(doc.path).links == original
    session.undo(doc, redo=True)
    assert len(load_alignment(doc.path).links) == len(original) - 1
    session.undo(doc, redo=True)
    assert session.notes[-1][0] == "info"  # nothing to redo


def test_the_undo_of_a_text_edit_puts_the_text_back(ws):
    session, doc = opened(ws, autosave=False)
    text = ws / "texts" / CHEONAN / "es.kcna.txt"
    before = text.read_text(encoding="utf-8")
    old = next(s.text for s in doc.history.present.target.sentences if s.id == "p2.s1")
    doc.cur = 1
    session.edit_text(doc, "tgt", "p2.s1", old.replace("socorro", "rescate"))
    assert text.read_text(encoding="utf-8") != before and not doc.dirty  # saved, whatever autosave says
    assert session.notes[-1][0] == "success" and "Edited p2.s1" in session.notes[-1][1]
    session.undo(doc)
    assert text.read_text(encoding="utf-8") == before
    assert load_alignment(doc.path).target.sentences == doc.history.present.target.sentences


def test_an_undo_that_cannot_put_the_text_back_is_taken_back(ws):
    session, doc = opened(ws)
    text = ws / "texts" / CHEONAN / "es.kcna.txt"
    old = next(s.text for s in doc.history.present.target.sentences if s.id == "p2.s1")
    doc.cur = 1
    session.edit_text(doc, "tgt", "p2.s1", old.replace("socorro", "rescate"))
    edited, revision = doc.history.present, doc.revision
    text.write_text(text.read_text(encoding="utf-8") + "\nAn outside edit.\n", encoding="utf-8")
    session.undo(doc)
    kind, said = session.notes[-1]
    assert kind == "error" and said.startswith("Cannot undo the text edit")
    assert doc.history.present == edited and doc.history.can_undo and not doc.history.can_redo
    assert text.read_text(encoding="utf-8").endswith("An outside edit.\n") and doc.revision == revision


def test_join_then_undo(ws):
    session, doc = opened(ws)
    n = len(doc.history.present.target.sentences)
    session.join(doc, "tgt:" + doc.history.present.links[0].tgt[0])
    assert len(doc.history.present.target.sentences) == n - 1
    session.undo(doc)
    assert len(load_alignment(doc.path).target.sentences) == n


# --- moves ----------------------------------------------------------------------------------------------


def test_moves_stay_within_the_alignment(ws):
    session, doc = opened(ws, KWANGBOK)
    n = doc.size
    session.move(doc, "prev")
    assert doc.cur == 0
    session.move(doc, "page_down", page=10)
    assert doc.cur == 10
    session.move(doc, "page_down", page=10)
    assert doc.cur == n - 1
    session.move(doc, "next")
    assert doc.cur == n - 1
    session.move(doc, "page_up", page=20)
    assert doc.cur == 0
    session.move(doc, "last")
    session.move(doc, "first")
    assert doc.cur == 0
    session.move(doc, "5")
    assert doc.cur == 5
    session.move(doc, "99")
    assert doc.cur == n - 1


def test_moves_to_what_needs_a_look(ws):
    session, doc = opened(ws)
    a = doc.history.present
    session.move(doc, "low", threshold=0.5)
    assert doc.cur == review.next_low_confidence(a, 0, 0.5)
    want = review.next_unconfirmed(a, doc.cur)
    session.move(doc, "unconfirmed")
    assert doc.cur == want
    session.move(doc, "match")
    assert session.notes[-1] == ("info", "Type what to find.")
    session.move(doc, "match", query="zzz")
    assert session.notes[-1] == ("info", "Nothing matches the search.")
    found = search.find(a, a.target.sentences[-1].text[:12], "text", "tgt", False)
    doc.cur = 0
    session.move(doc, "match", matches=found, query="x")
    assert doc.cur == found[0].bead
    for k in range(doc.size):
        doc.cur = k
        session.act(doc, "confirm")
    session.move(doc, "unconfirmed")
    assert session.notes[-1] == ("success", "Every bead is confirmed.")


def test_goto_and_first_match(ws):
    session, doc = opened(ws)
    session.goto(doc, " 3 ")
    assert doc.cur == 2
    session.goto(doc, "no-such-id")
    assert doc.cur == 2 and session.notes[-1][0] == "warning"
    a = doc.history.present
    sid = a.links[4].src[0]
    found = search.find(a, next(s.text for s in a.source.sentences if s.id == sid), "text", "src", True)
    doc.cur = 0
    session.first_match(doc, found)
    assert doc.cur == 4
    session.first_match(doc, [])
    assert doc.cur == 4


def test_the_page_of_rows_around_the_current_bead():
    assert window(0, list(range(14)), 10) == list(range(10))
    assert window(10, list(range(14)), 10) == list(range(4, 14))
    assert window(13, list(range(14)), 10) == list(range(4, 14))
    assert window(5, [1, 3, 8, 9], 2) == [8, 9]  # only low-confidence rows: from the next one
    assert window(20, [1, 3], 10) == [1, 3]


# --- the queue of document pairs ------------------------------------------------------------------------


def test_the_queue_keeps_its_order_and_filters_by_decision():
    decisions = {"t1": "auto", "t2": "doubtful", "t3": "none", "t4": "accepted"}
    kept = ["t3", "t1", "t2"]  # the order as sorted last; t4 is new since
    assert pair_order(kept, decisions, {"auto", "doubtful", "none", "accepted"}) == ["t3", "t1", "t2", "t4"]
    assert pair_order(kept, decisions, {"doubtful", "accepted"}) == ["t2", "t4"]
    assert pair_order(["gone", "t1"], decisions, {"auto"}) == ["t1"]


def test_a_step_in_the_queue_stays_in_it():
    order = ["a", "b", "c"]
    assert pair_step(order, "a", 1) == "b"
    assert pair_step(order, "c", 1) == "c"
    assert pair_step(order, "a", -1) == "a"
    assert pair_step(order, "gone", 1) == "b"  # not in the queue: from the first
