"""The Review view: the beads of the open alignment a page at a time as a dense grid under sticky column
headers, one compact bar of actions and the search box above it, the rarely used actions and the current
bead's tools (move a sentence, split, mark unaligned, edit or join sentences, a note) in two menus."""

from __future__ import annotations

import hashlib
import html

import streamlit as st

from workbench.app import actions, frame, models, sidebar
from workbench.app.actions import act, move
from workbench.app.editing import PAGE_SIZES, Doc, window
from workbench.app.widgets import KEYS, badge, btn, flash, head, note_html, sentences_html, short, show_flash
from workbench.review import beads as review
from workbench.review import search
from workbench.store import alignments as store
from workbench.workspace import Workspace


def show(ws: Workspace, title) -> None:
    chosen = frame.choose(ws, title)
    if chosen is None:
        return
    a = frame.alignment(chosen, messages=False)
    if a is None:
        return
    extra = sidebar.other_columns(ws, chosen.article, a, chosen.extra)
    _review_view(chosen.doc, a, extra, _column_ids(ws, chosen.article, a, list(extra)))


def _bar(doc: Doc, a: store.Alignment, matches: list[search.Match]):
    """The one compact bar: the frequent actions as small buttons with their keys, the search box, and the
    rest in two menus (this bead's tools, and more). Returns the bead menu and the hidden row that holds
    the shortcuts of the actions found only in the menus."""
    n = len(a.links)
    row = st.container(horizontal=True, gap="small", vertical_alignment="center", key="toolbar")
    actions.nav_buttons(doc, row)
    btn(row, "Confirm", "confirm", act, doc, "confirm", icon="check", type="primary", help="Confirm & next")
    first, last = doc.cur == 0, doc.cur >= n - 1
    btn(
        row,
        "",
        "merge_prev",
        act,
        doc,
        "merge_prev",
        icon="vertical_align_top",
        disabled=first,
        help="Merge with the previous bead (Shift+M)",
    )
    btn(
        row,
        "",
        "merge_next",
        act,
        doc,
        "merge_next",
        icon="vertical_align_bottom",
        disabled=last,
        help="Merge with the next bead (M)",
    )
    btn(
        row,
        "",
        "undo",
        actions.undo,
        doc,
        icon="undo",
        disabled=not doc.history.can_undo,
        help="Undo (Ctrl+Z)",
    )
    btn(
        row,
        "",
        "redo",
        actions.undo,
        doc,
        True,
        icon="redo",
        disabled=not doc.history.can_redo,
        help="Redo (Ctrl+Shift+Z)",
    )
    _find_box(doc, a, matches, row)
    bead_menu = row.popover(
        "Bead",
        icon=":material/edit_note:",
        help="Tools of the current bead: move, split, unalign, edit or join sentences, a note",
    )
    more = row.popover("More", icon=":material/more_horiz:", help="Go to, search options, re-align")
    row.html('<button class="wb-help-btn" type="button" title="Keyboard shortcuts (?)">?</button>')
    keys = row.container(key="keys")  # hidden: the shortcuts of what is in the menus
    nav = more.container(horizontal=True, gap="small")
    _rare(nav, keys, "First", "first", move, doc, "first", icon="first_page", disabled=first)
    _rare(nav, keys, "Last", "last", move, doc, "last", icon="last_page", disabled=last)
    _rare(
        nav, keys, "Earlier", "page_up", move, doc, "page_up", icon="keyboard_double_arrow_up", disabled=first
    )
    _rare(
        nav,
        keys,
        "Later",
        "page_down",
        move,
        doc,
        "page_down",
        icon="keyboard_double_arrow_down",
        disabled=last,
    )
    _rare(
        more, keys, "Confirm all up to here", "confirm_through", act, doc, "confirm_through", icon="done_all"
    )
    _find_options(doc, a, more)
    more.text_input(
        "Go to",
        key="goto",
        placeholder="bead number or sentence id",
        on_change=actions.goto,
        args=(doc,),
        help="A bead number (12) or a sentence id (p3.s2; ko:p3.s2 for the translation's)",
    )
    help_ = "Re-run the aligner between the confirmed and edited beads, which stay as they are."
    if more.button("Re-align the rest", key="realign", icon=":material/auto_fix_high:", help=help_):

        def job(bar):
            result = review.realign(a, models.record_aligner(a, bar))
            flash("info", result.summary())  # what it changed, by bead
            return result.alignment

        frame.long_edit(doc, "Re-aligning the unreviewed stretches…", job)
    return bead_menu, keys


def _rare(menu, keys, label: str, key: str, on_click, *args, icon: str | None = None, **options) -> None:
    """An action of a menu: a labelled button there, and its shortcut on a hidden button (a closed menu
    holds no buttons, so a shortcut there would be dead)."""
    shortcut, what = KEYS.get(key), options.pop("help", label)
    btn(keys, label, key, on_click, *args, icon=icon, **options)
    menu.button(
        label,
        key=f"menu_{key}",
        icon=f":material/{icon}:" if icon else None,
        on_click=on_click,
        args=args,
        help=what + (f" ({shortcut})" if shortcut else ""),
        **options,
    )


def _find_box(doc: Doc, a: store.Alignment, matches: list[search.Match], row) -> None:
    """Find: the box, the previous and next match, how many there are (or why the query is wrong)."""
    changed = {"on_change": actions.find_changed, "args": (doc,)}
    row.text_input(
        "Find", key="find_q", placeholder="find…  ( / )", width=150, label_visibility="collapsed", **changed
    )
    btn(
        row,
        "",
        "find_prev",
        move,
        doc,
        "match_back",
        icon="keyboard_arrow_up",
        help="Previous match (Shift+N)",
    )
    btn(row, "", "find_next", move, doc, "match", icon="keyboard_arrow_down", help="Next match (N)")
    query = st.session_state.get("find_q", "")
    if query.strip():
        try:
            search.compile_query(query, st.session_state.get("find_mode", "text"))
        except search.SearchError as exc:
            row.caption(f":red[{exc}]")  # the one place a bad query is said
        else:
            beads = len({m.bead for m in matches})
            here = sum(1 for m in matches if m.bead == doc.cur)
            row.caption(
                f"{len(matches)} match{'es' * (len(matches) != 1)} in {beads} bead{'s' * (beads != 1)}"
                + (f" · {here} here" if here else "")
            )


def _find_options(doc: Doc, a: store.Alignment, where) -> None:
    """Where to find (either side or both) and how (text, whole words, a regex; the case)."""
    changed = {"on_change": actions.find_changed, "args": (doc,)}
    row = where.container(horizontal=True, gap="small", vertical_alignment="bottom")
    names = {"both": "both sides", "src": a.source.language.upper(), "tgt": a.target.language.upper()}
    row.selectbox("find in", list(names), key="find_side", format_func=names.get, width=130, **changed)
    modes = {"text": "text", "words": "whole words", "regex": "regex"}
    row.selectbox("match", list(modes), key="find_mode", format_func=modes.get, width=140, **changed)
    row.toggle("Aa", key="find_case", help="Match case", **changed)


def _bead_key(doc: Doc, link: store.Link, k: int) -> str:
    """A key for the widgets of bead ``k`` as it is now: another bead, article or translation gets fresh
    widgets (a choice made for one never applies to another)."""
    what = f"{doc.token}\n{k}\n{' '.join(link.src)}\n{' '.join(link.tgt)}"
    return hashlib.sha1(what.encode()).hexdigest()[:12]


def _bead_tools(doc: Doc, a: store.Alignment, k: int, menu, keys) -> None:
    """The edits of the current bead that need a choice, in its menu: move a sentence, split, mark
    unaligned, edit a sentence's text, join two sentences; its note and flag."""
    link = a.links[k]
    last = len(a.links) - 1
    src_name, tgt_name = a.source.language.upper(), a.target.language.upper()
    ns, nt = len(link.src), len(link.tgt)
    key = _bead_key(doc, link, k)
    with menu:
        st.caption(f"Bead {k + 1}")
        row = st.container(horizontal=True, gap="small")
        for name_key, name, where, off in (
            ("src_first", src_name, "first", not ns or k == 0),
            ("src_last", src_name, "last", not ns or k == last),
            ("tgt_first", tgt_name, "first", not nt or k == 0),
            ("tgt_last", tgt_name, "last", not nt or k == last),
        ):
            arrow, goes = ("↑", "the bead above") if where == "first" else ("↓", "the bead below")
            _rare(
                row,
                keys,
                f"{name} {where} {arrow}",
                name_key,
                act,
                doc,
                name_key,
                disabled=off,
                help=f"Move the {where} {name} sentence of this bead to {goes}",
            )
        if link.status == "confirmed":
            st.button(
                "Unconfirm",
                key="unconfirm",
                icon=":material/remove_done:",
                on_click=act,
                args=(doc, "unconfirm"),
                help="Make this bead unreviewed again",
            )
        if ns + nt > 2 or (ns + nt == 2 and ns != 1):
            row = st.container(horizontal=True, gap="small", vertical_alignment="bottom")
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
            _rare(
                row,
                keys,
                "Split",
                "split",
                actions.split,
                doc,
                widgets,
                icon="call_split",
                help="Split the bead after the chosen sentences",
            )
        by_id = {("src", s.id): s for s in a.source.sentences if s.id in link.src}
        by_id |= {("tgt", s.id): s for s in a.target.sentences if s.id in link.tgt}
        names = {"src": src_name, "tgt": tgt_name}
        options = [f"src:{i}" for i in link.src] + [f"tgt:{i}" for i in link.tgt]

        def label(option: str) -> str:
            side_, sid = option.split(":", 1)
            return f"{names[side_]} {sid}: {short(by_id[(side_, sid)].text, 36)}"

        widget = f"sentence_{key}"
        before = st.session_state.get("_sentence", {}).get(doc.token)  # the one chosen before, if still here
        st.selectbox(
            "sentence",
            options,
            index=options.index(before) if before in options else 0,
            key=widget,
            format_func=label,
            on_change=actions.remember,
            args=(doc, widget),
        )
        row = st.container(horizontal=True, gap="small")
        if ns + nt > 1:
            _rare(
                row,
                keys,
                "Mark unaligned",
                "unaligned",
                actions.unalign,
                doc,
                widget,
                icon="link_off",
                help="Mark the chosen sentence unaligned",
            )
        _rare(
            row,
            keys,
            "Edit text",
            "edit_text",
            actions.start_editing,
            doc,
            widget,
            icon="edit",
            help="Edit the chosen sentence's text",
        )
        _rare(
            row,
            keys,
            "Join with next sentence",
            "join_next",
            actions.join,
            doc,
            widget,
            icon="merge",
            help="Make the chosen sentence and the one after it one sentence (the beads holding them merge)",
        )
        if getattr(review, "set_note", None) is not None:  # bead notes (issue 30)
            _note_form(doc, link, key)
    return by_id, names, key


def _note_form(doc: Doc, link: store.Link, key: str) -> None:
    """The bead's note and flag, saved as one edit."""
    with st.form(f"note_form_{key}", border=False):
        st.text_input("Note", value=getattr(link, "note", ""), key=f"note_{key}", placeholder="a note")
        row = st.container(horizontal=True, gap="small", vertical_alignment="center")
        row.toggle("Flag", value=getattr(link, "flag", False), key=f"flag_{key}", help="Come back to it")
        row.form_submit_button(
            "Save note", key="save_note", on_click=actions.set_note, args=(doc, f"note_{key}", f"flag_{key}")
        )


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


def _review_view(
    doc: Doc, a: store.Alignment, extra: dict[str, list[str]], ids: dict[str, list[str]]
) -> None:
    matches = actions.matches(a)
    menu, keys = _bar(doc, a, matches)
    by_id, names, key = _bead_tools(doc, a, doc.cur, menu, keys)
    n = len(a.links)
    only_low = st.session_state.get("only_low", False)
    thr = st.session_state.get("threshold", review.LOW_CONFIDENCE)
    indices = review.low_confidence(a, thr) if only_low else list(range(n))
    if not indices:
        show_flash()
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
    # A row is the bead's number (a button) and one block of HTML, its columns laid out by a CSS grid whose
    # template the header shares: few elements, so that a redraw is quick.
    grid_cols = f"grid-template-columns: 1.3fr 1fr{' 1fr' * len(extra)} 6.2rem"
    grid = st.container(key="grid", gap=None)
    names_ = [a.source.version, a.target.version, *extra, "confidence"]
    with grid.container(key="bead_head"):
        cells = "".join(f"<div>{head(name)}</div>" for name in names_)
        st.markdown(f'<div class="wb-row" style="{grid_cols}">{cells}</div>', unsafe_allow_html=True)
    run = st.session_state.get("_runs", 0)
    shown = False
    for k in rows:
        link = a.links[k]
        current = k == doc.cur
        with grid.container(key="bead_current" if current else f"bead_{k}", horizontal=True, gap="small"):
            st.button(
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
            cells = [
                sentences_html([src[i] for i in link.src], a.source.language, src_marks),
                sentences_html([tgt[i] for i in link.tgt], a.target.language, tgt_marks),
                *(_extra_html(name, extra[name][k], ids.get(name, [""] * n)[k]) for name in extra),
                badge(link) + anchor + note_html(link),
            ]
            body = "".join(f"<div>{c}</div>" for c in cells)
            st.markdown(f'<div class="wb-row" style="{grid_cols}">{body}</div>', unsafe_allow_html=True)
        if current:
            shown = True
            with grid.container(key="bead_msg"):  # messages where the reviewer is looking
                show_flash()
                editing = st.session_state.get("editing")
                if editing and editing[0] == doc.token and (editing[1], editing[2]) in by_id:
                    _edit_form(doc, names[editing[1]], by_id[(editing[1], editing[2])], editing[1], key)
    if not shown:
        show_flash()
    foot = f"beads {rows[0] + 1}–{rows[-1] + 1} of {n}"
    st.caption(foot + (f" · showing the {len(indices)} below {thr:.2f}" if only_low else ""))


def _extra_html(name: str, text: str, ids: str) -> str:
    """A cell of another version's column: its sentence ids and text."""
    if not text:
        return '<p class="wb-none">–</p>'
    lang = html.escape(name.split(".")[0])
    sid = f'<span class="wb-sid">{html.escape(ids)}</span>' if ids else ""
    return f'<p class="wb-sent" lang="{lang}">{sid}{html.escape(text)}</p>'


def _column_ids(ws: Workspace, article, a: store.Alignment, names: list[str]) -> dict[str, list[str]]:
    """The sentence ids of the other versions' columns, bead by bead of ``a``, as
    ``review.version_columns`` lines up their texts."""
    row_of = {sid: k for k, link in enumerate(a.links) for sid in link.src}
    out = {}
    for name in names:
        path = ws.alignment_path(article.id, name)
        try:
            other = _load(path, store.file_mtime(path))
        except (OSError, store.AlignmentError):
            continue
        rows: list[list[str]] = [[] for _ in a.links]
        last = 0
        for link in other.links:
            spans = sorted({row_of[s] for s in link.src if s in row_of})
            if spans:
                last = spans[0]
            if link.tgt:
                rows[last].extend(link.tgt)
            if spans:
                last = spans[-1]
        out[name] = [" ".join(r) for r in rows]
    return out


@st.cache_data(max_entries=16, show_spinner=False)
def _load(path, mtime: int) -> store.Alignment:
    return store.load_alignment(path)
