"""The storage helpers every writer goes through: atomic writes and temp files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workbench.storage import TEMP_NAME_RE, atomic_write_text, atomic_writer


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
