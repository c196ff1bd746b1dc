"""What the article views share above the view itself: the choices of the sidebar, the open alignment and
the screens instead of it (no translation, not aligned yet, a file that cannot be read), its progress, the
banners of a conflict or a changed text, and the long jobs (align, re-align) with their progress."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from workbench.align.aligner import PRESETS
from workbench.app import actions, models, sidebar
from workbench.app.editing import FAILURES, Doc
from workbench.app.plain import plain
from workbench.app.widgets import failed, flash, session, show_flash
from workbench.review import beads as review
from workbench.store import alignments as store
from workbench.store import texts
from workbench.workspace import (
    DEFAULT_PRESET,
    OddTextsError,
    Workspace,
    align_version,
    changed_texts,
    coverage_warning,
    side,
)


@dataclass
class Chosen:
    """What the sidebar chose: the article, the translation (None: it has none), the other versions to show
    as columns; the translation's alignment if it is open, else why it cannot be (None: not made yet)."""

    ws: Workspace
    article: texts.Article
    target: str | None
    extra: list[str]
    doc: Doc | None
    problem: Exception | None


def choose(ws: Workspace, title) -> Chosen | None:
    """The sidebar of an article view (the same in every view, so that no choice is forgotten); the
    article's title goes to ``title``. None: no article to show (the page says why)."""
    article = sidebar.pick_article(ws)
    if article is None:
        return None
    title.subheader(article.title)
    try:
        article.source()
    except texts.TextsError as exc:
        st.error(plain(exc))
        return None
    target, extra = sidebar.pick_target(article)
    doc = problem = None
    if target is not None:
        doc, problem = load(ws, article, target)
    sidebar.doc_buttons(doc)
    sidebar.settings()
    sidebar.update_link(article.id, target, doc)
    return Chosen(ws, article, target, extra, doc, problem)


def load(ws: Workspace, article: texts.Article, target: str) -> tuple[Doc | None, Exception | None]:
    """The open alignment of ``target`` (opened now if needed, checked against the file on disk), or why it
    cannot be opened (None, None: there is none yet)."""
    tab = session()
    key, path = (article.id, target), ws.alignment_path(article.id, target)
    doc = tab.docs.get(key)
    if doc is None:
        if not path.exists():
            return None, None
        try:
            doc = tab.open(path, article.id, target)
        except store.AlignmentError as exc:
            return None, exc
        sidebar.link_bead(doc)
    tab.check_disk(doc)
    if tab.docs.get(key) is not doc:  # reloaded from disk, or gone
        st.rerun()
    return doc, None


def no_translation(chosen: Chosen) -> bool:
    """Say so if the article has no translation yet."""
    if chosen.target is not None:
        return False
    show_flash()
    st.warning(
        f"**This article has no translations yet.** Add one with `workbench add FILE --article "
        f"{chosen.article.id} --lang es --kind human`, or machine-translate it in the Translate view."
    )
    return True


def alignment(chosen: Chosen, messages: bool = True) -> store.Alignment | None:
    """The open alignment, with its progress, messages (unless the view shows them itself: ``messages``
    False), banners and downloads drawn above the view; None where the page shows instead that there is no
    translation, no alignment yet, or a broken file."""
    if no_translation(chosen):
        return None
    ws, article, target, doc = chosen.ws, chosen.article, chosen.target, chosen.doc
    if doc is None:
        show_flash()
        if chosen.problem is not None:
            _corrupt(ws, article, target, ws.alignment_path(article.id, target), chosen.problem)
        else:
            _not_aligned(ws, article, target)
        return None
    a = doc.history.present
    doc.go(doc.cur)
    _keep_place(doc, a)
    _progress_line(doc, a)
    if messages:
        show_flash()
    if doc.conflict:
        _conflict_banner(doc)
    _stale_banner(doc, article, a)
    sidebar.download(article, a)
    return a


def _keep_place(doc: Doc, a: store.Alignment) -> None:
    """Another translation of the same article opens on the English sentence the reviewer was at."""
    place = st.session_state.get("_place")
    if place and place[0] == doc.article and place[1] != doc.target:
        k = next((k for k, link in enumerate(a.links) if place[2] in link.src), None)
        if k is not None:
            doc.go(k)
    here = next((s for link in a.links[doc.cur :: -1] for s in link.src), None)  # a 0-1 bead: the one above
    st.session_state["_place"] = (doc.article, doc.target, here)


def _progress_line(doc: Doc, a: store.Alignment) -> None:
    reviewed, total = review.progress(a)
    state = (
        "unsaved changes" if doc.dirty else f"saved at {doc.saved_at}" if doc.saved_at else "no changes yet"
    )
    st.progress(
        reviewed / max(total, 1),
        text=f"**{reviewed} of {total} beads reviewed** · {a.source.version} → {a.target.version} · "
        f"revision {doc.revision} · {state}",
    )
    if doc.dirty and not session().autosave:  # the page asks before it is closed or reloaded (app.js)
        st.html('<span class="wb-dirty" hidden></span>')


# --- no alignment yet, or one that cannot be read ------------------------------------------------------


def _not_aligned(ws: Workspace, article: texts.Article, target: str) -> None:
    st.info(f"**{target}** is not aligned to the English yet.")
    names = PRESETS[st.session_state.get("preset", DEFAULT_PRESET)][0]
    if warning := coverage_warning(names, (article.source().language, article.version(target).language)):
        st.warning(f"{warning}.", icon=":material/translate:")
    if not _offer_anyway(ws, article, target) and st.button(
        "Align now", key="align", type="primary", icon=":material/join:"
    ):
        _align_now(ws, article, target)


def _offer_anyway(ws: Workspace, article: texts.Article, target: str) -> bool:
    """After an alignment refused because the texts look wrong for it: say why and offer to align anyway."""
    held = st.session_state.get("odd_texts")
    if not held or held[:2] != (article.id, target):
        return False
    st.warning(held[2])
    if st.button("Align anyway", key="align_anyway", icon=":material/join:"):
        del st.session_state["odd_texts"]
        _align_now(ws, article, target, anyway=True)
    return True


def _corrupt(ws: Workspace, article: texts.Article, target: str, path: Path, exc: Exception) -> None:
    if path.is_dir():  # nothing to copy: Start again moves it aside
        kept = f"Start again moves it aside (as `{path.name}.corrupt-<time>`) and aligns {target} afresh."
    else:
        try:
            kept = f"A copy of it is kept as `{store.keep_corrupt(path)}`."
        except FAILURES as why:
            kept = f"No copy could be kept ({why})."
        kept += f" Fix the file by hand and reload, or start again: align {target} from scratch."
    st.error(f"**The alignment file cannot be read.** {plain(exc)}\n\n{kept}")
    if _offer_anyway(ws, article, target):
        return
    row = st.container(horizontal=True)
    if row.button("Start again", key="start_again", type="primary", icon=":material/restart_alt:"):
        _align_now(ws, article, target, force=True)  # the broken file is kept as a .corrupt copy
    row.button("Reload", key="reload_corrupt", icon=":material/refresh:")


def _align_now(
    ws: Workspace, article: texts.Article, target: str, anyway: bool = False, force: bool = False
) -> None:
    names, params = PRESETS[st.session_state.get("preset", DEFAULT_PRESET)]
    failure = None
    with st.status(f"Aligning {target} with {'+'.join(names)}…", expanded=True) as box:
        bar = st.progress(0.0, text="loading the model")
        try:
            aligner = models.aligner(names, params, bar)
            done = align_version(ws, article, target, aligner, "+".join(names), anyway=anyway, force=force)
        except OddTextsError as exc:  # the page offers to align anyway
            st.session_state["odd_texts"] = (article.id, target, str(exc))
            st.rerun()
        except FAILURES as exc:
            failure = exc
        else:
            box.update(label=f"Aligned: {len(done.record.links)} beads ({done.outcome})", state="complete")
    if failure is not None:
        failed(box, "Alignment failed", failure)
        return
    session().docs.pop((article.id, target), None)
    st.rerun()


# --- banners over the open alignment -------------------------------------------------------------------


def _conflict_banner(doc: Doc) -> None:
    st.error(
        f"**Not saved: the file changed since you loaded it.** {doc.conflict}\n\n"
        "Reload it from disk (your changes since your last save are dropped), or keep both: your version "
        "is written next to it as a copy and the editor loads the file on disk. Nothing is overwritten."
    )
    row = st.container(horizontal=True)
    row.button(
        "Reload from disk",
        key="conflict_reload",
        icon=":material/refresh:",
        on_click=actions.reload,
        args=(doc,),
    )
    row.button(
        "Keep both", key="keep_both", icon=":material/file_copy:", on_click=actions.keep_both, args=(doc,)
    )


def _stale_banner(doc: Doc, article: texts.Article, a: store.Alignment) -> None:
    try:
        changed = changed_texts(article, a)
    except texts.TextsError as exc:
        st.warning(f"Cannot check the texts: {plain(exc)}")
        return
    if not changed:
        return
    st.warning(
        f"**The text of {' and '.join(changed)} changed since this alignment was made.** Re-align it: "
        "confirmed and edited beads whose sentences are unchanged are kept."
    )
    if st.button("Re-align, keeping reviewed beads", key="rebase", icon=":material/sync:"):

        def job(bar):
            source, target = side(article, a.source.version), side(article, a.target.version)
            new, dropped = review.rebase(a, source, target, models.record_aligner(a, bar))
            if dropped:
                flash("warning", f"{len(dropped)} reviewed beads changed and were re-aligned automatically.")
            return new

        long_edit(doc, "Re-aligning the changed text…", job)


def long_edit(doc: Doc, label: str, job) -> None:
    """Run a slow operation (it gets a progress bar) and push its result as one undoable edit."""
    failure = None
    with st.status(label, expanded=True) as box:
        bar = st.progress(0.0, text="loading the model")
        try:
            new = job(bar)
        except FAILURES as exc:
            failure = exc
        else:
            box.update(label="Done", state="complete")
    if failure is not None:
        failed(box, f"{label.rstrip('…')} failed", failure)
        return
    session().push(doc, new, doc.cur)
    st.rerun()
