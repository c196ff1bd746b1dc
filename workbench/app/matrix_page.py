"""The Similarity matrix view: the sentence similarities around the current bead as a heatmap, the beads
of the alignment drawn over them, and the current bead beside it."""

from __future__ import annotations

import html
import json

import streamlit as st

from workbench.app import actions, frame, models
from workbench.app.editing import FAILURES, Doc
from workbench.app.plain import plain
from workbench.app.widgets import badge, sentences_html, short
from workbench.review import beads as review
from workbench.store import alignments as store
from workbench.workspace import Workspace, models_of


def show(ws: Workspace, title) -> None:
    chosen = frame.choose(ws, title)
    if chosen is None:
        return
    a = frame.alignment(chosen)
    if a is not None:
        _similarity_view(chosen.doc, a)


def _centre(mid: int, span: int, total: int) -> tuple[int, int]:
    lo = max(0, min(mid - span // 2, total - span))
    return lo, min(total, lo + span)


def _ids_expr(sentences) -> str:
    """A Vega expression that labels the tick of sentence k (1-based) with its id (``p8.s1``)."""
    return f"{json.dumps([s.id for s in sentences])}[datum.value - 1] || ''"


def _clicked(doc: Doc, boxes) -> None:
    """A click on a cell of the heatmap (the run it starts): go to the bead of that sentence pair, or else
    to the bead of its English sentence."""
    event = st.session_state.get("heatmap")
    picked = ((event or {}).get("selection") or {}).get("cell") or []
    if not picked or picked == st.session_state.get("_heat_done"):
        return
    st.session_state["_heat_done"] = picked
    i, j = int(picked[0]["i"]), int(picked[0]["j"])
    both = [k for k, (r0, r1, c0, c1) in enumerate(boxes) if r0 <= i < r1 and c0 <= j < c1]
    rows = [k for k, (r0, r1, _, _) in enumerate(boxes) if r0 <= i < r1]
    if both or rows:
        doc.go((both or rows)[0])


def _similarity_view(doc: Doc, a: store.Alignment) -> None:
    """The similarity of every sentence pair around the current bead, with the beads drawn over it."""
    import altair as alt
    import pandas as pd

    src, tgt = a.source.sentences, a.target.sentences
    try:
        names, params = models_of(a)  # the models and parameters the alignment was made with
        texts = tuple(s.text for s in src), tuple(s.text for s in tgt)
        every = models.similarities(*texts, tuple(names), params)
    except FAILURES as exc:
        st.error(f"Cannot compute the similarities: {plain(exc)}")
        return
    boxes = review.bead_boxes(a)
    _clicked(doc, boxes)
    span = st.session_state.get("heat_span", 40)
    r0, r1, c0, c1 = boxes[doc.cur]
    rows, cols = _centre((r0 + r1) // 2, span, len(src)), _centre((c0 + c1) // 2, span, len(tgt))
    sims = every.block(*rows, *cols)
    cells = [(i, j) for i in range(*rows) for j in range(*cols)]
    # Sentence k (1-based) is drawn from k - 0.5 to k + 0.5, so that the axis ticks sit on the cells.
    data = pd.DataFrame(
        {
            "i": [i for i, _ in cells],
            "j": [j for _, j in cells],
            "en": [i + 0.5 for i, _ in cells],
            "tr": [j + 0.5 for _, j in cells],
            "similarity": [round(float(sims[i - rows[0], j - cols[0]]), 3) for i, j in cells],
            "source": [f"{src[i].id} {short(src[i].text, 70)}" for i, _ in cells],
            "target": [f"{tgt[j].id} {short(tgt[j].text, 70)}" for _, j in cells],
        }
    )
    data["en2"], data["tr2"] = data["en"] + 1, data["tr"] + 1
    beads = pd.DataFrame(
        [
            {
                "bead": k + 1,
                "r0": b[0] + 0.5,
                "r1": b[1] + 0.5,
                "c0": b[2] + 0.5,
                "c1": b[3] + 0.5,
                "current": k == doc.cur,
            }
            for k, b in enumerate(boxes)
            if b[1] >= rows[0] and b[0] <= rows[1] and b[3] >= cols[0] and b[2] <= cols[1]
        ]
    )
    x_dom, y_dom = [cols[0] + 0.5, cols[1] + 0.5], [rows[0] + 0.5, rows[1] + 0.5]
    axis = {"tickMinStep": 1, "format": "d", "grid": False}
    x = alt.X(
        "tr:Q",
        title=f"{a.target.version} sentence",
        scale=alt.Scale(domain=x_dom, nice=False),
        axis=alt.Axis(orient="top", labelAngle=-45, labelExpr=_ids_expr(tgt), **axis),
    )
    y = alt.Y(
        "en:Q",
        title=f"{a.source.version} sentence",
        axis=alt.Axis(labelExpr=_ids_expr(src), **axis),
        scale=alt.Scale(domain=y_dom, nice=False, reverse=True),
    )
    pick = alt.selection_point(name="cell", fields=["i", "j"], on="click")
    heat = (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=x,
            x2="tr2:Q",
            y=y,
            y2="en2:Q",
            color=alt.Color(
                "similarity:Q",
                scale=alt.Scale(scheme="blues", domain=[-0.05, 0.6], clamp=True),
                legend=alt.Legend(orient="bottom", title="similarity", gradientLength=160),
            ),
            tooltip=["source:N", "target:N", "similarity:Q"],
        )
        .add_params(pick)
    )
    path = (
        alt.Chart(beads)
        .mark_rect(fill=None)
        .encode(
            x="c0:Q",
            x2="c1:Q",
            y="r0:Q",
            y2="r1:Q",
            stroke=alt.condition("datum.current", alt.value("#f08c00"), alt.value("#1d2433")),
            strokeWidth=alt.condition("datum.current", alt.value(4), alt.value(1.3)),
            tooltip=["bead:Q"],
        )
    )
    cell = max(12, min(44, 560 // max(rows[1] - rows[0], cols[1] - cols[0], 1)))
    chart = (heat + path).properties(width=cell * (cols[1] - cols[0]), height=cell * (rows[1] - rows[0]))
    left, right = st.columns([3, 2], gap="large")
    with left:
        with st.container(key="heat_box"):  # wider than a phone: it scrolls
            st.altair_chart(chart, width="content", key="heatmap", on_select="rerun", selection_mode="cell")
        st.caption(
            "Each cell is the similarity of an English sentence (row) and a translated sentence (column): "
            "the darker, the more alike. Black boxes are the beads of the alignment, the orange box is the "
            "current bead; a click on a cell goes to its bead. "
            f"Sentences {src[rows[0]].id}–{src[rows[1] - 1].id} × {tgt[cols[0]].id}–{tgt[cols[1] - 1].id} "
            f"of {len(src)} × {len(tgt)}."
        )
    with right:
        link = a.links[doc.cur]
        st.markdown(f"**Bead {doc.cur + 1} of {len(a.links)}** &nbsp; {badge(link)}", unsafe_allow_html=True)
        st.markdown(f'<span class="wb-head">{html.escape(a.source.version)}</span>', unsafe_allow_html=True)
        st.markdown(sentences_html([s for s in src if s.id in link.src]), unsafe_allow_html=True)
        st.markdown(f'<span class="wb-head">{html.escape(a.target.version)}</span>', unsafe_allow_html=True)
        st.markdown(sentences_html([s for s in tgt if s.id in link.tgt]), unsafe_allow_html=True)
        actions.nav_buttons(doc, st.container(horizontal=True, gap="small"))
        st.slider("sentences shown", 10, 120, 40, 10, key="heat_span")
