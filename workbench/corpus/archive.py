"""Reading a story archive: a Parquet, JSONL or CSV file of stories, one row a story.

The columns are mapped by :class:`Columns` (the defaults fit the KCNA archive). Everything a user can get
wrong is checked here, before any stage runs, with a message that says what to fix: a file that is not one
of the three formats, a missing column (the message lists the columns there are), duplicate or empty ids,
an empty archive, dates that cannot be parsed (the rows are named).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from workbench.errors import WorkbenchError

__all__ = [
    "FORMATS",
    "KCNA_DATE_PATTERN",
    "ArchiveError",
    "Columns",
    "archive_format",
    "file_sha256",
    "read_archive",
]

log = logging.getLogger(__name__)

FORMATS = ("parquet", "jsonl", "csv")
# The date in a KCNA index page URL: .../2011-12-01ee.html (2011) or .../news01/20120101-33ee.html (2012).
KCNA_DATE_PATTERN = r"(\d{4})-?(\d{2})-?(\d{2})(?:-\d+)?[a-z]*\.html?$"
_SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}


class ArchiveError(WorkbenchError):
    """An archive that cannot be read as told: the message names the file and what to change."""


@dataclass(frozen=True, slots=True)
class Columns:
    """Which archive column holds what. ``date_from`` is a column whose text holds the date where ``date``
    is empty (KCNA: the index page URL), read with ``date_pattern`` (three groups: year, month, day)."""

    id: str = "id"
    language: str = "language"
    date: str = "date"
    title: str = "title"
    text: str = "story"
    date_from: str | None = "index_page"
    date_pattern: str = KCNA_DATE_PATTERN

    def to_dict(self) -> dict:
        return asdict(self)


def archive_format(path: Path) -> str:
    """``parquet``, ``jsonl`` or ``csv``, from the file's first bytes and its name."""
    path = Path(path)
    if not path.exists():
        raise ArchiveError(f"{path}: no such file")
    if path.is_dir():
        raise ArchiveError(f"{path} is a folder: give the archive file (Parquet, JSONL or CSV)")
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PAR1"):
        return "parquet"
    by_name = _SUFFIXES.get(path.suffix.lower())
    if by_name == "parquet":
        raise ArchiveError(f"{path} is named .parquet but is not a Parquet file (it lacks the PAR1 magic)")
    if b"\x00" in head:
        raise ArchiveError(f"{path} is neither Parquet, JSONL nor CSV (it looks binary)")
    if by_name:
        return by_name
    if head.lstrip()[:1] in (b"{", b"["):
        return "jsonl"
    raise ArchiveError(
        f"cannot tell the format of {path}: name it .parquet, .jsonl or .csv (one story a row or line)"
    )


def file_sha256(path: Path) -> str:
    """``sha256:<hex>`` of a file's bytes (read in chunks)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def _read_table(path: Path, fmt: str) -> pd.DataFrame:
    """The file as a table with a plain row index (a frame's index that pandas wrote: a named one
    becomes a column again, an unnamed one is dropped)."""
    try:
        if fmt == "parquet":
            df = pq.read_table(path).to_pandas()
        elif fmt == "jsonl":
            df = pd.read_json(path, lines=True, dtype=False)
        else:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (pa.ArrowException, OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ArchiveError(f"cannot read {path} as {fmt.upper()}: {first}") from exc
    except (TypeError, AttributeError) as exc:  # pandas on a JSONL line that is no object (``42``)
        raise ArchiveError(f"cannot read {path} as JSONL: {_jsonl_problem(path) or exc}") from exc
    if fmt == "csv" and len(df.columns) and str(df.columns[0]).startswith("Unnamed: 0"):
        df = df.drop(columns=df.columns[0])  # the index column of ``to_csv``
    if isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1:
        return df
    named = any(n is not None for n in df.index.names)
    return df.reset_index(drop=not named or any(n in df.columns for n in df.index.names))


def _jsonl_problem(path: Path) -> str:
    """The first line of a JSONL file that is not a JSON object, named."""
    with Path(path).open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError:
                return f"line {number} is not JSON"
            if not isinstance(value, dict):
                return f"line {number} is {line.strip()[:40]!r}, not a JSON object (one story a line)"
    return ""


def _text_column(df: pd.DataFrame, name: str, path: Path | None = None) -> pd.Series:
    """A column as strings, missing values as None; ArchiveError for a value that is no text (a JSON
    object or list, bytes), naming its row."""
    col = df[name]
    odd = col.map(lambda v: isinstance(v, dict | list | tuple | bytes | np.ndarray))
    if odd.any():
        row = int(np.flatnonzero(odd.to_numpy())[0])
        value = col.iloc[row]
        where = f"line {row + 1}" if str(path).endswith((".jsonl", ".ndjson")) else f"row {row}"
        raise ArchiveError(
            f"{path}: column {name!r} holds a {type(value).__name__}, not text, in {where} "
            f"({int(odd.sum())} row(s) in all): give one string a story in that column"
        )
    return col.map(lambda v: None if v is None or (isinstance(v, float) and v != v) else str(v))


_NUMERIC_DATE = re.compile(r"\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})\s*$")  # 03/04/2011: which first?
_FIRST_DAY, _LAST_DAY = date(1000, 1, 1), date(8999, 12, 31)  # far from the ends of the calendar


def _epoch_dates(col: pd.Series) -> pd.Series:
    """A date column of whole milliseconds since 1970 (``to_json``'s default for dates: 12 or 13 digits)
    as YYYY-MM-DD texts; any other column as it is."""
    numbers = col.dropna()
    if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col) or numbers.empty:
        return col
    if not ((numbers.abs() >= 1e11) & (numbers.abs() < 1e13) & (numbers == numbers.round())).all():
        return col
    stamps = pd.to_datetime(col, unit="ms", errors="coerce")
    return stamps.map(lambda t: None if t is pd.NaT else t.strftime("%Y-%m-%d")).astype(object)


def _shown(ids: pd.Series, values: pd.Series, bad: pd.Series) -> str:
    rows = ", ".join(f"{i} ({v!r})" for i, v in zip(ids[bad][:5], values[bad][:5], strict=True))
    return rows + (f" and {int(bad.sum()) - 5} more" if bad.sum() > 5 else "")


def _day_month(values: pd.Series, ids: pd.Series, what: str, path: Path) -> pd.Series:
    """``values`` with dates written D/M/YYYY or M/D/YYYY rewritten as YYYY-MM-DD, in the one order the
    column shows (a first number over 12: day first; a second one: month first); ArchiveError when the
    column shows both orders, or neither."""
    parts = values.map(lambda v: _NUMERIC_DATE.match(v) if isinstance(v, str) else None)
    found = parts.notna()
    if not found.any():
        return values
    first = parts[found].map(lambda m: int(m.group(1)))
    second = parts[found].map(lambda m: int(m.group(3)))
    day_first, month_first = first > 12, second > 12
    if day_first.any() and month_first.any():
        mixed = pd.Series(False, index=values.index)
        mixed[[day_first.idxmax(), month_first.idxmax()]] = True
        raise ArchiveError(
            f"{path}: {what} writes dates day first and month first: {_shown(ids, values, mixed)}. "
            "Write them as YYYY-MM-DD"
        )
    if not day_first.any() and not month_first.any():
        raise ArchiveError(
            f"{path}: {what} holds dates that read day first as well as month first, in "
            f"{int(found.sum())} row(s): {_shown(ids, values, found)}. Write them as YYYY-MM-DD"
        )
    day, month = (1, 3) if day_first.any() else (3, 1)
    iso = parts[found].map(lambda m: f"{m.group(4)}-{int(m.group(month)):02d}-{int(m.group(day)):02d}")
    out = values.copy()
    out[found] = iso
    return out


def _one_date(value: str | None) -> date | None:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return None
    return None if stamp is pd.NaT else stamp.date()


def _parse_dates(values: pd.Series, ids: pd.Series, what: str, path: Path) -> pd.Series:
    values = _day_month(values.astype(object), ids, what, path)
    try:
        dates = pd.to_datetime(values, errors="coerce", format="mixed").dt.date
    except (ValueError, TypeError, OverflowError):  # mixed time zones: each date as written, in its zone
        dates = values.map(lambda v: None if v is None else _one_date(v))
    dates = dates.map(lambda d: d if isinstance(d, date) and d is not pd.NaT else None)
    bad = values.notna() & dates.isna()
    if bad.any():
        raise ArchiveError(
            f"{path}: {what} cannot be read as a date in {int(bad.sum())} row(s): "
            f"{_shown(ids, values, bad)}. Use YYYY-MM-DD, or name another column with --date-col"
        )
    odd = dates.map(lambda d: d is not None and not _FIRST_DAY <= d <= _LAST_DAY)
    if odd.any():
        raise ArchiveError(
            f"{path}: {what} holds dates out of range (years 1000 to 8999) in {int(odd.sum())} row(s): "
            f"{_shown(ids, values, odd)}. Give the real dates, or leave them empty"
        )
    return dates


def read_archive(path: Path, columns: Columns = Columns()) -> pd.DataFrame:
    """The archive as a table of stories: ``id``, ``label`` (the archive's language), ``date`` (a
    ``datetime.date``, or None), ``date_source`` ("column", "derived" or "none"), ``title``, ``text``,
    ``row`` (0-based row in the file). Raises :class:`ArchiveError` for anything that would make the
    stages meaningless."""
    path = Path(path)
    fmt = archive_format(path)
    df = _read_table(path, fmt)
    if df.empty:
        raise ArchiveError(f"{path} holds no stories (0 rows)")
    needed = {"--id-col": columns.id, "--lang-col": columns.language, "--text-col": columns.text}
    optional = {"--title-col": columns.title, "--date-col": columns.date}
    if columns.date_from:
        optional["--date-from"] = columns.date_from
    missing = [f"{flag} {name!r}" for flag, name in needed.items() if name not in df.columns]
    missing += [f"{flag} {name!r}" for flag, name in optional.items() if name and name not in df.columns]
    if missing:
        raise ArchiveError(
            f"{path} has no column {', '.join(missing)}. Its columns are: {', '.join(map(str, df.columns))}. "
            "Map them with --id-col, --lang-col, --date-col, --title-col, --text-col and --date-from"
        )
    ids = _text_column(df, columns.id, path)
    if ids.isna().any() or (ids.str.strip() == "").any():
        rows = ", ".join(str(i) for i in ids.index[ids.isna() | (ids.str.strip() == "")][:5])
        raise ArchiveError(f"{path}: empty {columns.id!r} in row(s) {rows}; every story needs an id")
    dupes = ids[ids.duplicated(keep=False)]
    if not dupes.empty:
        shown = ", ".join(sorted(set(dupes))[:5])
        raise ArchiveError(
            f"{path}: {dupes.nunique()} id(s) occur more than once in {columns.id!r} ({shown}); "
            "ids must be unique (use --id-col to name another column)"
        )
    out = pd.DataFrame({"id": ids.astype(str), "row": range(len(df))})
    labels = _text_column(df, columns.language, path)
    out["label"] = labels.fillna("").str.strip().str.lower()
    out["title"] = _text_column(df, columns.title, path).fillna("") if columns.title else ""
    out["text"] = _text_column(df, columns.text, path).fillna("")
    if columns.date:
        df[columns.date] = _epoch_dates(df[columns.date])
    dates = (
        _parse_dates(_text_column(df, columns.date, path), out["id"], f"column {columns.date!r}", path)
        if columns.date
        else pd.Series([None] * len(df))
    )
    source = pd.Series(["column" if d is not None and d == d else "none" for d in dates])
    if columns.date_from:
        try:
            pattern = re.compile(columns.date_pattern)
        except (re.error, TypeError) as exc:
            raise ArchiveError(
                f"--date-pattern {columns.date_pattern!r} is not a regular expression ({exc}): give one with "
                "three groups, year, month and day"
            ) from None
        if pattern.groups < 3:
            raise ArchiveError(
                f"--date-pattern {columns.date_pattern!r} needs three groups: year, month and day"
            )
        holder = _text_column(df, columns.date_from, path)
        need = source == "none"
        found = holder[need].map(lambda s: None if s is None else pattern.search(s))
        derived = found.map(lambda m: None if m is None else f"{m.group(1)}-{m.group(2)}-{m.group(3)}")
        parsed = _parse_dates(derived, out["id"][need], f"the date in {columns.date_from!r}", path)
        dates = dates.astype(object)
        dates[need] = parsed
        source[need & parsed.reindex(source.index).notna()] = "derived"
    out["date"] = [d if d is not None and d == d else None for d in dates]
    out["date_source"] = source.values
    log.info("read %d stories from %s (%s)", len(out), path, fmt)
    return out
