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

Formats, their writers and columns: :mod:`workbench.export.formats`.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from workbench.export.formats import (
    COLUMNS,
    FORMATS,
    ROW_GROUP_ROWS,
    ExportError,
    Format,
    MosesWriter,
    Row,
    WriteReport,
    check_format,
    check_out,
    format_for_path,
    open_writer,
)
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

STATUS_FILTERS = ("confirmed", "any")
KIND_FILTERS = ("any", "human", "machine")
REVIEWED = store.REVIEWED

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
class ExportReport(WriteReport):
    """What an export wrote (see :class:`WriteReport`), and what it skipped, by reason."""

    alignments: int = 0  # alignments read and exported from
    skipped: Counter = field(default_factory=Counter)  # beads, by reason
    skipped_alignments: Counter = field(default_factory=Counter)  # whole alignment files, by reason
    warnings: list[str] = field(default_factory=list)

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


# --- beads to rows ------------------------------------------------------------------------------------


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


def _rows(record: Record, options: ExportOptions, report: ExportReport) -> Iterator[Row]:
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
            yield Row(
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
                note=_clean(link.note, report) if link.note else "",
                flag=link.flag,
            )


# --- the export ---------------------------------------------------------------------------------------


def _write(writer, records: Iterable[Record], options: ExportOptions, report: ExportReport) -> None:
    for _, group in groupby(records, key=lambda r: r.alignment.article):
        rows: list[Row] = []
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
    writer = open_writer(fmt, out, report, name, extra)
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
    check_out(out)
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
    check_out(out)
    try:
        with storage.atomic_files(out.parent, out.name) as files:
            if fmt == "moses" and out.suffix.lower() != ".zip":
                _write(MosesWriter(out.name, files.open, report), records, options, report)
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
