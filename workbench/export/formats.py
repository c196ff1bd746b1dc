"""The export formats and their writers: TMX 1.4b, Moses, TSV, JSONL, Parquet and the Hugging Face datasets
layouts. A writer takes the rows of one article at a time (``write_article``) and is closed at the end;
``workbench.export.articles`` turns alignments into rows.

- ``tmx``: TMX 1.4b, UTF-8. One ``<tu>`` per English side, one ``<tuv xml:lang>`` per language; props
  ``x-article`` (tu), ``x-version``, ``x-ids``, ``x-kind``, ``x-origin`` (every tuv) and ``x-score``,
  ``x-status``, ``x-official`` and, for a flagged bead, ``x-flag`` (translations); a bead's note is a
  ``<note>`` of its ``<tu>`` (one per translation with a note, in the order of their ``<tuv>``). Characters
  XML 1.0 forbids (most C0 controls, lone surrogates, U+FFFE/U+FFFF) become U+FFFD and are counted in
  ``ExportReport.replaced_chars``.
- ``moses``: per language pair ``NAME.<src>-<tgt>.<src>`` and ``NAME.<src>-<tgt>.<tgt>``, line-parallel (tabs
  and line breaks inside a sentence become spaces), and ``NAME.<src>-<tgt>.ids``: tab-separated article,
  source version, target version, source ids and target ids (space-separated) per line. Bead notes and flags
  are not written: the lines hold the sentences and nothing else (use another format).
- ``tsv``: a header line, then tab-separated fields quoted like CSV where needed (``"`` around a field holding
  a tab, a quote or a line break; ``""`` inside), so that text round-trips exactly: ``pandas.read_csv(path,
  sep="\\t", dtype=str, keep_default_na=False)`` or ``csv.reader(f, delimiter="\\t")`` with ``newline=""``.
  Ids are space-separated, ``official`` is true/false.
- ``jsonl``: one JSON object per line (ids as lists); ``pandas.read_json(path, lines=True)`` or
  ``datasets.load_dataset("json", data_files=path)`` read it as is (pass pandas ``dtype=False,
  precise_float=True`` to keep number-like texts as text and scores exact).
- ``parquet``: zstd-compressed row groups of :data:`ROW_GROUP_ROWS` rows (ids as lists of strings).

Columns (tsv, jsonl, parquet): :data:`COLUMNS`. ``kind``, ``origin`` and ``official`` describe the
translation; ``note`` (text, "" for none) and ``flag`` (true/false) are a reviewer's note and flag on the bead
(the Hugging Face layouts carry them too). Output is deterministic: articles and versions in sorted order,
beads in document order, no timestamps but the alignments' own modification dates (TMX ``changedate``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import BinaryIO

from workbench import __version__
from workbench.errors import WorkbenchError
from workbench.store import alignments as store


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
    "note",
    "flag",
)
ROW_GROUP_ROWS = 10_000

_XML_FORBIDDEN = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TSV_QUOTE = re.compile('[\t\n\r"]')
_XML_SPECIAL = re.compile(f"[&<>\r]|{_XML_FORBIDDEN.pattern}")
_LINE_BREAKS = re.compile("[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029 ]+")
_JSONL_BREAKS = re.compile("[\x85\u2028\u2029]")  # json.dumps leaves them raw (ensure_ascii=False)


class ExportError(WorkbenchError):
    """An export that cannot be done as asked: bad options, an unwritable path."""


@dataclass(slots=True)
class WriteReport:
    """What a writer wrote: beads, units (rows, line pairs or ``<tu>`` elements), characters the format
    cannot hold (replaced by U+FFFD) and, for Moses in a zip, the files in it."""

    format: str
    written: int = 0  # beads written
    units: int = 0  # rows, line pairs or <tu> elements written
    replaced_chars: int = 0  # characters the format cannot hold, replaced by U+FFFD
    files: list[str] = field(default_factory=list)  # output files written


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return fmt


def format_for_path(path: Path) -> str:
    """The format a file name implies (.tmx, .tsv, .jsonl, .parquet, .zip for moses)."""
    check_out(Path(path))
    suffix = Path(path).suffix.lower()
    for fmt in FORMATS.values():
        if suffix == fmt.extension:
            return fmt.name
    raise ExportError(f"cannot tell the format from {Path(path).name!r}: choose one with --format")


def check_out(out: Path) -> None:
    """ExportError, saying what to do, when the file ``out`` cannot be written there."""
    if out.is_dir():
        raise ExportError(f"cannot write {out}: it is a folder; give a file name, e.g. {out / 'corpus'}")
    if not out.parent.is_dir():
        raise ExportError(f"cannot write {out}: folder {out.parent} does not exist; create it first")
    if not os.access(out.parent, os.W_OK):
        raise ExportError(f"cannot write {out}: no permission to write in {out.parent}")


@dataclass(slots=True)
class Row:
    """One bead to write: the two texts, their ids and the columns of :data:`COLUMNS` (TMX reads more)."""

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
    note: str = ""  # a reviewer's note on the bead
    flag: bool = False  # a reviewer's flag on the bead


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


class TableWriter:
    """TSV, JSONL and Parquet: one row per bead, in the order given. ``hf-jsonl`` and ``hf-parquet`` give
    the Hugging Face datasets layout: the two texts as ``translation: {lang: text, lang: text}`` (one
    language pair per file), then ``id`` and the other columns. ``extra`` names more columns (name ->
    ``float`` or ``str``), filled from each record's ``extra``."""

    def __init__(self, fmt: str, out: BinaryIO, report: WriteReport, extra: dict[str, type] | None = None):
        self.fmt, self.out, self.report = fmt, out, report
        self.hf = fmt.startswith("hf-")
        self.extra = dict(extra or {})
        self.langs: tuple[str, str] | None = None  # hf: the language pair of the file
        self.names = (_HF_COLUMNS if self.hf else COLUMNS) + tuple(self.extra)
        self.columns: dict[str, list] = {c: [] for c in self.names}
        self.parquet = None
        if fmt == "tsv":
            self.out.write(_tsv_line(self.names))

    def _hf(self, r: Row) -> dict:
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

    def _row(self, r: Row) -> dict:
        row = self._hf(r) if self.hf else {c: getattr(r, c) for c in COLUMNS}
        row.update((c, r.extra.get(c)) for c in self.extra)
        return row

    def write_article(self, rows: list[Row]) -> None:
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
                            r.note,
                            "true" if r.flag else "false",
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

        types = {"score": pa.float64(), "official": pa.bool_(), "flag": pa.bool_()}
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
_HF_COLUMNS += ("score", "status", "note", "flag")


def _tsv_value(value: object) -> str:
    return "" if value is None else repr(value) if isinstance(value, float) else str(value)


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _xml_attr(text: str) -> str:
    return _xml_text(text).replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")


def _tmx_date(stamp: str) -> str | None:
    digits = re.sub(r"\D", "", stamp)
    return f"{digits[:8]}T{digits[8:14]}Z" if len(digits) >= 14 else None


class TmxWriter:
    """TMX 1.4b, written as strings: the header when the first article comes (its source language is
    ``srclang``), then one ``<tu>`` per English side of each article."""

    def __init__(self, out: BinaryIO, report: WriteReport):
        self.out, self.report = out, report
        self.started = False

    def _text(self, text: str) -> str:
        if not _XML_SPECIAL.search(text):  # the common case, and the fast one
            return text
        text, n = _XML_FORBIDDEN.subn("\ufffd", text)
        self.report.replaced_chars += n
        return _xml_text(text)

    def _attr(self, text: str) -> str:
        """An attribute's value, cleaned as text is (a control character in a story id is no XML)."""
        text, n = _XML_FORBIDDEN.subn("\ufffd", text)
        self.report.replaced_chars += n
        return _xml_attr(text)

    def _start(self, srclang: str) -> None:
        self.started = True
        self.out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
            f'  <header creationtool="workbench" creationtoolversion="{_xml_attr(__version__)}" '
            f'segtype="sentence" o-tmf="{store.FORMAT}" adminlang="en" srclang="{self._attr(srclang)}" '
            'datatype="plaintext"/>\n  <body>\n'.encode()
        )

    def _props(self, pairs: list[tuple[str, str]], indent: str) -> list[str]:
        return [f'{indent}<prop type="{t}">{self._text(v)}</prop>' for t, v in pairs if v != ""]

    def write_article(self, rows: list[Row]) -> None:
        if not rows:
            return
        if not self.started:
            self._start(rows[0].source_lang)
        units: dict[tuple[str, tuple[str, ...]], list[list[Row]]] = {}
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

    def _tu(self, tu: list[Row], used: set[str]) -> list[str]:
        first = tu[0]
        tuid = base = f"{first.article}:{'+'.join(first.source_ids)}"
        n = 1
        while tuid in used:
            n += 1
            tuid = f"{base}#{n}"
        used.add(tuid)
        lines = [f'    <tu tuid="{self._attr(tuid)}">']
        lines += self._props([("x-article", first.article)], "      ")
        lines += [f"      <note>{self._text(r.note)}</note>" for r in tu if r.note]
        lines.append(f'      <tuv xml:lang="{self._attr(first.source_lang)}">')
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
            lines.append(f'      <tuv xml:lang="{self._attr(r.target_lang)}"{changed}>')
            lines += self._props(
                [
                    ("x-version", r.target_version),
                    ("x-ids", " ".join(r.target_ids)),
                    ("x-score", repr(r.score)),
                    ("x-status", r.status),
                    ("x-kind", r.kind),
                    ("x-origin", r.origin),
                    ("x-official", "true" if r.official else "false"),
                    ("x-flag", "true" if r.flag else ""),
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


class MosesWriter:
    """Line-parallel files per language pair, opened on first use by ``open_file(name)``."""

    def __init__(self, name: str, open_file: Callable[[str], BinaryIO], report: WriteReport):
        self.name, self.open_file, self.report = name, open_file, report
        self.files: dict[str, BinaryIO] = {}

    def _file(self, name: str) -> BinaryIO:
        if name not in self.files:
            self.files[name] = self.open_file(name)
        return self.files[name]

    def write_article(self, rows: list[Row]) -> None:
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


class MosesZipWriter(MosesWriter):
    """Moses files gathered in temporary files, then stored in a zip (fixed dates: same bytes each time)."""

    def __init__(self, name: str, out: BinaryIO, report: WriteReport):
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


def open_writer(
    fmt: str, out: BinaryIO, report: WriteReport, name: str = "corpus", extra: dict[str, type] | None = None
):
    """The writer of ``fmt`` to the binary stream ``out`` (Moses as a zip of ``<name>.*`` files)."""
    if fmt == "tmx":
        return TmxWriter(out, report)
    if fmt == "moses":
        return MosesZipWriter(name, out, report)
    return TableWriter(fmt, out, report, extra)
