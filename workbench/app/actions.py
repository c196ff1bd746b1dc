"""The callbacks of the review app's buttons and fields: each reads what the widgets say and hands it to the
editing session (``workbench.app.editing``), which does the work."""

from __future__ import annotations

import streamlit as st

from workbench.app.editing import PAGE_SIZES, Doc
from workbench.app.widgets import btn, session
from workbench.review import beads as review
from workbench.review import search
from workbench.store import alignments as store


def save(doc: Doc) -> None:
    session().save(doc)


def reload(doc: Doc) -> None:
    session().reload(doc)


def keep_both(doc: Doc) -> None:
    session().keep_both(doc)


def act(doc: Doc, name: str) -> None:
    """Apply the edit ``name`` (see editing.ACTIONS) to the current bead."""
    session().act(doc, name)


def undo(doc: Doc, redo: bool = False) -> None:
    session().undo(doc, redo)


def split(doc: Doc, widgets: tuple[str, str]) -> None:
    src_at, tgt_at = (st.session_state[w] for w in widgets)
    session().split(doc, src_at, tgt_at)


def unalign(doc: Doc, widget: str) -> None:
    session().unalign(doc, st.session_state.get(widget))


def join(doc: Doc, widget: str) -> None:
    session().join(doc, st.session_state.get(widget))


def remember(doc: Doc, widget: str) -> None:
    """Keep the sentence chosen in the bead's box for the next state of the bead (after an edit)."""
    st.session_state.setdefault("_sentence", {})[doc.token] = st.session_state.get(widget)


def start_editing(doc: Doc, widget: str) -> None:
    chosen = session().chosen(doc, st.session_state.get(widget))
    if chosen:
        st.session_state["editing"] = (doc.token, *chosen)


def stop_editing() -> None:
    st.session_state.pop("editing", None)


def edit_text(doc: Doc, widget: str, side: str, sid: str) -> None:
    st.session_state.pop("editing", None)
    session().edit_text(doc, side, sid, st.session_state.get(widget, ""))


def find(a: store.Alignment) -> list[search.Match]:
    """``search.find`` with what the search bar says."""
    state = st.session_state
    return search.find(
        a,
        state.get("find_q", ""),
        state.get("find_mode", search.MODES[0]),
        state.get("find_side", "both"),
        state.get("find_case", False),
    )


def matches(a: store.Alignment) -> list[search.Match]:
    """The matches of the search box (a bad regex is said once, as the box's message)."""
    try:
        return find(a)
    except search.SearchError:
        return []


def move(doc: Doc, how: str) -> None:
    """Change the current bead (see editing.Session.move), with the page size, threshold and search of the
    page's widgets."""
    state = st.session_state
    session().move(
        doc,
        how,
        page=state.get("page_size", PAGE_SIZES[0]),
        threshold=state.get("threshold", review.LOW_CONFIDENCE),
        matches=matches(doc.history.present) if how in ("match", "match_back") else None,
        query=state.get("find_q", ""),
    )


def find_changed(doc: Doc) -> None:
    """A new search: go to the first bead with a match, from the current one on."""
    try:
        found = find(doc.history.present)
    except search.SearchError:
        return  # the search bar says why, once
    session().first_match(doc, found)


def goto(doc: Doc) -> None:
    where = st.session_state.get("goto", "")
    st.session_state["goto"] = ""
    session().goto(doc, where)


def set_note(doc: Doc, note: str, flag: str) -> None:
    """Give the current bead the note and flag of the widgets ``note`` and ``flag``, as one edit."""
    state, k = st.session_state, doc.cur
    text, flagged = state.get(note, ""), bool(state.get(flag, False))
    session().edit(doc, lambda a: review.set_note(a, k, text, flagged), k)


def nav_buttons(doc: Doc, row) -> None:
    """Previous, next, next unconfirmed, next low confidence: small buttons, their names in the tooltip."""
    n = doc.size
    btn(row, "", "prev", move, doc, "prev", icon="arrow_upward", disabled=doc.cur == 0, help="Previous bead")
    btn(
        row, "", "next", move, doc, "next", icon="arrow_downward", disabled=doc.cur >= n - 1, help="Next bead"
    )
    btn(
        row,
        "",
        "next_unconfirmed",
        move,
        doc,
        "unconfirmed",
        icon="radio_button_unchecked",
        help="Next unconfirmed bead",
    )
    btn(row, "", "next_low", move, doc, "low", icon="priority_high", help="Next low-confidence bead")
