"""The Translate view: machine-translate the article's English into another language (Argos Translate or
Apertium), as a new version of the article."""

from __future__ import annotations

import streamlit as st

from workbench.app import frame
from workbench.app.editing import FAILURES
from workbench.app.plain import plain
from workbench.app.widgets import failed, flash, session, show_flash
from workbench.store import texts
from workbench.workspace import Workspace


def show(ws: Workspace, title) -> None:
    chosen = frame.choose(ws, title)
    if chosen is None:
        return
    show_flash()
    _translate_view(ws, chosen.article)


def _translate_view(ws: Workspace, article: texts.Article) -> None:
    from workbench.translate import job as mt
    from workbench.translate.argos_models import argos_code, installed_packages, served_pairs
    from workbench.translate.engines import ENGINES, apertium_modes

    source = article.source()
    try:
        packages = installed_packages()
    except FAILURES as exc:
        st.warning(f"Cannot list the Argos models: {plain(exc)}")
        packages = []
    pairs = [p for p in served_pairs(packages) if p.from_code == argos_code(source.language)]
    modes = apertium_modes()
    argos = ", ".join(
        f"{p.from_code}→{p.to_code}" + ("" if p.via == "direct" else f" ({p.via})") for p in pairs
    )
    st.markdown(
        f"Machine-translate **{source.id}** sentence by sentence into another language. The "
        "translation becomes a new version of the article, aligned 1-1 to the English."
    )
    st.caption(
        f"Argos models for {source.language}: {argos or 'none'} · Apertium: {', '.join(modes) or 'none'}"
    )
    if not pairs and not modes:
        st.warning(
            "**No translation engine is installed.** Install an Argos model with `workbench models install "
            f"{source.language} ko` (downloads it) or, offline, `workbench models install "
            f"./translate-{source.language}_ko.argosmodel`; or Apertium with "
            "`sudo apt-get install apertium apertium-eng-spa`."
        )
        return
    row = st.container(horizontal=True, vertical_alignment="bottom")
    engine_name = row.radio("Engine", ENGINES, key="mt_engine", horizontal=True, index=0 if pairs else 1)
    default = pairs[0].to_code if engine_name == "argos" and pairs else "es"
    lang = row.text_input("Into (language code)", value=default, key="mt_lang", width=180).strip()
    force = row.toggle("Translate again if it exists", key="mt_force")
    if not row.button("Translate", key="translate", type="primary", icon=":material/translate:"):
        return
    failure = None
    with st.status(f"Translating {source.id} into {lang} with {engine_name}…", expanded=True) as box:
        bar = st.progress(0.0, text="loading the model")
        try:
            batch = mt.plan_batch(ws, [article], lang, engine_name, force=force)
            if batch.skipped:
                version_id = batch.skipped[0].version_id
                box.update(label=f"{version_id} exists already", state="complete")
                st.info(f"{article.id} already has {version_id}; switch on *Translate again* to redo it.")
                return
            before = {v.id: v.created for v in article.versions}
            progress = lambda d, t: bar.progress(d / max(t, 1), text=f"{d} of {t}")  # noqa: E731
            ((_, done),) = mt.run_batch(ws, batch, progress)
            if isinstance(done, Exception):
                raise done
        except FAILURES as exc:
            failure = exc
        else:
            box.update(label=f"Translated: {done.version.id}", state="complete")
    if failure is not None:
        failed(box, "Translation failed", failure)
        return
    session().docs.pop((article.id, done.version.id), None)
    if before.get(done.version.id) == done.version.created:
        flash("info", f"{done.version.id} came out the same as before: nothing was written.")
    else:
        flash(
            "success",
            f"Made {done.version.id} ({done.sentences} sentences, {done.version.origin}). "
            "Pick it as the translation to review, or compare it in Machine vs human.",
        )
    st.rerun()
