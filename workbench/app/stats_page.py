"""The Statistics view: the alignment in pictures (beads of each shape, the confidence histogram,
reviewed against total)."""

from __future__ import annotations

import streamlit as st

from workbench.app import frame
from workbench.review import beads as review
from workbench.store import alignments as store
from workbench.workspace import Workspace


def show(ws: Workspace, title) -> None:
    chosen = frame.choose(ws, title)
    if chosen is None:
        return
    a = frame.alignment(chosen)
    if a is not None:
        _stats_view(a)


def _stats_view(a: store.Alignment) -> None:
    """The alignment in pictures: beads of each shape, the confidence histogram, reviewed against total."""
    import altair as alt
    import pandas as pd

    counts = alt.Axis(tickMinStep=1, format="d")  # counts: whole ticks only
    stats = review.statistics(a)
    cols = st.columns(4)
    cols[0].metric("beads", stats.total)
    share = stats.reviewed / max(stats.total, 1)
    cols[1].metric("reviewed", f"{stats.reviewed} of {stats.total}", help=f"{share:.0%} confirmed or edited")
    cols[2].metric(
        f"below {store.LOW_CONFIDENCE}", stats.by_level["low"], help="beads with a low confidence (red)"
    )
    cols[3].metric(
        "sentences left unaligned",
        f"{stats.unaligned[0]} + {stats.unaligned[1]}",
        help=f"{a.source.version} + {a.target.version}: sentences in 1-0 and 0-1 beads",
    )
    left, right = st.columns(2, gap="large")
    shapes = pd.DataFrame({"shape": list(stats.shapes), "beads": list(stats.shapes.values())})
    shapes["kind"] = [
        "unaligned" if "0" in s.split("-") else "1-1" if s == "1-1" else "merged" for s in shapes["shape"]
    ]
    colours = alt.Scale(domain=["1-1", "merged", "unaligned"], range=["#2f9d5a", "#d99400", "#8a8f98"])
    with left:
        st.markdown("**Beads of each shape** (source-target sentences)")
        st.altair_chart(
            alt.Chart(shapes)
            .mark_bar()
            .encode(
                x=alt.X("shape:N", sort=list(stats.shapes), title=None, axis=alt.Axis(labelAngle=0)),
                y=alt.Y("beads:Q", title="beads", axis=counts),
                color=alt.Color("kind:N", scale=colours, legend=alt.Legend(orient="bottom", title=None)),
                tooltip=["shape:N", "beads:Q"],
            )
            .properties(height=260),
            key="stat_shapes",
        )
    hist = pd.DataFrame(
        [
            {"from": lo, "to": hi, "beads": n, "level": store.confidence_level((lo + hi) / 2)}
            for lo, hi, n in stats.histogram
        ]
    )
    levels = alt.Scale(domain=["low", "medium", "high"], range=["#d64541", "#d99400", "#2f9d5a"])
    with right:
        st.markdown("**Confidence** (beads per band of 0.1)")
        st.altair_chart(
            alt.Chart(hist)
            .mark_bar(stroke="#fff")
            .encode(
                x=alt.X("from:Q", bin="binned", scale=alt.Scale(domain=[0, 1]), title="confidence"),
                x2="to:Q",
                y=alt.Y("beads:Q", title="beads", axis=counts),
                color=alt.Color("level:N", scale=levels, legend=alt.Legend(orient="bottom", title=None)),
                tooltip=["from:Q", "to:Q", "beads:Q"],
            )
            .properties(height=260),
            key="stat_hist",
        )
    order = {"confirmed": 0, "edited": 1, "auto": 2}
    status = pd.DataFrame(
        {"status": list(order), "beads": [stats.by_status[k] for k in order], "order": list(order.values())}
    )
    st.markdown(f"**Reviewed against total**: {stats.reviewed} of {stats.total} beads confirmed or edited")
    st.altair_chart(
        alt.Chart(status)
        .mark_bar(size=34)
        .encode(
            x=alt.X(
                "sum(beads):Q",
                stack="zero",
                title="beads",
                scale=alt.Scale(domain=[0, max(stats.total, 1)]),
                axis=counts,
            ),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(domain=list(order), range=["#2f9d5a", "#1f6feb", "#d0d4da"]),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            order=alt.Order("order:Q"),
            tooltip=["status:N", "beads:Q"],
        )
        .properties(height=60),
        key="stat_status",
    )
