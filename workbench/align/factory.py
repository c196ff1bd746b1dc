"""An aligner from a preset name or a model list: the models and parameters (``resolve_models``) and the
aligner over their embedders (``make_aligner``), as the CLI, the app and the corpus pipeline build it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from workbench.align.aligner import Aligner
from workbench.align.params import DEFAULT_PRESET, PRESETS, AlignParams
from workbench.embed.embedder import get_embedder
from workbench.errors import WorkbenchError


def resolve_models(
    preset: str | None = None, models: str | None = None, settings: list[str] | None = None
) -> tuple[list[str], AlignParams]:
    """Model names and parameters from a preset name and/or a ``+``-joined model list, with ``KEY=VALUE``
    aligner settings (``AlignParams.overridden``) on top."""
    if preset and preset not in PRESETS:
        raise WorkbenchError(f"unknown preset {preset!r}: choose one of {', '.join(PRESETS)}")
    names, params = PRESETS[preset or DEFAULT_PRESET]
    if models:
        names = [m.strip() for m in models.split("+") if m.strip()]
    return list(names), params.overridden(settings or [])


def make_aligner(
    names: list[str],
    params: AlignParams,
    cache: bool | Path = True,
    on_embed: Callable[[str, int, int], None] | None = None,
) -> Aligner:
    """An aligner over the named models. ``on_embed(model, done, total)`` reports embedding progress."""
    encoders = {}
    for name in names:
        embedder = get_embedder(name, cache=cache)
        encoders[name] = embedder if on_embed is None else _Reporting(embedder, on_embed)
    return Aligner(encoders, params)


class _Reporting:
    """An embedder that reports its progress to ``on_embed(model, done, total)``."""

    def __init__(self, embedder, on_embed: Callable[[str, int, int], None]):
        self.embedder, self.on_embed = embedder, on_embed

    def _report(self, done: int, total: int) -> None:
        self.on_embed(self.embedder.name, done, total)

    def encode(self, texts: list[str]):
        return self.embedder.encode(texts, progress=self._report)

    def encode_spans(self, sentences: list[str], spans: list[tuple[int, int]]):
        return self.embedder.encode_spans(sentences, spans, progress=self._report)
