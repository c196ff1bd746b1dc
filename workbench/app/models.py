"""The embedding models and aligners of the review app, loaded once per process and shared by every tab."""

from __future__ import annotations

import streamlit as st

from workbench.align.aligner import Aligner, AlignParams, Similarities
from workbench.align.factory import make_aligner
from workbench.embed.embedder import get_embedder
from workbench.store import alignments as store
from workbench.workspace import models_of


@st.cache_resource(show_spinner="Loading the embedding model…")
def load_models(names: tuple[str, ...]) -> None:
    """Load the embedding models once per process (get_embedder shares them from then on): each embeds a
    word, uncached, which loads it."""
    for name in names:
        get_embedder(name, cache=False).encode(["warm-up"])


def aligner(names: list[str], params: AlignParams, bar=None) -> Aligner:
    """An aligner over the loaded models; ``bar`` (a st.progress) shows the embedding progress."""
    load_models(tuple(names))

    def report(model: str, done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=f"embedding with {model}: {done:,} of {total:,}")

    return make_aligner(names, params, on_embed=report if bar is not None else None)


def record_aligner(record: store.Alignment, bar=None) -> Aligner:
    """An aligner with the models and parameters this alignment was made with (see models_of)."""
    return aligner(*models_of(record), bar)


@st.cache_resource(max_entries=4, show_spinner="Computing sentence similarities…")
def similarities(
    src: tuple[str, ...], tgt: tuple[str, ...], names: tuple[str, ...], params: AlignParams
) -> Similarities:
    """The pair's rescaled sentence vectors (linear in length); the view computes only the cells it shows."""
    return aligner(list(names), params).similarities(list(src), list(tgt))
