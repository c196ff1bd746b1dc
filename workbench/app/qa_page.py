"""The QA view: mark a corpus's QA sample (``workbench corpus qa``) by keyboard, one link a line (both sides
and the pair's titles), each mark saved at once with ``qa.mark``; the progress; and the report below it,
the precision per score band with its 95% interval and at each minimum score. Without a sample, a button
draws one."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from workbench.app.concordance_page import pick_corpus, style
from workbench.app.editing import FAILURES
from workbench.app.plain import plain
from workbench.app.widgets import flash, show_flash
from workbench.workspace import Workspace

# The marking keys (Streamlit shows them on the buttons), as in the pair queue: A right (accept), X wrong
# (reject); R is Streamlit's own (rerun). J and K move as in the other views.
KEYS = {
    "qa_right": "A",
    "qa_wrong": "X",
    "qa_partial": "P",
    "qa_skip": "S",
    "qa_clear": "Backspace",
    "qa_prev": "K",
    "qa_next": "J",
    "qa_unmarked": "U",
}
WINDOW = 12  # items shown around the current one
COLOURS = {"right": "#2f9d5a", "wrong": "#d64541", "partial": "#d99400", "skip": "#8a8f98"}


def _draw_form(folder, again: bool) -> None:
    """The size and seed of a sample, and the button that draws it."""
    with st.container(horizontal=True, vertical_alignment="bottom", key="qa_draw_form"):
        size = st.number_input(
            "Links", 1, 5000, 200, 50, key="qa_size", help="Links in the sample", width=140
        )
        pairs = st.number_input(
            "Pairs", 0, 1000, 20, 5, key="qa_pairs", help="Document pairs the machine decided", width=140
        )
        seed = st.number_input(
            "Seed",
            0,
            2**31 - 1,
            None,
            1,
            key="qa_seed",
            help="The same seed draws the same sample",
            placeholder="random",
            width=160,
        )
        label = "Draw a new sample" if again else "Draw a sample"
        if st.button(
            label, key="qa_draw", icon=":material/casino:", type="secondary" if again else "primary"
        ):
            from workbench.corpus import qa

            try:
                sample = qa.draw(folder, int(size), None if seed is None else int(seed), int(pairs))
            except FAILURES as exc:
                st.error(plain(exc))
                return
            flash("success", f"Drew a sample of {len(sample)} items from corpus {folder.name}.")
            st.session_state.pop(f"qa_item_{folder.name}", None)
            st.rerun()


def _mark(folder, key: str, item: int, value: str, order: list[int]) -> None:
    """Save the mark of ``item`` at once; go on to the next item (not after "clear")."""
    from workbench.corpus import qa

    try:
        qa.mark(folder, item, value)
    except FAILURES as exc:
        flash("warning", str(exc))
        return
    if value != "clear":
        _move(key, order, 1)


def _move(key: str, order: list[int], step: int) -> None:
    k = order.index(st.session_state[key])
    st.session_state[key] = order[max(0, min(k + step, len(order) - 1))]


def _next_unmarked(key: str, order: list[int], marks: dict[int, str | None]) -> None:
    k = order.index(st.session_state[key])
    later = [i for i in order[k + 1 :] + order[: k + 1] if marks.get(i) is None]
    if later:
        st.session_state[key] = later[0]
    else:
        flash("info", "Every item of the sample is marked.")


def _side(text: str, title: str, lang: str) -> str:
    head = f'<span class="wb-title">{html.escape(title)}</span>' if title else ""
    return f'<td lang="{html.escape(lang)}">{head}{html.escape(text or "")}</td>'


def _row_html(row, current: bool, langs: tuple[str, str]) -> str:
    value = row.mark
    badge = (
        f'<span class="wb-flag" style="background:{COLOURS[value]}">{value}</span>'
        if value
        else '<span class="wb-none">unmarked</span>'
    )
    if row.changed:
        badge += (
            '<br><span class="wb-flag" style="background:#d64541" title="marked on other texts">stale</span>'
        )
    what = "pair" if row.kind == "pair" else f"{html.escape(row.band)}"
    about = f"{row.item}. {what}<br>score {row.score:.2f}<br>{html.escape(row.tgt_id)}<br>{badge}"
    return (
        f'<tr class="{"wb-cur" if current else ""}" data-item="{row.item}">'
        f'<td class="wb-n">{about}</td>'
        + _side(row.src_text, row.src_title, langs[0])
        + _side(row.tgt_text, row.tgt_title, langs[1])
        + "</tr>"
    )


def items_html(frame: pd.DataFrame, current: int, langs: tuple[str, str]) -> str:
    """The items of ``frame`` one a line (number, band, score, mark; source; target), ``current`` marked."""
    rows = "".join(_row_html(r, r.item == current, langs) for r in frame.itertuples(index=False))
    return (
        f'<table class="wb-qa" id="wb-qa"><tr><th></th><th>source ({html.escape(langs[0])})</th>'
        f"<th>target ({html.escape(langs[1])})</th></tr>{rows}</table>"
    )


def _buttons(folder, key: str, order: list[int], marks: dict[int, str | None], item: int) -> None:
    acts = st.container(horizontal=True, gap="small", key="qa_actions")
    k = order.index(item)

    def button(label, name, on_click, *args, icon, **options):
        acts.button(
            label,
            key=name,
            icon=f":material/{icon}:",
            shortcut=KEYS[name],
            on_click=on_click,
            args=args,
            **options,
        )

    button("Right", "qa_right", _mark, folder, key, item, "right", order, icon="check", type="primary")
    button("Wrong", "qa_wrong", _mark, folder, key, item, "wrong", order, icon="close")
    button("Partly", "qa_partial", _mark, folder, key, item, "partial", order, icon="rule")
    button("Skip", "qa_skip", _mark, folder, key, item, "skip", order, icon="skip_next")
    button(
        "Forget the mark",
        "qa_clear",
        _mark,
        folder,
        key,
        item,
        "clear",
        order,
        icon="undo",
        disabled=marks.get(item) is None,
    )
    button("Previous", "qa_prev", _move, key, order, -1, icon="arrow_upward", disabled=k == 0)
    button("Next", "qa_next", _move, key, order, 1, icon="arrow_downward", disabled=k == len(order) - 1)
    button("Next unmarked", "qa_unmarked", _next_unmarked, key, order, marks, icon="fast_forward")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _interval(low: float | None, high: float | None) -> str:
    return "–" if low is None else f"{low:.1%} – {high:.1%}"


def _report(folder) -> None:
    """The precision per band (and of the pairs) with 95% Wilson intervals, and at each minimum score."""
    from workbench.corpus import qa

    try:
        result = qa.report(folder)
    except FAILURES as exc:
        st.error(plain(exc))
        return
    o = result.overall
    with st.container(horizontal=True, vertical_alignment="center", key="qa_report_head"):
        st.caption("The report counts the marks saved when the page was last drawn in full.")
        st.button("Update the report", key="qa_report_update", icon=":material/refresh:")
    st.markdown(
        f"**Report** · precision of the {o.kept} links exported: **{_pct(o.precision)}** "
        f"(95% interval {_interval(o.low, o.high)}, {o.marked} marks; a partial mark counts "
        f"{result.partial_weight:g})"
    )
    bands = [
        {
            "band": t.label,
            "links": t.links,
            "sampled": t.sampled,
            "right": t.right,
            "partly": t.partial,
            "wrong": t.wrong,
            "skipped": t.skip,
            "stale": t.stale,
            "precision": _pct(t.precision),
            "95% interval": _interval(t.low, t.high),
        }
        for t in [*result.bands, result.pairs]
    ]
    st.dataframe(pd.DataFrame(bands), hide_index=True, key="qa_bands")
    kept = [
        {
            "min score": f"{e.min_score:.2f}",
            "links kept": e.kept,
            "marks": e.marked,
            "precision": _pct(e.precision),
            "95% interval": _interval(e.low, e.high),
            "not measured": e.unmeasured,
        }
        for e in result.thresholds
    ]
    st.dataframe(pd.DataFrame(kept), hide_index=True, key="qa_thresholds")
    if result.stale:
        st.warning(
            f"{len(result.stale)} mark(s) are stale and not counted: "
            + "; ".join(f"item {s['item']} ({s['why']})" for s in result.stale[:10])
        )


def show(ws: Workspace, title) -> None:
    """Mark the QA sample of a corpus by keyboard and see the precision it measures."""
    from workbench.corpus import qa

    title.subheader("Corpus quality")
    style()
    show_flash()
    folder = pick_corpus(ws, "a sample of its links is marked")
    if folder is None:
        return
    if not folder.has(qa.SAMPLE):
        st.info(
            f"Corpus {folder.name} has no QA sample yet: draw one (links stratified by score band, and "
            "document pairs), then mark each item right, wrong or partly."
        )
        _draw_form(folder, again=False)
        return
    if not _marking(folder):
        _draw_form(folder, again=True)
        return
    st.divider()
    _report(folder)
    with st.expander("Draw another sample"):
        st.caption("Marks are kept; a sample that would leave out marked items is refused.")
        _draw_form(folder, again=True)


@st.fragment
def _marking(folder) -> bool:
    """The progress, the marking buttons and the items around the current one. A fragment: a mark redraws
    this part only (the report below is redrawn with the page), which keeps a mark's redraw short. Its last
    element is its run's number (``#wb-qa-run``: what the browser tests wait for). False: no item."""
    from workbench.corpus import qa

    show_flash()
    try:
        frame = qa.items(folder)
    except FAILURES as exc:
        st.error(plain(exc))
        return True
    if frame.empty:
        st.info("The sample is empty.")
        return False
    frame = frame.sort_values("item")
    order = frame["item"].astype(int).tolist()
    marks = {int(i): m for i, m in zip(frame["item"], frame["mark"], strict=True)}
    key = f"qa_item_{folder.name}"
    if st.session_state.get(key) not in order:
        unmarked = [i for i in order if marks[i] is None]
        st.session_state[key] = unmarked[0] if unmarked else order[0]
    item = st.session_state[key]
    done = sum(m is not None for m in marks.values())
    st.progress(
        done / len(order),
        text=f"**{done} of {len(order)} marked** · corpus {folder.name} · "
        + " · ".join(f"{sum(m == v for m in marks.values())} {v}" for v in qa.MARKS),
    )
    _buttons(folder, key, order, marks, item)
    k = order.index(item)
    start = max(0, min(k - 2, len(order) - WINDOW))
    pair = folder.manifest.get("params", {}).get("pair", {})
    langs = (pair.get("src", ""), pair.get("tgt", ""))
    with st.container(key="qa_items"):
        st.html(items_html(frame.iloc[start : start + WINDOW], item, langs))
    st.caption(
        f"items {start + 1}–{min(start + WINDOW, len(order))} of {len(order)} · "
        "A right · X wrong · P partly · S skip · Backspace forget · J/K next/previous · U next unmarked"
    )
    runs = st.session_state["_qa_runs"] = st.session_state.get("_qa_runs", 0) + 1
    st.html(f'<span id="wb-qa-run" data-run="{runs}" hidden></span>')
    return True
