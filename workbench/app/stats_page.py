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


# The charts as Vega-Lite specs, as Altair would write them, without Altair (which spends most of the
# view's run building and validating them).
COUNTS = {"format": "d", "tickMinStep": 1}  # counts: whole ticks only
VIEW = {"config": {"view": {"continuousWidth": 300, "continuousHeight": 300}}}


def _legend(field: str, domain: list[str], colours: list[str]) -> dict:
    return {
        "field": field,
        "type": "nominal",
        "scale": {"domain": domain, "range": colours},
        "legend": {"orient": "bottom", "title": None},
    }


def _stats_view(a: store.Alignment) -> None:
    """The alignment in pictures: beads of each shape, the confidence histogram, reviewed against total."""
    import pandas as pd

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
    with left:
        st.markdown("**Beads of each shape** (source-target sentences)")
        encoding = {
            "x": {
                "field": "shape",
                "type": "nominal",
                "sort": list(stats.shapes),
                "title": None,
                "axis": {"labelAngle": 0},
            },
            "y": {"field": "beads", "type": "quantitative", "title": "beads", "axis": COUNTS},
            "color": _legend("kind", ["1-1", "merged", "unaligned"], ["#2f9d5a", "#d99400", "#8a8f98"]),
            "tooltip": [{"field": "shape", "type": "nominal"}, {"field": "beads", "type": "quantitative"}],
        }
        spec = {**VIEW, "mark": {"type": "bar"}, "encoding": encoding, "height": 260}
        st.vega_lite_chart(shapes, spec, key="stat_shapes")
    hist = pd.DataFrame(
        [
            {"from": lo, "to": hi, "beads": n, "level": store.confidence_level((lo + hi) / 2)}
            for lo, hi, n in stats.histogram
        ]
    )
    with right:
        st.markdown("**Confidence** (beads per band of 0.1)")
        encoding = {
            "x": {
                "field": "from",
                "type": "quantitative",
                "bin": "binned",
                "scale": {"domain": [0, 1]},
                "title": "confidence",
            },
            "x2": {"field": "to"},
            "y": {"field": "beads", "type": "quantitative", "title": "beads", "axis": COUNTS},
            "color": _legend("level", ["low", "medium", "high"], ["#d64541", "#d99400", "#2f9d5a"]),
            "tooltip": [{"field": f, "type": "quantitative"} for f in ("from", "to", "beads")],
        }
        spec = {**VIEW, "mark": {"type": "bar", "stroke": "#fff"}, "encoding": encoding, "height": 260}
        st.vega_lite_chart(hist, spec, key="stat_hist")
    order = {"confirmed": 0, "edited": 1, "auto": 2}
    status = pd.DataFrame(
        {"status": list(order), "beads": [stats.by_status[k] for k in order], "order": list(order.values())}
    )
    st.markdown(f"**Reviewed against total**: {stats.reviewed} of {stats.total} beads confirmed or edited")
    encoding = {
        "x": {
            "field": "beads",
            "type": "quantitative",
            "aggregate": "sum",
            "stack": "zero",
            "title": "beads",
            "scale": {"domain": [0, max(stats.total, 1)]},
            "axis": COUNTS,
        },
        "color": _legend("status", list(order), ["#2f9d5a", "#1f6feb", "#d0d4da"]),
        "order": {"field": "order", "type": "quantitative"},
        "tooltip": [{"field": "status", "type": "nominal"}, {"field": "beads", "type": "quantitative"}],
    }
    spec = {**VIEW, "mark": {"type": "bar", "size": 34}, "encoding": encoding, "height": 60}
    st.vega_lite_chart(status, spec, key="stat_status")
