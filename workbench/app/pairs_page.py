"""The Document pairs view: the review queue of a corpus's document pairs. Each pair is judged by its
stories' leads, its score and margin and its runner-up candidates: accept, reject, take another candidate,
say there is none; or open the pair's sentence alignment in the Review view."""

from __future__ import annotations

import html
from dataclasses import replace
from pathlib import Path

import streamlit as st

from workbench.app.editing import FAILURES, pair_order, pair_step
from workbench.app.widgets import btn, failed, flash, head, short, show_flash
from workbench.store import alignments as store
from workbench.workspace import Workspace


@st.cache_data(max_entries=8, show_spinner=False)
def _queue(path: str, stamp: tuple):
    """The corpus's pairs, doubtful and low-margin first; cached until its tables change (``stamp``)."""
    from workbench import corpus
    from workbench.corpus import queue as pairqueue

    return pairqueue.queue(corpus.CorpusFolder.open(Path(path)))


def _pair_stamp(folder) -> tuple:
    tables = ("pairs", "documents", "candidates", "decisions")
    return tuple(store.file_mtime(folder.table_path(t)) for t in tables)


def _pair_move(key: str, order: list[str], step: int) -> None:
    st.session_state[key] = pair_step(order, st.session_state.get(key), step)


def _pair_decide(folder, key: str, order: list[str], action: str, src_id: str | None = None) -> None:
    """Save a decision on the current pair; go on to the next pair (not after "clear")."""
    from workbench.corpus import queue as pairqueue

    tgt = st.session_state.get(key)
    try:
        row = pairqueue.decide(folder, tgt, action, src_id)
    except FAILURES as exc:
        flash("warning", str(exc))
        return
    said = {
        "accept": f"Accepted {row['src_id']} as the source of {tgt}.",
        "reject": f"Rejected the pair of {tgt}"
        + (
            f": {row['src_id']} ({row['decision']}) takes its place."
            if isinstance(row["src_id"], str)
            else "."
        ),
        "none": f"{tgt}: no translation in the archive.",
        "clear": f"{tgt}: your decision is forgotten; the pipeline's stands ({row['decision']}).",
    }
    flash("success", said[action])
    if action != "clear":
        _pair_move(key, order, 1)


def _evidence(value: float) -> str:
    """A candidate's feature, "–" where it has none (a target without names)."""
    return "–" if value != value else f"{value:.2f}"


def _story_html(story, empty: str = "") -> str:
    if story is None:
        return f'<p class="wb-none">{html.escape(empty)}</p>'
    title = html.escape(story.title) if story.title else '<span class="wb-none">no title</span>'
    lang = html.escape(story.language)
    about = f"{html.escape(story.doc_id)} · {html.escape(story.date)} · {story.sentences} sentences"
    return (
        f'<p class="wb-sent" lang="{lang}"><span class="wb-sid">{about}</span><br><b>{title}</b></p>'
        f'<p class="wb-sent" lang="{lang}">{html.escape(story.lead)}</p>'
    )


def show(ws: Workspace, title) -> None:
    """The review queue of a corpus's document pairs: judge each pair by its stories' leads, its score and
    margin and its runner-up candidates; accept, reject, take another candidate or say there is none; open
    the pair's sentence alignment in the review view."""
    from workbench import corpus
    from workbench.corpus import queue as pairqueue

    title.subheader("Document pairs")
    show_flash()
    try:
        corpora = corpus.list_corpora(ws.root)
    except FAILURES as exc:
        st.error(str(exc))
        return
    if not corpora:
        st.info(
            f"No corpus in {ws.root / corpus.CORPORA} yet. Build one from an archive of stories, e.g. "
            "`workbench corpus build stories.parquet --name kcna --src en --tgt es`; its document pairs "
            "are then reviewed here."
        )
        return
    by_name = {c.path.name: c for c in corpora}
    name = st.sidebar.selectbox("Corpus", list(by_name), key="corpus")
    folder = by_name[name]
    try:
        frame = _queue(str(folder.path), _pair_stamp(folder))
    except FAILURES as exc:
        st.error(str(exc))
        return
    if frame.empty:
        st.info(f"Corpus {name} has no pairs: its archive holds no target stories to pair.")
        return
    shown = st.sidebar.multiselect(
        "Pairs decided", corpus.DECISIONS, default=list(corpus.DECISIONS), key=f"pair_filter_{name}"
    )
    # The queue keeps its order while the reviewer works through it ("Sort again" puts decided ones last).
    order_key = f"pair_order_{name}"
    if order_key not in st.session_state or st.session_state.pop("_pair_resort", False):
        st.session_state[order_key] = frame["tgt_id"].tolist()
    rows = frame.set_index("tgt_id")
    decisions = dict(zip(frame["tgt_id"], frame["decision"], strict=True))
    order = pair_order(st.session_state[order_key], decisions, shown)
    if not order:
        st.info("No pair has the decisions chosen in the sidebar.")
        return
    key = f"pair_pick_{name}"
    if st.session_state.get(key) not in order:
        st.session_state[key] = order[0]
    person = int((frame["decided_by"] == "person").sum())
    st.progress(
        person / len(frame),
        text=f"**{person} of {len(frame)} pairs decided by a person** · corpus {name} · "
        + " · ".join(f"{n} {d}" for d, n in frame["decision"].value_counts().items()),
    )
    show_flash()
    nav = st.container(horizontal=True, gap="small", vertical_alignment="bottom", key="pair_nav")
    k = order.index(st.session_state[key])
    btn(nav, "Previous pair", "pair_prev", _pair_move, key, order, -1, icon="arrow_upward", disabled=k == 0)
    btn(
        nav,
        "Next pair",
        "pair_next",
        _pair_move,
        key,
        order,
        1,
        icon="arrow_downward",
        disabled=k == len(order) - 1,
    )

    titles = {t: rows.loc[t, "tgt_title"] for t in order}

    def label(t: str) -> str:  # (no decision in it: a label that changes would make the box a new one)
        title = titles[t] if isinstance(titles[t], str) and titles[t] else "(no title)"
        return f"{t} · {short(title, 60)}"

    nav.selectbox("pair", order, key=key, format_func=label, width=460, label_visibility="collapsed")
    nav.caption(f"pair {k + 1} of {len(order)}")
    if nav.button(
        "Sort again", key="pair_resort", icon=":material/sort:", help="Doubtful and low-margin first"
    ):
        st.session_state["_pair_resort"] = True
        st.rerun()
    tgt = st.session_state[key]
    try:
        view = pairqueue.pair_view(folder, tgt)
    except FAILURES as exc:
        st.error(str(exc))
        return
    colour = {"auto": "#2f9d5a", "accepted": "#2f9d5a", "doubtful": "#d99400", "none": "#8a8f98"}
    badge = (
        f'<span class="wb-conf" style="background:{colour.get(view.decision, "#d64541")}">'
        f"{view.decision}</span> "
        f"by {html.escape(view.decided_by)}: {html.escape(view.reason)}"
    )
    score = "–" if view.score is None else f"{view.score:.2f}"
    margin = "–" if view.margin is None else f"{view.margin:.2f}"
    st.markdown(f"{badge} · score **{score}** · margin **{margin}**", unsafe_allow_html=True)
    with st.container(key="pair_stories"):
        left, right = st.columns(2, gap="large")
        left.markdown(head(f"target ({view.target.language})"), unsafe_allow_html=True)
        left.markdown(_story_html(view.target), unsafe_allow_html=True)
        right.markdown(
            head("source" + (f" ({view.source.language})" if view.source else "")), unsafe_allow_html=True
        )
        right.markdown(
            _story_html(view.source, "no source story: no translation found"), unsafe_allow_html=True
        )
    acts = st.container(horizontal=True, gap="small", key="pair_actions")
    has_src = view.source is not None
    btn(
        acts,
        "Accept",
        "pair_accept",
        _pair_decide,
        folder,
        key,
        order,
        "accept",
        icon="check",
        type="primary",
        disabled=not has_src,
    )
    btn(
        acts,
        "Reject",
        "pair_reject",
        _pair_decide,
        folder,
        key,
        order,
        "reject",
        icon="close",
        disabled=not has_src,
    )
    btn(acts, "No translation", "pair_none", _pair_decide, folder, key, order, "none", icon="block")
    btn(
        acts,
        "Forget my decision",
        "pair_clear",
        _pair_decide,
        folder,
        key,
        order,
        "clear",
        icon="undo",
        disabled=view.decided_by != "person",
    )
    open_pair = btn(
        acts, "Open the sentence alignment", "pair_open", None, icon="open_in_new", disabled=not has_src
    )
    st.markdown(
        f"**Candidates** for {tgt}, by rank (the pipeline's evidence: final score, lead similarity, "
        "names, numbers)"
    )
    with st.container(key="pair_candidates"):
        for n, c in enumerate(view.candidates[:9], 1):
            with st.container(border=True):
                cols = st.columns([1.2, 6, 1.6], vertical_alignment="center")
                paired = has_src and c.story.doc_id == view.source.doc_id
                cols[0].markdown(
                    f'<span class="wb-conf" style="background:{"#2f9d5a" if paired else "#8a8f98"}">'
                    f"{c.score:.2f}</span>"
                    f'<span class="wb-ids">sim {_evidence(c.sim)} (ratio {_evidence(c.ratio)}) · '
                    f"names {_evidence(c.names)} · numbers {_evidence(c.numbers)}</span>",
                    unsafe_allow_html=True,
                )
                cols[1].markdown(
                    _story_html(replace(c.story, lead=short(c.story.lead, 260))), unsafe_allow_html=True
                )
                if paired:
                    cols[2].caption("the pair's source now")
                else:
                    btn(
                        cols[2],
                        f"Take {n}",
                        f"pair_choose_{n}",
                        _pair_decide,
                        folder,
                        key,
                        order,
                        "accept",
                        c.story.doc_id,
                    )
    if open_pair:
        with st.status(f"Opening the pair of {tgt}…", expanded=True) as box:
            bar = st.progress(0.0, text="aligning the pair's sentences if they are not yet")
            try:
                aid, target = pairqueue.open_for_review(
                    folder, ws, tgt, progress=lambda what, d, t: bar.progress(d / max(t, 1), text=what)
                )
            except FAILURES as exc:
                failure = exc
            else:
                failure = None
        if failure is not None:
            failed(box, "Could not open the pair", failure)
            return
        st.session_state["_switch"] = (aid, target)
        st.rerun()
