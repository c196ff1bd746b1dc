"""A corpus folder: its Parquet tables, its manifest and the work a stage has done so far.

Layout::

    corpora/<name>/manifest.json      source file and hash, parameters, stage status, counts, versions
    corpora/<name>/documents.parquet  one row a story (cleaned, with its language, date and flags)
    corpora/<name>/sentences.parquet  one row a sentence: doc_id, idx, sent_id ("p3.s2"), paragraph, text
    corpora/<name>/candidates.parquet the candidates of each target story, with their features and scores
    corpora/<name>/pairs.parquet      one row a target story: its source story (or none) and the decision
    corpora/<name>/links.parquet      the sentence links of every paired story
    corpora/<name>/decisions.parquet  decisions a person made (never overwritten by a run)
    corpora/<name>/decisions.backup.parquet  a copy of them, written with every decision
    corpora/<name>/.work/<stage>/     parts written while a stage runs (removed when it is done)
    corpora/<name>/.corpus.lock       while a process writes the corpus: who (see ``CorpusFolder.lock``)

Every file is written atomically (``workbench.store.files``). A stage writes its parts as it goes, one per
batch, so a killed run resumes from the parts and loses at most the batch in progress; its table replaces
the old one only when the stage is done, so a failed stage leaves the table as it was. Every writer
(a build, a stage, a person's decision) holds the corpus's lock, so two never interleave; a table is
checked for its columns when it is read, and one that fails the check counts as not written.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import math
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from workbench.errors import WorkbenchError
from workbench.store import files as storage

__all__ = [
    "BACKUP",
    "COLUMNS",
    "CORPORA",
    "FORMAT",
    "TABLES",
    "CorpusError",
    "CorpusFolder",
    "StageWork",
    "check_numbers",
    "fingerprint",
    "is_corpus_folder",
    "refuse_inside_corpus",
    "resolve",
    "validate_name",
]

log = logging.getLogger(__name__)

FORMAT = "workbench.corpus/1"
CORPORA = "corpora"  # the folder of corpora in a workbench folder
MANIFEST = "manifest.json"
TABLES = ("documents", "sentences", "candidates", "pairs", "links", "decisions")
# The columns each table must have (what its writer writes and its readers use).
COLUMNS = {
    "documents": (
        "doc_id", "row", "language", "label", "lang_guess", "lang_prob", "date", "date_source", "title",
        "text", "n_chars", "n_sentences", "text_hash", "duplicate_of", "near_duplicate_of", "flags",
    ),
    "sentences": ("doc_id", "idx", "sent_id", "paragraph", "text"),
    "candidates": (
        "tgt_id", "src_id", "rank", "day_diff", "sim", "numbers", "names", "length", "score", "match_src",
        "match_tgt", "final",
    ),
    "pairs": (
        "tgt_id", "src_id", "score", "margin", "decision", "reason", "decided_by", "best_candidate",
        "candidates",
    ),
    "links": (
        "tgt_id", "src_id", "link", "src_sent_ids", "tgt_sent_ids", "src_text", "tgt_text", "src_sents",
        "tgt_sents", "score", "kind",
    ),
    "decisions": ("tgt_id", "decision", "src_id", "note", "at"),
}  # fmt: skip
BACKUP = "decisions.backup.parquet"  # the copy of a person's decisions, written with them
LOCK = "corpus"  # the corpus's lock: .corpus.lock
_WAIT = 60.0  # seconds a writer waits for another (a decision takes a second or two)
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
    damaged: str | None = None  # why the manifest on disk cannot be used (it is ignored: see damaged_or_new)
    _depth: int = field(default=0, repr=False, compare=False)  # how deep this process holds the lock

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
        return cls(path, _read_manifest(file))

    @classmethod
    def create(cls, path: Path, name: str) -> CorpusFolder:
        """A new corpus at ``path``; the folder is made on the first save (a build that fails on its input
        leaves nothing behind). A corpus folder whose manifest was deleted is taken as a new corpus: its
        stages are redone, and the person's decisions in it are kept."""
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise CorpusError(f"{path} exists and is not a folder: choose another --out")
        if path.is_dir() and any(path.iterdir()) and not (path / MANIFEST).exists():
            if not is_corpus_folder(path):
                raise CorpusError(f"{path} is a folder that holds other files: choose an empty or new folder")
            log.warning("%s has lost its manifest: its stages are redone (decisions are kept)", path)
        return cls(path, _new_manifest(name))

    @classmethod
    def damaged_or_new(cls, path: Path, name: str) -> CorpusFolder:
        """The corpus at ``path`` if its manifest is sound; else a new one (``create``), with ``damaged``
        set to why the manifest cannot be used, for a build that starts it over (``--rebuild``)."""
        try:
            return cls.open(path)
        except CorpusError as exc:
            if not (Path(path) / MANIFEST).is_file():
                return cls.create(path, name)
            return cls(Path(path), _new_manifest(name), damaged=str(exc))

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
        self.damaged = None  # the manifest on disk is this one now

    def table_path(self, table: str) -> Path:
        return self.path / f"{table}.parquet"

    def has(self, table: str) -> bool:
        return self.table_path(table).is_file()

    def valid(self, table: str) -> bool:
        """True if the table is there, readable as Parquet and has its columns (``COLUMNS``)."""
        try:
            self.check(table)
        except CorpusError:
            return False
        return True

    def check(self, table: str) -> None:
        """CorpusError, saying how to get it back, if the table is missing, unreadable or lacks columns."""
        path = self.table_path(table)
        if not path.is_file():
            raise CorpusError(f"{self.name} has no {table} table yet: run `workbench corpus build` first")
        try:
            names = pq.read_schema(path).names
        except (OSError, pa.ArrowException) as exc:
            raise CorpusError(f"{path} cannot be read ({_first(exc)}): {self._advice(table)}") from None
        missing = [c for c in COLUMNS.get(table, ()) if c not in names]
        if missing:
            raise CorpusError(
                f"{path} is not a {table} table (it lacks {', '.join(missing)}): {self._advice(table)}"
            )

    def _advice(self, table: str) -> str:
        if table == "decisions":
            backup = self.path / BACKUP
            if backup.is_file():
                return f"restore the person's decisions from their copy: cp {backup} {self.table_path(table)}"
            return "it holds a person's decisions and has no copy; remove it to start them over"
        stage = {"documents": "import", "sentences": "import", "links": "align"}.get(table, "pair")
        run = "build ARCHIVE --out FOLDER" if stage == "import" else f"{stage} {self.path}"
        return f"run the {stage} stage again (`workbench corpus {run}`), which rewrites it"

    def read(self, table: str, columns: list[str] | None = None) -> pa.Table:
        self.check(table)
        path = self.table_path(table)
        try:
            return pq.read_table(path, columns=columns)
        except (OSError, pa.ArrowException) as exc:
            raise CorpusError(f"{path} cannot be read ({_first(exc)}): {self._advice(table)}") from None

    # --- a person's decisions ---------------------------------------------------------------------

    def decisions(self) -> pa.Table | None:
        """The decisions a person made (None: none yet). CorpusError when ``decisions.parquet`` is gone but
        its copy is there (a person's work would be lost): the message says how to restore it, or to
        start over without it. Writes the copy where a corpus made before copies were kept has none."""
        backup = self.path / BACKUP
        if not self.has("decisions"):
            if backup.is_file():
                path = self.table_path("decisions")
                raise CorpusError(
                    f"the decisions a person made in corpus {self.name} are gone ({path} is missing); "
                    f"nothing was changed. Restore them from their copy: cp {backup} {path}; or, to start "
                    f"over without them, delete {backup}"
                )
            return None
        table = self.read("decisions")
        if not backup.is_file():
            write_table(backup, table)
        return table

    def save_decisions(self, table: pa.Table) -> None:
        """Write the person's decisions, and their copy (``decisions.backup.parquet``)."""
        self.write("decisions", table)
        write_table(self.path / BACKUP, table)

    # --- the lock ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, doing: str) -> Iterator[None]:
        """Hold the corpus's lock while the block writes it (``doing``: "building", "deciding"), and read
        the manifest again once it is held, so that no writer works from a stale one. A writer waits for
        another's decision (a second or two); a build is not waited for: CorpusError at once, naming the
        process. Held by this process already: just runs the block."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        made = not self.path.exists()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CorpusError(f"cannot make {self.path}: {exc.strerror or exc}") from None
        note = json.dumps({"pid": os.getpid(), "doing": doing, "since": _now()})
        try:
            with storage.locked_as(self.path / LOCK, note, _WAIT, lambda h: _holder(h)[1] != "building"):
                self._reload()
                self._depth = 1
                try:
                    yield
                finally:
                    self._depth = 0
        except storage.LockHeldError as exc:
            pid, what, since = _holder(exc.holder)
            shown = {"building": "built", "deciding": "changed by a person's decision"}.get(what, "written")
            raise CorpusError(
                f"corpus {self.name} is being {shown} by process {pid or '?'}"
                + (f" (since {since})" if since else "")
                + ": wait for it to finish, then run the command again"
            ) from None
        finally:
            if made:
                with contextlib.suppress(OSError):
                    self.path.rmdir()  # only if nothing was written

    def _reload(self) -> None:
        """The manifest as another writer left it (kept as it is for a new or a damaged corpus)."""
        file = self.path / MANIFEST
        if self.damaged is None and file.is_file():
            self.manifest = _read_manifest(file)

    def write(self, table: str, data: pa.Table) -> None:
        write_table(self.table_path(table), data)

    def stage(self, stage: str) -> dict:
        return self.manifest.setdefault("stages", {}).get(stage, {})

    def set_stage(self, stage: str, **info) -> None:
        self.manifest.setdefault("stages", {})[stage] = info
        self.save()

    def work(self, stage: str, print_: str) -> StageWork:
        return StageWork(self.path / ".work" / stage, print_)


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _new_manifest(name: str) -> dict:
    return {"format": FORMAT, "name": name, "created": _now(), "stages": {}}


def is_corpus_folder(path: Path) -> bool:
    """True if ``path`` holds a corpus's files (its manifest, a table, a decisions copy or stage work)."""
    path = Path(path)
    names = [MANIFEST, BACKUP, ".work", *(f"{t}.parquet" for t in TABLES)]
    return any((path / n).exists() for n in names)


def refuse_inside_corpus(out: Path | str, home: Path | None = None, others: bool = True) -> None:
    """CorpusError when the output ``out`` lies inside the corpus folder ``home`` or (``others``) any corpus
    folder: writing there could replace a corpus's tables, its manifest or a person's decisions."""
    out = Path(out).expanduser().resolve()
    home = Path(home).expanduser().resolve() if home is not None else None
    for folder in (out, *out.parents):
        if folder == home or (others and (folder / MANIFEST).is_file() and _is_manifest(folder / MANIFEST)):
            raise CorpusError(
                f"{out} is inside the corpus folder {folder}: writing there could overwrite the corpus's "
                f"own files (its tables, manifest or a person's decisions). Write it outside, e.g. in "
                f"{folder.parent}"
            )


def _is_manifest(file: Path) -> bool:
    try:
        _read_manifest(file)
    except CorpusError:
        return False
    return True


def _holder(note: str) -> tuple[str, str, str]:
    """(pid, what it is doing, since) from a lock's note."""
    try:
        info = json.loads(note)
    except ValueError:
        return "", "", ""
    if not isinstance(info, dict):
        return "", "", ""
    return str(info.get("pid", "")), str(info.get("doing", "")), str(info.get("since", ""))


_SECTIONS = ("stages", "params", "source", "import", "pair", "align", "versions", "languages")


def _read_manifest(file: Path) -> dict:
    """The parsed manifest; CorpusError (with the way out) when it is unreadable or not a manifest."""
    rebuild = "start its stages over with `workbench corpus build ARCHIVE ... --rebuild` (decisions are kept)"
    try:
        manifest = json.loads(file.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CorpusError(f"{file} cannot be read ({_first(exc)}); {rebuild}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CorpusError(
            f"{file} is not a workbench corpus manifest (format {FORMAT!r} expected); {rebuild}"
        )
    bad = [k for k in _SECTIONS if k in manifest and not isinstance(manifest[k], dict)]
    stages = manifest.get("stages", {})
    if isinstance(stages, dict):
        bad += [f"stages.{k}" for k, v in stages.items() if not isinstance(v, dict)]
    params = manifest.get("params", {})
    if isinstance(params, dict):
        bad += [f"params.{k}" for k, v in params.items() if not isinstance(v, dict)]
    bad += [k for k in ("name", "created") if k in manifest and not isinstance(manifest[k], str)]
    if bad or _has_nan(manifest):
        shown = ", ".join(bad) or "a number that is not finite"
        raise CorpusError(f"{file} is damaged ({shown}); {rebuild}")
    return manifest


def _has_nan(value: object) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(map(_has_nan, value.values()))
    if isinstance(value, list):
        return any(map(_has_nan, value))
    return False


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
