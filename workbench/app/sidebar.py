"""The sidebar of the article views (the article, its translation, other versions as columns, saving, the
settings, downloads) and the page's link (``?article=ID&target=VERSION&bead=N``), which opens a bead and
follows the reviewer."""

from __future__ import annotations

import html
from pathlib import Path

import streamlit as st

from workbench.align.aligner import PRESETS
from workbench.app import actions
from workbench.app.editing import PAGE_SIZES, Doc
from workbench.app.plain import plain
from workbench.app.widgets import btn, flash, short
from workbench.review import beads as review
from workbench.store import alignments as store
from workbench.store import texts
from workbench.workspace import Workspace

LINK = ("article", "target", "bead")
# The sidebar's choices, kept over a change of view: another view is another page, and Streamlit forgets the
# values of a page's widgets when it switches to another.
KEPT = (
    "article",
    "target",
    "extra",
    "autosave",
    "only_low",
    "threshold",
    "page_size",
    "preset",
    "dl_format",
    "dl_reviewed",
)


def keep() -> None:
    """Keep the sidebar's choices for the next page (see KEPT): set as values of the session, not of the
    widgets, they outlive the switch."""
    for key in KEPT:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


# --- the link ------------------------------------------------------------------------------------------


def link_value(name: str) -> str | None:
    """A value of the page's link (``?article=…&target=…&bead=…``), read on a session's first run only."""
    link = st.session_state.get("_link")
    if link is None:
        link = st.session_state["_link"] = {k: st.query_params.get(k) for k in LINK}
    return link.get(name)


def from_link(name: str, options: list[str], what: str) -> None:
    """Preselect the link's ``name`` (once): a value that is not there is said, not taken."""
    value = link_value(name)
    if value is None or st.session_state.get(f"_link_{name}_done"):
        return
    st.session_state[f"_link_{name}_done"] = True
    if value in options:
        st.session_state[name] = value
    else:
        flash("warning", f"The link names {what} {value!r}, which is not here: showing {options[0]}.")


def link_bead(doc: Doc) -> None:
    """Make the link's bead current (once, for the alignment the link opened)."""
    value = link_value("bead")
    if value is None or st.session_state.get("_link_bead_done"):
        return
    st.session_state["_link_bead_done"] = True
    n = doc.size
    if value.isascii() and value.isdigit() and len(value) <= 9 and 1 <= int(value) <= n:  # not "²"
        doc.cur = int(value) - 1
    else:
        flash("warning", f"The link names bead {value[:20]!r}; this alignment has beads 1 to {n}.")


def update_link(article: str, target: str | None, doc: Doc | None) -> None:
    """The page's address says where the reviewer is, so that it can be sent to a colleague."""
    want = {"article": article}
    if target:
        want["target"] = target
    if doc is not None:
        want["bead"] = str(doc.cur + 1)
    if {k: st.query_params.get(k) for k in LINK} != {k: want.get(k) for k in LINK}:
        st.query_params.from_dict(want)


# --- choices -------------------------------------------------------------------------------------------


def pick_article(ws: Workspace) -> texts.Article | None:
    try:
        arts = ws.articles()
    except texts.TextsError as exc:
        st.error(plain(exc))
        return None
    if not arts:
        st.info(
            f"No articles in {ws.texts} yet. Add one with "
            "`workbench add story.txt --article my-story --lang en --kind source`."
        )
        return None
    by_id = {a.id: a for a in arts}
    from_link("article", list(by_id), "article")
    chosen = st.sidebar.selectbox(
        "Article", list(by_id), key="article", format_func=lambda i: f"{short(by_id[i].title, 48)} · {i}"
    )
    article = by_id[chosen]
    about = " · ".join(x for x in (str(article.date or ""), article.publisher) if x)
    st.sidebar.markdown(
        f'<div class="wb-about"><b>{html.escape(article.title)}</b><br><code>{html.escape(article.id)}</code>'
        f"{' · ' + html.escape(about) if about else ''}</div>",
        unsafe_allow_html=True,
    )
    return article


def pick_target(article: texts.Article) -> tuple[str | None, list[str]]:
    """The translation to review and the other versions to show as columns (None, [] if it has none)."""
    by_id = {v.id: v for v in article.translations()}
    if not by_id:
        return None, []
    from_link("target", list(by_id), "translation")
    if st.session_state.get("target") not in by_id:  # another article's: this one's first
        st.session_state["target"] = next(iter(by_id))
    target = st.sidebar.selectbox(
        "Translation",
        list(by_id),
        key="target",
        format_func=lambda v: f"{v} · {by_id[v].kind_label}, {short(by_id[v].origin, 30)}",
    )
    st.session_state["extra"] = [v for v in st.session_state.get("extra", []) if v in by_id and v != target]
    chosen = st.sidebar.multiselect(
        "Other versions as columns",
        [v for v in by_id if v != target],
        key="extra",
        help="Other translations, lined up with these beads through the English",
    )
    return target, chosen


def doc_buttons(doc: Doc | None) -> None:
    """Save and reload (with an alignment open), and the autosave switch."""
    sb = st.sidebar
    if doc is not None:
        row = sb.container(horizontal=True, gap="small")
        btn(row, "Save", "save", actions.save, doc, icon="save", type="primary" if doc.dirty else "secondary")
        btn(
            row,
            "Reload",
            "reload",
            actions.reload,
            doc,
            icon="refresh",
            help="Read the file again (drops unsaved changes)",
        )
    st.session_state.setdefault("autosave", True)  # (as a value of the session: see keep)
    sb.toggle("Autosave after each edit", key="autosave")


def settings() -> None:
    sb = st.sidebar
    sb.toggle("Only low-confidence beads", key="only_low")
    st.session_state.setdefault("threshold", review.LOW_CONFIDENCE)
    sb.slider("Low confidence: below", 0.05, 0.95, step=0.05, key="threshold")
    sb.selectbox("Beads per page", PAGE_SIZES, key="page_size")
    sb.radio(
        "Aligner",
        list(PRESETS),
        key="preset",
        horizontal=True,
        help="fast: use-m3, seconds; accurate: use-m3 + e5-small, slower and better",
    )


# --- what the sidebar offers of the open alignment -----------------------------------------------------


def download(article: texts.Article, a: store.Alignment) -> None:
    """The alignment as it is now (saved or not): this file format, or a corpus format of the export."""
    from workbench.export import articles as export

    box = st.sidebar.expander("Download", icon=":material/download:")
    base = f"{a.article}.{a.target.version}"
    box.download_button(
        "Alignment (workbench JSON)",
        data=lambda: store.dumps(a),
        file_name=f"{base}.json",
        mime="application/json",
        key="dl_json",
        on_click="ignore",
        icon=":material/data_object:",
    )
    fmt = box.selectbox("Corpus format", list(export.FORMATS), key="dl_format")
    reviewed = box.toggle("Only confirmed and edited beads", key="dl_reviewed")
    options = export.ExportOptions(status="confirmed" if reviewed else "any", allow_stale=True)
    info = export.FORMATS[fmt]

    def data() -> bytes:
        return export.export_bytes([export.record_for(article, a)], fmt, options, name=base)[0]

    box.download_button(
        f"{fmt.upper()} file",
        data=data,
        file_name=f"{base}{info.extension}",
        mime=info.media_type,
        key="dl_corpus",
        on_click="ignore",
        icon=":material/download:",
    )
    both = sum(1 for x in a.links if x.src and x.tgt and (not reviewed or store.is_reviewed(x)))
    box.caption(f"{both} bead(s) with text on both sides go into the file.")


@st.cache_data(max_entries=16, show_spinner=False)
def _load_cached(path: Path, mtime: int) -> store.Alignment:
    return store.load_alignment(path)


def other_columns(
    ws: Workspace, article: texts.Article, a: store.Alignment, chosen: list[str]
) -> dict[str, list[str]]:
    """The texts of the other versions ``chosen``, bead by bead of ``a`` (through the English)."""
    others = []
    for vid in chosen:
        path = ws.alignment_path(article.id, vid)
        if not path.exists():
            st.sidebar.caption(f"{vid} is not aligned yet: choose it as the translation and align it.")
            continue
        try:
            others.append(_load_cached(path, store.file_mtime(path)))
        except store.AlignmentError as exc:
            st.sidebar.warning(f"{vid}: {exc}")
    try:
        return review.version_columns(a, others)
    except review.ReviewError as exc:
        st.sidebar.warning(str(exc))
        return {}
