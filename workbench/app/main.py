"""The review app: pick an article and a translation, align it, review and correct the links bead by bead
(and the texts, sentence by sentence), find things, save; and a queue of a corpus's document pairs to
decide. A thin Streamlit shell: every change goes through the editing session (``workbench.app.editing``)
and ``workbench.review``, ``workbench.store`` and ``workbench.corpus``; the app's modules hold only what is
on the screen.

This is the entry script: what every page shares (the styles and script, the sidebar's head, the choice of
view), then the view, one page module each (``review_page``, ``matrix_page``, ``stats_page``,
``compare_page``, ``translate_page``, ``pairs_page``) run by ``st.navigation``. The row of views above the
page is the navigation; each view also has an address of its own (``/matrix``, ``/pairs``, ...).

Start it with ``workbench app``, which serves it on 127.0.0.1 only (or ``streamlit run workbench/app/main.py
--server.address 127.0.0.1``: without that option Streamlit listens on every network interface);
``WORKBENCH_ROOT`` names the workbench folder (default: the current folder). The rules about the files
(saving, conflicts, copies kept beside a file) are ``workbench.store.alignments``'; the CLI follows them too.
A link such as ``?article=ID&target=VERSION&bead=N`` opens that bead.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from workbench.app import (
    compare_page,
    concordance_page,
    divergence_page,
    matrix_page,
    pairs_page,
    qa_page,
    review_page,
    sidebar,
    stats_page,
    translate_page,
)
from workbench.app.widgets import page_head
from workbench.workspace import Workspace

# The views, in the order of the row of views, with their page and address.
VIEWS = {
    "Review": (review_page.show, "review"),
    "Similarity matrix": (matrix_page.show, "matrix"),
    "Statistics": (stats_page.show, "statistics"),
    "Machine vs human": (compare_page.show, "compare"),
    "Translate": (translate_page.show, "translate"),
    "Document pairs": (pairs_page.show, "pairs"),
    "QA": (qa_page.show, "qa"),
    "Concordance": (concordance_page.show, "concordance"),
    "Divergence": (divergence_page.show, "divergence"),
}


def main() -> None:
    st.set_page_config(page_title="workbench · review", page_icon="🈂️", layout="wide")
    st.session_state["_runs"] = st.session_state.get("_runs", 0) + 1
    st.sidebar.html(page_head(), unsafe_allow_javascript=True)  # not in the page: it would take a row
    ws = Workspace.find()
    st.sidebar.markdown("## workbench")
    st.sidebar.caption(f"folder: **{ws.root.name or ws.root}**", help=str(ws.root))
    title = st.container()
    pages = {
        name: st.Page(partial(show, ws, title), title=name, url_path=path, default=name == "Review")
        for name, (show, path) in VIEWS.items()
    }
    page = st.navigation(list(pages.values()), position="hidden")
    switch = st.session_state.pop("_switch", None)
    if switch is not None:  # a document pair opened for review: its article, in the review view
        st.session_state["article"], st.session_state["target"] = switch
        st.session_state["view"] = "Review"
    elif "view" not in st.session_state:  # a new session: the view of the address
        st.session_state["view"] = page.title
    view = st.segmented_control("View", list(VIEWS), key="view", required=True, label_visibility="collapsed")
    if view != page.title:
        sidebar.keep()
        st.switch_page(pages[view], query_params=st.query_params.to_dict())
    page.run()
    # The run's last element: once its number is on the page, everything this run drew is there too
    # (what the browser tests wait for after an action).
    st.sidebar.html(f'<span id="wb-run" data-run="{st.session_state["_runs"]}" hidden></span>')


if __name__ == "__main__":
    main()
