"""A corpus folder: its Parquet tables, its manifest and the work a stage has done so far.

Layout::

    corpora/<name>/manifest.json      source file and hash, parameters, stage status, counts, versions
    corpora/<name>/documents.parquet  one row a story (cleaned, with its language, date and flags)
    corpora/<name>/sentences.parquet  one row a sentence: doc_id, idx, sent_id ("p3.s2"), paragraph, text
    corpora/<name>/candidates.parquet the candidates of each target story, with their features and scores
    corpora/<name>/pairs.parquet      one row a target story: its source story (or none) and the decision
    corpora/<name>/links.parquet      the sentence links of every paired story
    corpora/<name>/decisions.parquet  decisions a person made (never overwritten by a run)
    corpora/<name>/.work/<stage>/     parts written while a stage runs (removed when it is done)

Every file is written atomically (``workbench.store.files``). A stage writes its parts as it goes, one per
batch, so a killed run resumes from the parts and loses at most the batch in progress; its table replaces
the old one only when the stage is done, so a failed stage leaves the table as it was.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from workbench.errors import WorkbenchError
from workbench.store import files as storage

__all__ = [
    "CORPORA",
    "FORMAT",
    "TABLES",
    "CorpusError",
    "CorpusFolder",
    "StageWork",
    "check_numbers",
    "fingerprint",
    "resolve",
    "validate_name",
]

log = logging.getLogger(__name__)

FORMAT = "workbench.corpus/1"
CORPORA = "corpora"  # the folder of corpora in a workbench folder
MANIFEST = "manifest.json"
TABLES = ("documents", "sentences", "candidates", "pairs", "links", "decisions")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


class CorpusError(WorkbenchError):
    """A corpus that cannot be used as asked: the message says what to do."""


def check_numbers(params: object, rules: dict[str, tuple[float, float]], kind: str) -> None:
    """CorpusError unless every setting named in ``rules`` is a finite number (an int where the default is
    one) within its (low, high) bounds; ``kind`` names the settings in the message."""
    for name, (low, high) in rules.items():
        value = getattr(params, name)
        whole = type(params.__dataclass_fields__[name].default) is int  # type: ignore[attr-defined]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or (whole and not isinstance(value, int)) or not math.isfinite(value):
            shown = "a whole number" if whole else "a finite number"
            raise CorpusError(f"{kind} setting {name} must be {shown}, not {value!r}")
        if not low <= value <= high:
            bounds = f"at least {low:g}" if high == math.inf else f"from {low:g} to {high:g}"
            raise CorpusError(f"{kind} setting {name} must be {bounds}, not {value!r}")


def validate_name(name: str) -> str:
    """``name`` if it is a valid corpus name (a folder name under ``corpora/``), else CorpusError."""
    if "/" in name or "\\" in name or name in (".", "..") or name.startswith("~"):
        raise CorpusError(
            f"corpus name {name!r} looks like a path: give a plain name (e.g. kcna-2011-12), "
            "or --out DIR to put the corpus in a folder of your choice"
        )
    if not _NAME_RE.fullmatch(name) or name.endswith("."):
        raise CorpusError(
            f"invalid corpus name {name!r}: use 1-100 characters a-z, 0-9, '.', '_' or '-', starting "
            "with a letter or digit, e.g. kcna-2011-12"
        )
    return name


def resolve(root: Path, name_or_path: str | Path) -> Path:
    """The folder of a corpus given by name (``<root>/corpora/<name>``) or by the path of its folder."""
    text = str(name_or_path)
    if "/" in text or "\\" in text or text.startswith((".", "~")):
        return Path(text).expanduser().resolve()
    return Path(root) / CORPORA / validate_name(text)


def fingerprint(*parts: object) -> str:
    """A short, stable hash of JSON-able values (parameters, upstream fingerprints, versions)."""
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=True).encode("ascii")
    return hashlib.sha256(blob).hexdigest()[:16]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_table(path: Path, table: pa.Table) -> None:
    """Write a Parquet file atomically; the bytes depend only on the table (zstd, no timestamps). A failed
    write (a full disk) leaves the old file as it was and says so."""
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd", row_group_size=100_000)
    try:
        storage.atomic_write_bytes(path, buffer.getvalue())
    except OSError as exc:
        raise CorpusError(
            f"cannot write {path}: {exc.strerror or exc}. Nothing was lost: make room (or fix the folder) "
            "and run the same command again; it goes on from where it stopped"
        ) from exc


@dataclass
class CorpusFolder:
    """One corpus on disk. ``manifest`` is the parsed manifest.json ({} for a new corpus)."""

    path: Path
    manifest: dict

    @classmethod
    def open(cls, path: Path) -> CorpusFolder:
        """An existing corpus; CorpusError when the folder holds none, or its manifest is unreadable."""
        path = Path(path)
        file = path / MANIFEST
        if not file.is_file():
            hint = "" if path.parent.name != CORPORA else f" (corpora here: {_listing(path.parent)})"
            raise CorpusError(
                f"no corpus in {path}{hint}: build one with `workbench corpus build ARCHIVE --name NAME`"
            )
        try:
            manifest = json.loads(file.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise CorpusError(
                f"{file} cannot be read ({exc}); "
                "rebuild the corpus with `workbench corpus build ... --rebuild`"
            ) from exc
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise CorpusError(f"{file} is not a workbench corpus manifest (format {FORMAT!r} expected)")
        return cls(path, manifest)

    @classmethod
    def create(cls, path: Path, name: str) -> CorpusFolder:
        """A new corpus at ``path``; the folder is made on the first save (a build that fails on its input
        leaves nothing behind)."""
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise CorpusError(f"{path} exists and is not a folder: choose another --out")
        if path.is_dir() and any(path.iterdir()) and not (path / MANIFEST).exists():
            raise CorpusError(f"{path} is a folder that holds other files: choose an empty or new folder")
        return cls(path, {"format": FORMAT, "name": name, "created": _now(), "stages": {}})

    @property
    def name(self) -> str:
        return self.manifest.get("name", self.path.name)

    def save(self) -> None:
        """Write manifest.json atomically (making the folder if it is new)."""
        self.manifest["modified"] = _now()
        try:
            text = json.dumps(self.manifest, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        except ValueError as exc:  # NaN or infinity: not JSON
            raise CorpusError(
                f"the manifest of corpus {self.name} would hold {exc}; nothing written"
            ) from None
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            storage.remove_stale_temps(self.path, lambda name: True)  # all of them are a corpus's own
            storage.atomic_write_text(self.path / MANIFEST, text)
        except OSError as exc:
            raise CorpusError(f"cannot write {self.path / MANIFEST}: {exc.strerror or exc}") from exc

    def table_path(self, table: str) -> Path:
        return self.path / f"{table}.parquet"

    def has(self, table: str) -> bool:
        return self.table_path(table).is_file()

    def read(self, table: str, columns: list[str] | None = None) -> pa.Table:
        path = self.table_path(table)
        if not path.is_file():
            raise CorpusError(f"{self.name} has no {table} table yet: run `workbench corpus build` first")
        try:
            return pq.read_table(path, columns=columns)
        except (OSError, pa.ArrowException) as exc:
            raise CorpusError(f"{path} cannot be read ({exc}): run the stage that writes it again") from exc

    def write(self, table: str, data: pa.Table) -> None:
        write_table(self.table_path(table), data)

    def stage(self, stage: str) -> dict:
        return self.manifest.setdefault("stages", {}).get(stage, {})

    def set_stage(self, stage: str, **info) -> None:
        self.manifest.setdefault("stages", {})[stage] = info
        self.save()

    def work(self, stage: str, print_: str) -> StageWork:
        return StageWork(self.path / ".work" / stage, print_)


def _listing(folder: Path) -> str:
    names = sorted(p.name for p in folder.iterdir() if (p / MANIFEST).is_file()) if folder.is_dir() else []
    return ", ".join(names) or "none"


class StageWork:
    """The parts a stage has written so far, for the inputs of one fingerprint.

    Each part is a Parquet file with a ``_key`` column (the input a row came from); ``done`` says which
    keys are finished, so a resumed stage skips them. Work of another fingerprint (older parameters or
    inputs) is removed when this one starts.
    """

    def __init__(self, folder: Path, print_: str):
        self.folder = folder
        self.print = print_
        mark = folder / "FINGERPRINT"
        if folder.exists() and (not mark.is_file() or mark.read_text("ascii").strip() != print_):
            log.info("discarding the parts in %s (other parameters or inputs)", folder)
            shutil.rmtree(folder)
        if not folder.exists():
            folder.mkdir(parents=True)
            storage.atomic_write_text(mark, print_ + "\n")
        storage.remove_stale_temps(folder, lambda name: True)  # parts a killed run was writing
        self._parts = sorted(folder.glob("part-*.parquet"))

    def done(self) -> set[str]:
        """The keys of the inputs whose results are in a part."""
        keys: set[str] = set()
        for part in self._parts:
            try:
                keys.update(pq.read_table(part, columns=["_key"]).column(0).to_pylist())
            except (OSError, pa.ArrowException):  # a part that cannot be read is redone
                log.warning("ignoring unreadable part %s", part)
                part.unlink(missing_ok=True)
        self._parts = [p for p in self._parts if p.exists()]
        return keys

    def add(self, table: pa.Table) -> None:
        """Write one batch's results (with their ``_key`` column) as a new part, atomically."""
        part = self.folder / f"part-{len(self._parts):06d}-{secrets.token_hex(3)}.parquet"
        write_table(part, table)
        self._parts.append(part)

    def read(self) -> pa.Table | None:
        """Every part's rows (None when there is no part)."""
        tables = [pq.read_table(p) for p in self._parts]
        return pa.concat_tables(tables, promote_options="default") if tables else None

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
