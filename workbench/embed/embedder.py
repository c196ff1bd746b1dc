"""Multilingual sentence embeddings: the front. :func:`get_embedder` gives an :class:`Embedder` for a model
spec (``use-m3``, ``e5-small``, ``st:<name-or-path>``; see :mod:`workbench.embed.backends`), which
de-duplicates texts, looks them up in the on-disk cache (:mod:`workbench.embed.cache`) and embeds the rest
in batches, the model loaded on first use.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from workbench.embed.backends import BATCH_SIZE, Backend, EmbeddingError, make_backend, span_texts
from workbench.embed.cache import EmbeddingCache, default_cache_path

__all__ = [
    "DEFAULT_MODEL",
    "Embedder",
    "EmbeddingError",
    "default_cache_path",
    "get_embedder",
    "span_texts",
]

DEFAULT_MODEL = "use-m3"


class Embedder:
    """Encodes texts with one backend: de-duplicates, looks up the cache, embeds the rest in batches."""

    def __init__(self, backend: Backend, cache: EmbeddingCache | None = None, batch_size: int | None = None):
        self.backend = backend
        self.cache = cache
        self.batch_size = batch_size or getattr(backend, "batch_size", BATCH_SIZE)
        self.embedded = 0  # texts actually run through the model (cache misses)

    @property
    def name(self) -> str:
        return self.backend.name

    def encode(self, texts: list[str], progress=None) -> np.ndarray:
        """Vectors for ``texts`` (n x dim). ``progress(done, total)`` is called after each batch."""
        unique = list(dict.fromkeys(texts))
        keys = [EmbeddingCache.key(t) for t in unique] if self.cache else unique  # no cache: no hashing
        vectors: dict[bytes, np.ndarray] = self.cache.get(self.backend.cache_name, keys) if self.cache else {}
        todo = [(k, t) for k, t in zip(keys, unique, strict=True) if k not in vectors]

        def run(batch):
            return self.backend.encode_batch([t if t.strip() else " " for _, t in batch])

        self._embed_missing(todo, run, self.batch_size, vectors, progress)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        index = {t: vectors[k] for k, t in zip(keys, unique, strict=True)}
        return np.stack([index[t] for t in texts])

    def encode_spans(self, sentences: list[str], spans: list[tuple[int, int]], progress=None) -> np.ndarray:
        """Vectors of the texts ``" ".join(sentences[a:b])`` for each span ``(a, b)``, cached like any text.
        A backend that can compose spans from their sentences (use-m3) does so instead of embedding the
        joined texts."""
        texts = span_texts(sentences, spans)
        compose = getattr(self.backend, "encode_spans", None)
        if compose is None or not texts:
            return self.encode(texts, progress)
        first = {}
        for text, span in zip(texts, spans, strict=True):
            first.setdefault(text, span)
        keys = {t: EmbeddingCache.key(t) if self.cache else t for t in first}
        vectors = self.cache.get(self.backend.cache_name, list(keys.values())) if self.cache else {}
        todo = [(k, t) for t, k in keys.items() if k not in vectors]

        def run(batch):
            return compose(list(sentences), [first[t] for _, t in batch])

        # composing is cheap: large steps, a progress report each
        self._embed_missing(todo, run, self.batch_size * 64, vectors, progress)
        return np.stack([vectors[keys[t]] for t in texts])

    def _embed_missing(self, todo, run, step, vectors, progress) -> None:
        """Embeds the (key, text) pairs ``todo`` with ``run``, ``step`` at a time, into ``vectors`` and the
        cache, reporting ``progress(done, total)``."""
        for start in range(0, len(todo), step):
            batch = todo[start : start + step]
            items = list(zip((k for k, _ in batch), run(batch), strict=True))
            vectors.update(items)
            if self.cache:
                self.cache.put(self.backend.cache_name, items)
            self.embedded += len(batch)
            if progress:
                progress(start + len(batch), len(todo))


@lru_cache(maxsize=8)
def _cached_backend(spec: str) -> Backend:
    return make_backend(spec)


def get_embedder(spec: str = DEFAULT_MODEL, cache: bool | Path = True) -> Embedder:
    """An embedder for ``spec``; the model itself is shared per process and loaded on first use.

    ``cache``: True for the default on-disk cache, False for none, or a path to a SQLite file.
    """
    backend = _cached_backend(spec)
    if cache is True:
        store = EmbeddingCache(default_cache_path())
    elif cache:
        store = EmbeddingCache(Path(cache))
    else:
        store = None
    return Embedder(backend, store)
