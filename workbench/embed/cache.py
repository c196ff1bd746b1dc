"""The on-disk cache of embeddings: vectors in SQLite, keyed by model name and a hash of the text."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from pathlib import Path

import numpy as np

from workbench.embed.backends import EmbeddingError

__all__ = ["EmbeddingCache", "default_cache_path"]


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
