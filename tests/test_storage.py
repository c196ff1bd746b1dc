"""The storage helpers every writer goes through: atomic writes, sets of files, copies that never
overwrite, locks, and the temp files of killed runs (killed for real, with SIGKILL)."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench.store.files import (
    TEMP_NAME_RE,
    LockTimeoutError,
    atomic_files,
    atomic_write_bytes,
    atomic_write_text,
    atomic_writer,
    copies_of,
    create_exclusive,
    keep_copy,
    locked,
    remove_stale_temps,
)


def test_atomic_write_leaves_no_temp_files(tmp_path: Path):
    target = tmp_path / "out.txt"
    atomic_write_text(target, "one\n")
    atomic_write_text(target, "two\n")
    assert target.read_text("utf-8") == "two\n"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_atomic_write_failure_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    target = tmp_path / "out.txt"
    atomic_write_text(target, "old\n")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(target, "new\n")
    assert target.read_text("utf-8") == "old\n"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_atomic_writer_streams_and_replaces_only_on_success(tmp_path: Path):
    target = tmp_path / "table.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_writer(target) as fh:
        fh.write(b"half of the new")
        assert [TEMP_NAME_RE.fullmatch(p.name) is not None for p in tmp_path.iterdir()].count(True) == 1
        raise RuntimeError("killed")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["table.bin"]
    with atomic_writer(target) as fh:
        fh.write(b"new")
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["table.bin"]


# --- copies that never overwrite ------------------------------------------------------------------------


def test_keep_copy_never_overwrites_an_earlier_copy(tmp_path: Path):
    target = tmp_path / "a.json"
    target.write_bytes(b"first")
    one = keep_copy(target, "bak")
    target.write_bytes(b"second")
    two = keep_copy(target, "bak")  # the same second: a new name, not the first copy's
    assert one != two and one.read_bytes() == b"first" and two.read_bytes() == b"second"
    assert keep_copy(target, "bak") == two  # the same bytes again: no third copy
    target.write_bytes(b"")
    three = keep_copy(target, "bak")
    assert three.read_bytes() == b"" and one.read_bytes() == b"first"
    assert copies_of(target, "bak") == [one, two, three]
    assert not [p for p in tmp_path.iterdir() if TEMP_NAME_RE.fullmatch(p.name)]


def test_keep_copy_of_data_and_of_a_folder(tmp_path: Path):
    target = tmp_path / "a.json"
    mine = [keep_copy(target, "mine", b"tab %d" % i) for i in range(3)]
    assert [p.read_bytes() for p in mine] == [b"tab 0", b"tab 1", b"tab 2"] and len(set(mine)) == 3
    target.mkdir()
    (target / "inside").write_text("x")
    aside = keep_copy(target, "corrupt")  # a folder where a file belongs is moved aside, not copied
    assert not target.exists() and (aside / "inside").read_text() == "x"


def test_create_exclusive_refuses_an_existing_file(tmp_path: Path):
    target = tmp_path / "new.txt"
    create_exclusive(target, b"one")
    with pytest.raises(FileExistsError):
        create_exclusive(target, b"two")
    assert target.read_bytes() == b"one"
    assert os.listdir(tmp_path) == ["new.txt"]


# --- locks ----------------------------------------------------------------------------------------------


def _count_in_lock(path: Path, barrier, rounds: int) -> None:
    for _ in range(rounds):
        barrier.wait()
        with locked(path):
            n = int(path.read_text())  # read, then write: lost updates if the lock does not hold
            time.sleep(0.001)
            path.write_text(str(n + 1))


def test_lock_makes_read_check_write_one_step(tmp_path: Path):
    counter = tmp_path / "counter"
    counter.write_text("0")
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(3)
    procs = [ctx.Process(target=_count_in_lock, args=(counter, barrier, 30)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert counter.read_text() == "90"
    assert os.listdir(tmp_path) == ["counter"]  # the lock file goes when the lock is released


def test_lock_times_out_with_a_message(tmp_path: Path):
    target = tmp_path / "a.json"
    with locked(target), pytest.raises(LockTimeoutError, match="being written by another process"):
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(1) as pool:
            pool.apply(_lock_briefly, (target,))


def _lock_briefly(target: Path) -> None:
    with locked(target, timeout=0.2):
        pass


# --- temp files of killed runs -------------------------------------------------------------------------

KILLED_WRITER = """
import sys, time
from pathlib import Path
from workbench.store import files as storage
with storage.atomic_writer(Path(sys.argv[1])) as fh:
    fh.write(b"half")
    fh.flush()
    print("writing", flush=True)
    time.sleep(60)
"""


def _start_writer(target: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline() == "writing\n"
    return proc


def test_temp_files_of_a_killed_writer_are_removed_by_the_next_write(tmp_path: Path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    killed = _start_writer(target)
    killed.kill()  # kill -9
    killed.wait()
    (left,) = [p for p in tmp_path.iterdir() if TEMP_NAME_RE.fullmatch(p.name)]
    other = tmp_path / f".other.bin.{'0' * 8}.tmp"  # another file's temp: not ours to remove
    other.write_bytes(b"x")
    live = _start_writer(target)  # a writer that is still running keeps its temp file
    try:
        atomic_write_bytes(target, b"new")
        temps = sorted(p.name for p in tmp_path.iterdir() if TEMP_NAME_RE.fullmatch(p.name))
        assert left.name not in temps and len(temps) == 2 and other.name in temps
    finally:
        live.kill()
        live.wait()
    assert target.read_bytes() == b"new"
    assert remove_stale_temps(tmp_path, {"out.bin"}) != [] and remove_stale_temps(tmp_path, {"out.bin"}) == []


# --- sets of files --------------------------------------------------------------------------------------


def _old_set(tmp_path: Path) -> dict[str, bytes]:
    old = {"c.en-es.en": b"old en\n", "c.en-es.es": b"old es\n", "c.en-es.ids": b"old ids\n"}
    for name, data in old.items():
        (tmp_path / name).write_bytes(data)
    return old


def _files(tmp_path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(tmp_path.iterdir())}


def test_a_set_is_renamed_together(tmp_path: Path):
    _old_set(tmp_path)
    names = ("c.en-es.en", "c.en-es.es", "c.en-es.ids", "c.en-ko.en")
    with atomic_files(tmp_path, "c") as files:
        for name in names:
            files.open(name).write(b"new " + name.encode() + b"\n")
        assert _files(tmp_path)["c.en-es.en"] == b"old en\n"
    assert _files(tmp_path) == {n: b"new " + n.encode() + b"\n" for n in names}


def test_a_set_that_fails_while_renaming_is_rolled_back(tmp_path: Path, second_rename_fails):
    old = _old_set(tmp_path)
    with pytest.raises(OSError, match="No space"), atomic_files(tmp_path, "c") as files:
        for name in ("c.en-es.en", "c.en-es.es", "c.en-es.ids", "c.en-ko.en"):
            files.open(name).write(b"new\n")
    assert _files(tmp_path) == old  # the first file was renamed, then put back


def test_an_exception_while_writing_leaves_the_set_as_it_was(tmp_path: Path):
    old = _old_set(tmp_path)
    with pytest.raises(KeyboardInterrupt), atomic_files(tmp_path, "c") as files:
        files.open("c.en-es.en").write(b"new\n")
        raise KeyboardInterrupt
    assert _files(tmp_path) == old


KILLED_WHILE_RENAMING = """
import os, signal, sys
from pathlib import Path
from workbench.store import files as storage
replace, calls = os.replace, []
def kill_after_first(src, dst):
    replace(src, dst)
    calls.append(dst)
    if len(calls) == 1:
        os.kill(os.getpid(), signal.SIGKILL)
os.replace = kill_after_first
with storage.atomic_files(Path(sys.argv[1]), "c") as files:
    for name in ("c.en-es.en", "c.en-es.es", "c.en-es.ids"):
        files.open(name).write(b"new\\n")
"""


def test_a_set_killed_while_renaming_is_completed_by_the_next_run(tmp_path: Path):
    _old_set(tmp_path)
    run = subprocess.run([sys.executable, "-c", KILLED_WHILE_RENAMING, str(tmp_path)], check=False)
    assert run.returncode == -9
    half = _files(tmp_path)
    assert half["c.en-es.en"] == b"new\n" and half["c.en-es.es"] == b"old es\n"  # what a kill leaves
    with atomic_files(tmp_path, "c"):  # the next run (of the same set) finishes the first one's renames
        assert {n: d for n, d in _files(tmp_path).items() if not n.startswith(".")} == {
            "c.en-es.en": b"new\n",
            "c.en-es.es": b"new\n",
            "c.en-es.ids": b"new\n",
        }
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]
