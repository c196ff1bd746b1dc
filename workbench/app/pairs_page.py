"""The Document pairs view: the review queue of a corpus's document pairs. Each pair is judged by its
stories' leads, its score and margin and its runner-up candidates: accept, reject, take another candidate,
say there is none; or open the pair's sentence alignment in the Review view."""

from __future__ import annotations

import html
from dataclasses import replace
from pathlib import Path

import streamlit as st

from workbench.app.editing import FAILURES, pair_order, pair_step
from workbench.app.plain import plain
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
    """Save a decision on the current pair; go on to the next pair (not after "clear" or "reject": a
    rejected pair stays in view, with its next candidates to take)."""
    from workbench.corpus import queue as pairqueue

    tgt = st.session_state.get(key)
    try:
        row = pairqueue.decide(folder, tgt, action, src_id)
    except FAILURES as exc:
        flash("warning", str(exc))
        return
    said = {
        "accept": f"Accepted {row['src_id']} as the source of {tgt}.",
        "reject": f"Rejected {row['src_id']} as the source of {tgt}"
        + (
            f"; its next candidate is {row['best_candidate']}."
            if isinstance(row["best_candidate"], str)
            else "."
        ),
        "none": f"{tgt}: no translation in the archive.",
        "clear": f"{tgt}: your decision is forgotten; the pipeline's stands ({row['decision']}).",
    }
    flash("success", said[action])
    if action not in ("clear", "reject"):
        _pair_move(key, order, 1)


def _pair_take(folder, key: str, order: list[str], src_id: str) -> None:
    """Take another candidate: at once where it changes no other story, else ask first (what it does to
    the other stories, ``review.effects``)."""
    from workbench.corpus import review

    tgt = st.session_state.get(key)
    try:
        changes = review.effects(folder, tgt, src_id)
    except FAILURES as exc:
        flash("warning", str(exc))
        return
    if not changes:
        _pair_decide(folder, key, order, "accept", src_id)
        return
    st.session_state["_pair_pending"] = (tgt, src_id, [review.describe_effect(c) for c in changes])


def _pair_confirm(folder, key: str, order: list[str]) -> None:
    tgt, src_id, _ = st.session_state.pop("_pair_pending")
    st.session_state[key] = tgt
    _pair_decide(folder, key, order, "accept", src_id)


def _pair_cancel(what: str) -> None:
    st.session_state.pop(what, None)


def _bulk_accept(folder, threshold: float) -> None:
    from workbench.corpus import review

    st.session_state.pop("_pair_bulk", None)
    try:
        done = review.accept_all_above(folder, threshold)
    except FAILURES as exc:
        flash("warning", str(exc))
        return
    flash("success", f"Accepted {len(done)} auto pair(s) of probability >= {threshold:g}.")


def _terms(c) -> str:
    """Every term of a candidate's final score, and its probability were it the pair."""
    t = c.terms
    names = _evidence(c.names) if c.names == c.names else f"– (credit {t['names']:.2f})"
    parts = [
        f"lead: sim {_evidence(c.sim)} (ratio {_evidence(c.ratio)}) → {t['lead']:.2f}",
        f"names {names}" + (f" → {t['names']:.2f}" if c.names == c.names else ""),
        f"numbers {_evidence(c.numbers)} → {t['numbers']:.2f}",
        f"length {t['length']:.2f}",
        f"sentences {t['match_tgt']:.2f}",
    ]
    if t["match_src"]:
        parts.append(f"source sentences {t['match_src']:.2f}")
    return f"p {c.probability:.3f} · final {c.score:.2f} = " + " + ".join(parts)


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
        st.error(plain(exc))
        return
    if not corpora:
        st.info(
            f"No corpus in {ws.root / corpus.CORPORA} yet. Build one from an archive of stories, e.g. "
            "`workbench corpus build stories.parquet --name kcna --src en --tgt es`; its document pairs "
            "are then reviewed here."
        )
        return
    by_name = {c.path.name: c for c in corpora}
    # a link ``?corpus=NAME&pair=TGT_ID`` opens that pair (read on the session's first visit only)
    link = st.session_state.setdefault(
        "_pair_link", {k: st.query_params.get(k) for k in ("corpus", "pair")} | {"new": True}
    )
    if link.pop("new", False) and link["corpus"] in by_name:
        st.session_state["corpus"] = link["corpus"]
        if link["pair"]:
            st.session_state[f"_pair_place_{link['corpus']}"] = link["pair"]
            st.session_state.pop(f"pair_pick_{link['corpus']}", None)
    name = st.sidebar.selectbox("Corpus", list(by_name), key="corpus")
    folder = by_name[name]
    try:
        frame = _queue(str(folder.path), _pair_stamp(folder))
    except FAILURES as exc:
        st.error(plain(exc))
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
    key, place = f"pair_pick_{name}", f"_pair_place_{name}"
    if st.session_state.get(key) not in order:  # (the box forgets it when another view was shown)
        st.session_state[key] = (
            st.session_state.get(place) if st.session_state.get(place) in order else order[0]
        )
    # the reviewer's place, kept in the session and in the page's address
    st.session_state[place] = st.session_state[key]
    st.query_params["corpus"], st.query_params["pair"] = name, st.session_state[key]
    person = int((frame["decided_by"] == "person").sum())
    st.progress(
        person / len(frame),
        text=f"**{person} of {len(frame)} pairs decided by a person** · corpus {name} · "
        + " · ".join(f"{n} {d}" for d, n in frame["decision"].value_counts().items()),
    )
    with st.sidebar.container(key="pair_bulk"):
        bar = st.number_input(
            "Accept auto pairs of probability ≥", 0.0, 1.0, 0.99, 0.005, format="%.3f", key="pair_bulk_p"
        )
        if st.button("Accept all above…", key="pair_bulk_ask", icon=":material/done_all:"):
            st.session_state["_pair_bulk"] = bar
    if "_pair_bulk" in st.session_state:
        from workbench.corpus import review

        threshold = st.session_state["_pair_bulk"]
        count = len(review.auto_above(folder, threshold))
        ask = st.container(border=True, key="pair_bulk_confirm")
        ask.warning(
            f"Accept **{count}** auto pair(s) of probability ≥ {threshold:g} as your decisions? "
            "(Forget my decision undoes each.)"
        )
        row = ask.container(horizontal=True, gap="small")
        row.button(
            f"Accept {count}",
            key="pair_bulk_yes",
            type="primary",
            on_click=_bulk_accept,
            args=(folder, threshold),
        )
        row.button("Cancel", key="pair_bulk_no", on_click=_pair_cancel, args=("_pair_bulk",))
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
        st.error(plain(exc))
        return
    colour = {"auto": "#2f9d5a", "accepted": "#2f9d5a", "doubtful": "#d99400", "none": "#8a8f98"}
    rejected = view.decision == "rejected"
    badge = (
        f'<span class="wb-conf" style="background:{colour.get(view.decision, "#d64541")}">'
        f"{view.decision}</span> "
        f"by {html.escape(view.decided_by)}: {html.escape(view.reason)}"
    )
    score = "–" if view.score is None else f"{view.score:.2f}"
    margin = "–" if view.margin is None else f"{view.margin:.2f}"
    p = "–" if view.probability is None else f"{view.probability:.3f}"
    st.markdown(f"{badge} · p **{p}** · score **{score}** · margin **{margin}**", unsafe_allow_html=True)
    pending = st.session_state.get("_pair_pending")
    if pending and pending[0] == tgt:
        ask = st.container(border=True, key="pair_take_confirm")
        ask.warning(
            f"Taking {pending[1]} for {tgt} changes another story:\n\n"
            + "\n".join(f"- {html.escape(line)}" for line in pending[2])
        )
        row = ask.container(horizontal=True, gap="small")
        row.button(
            f"Take {pending[1]}", key="pair_take_yes", type="primary", on_click=_pair_confirm,
            args=(folder, key, order),
        )  # fmt: skip
        row.button("Cancel", key="pair_take_no", on_click=_pair_cancel, args=("_pair_pending",))
    with st.container(key="pair_stories"):
        left, right = st.columns(2, gap="large")
        left.markdown(head(f"target ({view.target.language})"), unsafe_allow_html=True)
        left.markdown(_story_html(view.target), unsafe_allow_html=True)
        side = "rejected source" if rejected else "source"
        right.markdown(
            head(side + (f" ({view.source.language})" if view.source else "")), unsafe_allow_html=True
        )
        right.markdown(
            _story_html(view.source, "no source story: no translation found"), unsafe_allow_html=True
        )
    with st.expander("Both stories in full", key="pair_full"):
        left, right = st.columns(2, gap="large")
        for where, story in ((left, view.target), (right, view.source)):
            if story is not None:
                where.markdown(f"**{html.escape(story.title or story.doc_id)}** ({story.doc_id})")
                where.text(story.text)
    acts = st.container(horizontal=True, gap="small", key="pair_actions")
    has_src = view.source is not None and not rejected
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
        f"**Candidates** for {tgt}, by final score (every term of it, and the probability each would have "
        "as the pair)"
    )
    with st.container(key="pair_candidates"):
        for n, c in enumerate(view.candidates[:9], 1):
            with st.container(border=True):
                cols = st.columns([1.2, 6, 1.6], vertical_alignment="center")
                paired = view.source is not None and c.story.doc_id == view.source.doc_id
                cols[0].markdown(
                    f'<span class="wb-conf" style="background:{"#2f9d5a" if paired else "#8a8f98"}">'
                    f'{c.score:.2f}</span><span class="wb-ids">{html.escape(_terms(c))}</span>',
                    unsafe_allow_html=True,
                )
                cols[1].markdown(
                    _story_html(replace(c.story, lead=short(c.story.lead, 260))), unsafe_allow_html=True
                )
                if paired:
                    cols[2].caption("rejected by a person" if rejected else "the pair's source now")
                else:
                    btn(
                        cols[2],
                        f"Take {n}",
                        f"pair_choose_{n}",
                        _pair_take,
                        folder,
                        key,
                        order,
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
