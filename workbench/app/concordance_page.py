"""The Concordance view: the parallel concordance of a corpus (the search of ``workbench corpus search``),
each hit's match and its counterpart highlighted, a jump from a hit to its pair's sentence alignment in the
Review view, and the renderings of a term (``workbench corpus variants``).

Also what the corpus views (this one, QA and Divergence) share: the corpus picked in the sidebar, and the
opening of a pair's sentence alignment at a bead. Every text of a corpus is shown HTML-escaped, never as
Markdown."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import streamlit as st

from workbench.app.editing import FAILURES
from workbench.app.plain import plain
from workbench.app.widgets import failed, marked, show_flash
from workbench.store import alignments as store
from workbench.workspace import Workspace

# The corpus views' own styles (the app's are in static/app.css, which belongs to the review grid).
STYLE = """<style>
.wb-hit { display: grid; grid-template-columns: 1fr 1fr; gap: .2rem 1.2rem; margin: 0 0 .2rem 0; }
.wb-hit p { margin: 0; }
.wb-about-hit { color: #6b7280; font-size: .8rem; font-variant-numeric: tabular-nums; }
.wb-counterpart { background: rgba(47, 157, 90, .12); border-radius: 3px; padding: 0 .2rem; }
.wb-left-out { color: #9ca3af; }
.wb-added { background: rgba(217, 148, 0, .14); }
.wb-flag { display: inline-block; font-size: .7rem; padding: 0 .3rem; border-radius: 3px; color: white;
  margin-right: .3rem; }
.wb-qa { width: 100%; border-collapse: collapse; font-size: .9rem; }
.wb-qa td { vertical-align: top; padding: .25rem .4rem; border-bottom: 1px solid rgba(128, 128, 128, .2); }
.wb-qa tr.wb-cur td { background: rgba(47, 120, 200, .12); }
.wb-qa td.wb-n { white-space: nowrap; color: #6b7280; font-variant-numeric: tabular-nums; }
.wb-qa .wb-title { font-weight: 600; display: block; }
</style>"""


def style() -> None:
    st.html(STYLE)


def pick_corpus(ws: Workspace, what: str):
    """The corpus picked in the sidebar (the same choice as in the Document pairs view), or None where
    there is none (said on the page). ``what``: what the view does with a corpus, for the hint."""
    from workbench import corpus

    try:
        corpora = corpus.list_corpora(ws.root)
    except FAILURES as exc:
        st.error(plain(exc))
        return None
    if not corpora:
        st.info(
            f"No corpus in {ws.root / corpus.CORPORA} yet. Build one from an archive of stories, e.g. "
            f"`workbench corpus build stories.parquet --name kcna --src en --tgt es`; {what} here."
        )
        return None
    by_name = {c.path.name: c for c in corpora}
    if st.session_state.get("corpus") not in by_name:
        st.session_state.pop("corpus", None)
    name = st.sidebar.selectbox("Corpus", list(by_name), key="corpus")
    return by_name[name]


def _bead_of(path: Path, src_ids, tgt_ids) -> int:
    """The bead (0-based) of the alignment at ``path`` holding the first of these sentences (0 if none)."""
    want_src, want_tgt = set(src_ids), set(tgt_ids)
    links = store.load_alignment(path).links
    for k, link in enumerate(links):
        if want_src & set(link.src) or want_tgt & set(link.tgt):
            return k
    return 0


def open_in_review(ws: Workspace, folder, tgt_id: str, src_ids=(), tgt_ids=()) -> None:
    """Open the pair of ``tgt_id`` for review as the pair queue does, at the bead holding these sentences:
    the next run shows it in the Review view (``?article=…&target=…&bead=N``)."""
    from workbench.corpus import queue as pairqueue

    with st.status(f"Opening the pair of {tgt_id}…", expanded=True) as box:
        bar = st.progress(0.0, text="aligning the pair's sentences if they are not yet")
        try:
            aid, target = pairqueue.open_for_review(
                folder, ws, tgt_id, progress=lambda what, d, t: bar.progress(d / max(t, 1), text=what)
            )
            bead = _bead_of(ws.alignment_path(aid, target), src_ids, tgt_ids)
        except FAILURES as exc:
            failed(box, "Could not open the pair", exc)
            return
    # The review view reads the link once per session; it is this one now. An alignment already open in
    # this tab is moved to the bead here, one opened on the next run by the link.
    doc = st.session_state.get("docs", {}).get((aid, target))
    if doc is not None:
        doc.go(bead)
    link = {"article": aid, "target": target, "bead": str(bead + 1)}
    st.session_state["_link"] = link
    for name in ("article", "target", "bead"):
        st.session_state.pop(f"_link_{name}_done", None)
    st.query_params.from_dict(link)
    st.session_state["_switch"] = (aid, target)
    st.rerun()


# --- the concordance --------------------------------------------------------------------------------------


def _side_html(text: str, spans, lang: str, counterpart: bool) -> str:
    cls = "wb-sent wb-counterpart" if counterpart else "wb-sent"
    body = marked(text, list(spans)) if text else '<span class="wb-none">—</span>'
    return f'<p class="{cls}" lang="{html.escape(lang)}">{body}</p>'


def hit_html(hit, src_lang: str, tgt_lang: str) -> str:
    """One hit: its ids, link, kind, score and date; the source and target, the match marked and the side
    without a match (the counterpart) highlighted."""
    about = (
        f"{html.escape(hit.tgt_id)} ← {html.escape(hit.src_id)} · link {hit.link} · {html.escape(hit.kind)}"
        f" · score {hit.score:.2f}" + (f" · {html.escape(hit.date)}" if hit.date else "")
    )
    return (
        f'<div class="wb-about-hit">{about}</div><div class="wb-hit">'
        + _side_html(hit.src_text, hit.src_spans, src_lang, not hit.src_spans)
        + _side_html(hit.tgt_text, hit.tgt_spans, tgt_lang, not hit.tgt_spans)
        + "</div>"
    )


def _languages(folder) -> tuple[str, str]:
    pair = folder.manifest.get("params", {}).get("pair", {})
    return pair.get("src", ""), pair.get("tgt", "")


def _search(ws: Workspace, folder) -> None:
    from workbench.corpus.concordance import SIDES, search

    with st.container(horizontal=True, vertical_alignment="bottom", key="conc_form"):
        query = st.text_input(
            "Search", key="conc_query", placeholder="a word, a phrase or a regex", width=360
        )
        side = st.selectbox(
            "Side", SIDES, key="conc_side", format_func={"both": "both", "src": "source", "tgt": "target"}.get
        )
        min_score = st.number_input(
            "Min score", 0.0, 1.0, 0.0, 0.05, key="conc_min_score", help="Only links with this confidence"
        )
        limit = st.number_input("Limit", 1, 500, 20, 10, key="conc_limit")
    with st.container(horizontal=True, key="conc_flags"):
        regex = st.checkbox("Regular expression", key="conc_regex")
        word = st.checkbox("Whole words", key="conc_word")
    if not query.strip():
        st.caption("Type a word or a phrase and press Enter: every link of the corpus that holds it.")
        return
    try:
        result = search(folder, query, side, regex, word, min_score or None, int(limit))
    except FAILURES as exc:  # (it may quote the query)
        st.error(plain(str(exc)))
        return
    shown = len(result.hits)
    st.markdown(
        f"**{result.total} matching link{'s' * (result.total != 1)}**"
        + (f" (showing {shown}: raise the limit to see more)" if result.total > shown else "")
    )
    src_lang, tgt_lang = _languages(folder)
    with st.container(key="conc_hits"):
        for n, hit in enumerate(result.hits):
            row = st.container(horizontal=True, vertical_alignment="center", key=f"conc_hit_{n}")
            row.html(hit_html(hit, src_lang, tgt_lang), width="stretch")
            if row.button(
                "Open", key=f"conc_open_{n}", icon=":material/open_in_new:", help="Review this link's pair"
            ):
                open_in_review(ws, folder, hit.tgt_id, hit.src_sent_ids, hit.tgt_sent_ids)


def _variants(folder) -> None:
    from workbench.corpus.variants import variants

    st.markdown("**Translation variants**: how a source term was rendered, from word alignments (eflomal)")
    with st.container(horizontal=True, vertical_alignment="bottom", key="var_form"):
        term = st.text_input("Term", key="var_term", placeholder="Supreme People's Assembly", width=360)
        go = st.button("Show its renderings", key="var_go", icon=":material/translate:")
    if go:
        st.session_state["var_shown"] = term
    term = st.session_state.get("var_shown", "")
    if not term.strip():
        return
    try:
        with st.spinner("word-aligning the corpus's links (eflomal; cached afterwards)"):
            result = variants(folder, term)
    except FAILURES as exc:
        st.error(plain(str(exc)))
        return
    if not result.occurrences:
        st.info(plain(f"{term!r} does not occur in the source side of {folder.name}."))
        return
    st.caption(plain(f"{term}: {result.occurrences} occurrence(s), {result.unaligned} unaligned"))
    rows = [
        {
            "rendering": v.rendering,
            "count": v.count,
            "share": v.share,
            "first": v.first or "",
            "last": v.last or "",
            "example": f"{v.example.tgt_id} link {v.example.link}",
            "in context": v.example.tgt_text,
        }
        for v in result.variants
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        key="var_table",
        column_config={"share": st.column_config.NumberColumn(format="percent")},
    )


def aligned_corpus(ws: Workspace, what: str):
    """The corpus picked in the sidebar, if it has sentence links (else None, and the page says how)."""
    folder = pick_corpus(ws, what)
    if folder is not None and not folder.has("links"):
        st.info(
            f"Corpus {folder.name} has no sentence links yet: run `workbench corpus align {folder.name}`."
        )
        return None
    return folder


def show(ws: Workspace, title) -> None:
    """A parallel concordance of a corpus: search, hits with their counterparts, a jump to a hit's pair;
    the renderings of a term."""
    title.subheader("Concordance")
    style()
    show_flash()
    folder = aligned_corpus(ws, "its aligned sentences are searched")
    if folder is None:
        return
    _search(ws, folder)
    st.divider()
    _variants(folder)
