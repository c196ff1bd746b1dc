"""The Machine vs human view: a machine translation against a human one of the same language, chrF for the
whole article and sentence by sentence, where they differ most first."""

from __future__ import annotations

import html
from pathlib import Path

import streamlit as st

from workbench.align.aligner import PRESETS
from workbench.app import frame, models
from workbench.app.editing import FAILURES
from workbench.app.plain import plain
from workbench.app.widgets import head, show_flash
from workbench.store import alignments as store
from workbench.store import texts
from workbench.workspace import DEFAULT_PRESET, Workspace


def show(ws: Workspace, title) -> None:
    chosen = frame.choose(ws, title)
    if chosen is None or frame.no_translation(chosen):
        return
    show_flash()
    _compare_view(ws, chosen.article)


@st.cache_data(max_entries=16, show_spinner="Comparing the translations…")
def _comparison(root: str, article_id: str, human: str, machine: str, stamp: tuple):
    """compare_versions, cached until one of the texts or alignments changes (``stamp``)."""
    from workbench.compare import compare_versions

    ws = Workspace(Path(root))

    def factory():
        names, params = PRESETS[DEFAULT_PRESET]
        return models.aligner(names, params), "+".join(names)

    return compare_versions(ws, ws.article(article_id), human, machine, aligner_factory=factory)


def _base(language: str) -> str:
    return language.split("-")[0]


def _compare_view(ws: Workspace, article: texts.Article) -> None:
    import pandas as pd

    humans = [v for v in article.translations() if v.kind == "human"]
    machines = [v for v in article.translations() if v.kind == "machine"]
    if not humans or not machines:
        st.info(
            "**Machine vs human** compares a machine translation with a human one of the same language, "
            f"sentence by sentence. {article.id} has {len(humans)} human and {len(machines)} machine "
            "translation(s): make a machine one in the Translate view."
        )
        return
    # A language with both first: the view opens on a pair it can compare.
    paired = {_base(m.language) for m in machines}
    humans.sort(key=lambda v: _base(v.language) not in paired)
    row = st.container(horizontal=True)
    human = row.selectbox(
        "Human translation", [v.id for v in humans], key=f"cmp_human_{article.id}", width=260
    )
    lang = article.version(human).language
    same = [v.id for v in machines if _base(v.language) == _base(lang)]
    if not same:
        st.info(f"No machine translation into {lang} yet: make one in the Translate view.")
        return
    machine = row.selectbox("Machine translation", same, key=f"cmp_machine_{article.id}", width=260)
    files = [article.path / article.version(v).file for v in (article.source().id, human, machine)]
    files += [ws.alignment_path(article.id, v) for v in (human, machine)]
    try:
        stamp = tuple(store.file_mtime(f) for f in files)
        result = _comparison(str(ws.root), article.id, human, machine, stamp)
    except FAILURES as exc:
        st.error(f"Cannot compare: {plain(exc)}")
        return
    left, right = st.columns([1, 3])
    left.metric(
        "chrF, whole article",
        f"{result.chrf:.1f}",
        help="sacrebleu chrF of the machine text "
        "against the human one: 100 is identical; below about 40, the two say it differently",
    )
    right.caption(" · ".join(f"{v}: {how}" for v, how in result.alignments.items()))
    st.markdown(f"**Where {human} departs most from {machine}**")
    langs = ("", article.source().language, lang, article.version(machine).language)
    with st.container(key="cmp_head"):
        heads = st.columns([1, 4, 4, 4])
        for c, name in zip(heads, ["chrF", result.source, human, machine], strict=True):
            c.markdown(head(name), unsafe_allow_html=True)
    with st.container(key="cmp_rows"):
        for r in result.most_different(5):
            with st.container(border=True):
                c = st.columns([1, 4, 4, 4])
                c[0].markdown(
                    f'<span class="wb-conf" style="background:{_chrf_colour(r.chrf)}">{r.chrf:.0f}</span>'
                    f'<span class="wb-ids">{html.escape(" ".join(r.source_ids))}</span>',
                    unsafe_allow_html=True,
                )
                names = (result.source, human, machine)
                for col, text, code, name in zip(
                    c[1:], (r.source, r.human, r.machine), langs[1:], names, strict=True
                ):
                    col.markdown(
                        f'<span class="wb-lab">{html.escape(name)}</span>'
                        f'<p class="wb-sent" lang="{html.escape(code)}">{html.escape(text)}</p>',
                        unsafe_allow_html=True,
                    )
    st.markdown("**Every English sentence**")
    table = pd.DataFrame(
        {
            "sentence": [" ".join(r.source_ids) for r in result.rows],
            "chrF": [round(r.chrf, 1) for r in result.rows],
            result.source: [r.source for r in result.rows],
            human: [r.human for r in result.rows],
            machine: [r.machine for r in result.rows],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        key="cmp_table",
        column_config={
            "chrF": st.column_config.ProgressColumn("chrF", min_value=0, max_value=100, format="%.1f")
        },
    )


def _chrf_colour(chrf: float) -> str:
    return "#d64541" if chrf < 30 else "#d99400" if chrf < 50 else "#2f9d5a"
