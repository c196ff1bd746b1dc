"""The Review view: the beads of the open alignment a page at a time, the current one with its tools (move
a sentence, split, mark unaligned, edit or join sentences), the toolbars and the search bar."""

from __future__ import annotations

import hashlib
import html

import streamlit as st

from workbench.app import actions, frame, models, sidebar
from workbench.app.actions import act, move
from workbench.app.editing import PAGE_SIZES, Doc, window
from workbench.app.widgets import badge, btn, flash, head, sentences_html, short
from workbench.review import beads as review
from workbench.review import search
from workbench.store import alignments as store
from workbench.workspace import Workspace


def show(ws: Workspace, title) -> None:
    chosen = frame.choose(ws, title)
    if chosen is None:
        return
    a = frame.alignment(chosen)
    if a is None:
        return
    extra = sidebar.other_columns(ws, chosen.article, a, chosen.extra)
    _review_view(chosen.doc, a, extra)


def _toolbar(doc: Doc, a: store.Alignment) -> None:
    n = len(a.links)
    row = st.container(horizontal=True, gap="small", key="toolbar_nav")
    actions.nav_buttons(doc, row)
    btn(row, "First", "first", move, doc, "first", icon="first_page", disabled=doc.cur == 0)
    btn(row, "Last", "last", move, doc, "last", icon="last_page", disabled=doc.cur >= n - 1)
    btn(row, "Undo", "undo", actions.undo, doc, icon="undo", disabled=not doc.history.can_undo)
    btn(row, "Redo", "redo", actions.undo, doc, True, icon="redo", disabled=not doc.history.can_redo)
    row.html(
        '<button class="wb-help-btn" type="button" title="Keyboard shortcuts (?)">⌨ Shortcuts ?</button>'
    )
    row = st.container(horizontal=True, gap="small", key="toolbar_edit")
    btn(row, "Confirm & next", "confirm", act, doc, "confirm", icon="check", type="primary")
    btn(row, "Confirm all up to here", "confirm_through", act, doc, "confirm_through", icon="done_all")
    btn(
        row,
        "Merge with previous",
        "merge_prev",
        act,
        doc,
        "merge_prev",
        icon="vertical_align_top",
        disabled=doc.cur == 0,
    )
    btn(
        row,
        "Merge with next",
        "merge_next",
        act,
        doc,
        "merge_next",
        icon="vertical_align_bottom",
        disabled=doc.cur >= n - 1,
    )
    help_ = "Re-run the aligner between the confirmed and edited beads, which stay as they are."
    if btn(row, "Re-align the rest", "realign", None, icon="auto_fix_high", help=help_):

        def job(bar):
            result = review.realign(a, models.record_aligner(a, bar))
            flash("info", result.summary())  # what it changed, by bead
            return result.alignment

        frame.long_edit(doc, "Re-aligning the unreviewed stretches…", job)


def _find_bar(doc: Doc, a: store.Alignment, matches: list[search.Match]) -> None:
    """Find (text, whole words or a regex, in either side or both), next / previous match, go to a bead."""
    row = st.container(horizontal=True, gap="small", vertical_alignment="bottom", key="findbar")
    changed = {"on_change": actions.find_changed, "args": (doc,)}
    row.text_input(
        "Find", key="find_q", placeholder="find…  ( / )", width=240, label_visibility="collapsed", **changed
    )
    names = {"both": "both sides", "src": a.source.language.upper(), "tgt": a.target.language.upper()}
    row.selectbox(
        "in",
        list(names),
        key="find_side",
        format_func=names.get,
        width=130,
        label_visibility="collapsed",
        **changed,
    )
    modes = {"text": "text", "words": "whole words", "regex": "regex"}
    row.selectbox(
        "match",
        list(modes),
        key="find_mode",
        format_func=modes.get,
        width=140,
        label_visibility="collapsed",
        **changed,
    )
    row.toggle("Aa", key="find_case", help="Match case", **changed)
    btn(row, "", "find_prev", move, doc, "match_back", icon="keyboard_arrow_up", help="Previous match")
    btn(row, "", "find_next", move, doc, "match", icon="keyboard_arrow_down", help="Next match")
    query = st.session_state.get("find_q", "")
    if query.strip():
        try:
            search.compile_query(query, st.session_state.get("find_mode", "text"))
        except search.SearchError as exc:
            row.caption(f":red[{exc}]")
        else:
            beads = len({m.bead for m in matches})
            here = sum(1 for m in matches if m.bead == doc.cur)
            row.caption(
                f"{len(matches)} match{'es' * (len(matches) != 1)} in {beads} bead{'s' * (beads != 1)}"
                + (f" · {here} here" if here else "")
            )
    row.text_input(
        "Go to",
        key="goto",
        placeholder="go to bead or sentence id",
        width=220,
        label_visibility="collapsed",
        on_change=actions.goto,
        args=(doc,),
        help="A bead number (12) or a sentence id (p3.s2; ko:p3.s2 for the translation's)",
    )


def _bead_key(doc: Doc, link: store.Link, k: int) -> str:
    """A key for the widgets of bead ``k`` as it is now: another bead, article or translation gets fresh
    widgets (a choice made for one never applies to another)."""
    what = f"{doc.token}\n{k}\n{' '.join(link.src)}\n{' '.join(link.tgt)}"
    return hashlib.sha1(what.encode()).hexdigest()[:12]


def _bead_tools(doc: Doc, a: store.Alignment, k: int) -> None:
    """The edits of the current bead that need a choice: move a sentence, split, mark unaligned, edit a
    sentence's text, join two sentences."""
    link = a.links[k]
    last = len(a.links) - 1
    src_name, tgt_name = a.source.language.upper(), a.target.language.upper()
    ns, nt = len(link.src), len(link.tgt)
    key = _bead_key(doc, link, k)
    with st.container(key="bead_tools"):
        row = st.container(horizontal=True, gap="small", vertical_alignment="bottom")
        for name_key, name, where, off in (
            ("src_first", src_name, "first", not ns or k == 0),
            ("src_last", src_name, "last", not ns or k == last),
            ("tgt_first", tgt_name, "first", not nt or k == 0),
            ("tgt_last", tgt_name, "last", not nt or k == last),
        ):
            arrow, goes = ("↑", "the bead above") if where == "first" else ("↓", "the bead below")
            btn(
                row,
                f"{name} {where} {arrow}",
                name_key,
                act,
                doc,
                name_key,
                disabled=off,
                help=f"Move the {where} {name} sentence of this bead to {goes}",
            )
        if link.status == "confirmed":
            btn(row, "Unconfirm", "unconfirm", act, doc, "unconfirm", icon="remove_done")
        if ns + nt > 2 or (ns + nt == 2 and ns != 1):
            widgets = (f"split_src_{key}", f"split_tgt_{key}")
            for w, name, count in ((widgets[0], src_name, ns), (widgets[1], tgt_name, nt)):
                row.selectbox(
                    f"split after {name} sentence",
                    range(count + 1),
                    index=max(1, count // 2) if count else 0,
                    key=w,
                    width=170,
                    format_func=lambda i: str(i) if i else "none (0)",
                )
            btn(row, "Split", "split", actions.split, doc, widgets, icon="call_split")
        row = st.container(horizontal=True, gap="small", vertical_alignment="bottom")
        by_id = {("src", s.id): s for s in a.source.sentences if s.id in link.src}
        by_id |= {("tgt", s.id): s for s in a.target.sentences if s.id in link.tgt}
        names = {"src": src_name, "tgt": tgt_name}
        options = [f"src:{i}" for i in link.src] + [f"tgt:{i}" for i in link.tgt]

        def label(option: str) -> str:
            side_, sid = option.split(":", 1)
            return f"{names[side_]} {sid}: {short(by_id[(side_, sid)].text, 36)}"

        widget = f"sentence_{key}"
        before = st.session_state.get("_sentence", {}).get(doc.token)  # the one chosen before, if still here
        row.selectbox(
            "sentence",
            options,
            index=options.index(before) if before in options else 0,
            key=widget,
            width=340,
            format_func=label,
            on_change=actions.remember,
            args=(doc, widget),
        )
        if ns + nt > 1:
            btn(row, "Mark unaligned", "unaligned", actions.unalign, doc, widget, icon="link_off")
        btn(row, "Edit text", "edit_text", actions.start_editing, doc, widget, icon="edit")
        btn(
            row,
            "Join with next sentence",
            "join_next",
            actions.join,
            doc,
            widget,
            icon="merge",
            help="Make the chosen sentence and the one after it one sentence (the beads holding them merge)",
        )
        editing = st.session_state.get("editing")
        if editing and editing[0] == doc.token and (editing[1], editing[2]) in by_id:
            _edit_form(doc, names[editing[1]], by_id[(editing[1], editing[2])], editing[1], key)


def _edit_form(doc: Doc, lang: str, sentence, side_: str, key: str) -> None:
    """The text of one sentence to edit; a line break splits it there."""
    area = f"edit_area_{key}_{side_}_{sentence.id}"
    with st.container(key="editor"), st.form("edit_form", border=False):
        st.text_area(f"{lang} {sentence.id}", value=sentence.text, key=area, height=110)
        row = st.container(horizontal=True, gap="small", vertical_alignment="center")
        row.form_submit_button(
            "Save text",
            key="save_text",
            type="primary",
            icon=":material/save:",
            on_click=actions.edit_text,
            args=(doc, area, side_, sentence.id),
        )
        row.form_submit_button("Cancel", key="cancel_text", on_click=actions.stop_editing)
        row.caption(
            "Ctrl+Enter saves. A line break splits the sentence there. The text file is saved at once, "
            "and the other alignments of this text follow."
        )


def _review_view(doc: Doc, a: store.Alignment, extra: dict[str, list[str]]) -> None:
    _toolbar(doc, a)
    matches = actions.matches(a)
    _find_bar(doc, a, matches)
    n = len(a.links)
    only_low = st.session_state.get("only_low", False)
    thr = st.session_state.get("threshold", review.LOW_CONFIDENCE)
    indices = review.low_confidence(a, thr) if only_low else list(range(n))
    if not indices:
        st.success(f"No unconfirmed bead has a confidence below {thr:.2f}.")
        return
    size = st.session_state.get("page_size", PAGE_SIZES[0])
    rows = window(doc.cur, indices, size)
    src = {s.id: s for s in a.source.sentences}
    tgt = {s.id: s for s in a.target.sentences}
    marks: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for m in matches:
        marks.setdefault((m.side, m.sentence), []).append((m.start, m.end))
    src_marks = {sid: spans for (which, sid), spans in marks.items() if which == "src"}
    tgt_marks = {sid: spans for (which, sid), spans in marks.items() if which == "tgt"}
    widths = [0.6, 5, 5, *([4.5] * len(extra)), 1.35]
    with st.container(key="bead_head"):
        heads = st.columns(widths, vertical_alignment="bottom")
        names = [a.source.version, a.target.version, *extra, "confidence"]
        for c, name in zip(heads[1:], names, strict=True):
            c.markdown(head(name), unsafe_allow_html=True)
    run = st.session_state.get("_runs", 0)
    for k in rows:
        link = a.links[k]
        current = k == doc.cur
        with st.container(key="bead_current" if current else f"bead_{k}"):
            cols = st.columns(widths)
            cols[0].button(
                str(k + 1),
                key=f"row_{k}",
                on_click=move,
                args=(doc, str(k)),
                type="primary" if current else "tertiary",
                help="Make this the current bead",
            )
            anchor = (
                f'<span class="wb-cur" data-key="{html.escape(doc.token)}|{k}" data-run="{run}"></span>'
                if current
                else ""
            )
            cols[1].markdown(
                anchor + sentences_html([src[i] for i in link.src], a.source.language, src_marks),
                unsafe_allow_html=True,
            )
            cols[2].markdown(
                sentences_html([tgt[i] for i in link.tgt], a.target.language, tgt_marks),
                unsafe_allow_html=True,
            )
            for c, name in zip(cols[3:-1], extra, strict=True):
                text, lang = extra[name][k], html.escape(name.split(".")[0])
                body = (
                    f'<p class="wb-sent" lang="{lang}">{html.escape(text)}</p>'
                    if text
                    else '<p class="wb-none">–</p>'
                )
                c.markdown(body, unsafe_allow_html=True)
            cols[-1].markdown(badge(link), unsafe_allow_html=True)
        if current:
            _bead_tools(doc, a, k)
    nav = st.container(horizontal=True, vertical_alignment="center")
    btn(
        nav,
        "Earlier",
        "page_up",
        move,
        doc,
        "page_up",
        icon="keyboard_double_arrow_up",
        disabled=doc.cur == 0,
    )
    btn(
        nav,
        "Later",
        "page_down",
        move,
        doc,
        "page_down",
        icon="keyboard_double_arrow_down",
        disabled=doc.cur >= n - 1,
    )
    shown = f"beads {rows[0] + 1}–{rows[-1] + 1} of {n}"
    nav.caption(shown + (f" · showing the {len(indices)} below {thr:.2f}" if only_low else ""))
