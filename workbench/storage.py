"""Writing files safely: every writer of the workbench goes through here.

- ``atomic_write_bytes`` / ``atomic_write_text``: a temp file beside the target, fsync, ``os.replace``;
  readers see the old file or the new one, never a partial write.
- ``atomic_writer``: the same for a writer that streams (Parquet, exports): a file object on a temp file
  that replaces the target when the ``with`` block ends without error, and is removed otherwise.

Temp files are hidden and named ``.<name>.<8 hex>.tmp`` (``TEMP_NAME_RE``), so a later run can recognise
and remove the ones a killed run left behind.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "TEMP_NAME_RE",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_writer",
    "fsync_dir",
    "temp_beside",
]

TEMP_NAME_RE = re.compile(r"\.(?P<name>.+)\.[0-9a-f]{8}\.tmp")  # what temp_beside names: .<name>.<hex>.tmp


def temp_beside(path: Path) -> Path:
    """A fresh temp file name in ``path``'s folder (hidden, matching TEMP_NAME_RE), for an atomic write."""
    path = Path(path)
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


def _open_exclusive(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)


@contextmanager
def atomic_writer(path: Path, buffering: int = 1 << 20) -> Iterator[BinaryIO]:
    """A binary file object whose content replaces ``path`` atomically when the block ends without error.

    On any exception (or a kill) the target is untouched; the temp file is removed (or, after a kill, left
    under a TEMP_NAME_RE name for the next run to clean up)."""
    path = Path(path)
    tmp = temp_beside(path)
    fh = open(_open_exclusive(tmp), "wb", buffering=buffering)  # noqa: SIM115 (closed below)
    try:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())
        fh.close()
        os.replace(tmp, path)
    except BaseException:
        fh.close()
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same folder, fsync, ``os.replace``.

    Readers see either the old file or the new one, never a partial write; on failure the old
    file is left untouched and the temp file is removed.
    """
    with atomic_writer(path, buffering=0) as fh:
        fh.write(data)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 (no newline translation) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX only; best effort)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
