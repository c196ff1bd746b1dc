"""Writing files safely: every writer of the workbench goes through here.

- ``atomic_write_bytes`` / ``atomic_write_text``: a temp file beside the target, fsync, ``os.replace``;
  readers see the old file or the new one, never a partial write.
- ``atomic_writer``: the same for a writer that streams (Parquet, exports): a file object on a temp file
  that replaces the target when the ``with`` block ends without error, and is removed otherwise.
- ``atomic_files``: several files that replace their targets together (a Moses export): all are written,
  then all renamed; a failure rolls the renamed ones back, and a run killed while renaming is completed by
  the next one (a journal lists the renames).
- ``create_exclusive``: a new file that must not exist yet, never overwriting one; ``keep_copy`` keeps
  a copy of a file under a new, unique name (``<name>.<tag>-<time>``): backups never overwrite earlier
  backups.
- ``locked``: an exclusive lock for a path (``fcntl.flock`` on a hidden lock file), held across a
  read-check-write such as an alignment's revision check and rename.

Temp files are hidden and named ``.<name>.<8 hex>.tmp`` (``TEMP_NAME_RE``). The process writing one holds
a lock on it, so a later run recognises the ones a killed run left behind (nobody holds their lock) and
removes them (``remove_stale_temps``; every atomic write does so for its own target first).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from workbench.errors import WorkbenchError

try:
    import fcntl
except ImportError:  # not POSIX: no locks; stale temp files are recognised by their age
    fcntl = None

__all__ = [
    "TEMP_NAME_RE",
    "AtomicFiles",
    "LockHeldError",
    "LockTimeoutError",
    "atomic_files",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_writer",
    "copies_of",
    "create_exclusive",
    "fsync_dir",
    "keep_copy",
    "lock_note",
    "locked",
    "locked_as",
    "remove_stale_temps",
    "temp_beside",
]

log = logging.getLogger(__name__)

TEMP_NAME_RE = re.compile(r"\.(?P<name>.+)\.[0-9a-f]{8}\.tmp")  # what temp_beside names: .<name>.<hex>.tmp
_JOURNAL_RE = re.compile(r"\.(?P<key>.+)\.[0-9a-f]{8}\.journal")
_LOCK_NAME_RE = re.compile(r"\.(?P<name>.+)\.lock")  # what locked() names: .<name>.lock
_UNLOCKED_AGE = 24 * 3600  # without flock, a temp file this old (seconds) counts as stale


class LockTimeoutError(WorkbenchError):
    """Another process held a lock for longer than we waited."""


class LockHeldError(LockTimeoutError):
    """A lock taken with ``locked_as`` is held by another process; ``holder`` is the note it left."""

    def __init__(self, message: str, holder: str):
        super().__init__(message)
        self.holder = holder


def temp_beside(path: Path) -> Path:
    """A fresh temp file name in ``path``'s folder (hidden, matching TEMP_NAME_RE), for an atomic write."""
    path = Path(path)
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


def _open_exclusive(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)


def _lock_nowait(fd: int) -> bool:
    """Take an exclusive flock on ``fd`` if nobody holds one."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return False
        raise
    return True


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


def _create_temp(path: Path, suffix_path: Callable[[Path], Path] = temp_beside) -> tuple[Path, int]:
    """A new temp file for ``path``, created exclusively and locked (the lock says "still being written")."""
    while True:
        tmp = suffix_path(path)
        fd = _open_exclusive(tmp)
        if fcntl is None:
            return tmp, fd
        fcntl.flock(fd, fcntl.LOCK_EX)
        if _same_file(fd, tmp):  # not removed by a cleaner between the create and the lock
            return tmp, fd
        os.close(fd)


def _is_stale(path: Path) -> bool:
    """True if no live process holds the lock of this temp file (its writer was killed)."""
    if fcntl is None:
        try:
            return time.time() - path.stat().st_mtime > _UNLOCKED_AGE
        except FileNotFoundError:
            return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        return _lock_nowait(fd)
    finally:
        os.close(fd)  # releases the probe's lock


def remove_stale_temps(folder: Path, names: Collection[str] | Callable[[str], bool]) -> list[Path]:
    """Remove the temp files (TEMP_NAME_RE) in ``folder`` that a killed run left while writing one of
    ``names`` (target file names, or a test on them), and the lock files it held; files a live process is
    writing or holding are kept. Returns the temp files removed."""
    wanted = names if callable(names) else set(names).__contains__
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        lock = _LOCK_NAME_RE.fullmatch(entry.name)
        if lock and wanted(lock["name"]) and fcntl is not None:
            _remove_stale_lock(Path(entry.path))
            continue
        match = TEMP_NAME_RE.fullmatch(entry.name)
        if not match or not wanted(match["name"]) or not entry.is_file(follow_symlinks=False):
            continue
        path = Path(entry.path)
        if _is_stale(path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
                log.info("removed %s, left by an interrupted run", path)
    return removed


def _remove_stale_lock(lock: Path) -> None:
    """Remove a lock file that nobody holds (its holder was killed), holding it while it goes (see locked)."""
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return
    try:
        if _lock_nowait(fd) and _same_file(fd, lock):
            lock.unlink()
            log.info("removed %s, left by an interrupted run", lock)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


@contextmanager
def atomic_writer(path: Path, buffering: int = 1 << 20) -> Iterator[BinaryIO]:
    """A binary file object whose content replaces ``path`` atomically when the block ends without error.

    On any exception (or a kill) the target is untouched; the temp file is removed (or, after a kill, left
    under a TEMP_NAME_RE name for the next write of ``path`` to remove)."""
    path = Path(path)
    remove_stale_temps(path.parent, {path.name})
    tmp, fd = _create_temp(path)
    closed = False
    try:
        with open(os.dup(fd), "wb", buffering=buffering) as fh:
            yield fh
        os.fsync(fd)
        if os.name == "nt":  # Windows cannot rename an open file
            os.close(fd)
            closed = True
        os.replace(tmp, path)  # before closing, so the temp file stays locked until it is renamed
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if not closed:
            os.close(fd)
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


# --- new files and copies ------------------------------------------------------------------------------


def create_exclusive(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, which must not exist (FileExistsError if it does, even if another
    process creates it at the same instant). Atomic: a complete temp file is hard-linked into place, so
    readers never see a partial file."""
    path = Path(path)
    tmp, fd = _create_temp(path)
    try:
        _write_all(fd, data)
        os.fsync(fd)
        try:
            os.link(tmp, path)  # fails if path exists: never overwrites
        except FileExistsError:
            raise
        except OSError:  # no hard links here (some network and FAT file systems): exclusive, not atomic
            out = _open_exclusive(path)
            try:
                _write_all(out, data)
                os.fsync(out)
            finally:
                os.close(out)
    finally:
        tmp.unlink(missing_ok=True)
        os.close(fd)
    fsync_dir(path.parent)


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def copies_of(path: Path, tag: str) -> list[Path]:
    """The copies ``keep_copy(path, tag)`` made (and an older plain ``<name>.<tag>``), oldest first."""
    path = Path(path)
    pattern = re.compile(re.escape(f"{path.name}.{tag}") + r"(-\d{8}-\d{6}(-\d+)?)?")
    found = [p for p in path.parent.glob(f"{glob_escape(path.name)}.{tag}*") if pattern.fullmatch(p.name)]
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name))


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters escaped."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def keep_copy(path: Path, tag: str, data: bytes | None = None) -> Path:
    """Keep ``data`` (default: the bytes of ``path``) beside ``path`` as ``<name>.<tag>-<YYYYmmdd-HHMMSS>``,
    with ``-2``, ``-3``, ... when that name is taken, and return the copy's path. The copy is created
    exclusively, so no earlier copy is ever overwritten; an earlier copy with the same tag and the same
    bytes is returned instead of making another.

    A ``path`` that is a folder (where a file was expected) is moved aside under that name instead."""
    path = Path(path)
    if data is None and path.is_dir():
        return _move_aside(path, tag)
    if data is None:
        data = path.read_bytes()
    for old in copies_of(path, tag):
        if old.is_file() and old.stat().st_size == len(data) and old.read_bytes() == data:
            return old
    base = f"{path.name}.{tag}-{_stamp()}"
    for n in range(1, 10_000):
        copy = path.with_name(base if n == 1 else f"{base}-{n}")
        try:
            create_exclusive(copy, data)
        except FileExistsError:
            continue
        log.info("kept a copy of %s as %s", path, copy.name)
        return copy
    raise WorkbenchError(f"cannot keep a copy of {path}: too many copies named {base}-N")


def _move_aside(path: Path, tag: str) -> Path:
    base = f"{path.name}.{tag}-{_stamp()}"
    for n in range(1, 10_000):
        aside = path.with_name(base if n == 1 else f"{base}-{n}")
        if not aside.exists() and not aside.is_symlink():
            path.rename(aside)
            log.warning("moved %s aside as %s", path, aside.name)
            return aside
    raise WorkbenchError(f"cannot move {path} aside: too many copies named {base}-N")


# --- locks ---------------------------------------------------------------------------------------------


@contextmanager
def locked(path: Path, timeout: float = 30.0) -> Iterator[None]:
    """Hold an exclusive lock for ``path`` while the block runs: ``fcntl.flock`` on ``.<name>.lock`` beside
    it (created, and removed when done). Every process that takes it for the same path waits for the
    others, so a check and a write inside the block are one step. LockTimeoutError after ``timeout``
    seconds. Without fcntl (not POSIX) the block runs unlocked."""
    path = Path(path)
    if fcntl is None:
        yield
        return
    lock = path.with_name(f".{path.name}.lock")

    def busy(expired: bool) -> None:
        if expired:
            raise LockTimeoutError(
                f"{path} is being written by another process (its lock {lock.name} was held for "
                f"{timeout:.0f} s); try again, or remove {lock} if no workbench is running"
            )

    fd = _acquire(lock, timeout, busy)
    try:
        yield
    finally:
        _release(fd, lock)


def _acquire(lock: Path, timeout: float, busy: Callable[[bool], None]) -> int:
    """The descriptor of ``lock``, held; while another process holds it, ``busy(expired)`` is asked every
    few milliseconds (it raises to give up; ``expired``: ``timeout`` seconds have gone by)."""
    end = time.monotonic() + timeout
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        if _lock_nowait(fd):
            if _same_file(fd, lock):  # not the file of a holder that removed it on release
                return fd
            os.close(fd)
            continue
        os.close(fd)
        busy(time.monotonic() > end)
        time.sleep(0.005)


def _release(fd: int, lock: Path) -> None:
    with contextlib.suppress(OSError):
        lock.unlink()  # while still holding it: a waiter that opened it sees it is gone and retries
    os.close(fd)


def lock_note(path: Path) -> str:
    """The note the holder of ``path``'s lock left (``locked_as``); "" when there is none."""
    path = Path(path)
    try:
        return path.with_name(f".{path.name}.lock").read_text("utf-8", errors="replace")
    except OSError:
        return ""


@contextmanager
def locked_as(
    path: Path, note: str, timeout: float = 30.0, wait_for: Callable[[str], bool] = lambda holder: True
) -> Iterator[None]:
    """:func:`locked`, with ``note`` (who holds it, doing what) written into the lock file for the others
    to read. A process that finds the lock held waits while ``wait_for(holder's note)`` is true, up to
    ``timeout`` seconds; then, or at once when ``wait_for`` is false, LockHeldError with that note."""
    path = Path(path)
    if fcntl is None:
        yield
        return
    lock = path.with_name(f".{path.name}.lock")

    def busy(expired: bool) -> None:
        holder = lock_note(path)
        if (holder and not wait_for(holder)) or expired:
            raise LockHeldError(
                f"{path} is locked by another process ({holder or 'unknown'}); try again when it is done, "
                f"or remove {lock} if no workbench is running",
                holder,
            )

    fd = _acquire(lock, timeout, busy)
    try:
        os.ftruncate(fd, 0)
        _write_all(fd, note.encode("utf-8"))
        yield
    finally:
        _release(fd, lock)


# --- sets of files -------------------------------------------------------------------------------------


class AtomicFiles:
    """Files in one folder that replace their targets together (see :func:`atomic_files`)."""

    def __init__(self, folder: Path, key: str):
        self.folder, self.key = Path(folder), key
        self._temps: dict[str, tuple[Path, int, BinaryIO]] = {}
        _recover_journals(self.folder, key)
        remove_stale_temps(self.folder, lambda name: name == key or name.startswith(key + "."))

    def open(self, name: str, buffering: int = 1 << 20) -> BinaryIO:
        """A binary file object for the target ``folder/name`` (opened once per name)."""
        if name not in self._temps:
            tmp, fd = _create_temp(self.folder / name)
            self._temps[name] = (tmp, fd, open(os.dup(fd), "wb", buffering=buffering))  # noqa: SIM115
        return self._temps[name][2]

    @property
    def names(self) -> list[str]:
        return sorted(self._temps)

    def commit(self) -> list[Path]:
        """Rename every file into place; on failure, put back what was renamed. Returns the targets."""
        targets = {name: self.folder / name for name in sorted(self._temps)}
        olds: dict[str, Path] = {}  # hard links to the old files, for a roll-back
        journal = jfd = None
        try:
            for _, fd, fh in self._temps.values():
                fh.close()
                os.fsync(fd)
            for target in targets.values():
                if target.is_dir():
                    raise IsADirectoryError(errno.EISDIR, "Is a folder", str(target))
            for name, target in targets.items():
                if target.exists():
                    olds[name] = temp_beside(target)
                    try:
                        os.link(target, olds[name])
                    except OSError:  # no hard links here: a copy
                        shutil.copyfile(target, olds[name])
            journal, jfd = _create_temp(self.folder / self.key, _journal_beside)
            _write_all(jfd, json.dumps([[self._temps[n][0].name, n] for n in targets]).encode("utf-8"))
            os.fsync(jfd)  # the commit point: from here on, a killed run is completed by the next one
            done: list[str] = []
            try:
                for name, target in targets.items():
                    os.replace(self._temps[name][0], target)
                    done.append(name)
            except BaseException:
                for name in done:
                    if name in olds:
                        os.replace(olds.pop(name), targets[name])
                    else:
                        targets[name].unlink(missing_ok=True)
                raise
            fsync_dir(self.folder)
        finally:
            if journal is not None:
                journal.unlink(missing_ok=True)
                os.close(jfd)
            for old in olds.values():
                old.unlink(missing_ok=True)
            self.abort()
        return list(targets.values())

    def abort(self) -> None:
        """Remove the temp files; the targets stay as they were."""
        while self._temps:
            _, (tmp, fd, fh) = self._temps.popitem()
            with contextlib.suppress(OSError):
                fh.close()
            tmp.unlink(missing_ok=True)  # before closing: the file stays locked until it is gone
            os.close(fd)


def _journal_beside(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.journal")


def _recover_journals(folder: Path, key: str) -> None:
    """Complete the renames of a set whose run was killed after writing all its files (see commit)."""
    for journal in folder.glob(f".{glob_escape(key)}.*.journal"):
        match = _JOURNAL_RE.fullmatch(journal.name)
        if not match or match["key"] != key or not _is_stale(journal):
            continue
        try:
            plan = json.loads(journal.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            plan = None  # killed while writing the journal: nothing was renamed; the temps are stale
        for tmp_name, name in plan if isinstance(plan, list) else []:
            tmp = folder / tmp_name
            if TEMP_NAME_RE.fullmatch(tmp_name) and "/" not in name and tmp.is_file():
                os.replace(tmp, folder / name)
                log.warning("completed the interrupted write of %s", folder / name)
        journal.unlink(missing_ok=True)


@contextmanager
def atomic_files(folder: Path, key: str) -> Iterator[AtomicFiles]:
    """Write several files in ``folder`` that replace their targets as a set: ``files.open(name)`` gives a
    binary file object per target; when the block ends without error all are renamed into place, and if
    a rename fails the ones already renamed are put back. On an exception nothing is renamed.

    ``key`` names the set (a Moses export's prefix): targets are ``key`` or start with ``key + "."``. Stale
    temp files of such targets are removed first, and a set whose run was killed while renaming is
    completed (its journal, written once every file was complete, lists the renames)."""
    files = AtomicFiles(folder, key)
    try:
        yield files
    except BaseException:
        files.abort()
        raise
    files.commit()
