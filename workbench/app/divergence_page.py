"""The Divergence view: what a translation leaves out (``workbench corpus divergence``). For a pair, its
source and target sentences in bead order, the left-out source sentences greyed out, the added target
sentences marked and the rewritten links flagged; over the archive, the share of pairs abridged by month and
the most abridged stories, each a jump to its pair."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import streamlit as st

from workbench.app.concordance_page import aligned_corpus, open_in_review, style
from workbench.app.editing import FAILURES
from workbench.app.plain import plain
from workbench.app.widgets import short, show_flash
from workbench.store import alignments as store
from workbench.workspace import Workspace

_LINK_COLUMNS = [
    "tgt_id",
    "src_id",
    "link",
    "src_sent_ids",
    "tgt_sent_ids",
    "src_sents",
    "tgt_sents",
    "score",
]


@st.cache_data(max_entries=4, show_spinner=False)
def _report(path: str, stamp: tuple):
    """The archive report of the corpus at ``path``; cached until its links or documents change."""
    from workbench.corpus import CorpusFolder
    from workbench.corpus.divergence import archive_report

    return archive_report(CorpusFolder.open(Path(path)), top=20)


def _stamp(folder) -> tuple:
    return tuple(store.file_mtime(folder.table_path(t)) for t in ("links", "documents"))


def pair_links(folder, tgt_id: str) -> list[dict]:
    """The links of the pair of ``tgt_id``, in bead order."""
    table = pq.read_table(
        folder.table_path("links"), columns=_LINK_COLUMNS, filters=[("tgt_id", "=", tgt_id)]
    )
    return sorted(table.to_pylist(), key=lambda r: r["link"])


def _sentences(ids, texts, cls: str, lang: str) -> str:
    if not ids:
        return '<span class="wb-none">—</span>'
    return "".join(
        f'<p class="wb-sent {cls}" lang="{html.escape(lang)}"><span class="wb-sid">{html.escape(i)}</span>'
        f"{html.escape(t or '')}</p>"
        for i, t in zip(ids, texts or [""] * len(ids), strict=False)
    )


def pair_html(links: list[dict], div, langs: tuple[str, str]) -> str:
    """The pair's beads one a line: left-out source sentences greyed out, added target sentences marked,
    rewritten links flagged with their score."""
    left, added, rewritten = set(div.left_out), set(div.added), set(div.rewritten)
    rows = []
    for row in links:
        src, tgt = list(row["src_sent_ids"] or ()), list(row["tgt_sent_ids"] or ())
        flag = ""
        if src and not tgt:
            flag = '<span class="wb-flag" style="background:#8a8f98">left out</span>'
        elif tgt and not src:
            flag = '<span class="wb-flag" style="background:#d99400">added</span>'
        elif row["link"] in rewritten:
            flag = '<span class="wb-flag" style="background:#d64541">rewritten</span>'
        src_cls = "wb-left-out" if src and set(src) <= left else ""
        tgt_cls = "wb-added" if tgt and set(tgt) <= added else ""
        rows.append(
            f'<tr data-link="{row["link"]}"><td class="wb-n">{row["link"] + 1}<br>'
            f"{row['score']:.2f}<br>{flag}</td>"
            f"<td>{_sentences(src, row['src_sents'], src_cls, langs[0])}</td>"
            f"<td>{_sentences(tgt, row['tgt_sents'], tgt_cls, langs[1])}</td></tr>"
        )
    return (
        f'<table class="wb-qa" id="wb-divergence"><tr><th>bead</th><th>source ({html.escape(langs[0])})</th>'
        f"<th>target ({html.escape(langs[1])})</th></tr>{''.join(rows)}</table>"
    )


def _archive(report) -> None:
    """The archive's summary: pairs abridged by month, the most abridged stories (each a jump to its pair),
    the kinds of sentences left out."""
    from workbench.corpus.divergence import ABRIDGED

    st.markdown(f"**Pairs abridged** (at least {ABRIDGED:.0%} of the source sentences left out), by month")
    months = pd.DataFrame(report.months, columns=["month", "pairs", "abridged", "share"])
    st.dataframe(
        months,
        hide_index=True,
        key="div_months",
        column_config={"share": st.column_config.NumberColumn(format="percent")},
    )
    if len(months) > 1:
        st.bar_chart(months, x="month", y="share", height=180)
    st.markdown("**Most abridged stories**")
    if not report.most_abridged:
        st.caption("No pair leaves out a source sentence.")
    with st.container(key="div_most"):
        for n, p in enumerate(report.most_abridged):
            row = st.container(horizontal=True, vertical_alignment="center", key=f"div_most_{n}")
            row.button(
                "Show", key=f"div_show_{n}", on_click=_pick, args=(p.tgt_id,), icon=":material/visibility:"
            )
            row.html(
                f'<span class="wb-about-hit">{html.escape(p.tgt_id)} ← {html.escape(p.src_id)} · '
                f"{html.escape(p.date or '')} · left out {len(p.left_out)}/{p.n_src} "
                f"({p.left_out_share:.0%}) · added {len(p.added)}/{p.n_tgt} · rewritten {len(p.rewritten)}"
                f"</span> {html.escape(short(p.title, 90))}"
            )
    st.markdown("**Source sentences left out, by kind**")
    kinds = pd.DataFrame(report.kinds, columns=["kind", "sentences", "left out", "rate"])
    st.dataframe(
        kinds,
        hide_index=True,
        key="div_kinds",
        column_config={"rate": st.column_config.NumberColumn(format="percent")},
    )


def _pick(tgt_id: str) -> None:
    st.session_state["_div_pick"] = tgt_id


def show(ws: Workspace, title) -> None:
    """What each translation of a corpus leaves out, adds and rewrites: a pair's beads, the archive report."""
    title.subheader("Divergence")
    style()
    show_flash()
    folder = aligned_corpus(ws, "what its translations leave out is shown")
    if folder is None:
        return
    try:
        report = _report(str(folder.path), _stamp(folder))
    except FAILURES as exc:
        st.error(plain(exc))
        return
    if not report.pairs:
        st.info(f"Corpus {folder.name} has no aligned pair.")
        return
    by_tgt = {p.tgt_id: p for p in report.pairs}
    key = f"div_pair_{folder.name}"
    picked = st.session_state.pop("_div_pick", None)
    if picked in by_tgt:
        st.session_state[key] = picked
    if st.session_state.get(key) not in by_tgt:
        first = report.most_abridged[0] if report.most_abridged else report.pairs[0]
        st.session_state[key] = first.tgt_id

    def label(t: str) -> str:
        p = by_tgt[t]
        return f"{t} · {p.left_out_share:.0%} left out · {short(p.title or '(no title)', 60)}"

    nav = st.container(horizontal=True, vertical_alignment="bottom", key="div_nav")
    nav.selectbox("Pair", list(by_tgt), key=key, format_func=label, width=520)
    div = by_tgt[st.session_state[key]]
    open_pair = nav.button("Open the sentence alignment", key="div_open", icon=":material/open_in_new:")
    st.markdown(
        f"{len(div.left_out)} of {div.n_src} source sentences left out ({div.left_out_share:.0%}) · "
        f"{len(div.added)} of {div.n_tgt} target sentences added ({div.added_share:.0%}) · "
        f"{len(div.rewritten)} rewritten link(s)"
        + ("" if div.typical is None else f" · typical link score {div.typical:.2f}")
    )
    pair = folder.manifest.get("params", {}).get("pair", {})
    try:
        links = pair_links(folder, div.tgt_id)
    except (OSError, ValueError) as exc:
        st.error(f"The links of {plain(div.tgt_id)} cannot be read ({plain(exc)}).")
        return
    with st.container(key="div_pair_view", height=520):
        st.html(pair_html(links, div, (pair.get("src", ""), pair.get("tgt", ""))))
    if open_pair:
        first = next(
            (r for r in links if r["src_sent_ids"] and not r["tgt_sent_ids"]), links[0] if links else None
        )
        src_ids = list(first["src_sent_ids"] or ()) if first else []
        open_in_review(ws, folder, div.tgt_id, src_ids, [])
    st.divider()
    _archive(report)
