"""Export saved alignments as a parallel corpus: TMX 1.4b, Moses, TSV, JSONL or Parquet.

Every bead with text on both sides becomes one row (one line pair for Moses); the bead's sentence ids
go with it, so every exported pair can be traced back to its alignment.

API (the CLI and the review app share it):

- :class:`ExportOptions` -- the filters: ``status`` ("confirmed", the default: beads a person
  confirmed or edited; "any": unreviewed ``auto`` links too), ``min_score``, ``langs`` (target
  languages), ``kind`` ("human", "machine" or "any") and ``allow_stale``.
- :class:`Record` -- one stored alignment with its versions' metadata from ``article.toml``
  (:func:`record_for` builds one from an article and an alignment).
- :func:`export_alignments` ``(records, fmt, out, options) -> ExportReport`` writes one format to a
  binary stream; Moses, which is several files, is written as a zip. :func:`export_bytes` returns the
  bytes instead (for a download). Records of one article must come one after the other: TMX merges
  the translations of an article into one ``<tu>`` wherever their beads share the same English side.
- :func:`iter_records` selects the alignments of a workspace one file at a time (stale, corrupt and
  filtered-out files are skipped and counted), and :func:`export_workspace` writes them to a path
  atomically (a temp file, then a rename: never a half-written file).
- :class:`ExportReport` says how many beads were written and how many were skipped, by reason.

Formats:

- ``tmx``: TMX 1.4b, UTF-8. One ``<tu>`` per English side, one ``<tuv xml:lang>`` per language; props
  ``x-article`` (tu), ``x-version``, ``x-ids``, ``x-kind``, ``x-origin`` (every tuv) and ``x-score``,
  ``x-status``, ``x-official`` (translations). Characters XML 1.0 forbids (most C0 controls, lone
  surrogates, U+FFFE/U+FFFF) become U+FFFD and are counted in ``ExportReport.replaced_chars``.
- ``moses``: per language pair ``NAME.<src>-<tgt>.<src>`` and ``NAME.<src>-<tgt>.<tgt>``, line-parallel
  (tabs and line breaks inside a sentence become spaces), and ``NAME.<src>-<tgt>.ids``: tab-separated
  article, source version, target version, source ids and target ids (space-separated) per line.
- ``tsv``: a header line, then tab-separated fields quoted like CSV where needed (``"`` around a field
  holding a tab, a quote or a line break; ``""`` inside), so that text round-trips exactly:
  ``pandas.read_csv(path, sep="\\t", dtype=str, keep_default_na=False)`` or ``csv.reader(f,
  delimiter="\\t")`` with ``newline=""``. Ids are space-separated, ``official`` is true/false.
- ``jsonl``: one JSON object per line (ids as lists); ``pandas.read_json(path, lines=True)`` or
  ``datasets.load_dataset("json", data_files=path)`` read it as is (pass pandas ``dtype=False,
  precise_float=True`` to keep number-like texts as text and scores exact).
- ``parquet``: zstd-compressed row groups of :data:`ROW_GROUP_ROWS` rows (ids as lists of strings).

Columns (tsv, jsonl, parquet): :data:`COLUMNS`. ``kind``, ``origin`` and ``official`` describe the
translation. Output is deterministic: articles and versions in sorted order, beads in document order,
no timestamps but the alignments' own modification dates (TMX ``changedate``).
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from workbench import __version__
from workbench.errors import WorkbenchError
from workbench.store import alignments as store
from workbench.store import files as storage
from workbench.store import texts
from workbench.store.texts import Article, TextVersion
from workbench.text.segment import sentence_separator

if TYPE_CHECKING:
    from workbench.workspace import Workspace

__all__ = [
    "COLUMNS",
    "FORMATS",
    "ROW_GROUP_ROWS",
    "ExportError",
    "ExportOptions",
    "ExportReport",
    "Format",
    "NothingToExportError",
    "Record",
    "check_format",
    "export_alignments",
    "export_bytes",
    "export_workspace",
    "format_for_path",
    "iter_records",
    "record_for",
    "write_export",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    extension: str  # of a single-file download
    media_type: str


FORMATS = {
    "tmx": Format("tmx", ".tmx", "application/x-tmx+xml"),
    "moses": Format("moses", ".zip", "application/zip"),
    "tsv": Format("tsv", ".tsv", "text/tab-separated-values"),
    "jsonl": Format("jsonl", ".jsonl", "application/jsonl"),
    "parquet": Format("parquet", ".parquet", "application/vnd.apache.parquet"),
    # The Hugging Face datasets layout: {"translation": {"en": ..., "es": ...}, "id": ..., ...}
    "hf-jsonl": Format("hf-jsonl", ".jsonl", "application/jsonl"),
    "hf-parquet": Format("hf-parquet", ".parquet", "application/vnd.apache.parquet"),
}
STATUS_FILTERS = ("confirmed", "any")
KIND_FILTERS = ("any", "human", "machine")
REVIEWED = store.REVIEWED
COLUMNS = (
    "article",
    "source_lang",
    "target_lang",
    "source_version",
    "target_version",
    "source_ids",
    "target_ids",
    "source_text",
    "target_text",
    "score",
    "status",
    "kind",
    "origin",
    "official",
)
ROW_GROUP_ROWS = 10_000

# Skip reasons. Beads:
EMPTY_SIDE = "one side empty (1-0 or 0-1)"
NOT_REVIEWED = "not reviewed (status auto)"
LOW_SCORE = "score below {min_score}"
NOT_ONE_TO_ONE = "not 1-1"
# Whole alignments:
LANGUAGE = "language not selected"
KIND = "kind not selected"
STALE = "stale (text changed since aligned)"
TEXT_MISSING = "text missing or unreadable"
CORRUPT = "corrupt alignment file"
ARTICLE_BROKEN = "article.toml unreadable"
ORPHAN = "version not in article.toml"

_SURROGATES = re.compile("[\ud800-\udfff]")
_XML_FORBIDDEN = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TSV_QUOTE = re.compile('[\t\n\r"]')
_XML_SPECIAL = re.compile(f"[&<>\r]|{_XML_FORBIDDEN.pattern}")
_LINE_BREAKS = re.compile("[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029 ]+")
_JSONL_BREAKS = re.compile("[\x85\u2028\u2029]")  # json.dumps leaves them raw (ensure_ascii=False)


class ExportError(WorkbenchError):
    """An export that cannot be done as asked: bad options, an unwritable path."""


class NothingToExportError(ExportError):
    """No bead matched the filters; ``report`` says what was skipped and why."""

    def __init__(self, message: str, report: ExportReport):
        super().__init__(message)
        self.report = report


@dataclass(frozen=True, slots=True)
class ExportOptions:
    status: str = "confirmed"  # "confirmed" (confirmed or edited) or "any"
    min_score: float | None = None  # skip beads with a lower confidence
    langs: tuple[str, ...] | None = None  # target languages; None: all
    kind: str = "any"  # of the translation: "human", "machine" or "any"
    allow_stale: bool = False  # export alignments whose texts changed since they were made
    one_to_one: bool = False  # only beads of one sentence on each side

    def check(self) -> None:
        """Raise :class:`ExportError` for an option value that makes no sense."""
        if self.status not in STATUS_FILTERS:
            raise ExportError(
                f"unknown status filter {self.status!r}: use 'confirmed' (confirmed or edited beads) "
                "or 'any' (unreviewed auto links too)"
            )
        if self.kind not in KIND_FILTERS:
            raise ExportError(f"unknown kind {self.kind!r}: use {', '.join(KIND_FILTERS)}")
        if self.min_score is not None and not 0.0 <= self.min_score <= 1.0:
            raise ExportError(f"--min-score must be between 0 and 1, not {self.min_score}")
        if self.langs is not None:
            if not self.langs:
                raise ExportError("no target language given: name one or more, e.g. ko,es")
            for lang in self.langs:
                try:
                    texts.validate_language(lang)
                except texts.TextsError as exc:
                    raise ExportError(str(exc)) from None

    def describe(self) -> str:
        parts = ["status " + ("confirmed or edited" if self.status == "confirmed" else "any")]
        if self.min_score is not None:
            parts.append(f"score >= {self.min_score:g}")
        if self.langs:
            parts.append("languages " + ",".join(self.langs))
        if self.kind != "any":
            parts.append(f"kind {self.kind}")
        if self.one_to_one:
            parts.append("1-1 beads only")
        return ", ".join(parts)


@dataclass(slots=True)
class Record:
    """One stored alignment and the metadata of its two versions (None where article.toml has none)."""

    alignment: store.Alignment
    source: TextVersion | None
    target: TextVersion | None
    extra: dict = field(default_factory=dict)  # more columns for its rows (``export_alignments(extra=...)``)


def record_for(article: Article, alignment: store.Alignment) -> Record:
    ids = {v.id: v for v in article.versions}
    return Record(alignment, ids.get(alignment.source.version), ids.get(alignment.target.version))


@dataclass(slots=True)
class ExportReport:
    format: str
    written: int = 0  # beads written
    units: int = 0  # rows, line pairs or <tu> elements written
    alignments: int = 0  # alignments read and exported from
    skipped: Counter = field(default_factory=Counter)  # beads, by reason
    skipped_alignments: Counter = field(default_factory=Counter)  # whole alignment files, by reason
    replaced_chars: int = 0  # characters the format cannot hold, replaced by U+FFFD
    warnings: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # output files written

    def warn(self, message: str) -> None:
        log.warning("%s", message)
        self.warnings.append(message)

    def reasons(self) -> list[tuple[str, int, int]]:
        """(reason, beads, alignments) for every skip reason, in a fixed order."""
        keys = sorted(set(self.skipped) | set(self.skipped_alignments))
        return [(k, self.skipped.get(k, 0), self.skipped_alignments.get(k, 0)) for k in keys]

    def nothing_message(self, options: ExportOptions) -> str:
        why = "; ".join(
            f"{reason}: "
            + " in ".join([f"{beads} beads"] * bool(beads) + [f"{files} alignments"] * bool(files))
            for reason, beads, files in self.reasons()
        )
        message = f"nothing to export: no bead matches the filters ({options.describe()})"
        if why:
            message += f". Skipped: {why}"
        if options.status == "confirmed" and self.skipped.get(NOT_REVIEWED):
            message += (
                ". Only reviewed beads (confirmed or edited) are exported by default; "
                "--status any includes the unreviewed auto links"
            )
        if self.skipped_alignments.get(STALE) and not options.allow_stale:
            message += ". --allow-stale exports alignments whose texts changed since they were aligned"
        return message


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return fmt


def format_for_path(path: Path) -> str:
    """The format a file name implies (.tmx, .tsv, .jsonl, .parquet, .zip for moses)."""
    _check_out(Path(path))
    suffix = Path(path).suffix.lower()
    for fmt in FORMATS.values():
        if suffix == fmt.extension:
            return fmt.name
    raise ExportError(f"cannot tell the format from {Path(path).name!r}: choose one with --format")


# --- beads to rows ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    article: str
    source_lang: str
    target_lang: str
    source_version: str
    target_version: str
    source_ids: list[str]
    target_ids: list[str]
    source_text: str
    target_text: str
    score: float
    status: str
    kind: str
    origin: str
    official: bool
    # for TMX only
    source_sha: str
    source_kind: str
    source_origin: str
    position: int  # index of the first source sentence
    modified: str
    extra: dict = field(default_factory=dict)


def _clean(text: str, report: ExportReport) -> str:
    """Lone surrogates (which no UTF-8 file can hold) become U+FFFD."""
    cleaned, n = _SURROGATES.subn("\ufffd", text)
    report.replaced_chars += n
    return cleaned


def _join(sentences: list[str], language: str) -> str:
    return sentence_separator(language).join(sentences)


def _selection_reason(options: ExportOptions, language: str, kind: str | None) -> str | None:
    if options.langs is not None and language not in options.langs:
        return LANGUAGE
    if options.kind != "any" and kind != options.kind:
        return KIND
    return None


def _rows(record: Record, options: ExportOptions, report: ExportReport) -> Iterator[_Row]:
    a = record.alignment
    src_text = {s.id: s.text for s in a.source.sentences}
    tgt_text = {s.id: s.text for s in a.target.sentences}
    position = {s.id: i for i, s in enumerate(a.source.sentences)}
    target, source = record.target, record.source
    origin = _clean(target.origin, report) if target else ""
    source_origin = _clean(source.origin, report) if source else ""
    low = LOW_SCORE.format(min_score=f"{options.min_score:g}") if options.min_score is not None else ""
    for link in a.links:
        source_text = _join([src_text[i] for i in link.src], a.source.language)
        target_text = _join([tgt_text[i] for i in link.tgt], a.target.language)
        if not source_text.strip() or not target_text.strip():
            report.skipped[EMPTY_SIDE] += 1
        elif options.status == "confirmed" and not store.is_reviewed(link):
            report.skipped[NOT_REVIEWED] += 1
        elif options.min_score is not None and round(link.score, 4) < options.min_score:
            report.skipped[low] += 1
        elif options.one_to_one and (len(link.src) != 1 or len(link.tgt) != 1):
            report.skipped[NOT_ONE_TO_ONE] += 1
        else:
            yield _Row(
                article=a.article,
                source_lang=a.source.language,
                target_lang=a.target.language,
                source_version=a.source.version,
                target_version=a.target.version,
                source_ids=list(link.src),
                target_ids=list(link.tgt),
                source_text=_clean(source_text, report),
                target_text=_clean(target_text, report),
                score=round(float(link.score), 4),  # as stored (alignments.dumps)
                status=link.status,
                kind=target.kind if target else "",
                origin=origin,
                official=bool(target.official) if target else False,
                source_sha=a.source.sha256,
                source_kind=source.kind if source else "source",
                source_origin=source_origin,
                position=position[link.src[0]],
                modified=a.modified,
                extra=record.extra,
            )


# --- writers ------------------------------------------------------------------------------------------


def _tsv_field(text: str) -> str:
    """CSV-style quoting: a field holding a tab, a line break or a quote goes in quotes, quotes doubled."""
    if _TSV_QUOTE.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _tsv_line(fields: list[str]) -> bytes:
    line = "\t".join(fields)
    if line.count("\t") != len(fields) - 1 or _TSV_QUOTE.search(line):
        line = "\t".join(_tsv_field(f) for f in fields)
    return (line + "\n").encode("utf-8")


class _TableWriter:
    """TSV, JSONL and Parquet: one row per bead, in the order given. ``hf-jsonl`` and ``hf-parquet`` give
    the Hugging Face datasets layout: the two texts as ``translation: {lang: text, lang: text}`` (one
    language pair per file), then ``id`` and the other columns. ``extra`` names more columns (name ->
    ``float`` or ``str``), filled from each record's ``extra``."""

    def __init__(self, fmt: str, out: BinaryIO, report: ExportReport, extra: dict[str, type] | None = None):
        self.fmt, self.out, self.report = fmt, out, report
        self.hf = fmt.startswith("hf-")
        self.extra = dict(extra or {})
        self.langs: tuple[str, str] | None = None  # hf: the language pair of the file
        self.names = (_HF_COLUMNS if self.hf else COLUMNS) + tuple(self.extra)
        self.columns: dict[str, list] = {c: [] for c in self.names}
        self.parquet = None
        if fmt == "tsv":
            self.out.write(_tsv_line(self.names))

    def _hf(self, r: _Row) -> dict:
        langs = (r.source_lang, r.target_lang)
        if self.langs is None:
            if langs[0] == langs[1]:
                raise ExportError(f"the Hugging Face layout needs two languages, not {langs[0]} twice")
            self.langs = langs
        elif langs != self.langs:
            raise ExportError(
                f"the Hugging Face layout holds one language pair ({'-'.join(self.langs)}), and this "
                f"export has {'-'.join(langs)} too: choose one with --langs"
            )
        return {
            "translation": {r.source_lang: r.source_text, r.target_lang: r.target_text},
            "id": f"{r.article}:{r.target_version}:{'+'.join(r.source_ids)}",
            **{c: getattr(r, c) for c in _HF_COLUMNS[2:]},
        }

    def _row(self, r: _Row) -> dict:
        row = self._hf(r) if self.hf else {c: getattr(r, c) for c in COLUMNS}
        row.update((c, r.extra.get(c)) for c in self.extra)
        return row

    def write_article(self, rows: list[_Row]) -> None:
        if self.fmt == "tsv":
            self.out.write(
                b"".join(
                    _tsv_line(
                        [
                            *(getattr(r, c) for c in COLUMNS[:5]),
                            " ".join(r.source_ids),
                            " ".join(r.target_ids),
                            r.source_text,
                            r.target_text,
                            repr(r.score),
                            r.status,
                            r.kind,
                            r.origin,
                            "true" if r.official else "false",
                            *(_tsv_value(r.extra.get(c)) for c in self.extra),
                        ]
                    )
                    for r in rows
                )
            )
        elif self.fmt.endswith("jsonl"):
            lines = (json.dumps(self._row(r), ensure_ascii=False) for r in rows)
            text = "".join(f"{line}\n" for line in lines)
            if _JSONL_BREAKS.search(text):  # line breaks to Python's str.splitlines and some JSON readers
                text = _JSONL_BREAKS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
            self.out.write(text.encode("utf-8"))
        else:
            for r in rows:
                for c, v in self._row(r).items():
                    self.columns[c].append(v)
            if len(self.columns[self.names[0]]) >= ROW_GROUP_ROWS:
                self._flush_parquet()
        self.report.written += len(rows)
        self.report.units += len(rows)

    def _flush_parquet(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        types = {"score": pa.float64(), "official": pa.bool_()}
        types.update((c, pa.float64() if t is float else pa.string()) for c, t in self.extra.items())
        if self.hf:
            langs = self.langs or ("src", "tgt")
            types["translation"] = pa.struct([(langs[0], pa.string()), (langs[1], pa.string())])
        ids = pa.list_(pa.string())
        schema = pa.schema(
            [(c, types.get(c, ids if c.endswith("_ids") else pa.string())) for c in self.names]
        )
        if self.parquet is None:
            self.parquet = pq.ParquetWriter(self.out, schema, compression="zstd")
        table = pa.Table.from_pydict(self.columns, schema=schema)
        if table.num_rows:
            self.parquet.write_table(table, row_group_size=ROW_GROUP_ROWS)
        self.columns = {c: [] for c in self.names}

    def close(self) -> None:
        if self.fmt.endswith("parquet"):
            self._flush_parquet()
            self.parquet.close()


_HF_COLUMNS = ("translation", "id", "article", "source_version", "target_version", "source_ids", "target_ids")
_HF_COLUMNS += ("score", "status")


def _tsv_value(value: object) -> str:
    return "" if value is None else repr(value) if isinstance(value, float) else str(value)


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _xml_attr(text: str) -> str:
    return _xml_text(text).replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")


def _tmx_date(stamp: str) -> str | None:
    digits = re.sub(r"\D", "", stamp)
    return f"{digits[:8]}T{digits[8:14]}Z" if len(digits) >= 14 else None


class _TmxWriter:
    """TMX 1.4b, written as strings: the header when the first article comes (its source language is
    ``srclang``), then one ``<tu>`` per English side of each article."""

    def __init__(self, out: BinaryIO, report: ExportReport):
        self.out, self.report = out, report
        self.started = False

    def _text(self, text: str) -> str:
        if not _XML_SPECIAL.search(text):  # the common case, and the fast one
            return text
        text, n = _XML_FORBIDDEN.subn("\ufffd", text)
        self.report.replaced_chars += n
        return _xml_text(text)

    def _start(self, srclang: str) -> None:
        self.started = True
        self.out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
            f'  <header creationtool="workbench" creationtoolversion="{_xml_attr(__version__)}" '
            f'segtype="sentence" o-tmf="{store.FORMAT}" adminlang="en" srclang="{_xml_attr(srclang)}" '
            'datatype="plaintext"/>\n  <body>\n'.encode()
        )

    def _props(self, pairs: list[tuple[str, str]], indent: str) -> list[str]:
        return [f'{indent}<prop type="{t}">{self._text(v)}</prop>' for t, v in pairs if v != ""]

    def write_article(self, rows: list[_Row]) -> None:
        if not rows:
            return
        if not self.started:
            self._start(rows[0].source_lang)
        units: dict[tuple[str, tuple[str, ...]], list[list[_Row]]] = {}
        rank: dict[str, int] = {}
        for row in rows:
            rank.setdefault(row.source_sha, len(rank))
            tus = units.setdefault((row.source_sha, tuple(row.source_ids)), [])
            for tu in tus:  # one tuv per language in a <tu>: a second version of a language gets its own
                if all(r.target_lang != row.target_lang for r in tu):
                    tu.append(row)
                    break
            else:
                tus.append([row])
        order = sorted(units, key=lambda k: (rank[k[0]], units[k][0][0].position, len(k[1])))
        used: set[str] = set()
        lines: list[str] = []
        for key in order:
            for tu in units[key]:
                lines.extend(self._tu(tu, used))
        self.out.write("".join(f"{line}\n" for line in lines).encode("utf-8"))
        self.report.written += len(rows)
        self.report.units += sum(len(units[k]) for k in order)

    def _tu(self, tu: list[_Row], used: set[str]) -> list[str]:
        first = tu[0]
        tuid = base = f"{first.article}:{'+'.join(first.source_ids)}"
        n = 1
        while tuid in used:
            n += 1
            tuid = f"{base}#{n}"
        used.add(tuid)
        lines = [f'    <tu tuid="{_xml_attr(tuid)}">', *self._props([("x-article", first.article)], "      ")]
        lines.append(f'      <tuv xml:lang="{_xml_attr(first.source_lang)}">')
        lines += self._props(
            [
                ("x-version", first.source_version),
                ("x-ids", " ".join(first.source_ids)),
                ("x-kind", first.source_kind),
                ("x-origin", first.source_origin),
            ],
            "        ",
        )
        lines += [f"        <seg>{self._text(first.source_text)}</seg>", "      </tuv>"]
        for r in tu:
            date = _tmx_date(r.modified)
            changed = f' changedate="{date}"' if date else ""
            lines.append(f'      <tuv xml:lang="{_xml_attr(r.target_lang)}"{changed}>')
            lines += self._props(
                [
                    ("x-version", r.target_version),
                    ("x-ids", " ".join(r.target_ids)),
                    ("x-score", repr(r.score)),
                    ("x-status", r.status),
                    ("x-kind", r.kind),
                    ("x-origin", r.origin),
                    ("x-official", "true" if r.official else "false"),
                    *((f"x-{k.replace('_', '-')}", _tsv_value(v)) for k, v in r.extra.items()),
                ],
                "        ",
            )
            lines += [f"        <seg>{self._text(r.target_text)}</seg>", "      </tuv>"]
        lines.append("    </tu>")
        return lines

    def close(self) -> None:
        if not self.started:
            self._start("en")
        self.out.write(b"  </body>\n</tmx>\n")


def _moses_line(text: str) -> str:
    """One line: tabs and every character a reader may take for a line break become single spaces."""
    return _LINE_BREAKS.sub(" ", text).strip(" ")


class _MosesWriter:
    """Line-parallel files per language pair, opened on first use by ``open_file(name)``."""

    def __init__(self, name: str, open_file: Callable[[str], BinaryIO], report: ExportReport):
        self.name, self.open_file, self.report = name, open_file, report
        self.files: dict[str, BinaryIO] = {}

    def _file(self, name: str) -> BinaryIO:
        if name not in self.files:
            self.files[name] = self.open_file(name)
        return self.files[name]

    def write_article(self, rows: list[_Row]) -> None:
        for (src, tgt), pair in groupby(
            sorted(rows, key=lambda r: (r.source_lang, r.target_lang)),
            lambda r: (r.source_lang, r.target_lang),
        ):
            pair = list(pair)
            stem = f"{self.name}.{src}-{tgt}"
            src_name, tgt_name = (
                (f"{stem}.{src}", f"{stem}.{tgt}") if src != tgt else (f"{stem}.src", f"{stem}.tgt")
            )
            self._file(src_name).write("".join(f"{_moses_line(r.source_text)}\n" for r in pair).encode())
            self._file(tgt_name).write("".join(f"{_moses_line(r.target_text)}\n" for r in pair).encode())
            self._file(f"{stem}.ids").write(
                "".join(
                    f"{r.article}\t{r.source_version}\t{r.target_version}\t"
                    f"{' '.join(r.source_ids)}\t{' '.join(r.target_ids)}"
                    + "".join(f"\t{_tsv_value(v)}" for v in r.extra.values())
                    + "\n"
                    for r in pair
                ).encode()
            )
            self.report.written += len(pair)
            self.report.units += len(pair)


class _MosesZipWriter(_MosesWriter):
    """Moses files gathered in temporary files, then stored in a zip (fixed dates: same bytes each time)."""

    def __init__(self, name: str, out: BinaryIO, report: ExportReport):
        super().__init__(name, lambda _: tempfile.TemporaryFile(), report)  # noqa: SIM115
        self.out = out

    def close(self) -> None:
        with zipfile.ZipFile(self.out, "w") as zf:
            for name in sorted(self.files):
                fh = self.files[name]
                size = fh.tell()
                fh.seek(0)
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                with zf.open(info, "w", force_zip64=size > 2**31) as member:
                    shutil.copyfileobj(fh, member, 1 << 20)
                fh.close()
                self.report.files.append(name)


# --- the export ---------------------------------------------------------------------------------------


def _write(writer, records: Iterable[Record], options: ExportOptions, report: ExportReport) -> None:
    for _, group in groupby(records, key=lambda r: r.alignment.article):
        rows: list[_Row] = []
        for record in group:
            target = record.alignment.target
            reason = _selection_reason(
                options, target.language, record.target.kind if record.target else None
            )
            if reason:
                report.skipped_alignments[reason] += 1
                continue
            report.alignments += 1
            rows.extend(_rows(record, options, report))
        writer.write_article(rows)
    if report.replaced_chars:
        report.warn(f"{report.replaced_chars} characters {report.format} cannot hold were replaced by U+FFFD")


def export_alignments(
    records: Iterable[Record],
    fmt: str,
    out: BinaryIO,
    options: ExportOptions | None = None,
    *,
    report: ExportReport | None = None,
    name: str = "corpus",
    extra: dict[str, type] | None = None,
) -> ExportReport:
    """Write the beads of ``records`` that pass ``options`` to the binary stream ``out`` as ``fmt``.

    Reads one record at a time and writes as it goes. Moses is written as a zip holding
    ``<name>.<src>-<tgt>.<lang>`` and ``.ids`` files. A report with ``written == 0`` means nothing
    matched (the output is then a valid, empty file). ``report`` lets a caller add to its own counts.
    ``extra`` names columns beyond :data:`COLUMNS` (name -> ``float`` or ``str``), taken from each
    record's ``extra`` (TMX: ``x-<name>`` props of the translation; Moses: more columns in ``.ids``).
    """
    options = options or ExportOptions()
    options.check()
    check_format(fmt)
    report = report if report is not None else ExportReport(fmt)
    if fmt == "tmx":
        writer = _TmxWriter(out, report)
    elif fmt == "moses":
        writer = _MosesZipWriter(name, out, report)
    else:
        writer = _TableWriter(fmt, out, report, extra)
    try:
        _write(writer, records, options, report)
        writer.close()
    finally:
        for fh in getattr(writer, "files", {}).values():
            fh.close()
    return report


def export_bytes(
    records: Iterable[Record],
    fmt: str,
    options: ExportOptions | None = None,
    *,
    report: ExportReport | None = None,
    name: str = "corpus",
) -> tuple[bytes, ExportReport]:
    """:func:`export_alignments` into memory, for a download (Moses as a zip). With
    ``iter_records(ws, ids, options, report)`` as ``records``, pass the same ``report``."""
    buffer = io.BytesIO()
    report = export_alignments(records, fmt, buffer, options, report=report, name=name)
    return buffer.getvalue(), report


# --- a workspace --------------------------------------------------------------------------------------


def _article_ids(ws: Workspace) -> list[str]:
    if not ws.texts.is_dir():
        raise ExportError(
            f"no texts/ folder in {ws.root}: run workbench in a workbench folder or pass --root"
        )
    return sorted(
        p.name
        for p in ws.texts.iterdir()
        if p.is_dir() and not p.name.startswith((".", "_")) and (p / texts.METADATA_FILE).is_file()
    )


def _plan(ws: Workspace, article_ids: list[str] | None) -> list[tuple[str, str]]:
    """(article id, target version) of every stored alignment of the articles, sorted."""
    if article_ids is None:
        article_ids = _article_ids(ws)
    else:
        for article_id in article_ids:
            texts.validate_id(article_id)
            if not (ws.texts / article_id / texts.METADATA_FILE).is_file():
                ws.article(article_id)  # raises TextsError with close matches
    jobs = []
    for article_id in sorted(set(article_ids)):
        folder = ws.alignments / article_id
        found = (
            sorted(p.stem for p in folder.glob("*.json") if not p.name.startswith("."))
            if folder.is_dir()
            else []
        )
        jobs += [(article_id, version) for version in found]
    return jobs


def _stale_reason(article: Article, rec: store.Alignment, hashes: dict[str, str]) -> str | None:
    try:
        for version in (rec.source.version, rec.target.version):
            if version not in hashes:
                hashes[version] = texts.content_hash(texts.read_version_text(article, version))
    except texts.TextsError as exc:
        log.info("%s", exc)
        return TEXT_MISSING
    return STALE if store.is_stale(rec, hashes[rec.source.version], hashes[rec.target.version]) else None


def iter_records(
    ws: Workspace,
    article_ids: list[str] | None,
    options: ExportOptions,
    report: ExportReport,
    progress: Callable[[int, int, str], None] | None = None,
) -> Iterator[Record]:
    """The stored alignments of ``article_ids`` (None: every article) that pass ``options``' language
    and kind filters and are not stale (unless allowed) or corrupt, loaded one at a time, sorted by
    article and version. Skipped files are counted in ``report`` (with a warning where something is
    wrong); ``progress(done, total, label)`` is called after each alignment file."""
    return _iter_jobs(ws, _plan(ws, article_ids), options, report, progress)


def _iter_jobs(
    ws: Workspace,
    jobs: list[tuple[str, str]],
    options: ExportOptions,
    report: ExportReport,
    progress: Callable[[int, int, str], None] | None,
) -> Iterator[Record]:
    total = len(jobs)
    done = 0
    for article_id, group in groupby(jobs, key=lambda job: job[0]):
        group = list(group)
        try:
            article = ws.article(article_id)
        except texts.TextsError as exc:
            report.skipped_alignments[ARTICLE_BROKEN] += len(group)
            report.warn(f"skipped {article_id}: {exc}")
            done += len(group)
            if progress:
                progress(done, total, article_id)
            continue
        hashes: dict[str, str] = {}
        versions = {v.id: v for v in article.versions}
        for _, version_id in group:
            record = _load_record(ws, article, versions, version_id, options, report, hashes)
            if record is not None:
                yield record
            done += 1
            if progress:
                progress(done, total, f"{article_id} {version_id}")


def _load_record(ws, article, versions, version_id, options, report, hashes) -> Record | None:
    path = ws.alignment_path(article.id, version_id)
    version = versions.get(version_id)
    if version is None or version.kind == "source":
        report.skipped_alignments[ORPHAN] += 1
        report.warn(f"skipped {path}: {article.id} has no translation {version_id!r} in article.toml")
        return None
    reason = _selection_reason(options, version.language, version.kind)
    if reason:
        report.skipped_alignments[reason] += 1
        return None
    try:
        rec = store.load_alignment(path)
        if rec.article != article.id or rec.target.version != version_id:
            raise store.CorruptAlignmentError(
                f"{path}: holds {rec.article} {rec.target.version}, not {article.id} {version_id}"
            )
    except (store.AlignmentError, OSError) as exc:
        report.skipped_alignments[CORRUPT] += 1
        report.warn(f"skipped corrupt alignment: {exc}")
        return None
    stale = _stale_reason(article, rec, hashes)
    if stale and not options.allow_stale:
        report.skipped_alignments[stale] += 1
        report.skipped[stale] += len(rec.links)
        report.warn(f"skipped {path}: {stale}; re-align it (or export it anyway with --allow-stale)")
        return None
    if stale:
        log.info("exporting %s although it is %s", path, stale)
    return Record(rec, versions.get(rec.source.version), version)


def _check_out(out: Path) -> None:
    if out.is_dir():
        raise ExportError(f"cannot write {out}: it is a folder; give a file name, e.g. {out / 'corpus'}")
    if not out.parent.is_dir():
        raise ExportError(f"cannot write {out}: folder {out.parent} does not exist; create it first")
    if not os.access(out.parent, os.W_OK):
        raise ExportError(f"cannot write {out}: no permission to write in {out.parent}")


def export_workspace(
    ws: Workspace,
    article_ids: list[str] | None,
    fmt: str,
    out: Path,
    options: ExportOptions | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> ExportReport:
    """Export the alignments of ``article_ids`` (None: all) of workspace ``ws`` to ``out``.

    Every file is written to a temp file beside it and renamed into place at the end, all of them
    together (``storage.atomic_files``): on any failure, and when nothing matched
    (:class:`NothingToExportError`), no output is left and existing files are untouched; a run killed while
    renaming is completed by the next export to ``out``, which also removes the temp files of killed
    runs. Moses: ``out`` ending in ``.zip`` gives a zip, otherwise ``out`` is the prefix of the files
    (``<out>.en-es.en``, ``<out>.en-es.es``, ``<out>.en-es.ids``, one set per language pair).
    """
    options = options or ExportOptions()
    options.check()
    check_format(fmt)
    out = Path(out)
    _check_out(out)
    report = ExportReport(fmt)
    jobs = _plan(ws, article_ids)
    if not jobs:
        which = "the named articles have" if article_ids else "the workspace has"
        raise ExportError(f"nothing to export: {which} no alignments yet; run `workbench align` first")
    if options.langs:
        available = sorted({version.split(".")[0] for _, version in jobs})
        unknown = [lang for lang in options.langs if lang not in available]
        if unknown:
            raise ExportError(
                f"unknown language {', '.join(unknown)}: the aligned translations are in "
                f"{', '.join(available)} (--langs names target languages; the source side always comes along)"
            )
    return write_export(_iter_jobs(ws, jobs, options, report, progress), fmt, out, options, report)


def write_export(
    records: Iterable[Record],
    fmt: str,
    out: Path,
    options: ExportOptions,
    report: ExportReport,
    extra: dict[str, type] | None = None,
) -> ExportReport:
    """Write ``records`` to the path ``out`` as :func:`export_workspace` does (every file atomically, all
    of them together); :class:`NothingToExportError` when no bead matched."""
    out = Path(out)
    _check_out(out)
    try:
        with storage.atomic_files(out.parent, out.name) as files:
            if fmt == "moses" and out.suffix.lower() != ".zip":
                _write(_MosesWriter(out.name, files.open, report), records, options, report)
            else:
                export_alignments(
                    records, fmt, files.open(out.name), options, report=report, name=out.stem, extra=extra
                )
            if report.written == 0:
                raise NothingToExportError(report.nothing_message(options), report)
            names = files.names
    except OSError as exc:
        raise ExportError(f"cannot write {exc.filename or out}: {exc.strerror or exc}") from exc
    report.files = [str(out.parent / name) for name in names]
    return report
