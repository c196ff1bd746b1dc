"""Stored sentence alignments: one JSON file per (article, target version).

Files live at ``<alignments_root>/<article_id>/<target_version_id>.json``. Links refer to sentences by
their stable ids, so a file stays readable on its own and survives re-running the aligner. The layout
is meant for ``git diff``: keys in a fixed order, one sentence and one link per line. A link may carry a
reviewer's ``note`` (text) and ``flag`` (true): the keys are written only when set, so a file without
notes is the same as before them.

Saving is optimistic: every save bumps ``revision``, and a save whose caller loaded an older revision
than the one on disk is refused with :class:`ConflictError` instead of silently losing the other
writer's edits. The revision check and the write are one step (a lock file is held across both), so of
two processes saving at the same instant exactly one succeeds.

The file rules both shells share live here too: what counts as reviewed (:data:`REVIEWED`) and the
confidence bands, the copies kept beside a file (``.bak-<time>`` before reviewed beads are replaced,
``.corrupt-<time>`` of an unreadable file, ``.mine-<time>`` for "keep both"), none ever overwriting an
earlier one, and the check for a file that changed on disk since it was loaded (:func:`check_disk`).
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from workbench.align.aligner import Bead
from workbench.errors import WorkbenchError
from workbench.store import files as storage
from workbench.text.segment import Sentence

__all__ = [
    "FORMAT",
    "HIGH_CONFIDENCE",
    "LOW_CONFIDENCE",
    "REVIEWED",
    "STATUSES",
    "AlignedSide",
    "Alignment",
    "AlignmentError",
    "ConflictError",
    "CorruptAlignmentError",
    "DiskCheck",
    "Link",
    "alignment_path",
    "carry_notes",
    "check_disk",
    "confidence_level",
    "dumps",
    "file_mtime",
    "from_beads",
    "is_reviewed",
    "is_stale",
    "keep_backup",
    "keep_both",
    "keep_corrupt",
    "link_contents",
    "list_alignments",
    "load_alignment",
    "loads",
    "reviewed_count",
    "save_alignment",
    "to_beads",
    "validate",
]

log = logging.getLogger(__name__)

FORMAT = "workbench.alignment/1"
STATUSES = ("auto", "confirmed", "edited")
REVIEWED = ("confirmed", "edited")  # statuses a person set: reviewed beads (kept, exported, counted)
LOW_CONFIDENCE = 0.5  # below: a bead worth a look (red)
HIGH_CONFIDENCE = 0.8  # from here: a confident bead (green); amber in between
_MAX_REVISION = 2**63 - 1
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # a \ud800-\udfff escape in JSON text


class AlignmentError(WorkbenchError):
    """Base class for alignment storage errors."""


class CorruptAlignmentError(AlignmentError):
    """A stored alignment cannot be read or breaks the format's rules."""


class ConflictError(AlignmentError):
    """The file changed on disk since the caller loaded it."""


@dataclass(slots=True)
class AlignedSide:
    version: str  # e.g. "en.source"
    language: str
    sha256: str  # "sha256:<hex>" of the version's text, computed by the caller
    sentences: list[Sentence]


@dataclass(slots=True)
class Link:
    """One bead as stored: sentence ids on each side (either may be empty), and a reviewer's note and flag
    (stored only when set)."""

    src: list[str]
    tgt: list[str]
    score: float  # confidence in [0, 1]
    status: str = "auto"
    note: str = ""  # a reviewer's note on the bead
    flag: bool = False  # a reviewer's flag: come back to this bead


@dataclass(slots=True)
class Alignment:
    article: str
    source: AlignedSide
    target: AlignedSide
    links: list[Link]
    model: str  # e.g. "use-m3" or "use-m3+e5-small"
    params: dict  # aligner parameters
    created: str  # ISO 8601 UTC, e.g. "2026-11-26T15:00:00Z"
    modified: str
    revision: int = 0  # bumped by every save


def is_reviewed(link: Link) -> bool:
    """True for a bead a person confirmed or edited."""
    return link.status in REVIEWED


def reviewed_count(alignment: Alignment) -> int:
    """How many beads a person confirmed or edited."""
    return sum(1 for link in alignment.links if link.status in REVIEWED)


def confidence_level(score: float) -> str:
    """``low`` (below LOW_CONFIDENCE), ``medium`` or ``high`` (from HIGH_CONFIDENCE): the colours."""
    return "low" if score < LOW_CONFIDENCE else "medium" if score < HIGH_CONFIDENCE else "high"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _where(where: object) -> str:
    return f"{where}: " if where else ""


# --- beads <-> links ----------------------------------------------------------------------------------


def from_beads(
    article: str, source: AlignedSide, target: AlignedSide, beads: list[Bead], model: str, params: dict
) -> Alignment:
    """Turn the aligner's index beads into an id-based alignment (status "auto", revision 0)."""
    src_ids = [s.id for s in source.sentences]
    tgt_ids = [s.id for s in target.sentences]
    try:
        links = [
            Link([src_ids[i] for i in b.src], [tgt_ids[j] for j in b.tgt], float(b.score)) for b in beads
        ]
    except IndexError:
        raise AlignmentError(f"{article}: a bead refers to a sentence index out of range") from None
    now = _now()
    alignment = Alignment(article, source, target, links, model, dict(params), now, now)
    validate(alignment)
    return alignment


def to_beads(alignment: Alignment) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Links as 0-based index pairs, e.g. for evaluation against a gold standard."""
    src = {s.id: i for i, s in enumerate(alignment.source.sentences)}
    tgt = {s.id: i for i, s in enumerate(alignment.target.sentences)}
    return [(tuple(src[i] for i in link.src), tuple(tgt[i] for i in link.tgt)) for link in alignment.links]


# --- notes across a re-align ---------------------------------------------------------------------------


def link_contents(alignment: Alignment) -> list[tuple]:
    """Each link as the ids and texts of its sentences: equal for the same bead of two alignments."""
    src = {s.id: s.text for s in alignment.source.sentences}
    tgt = {s.id: s.text for s in alignment.target.sentences}
    return [
        (tuple(x.src), tuple(x.tgt), tuple(src[i] for i in x.src), tuple(tgt[i] for i in x.tgt))
        for x in alignment.links
    ]


def carry_notes(old: Alignment, new: Alignment) -> Alignment:
    """``new`` with the notes and flags of ``old``'s beads: each goes to the same bead in ``new`` (the same
    sentences and texts), else to the bead that holds its first sentence now, where that sentence's text
    is unchanged; else it is lost (logged). A bead given several notes holds each distinct one once, one
    per line; a flag joins any flag."""
    src = {s.id: s.text for s in new.source.sentences}
    tgt = {s.id: s.text for s in new.target.sentences}
    where = {key: k for k, key in enumerate(link_contents(new))}
    holder = {("src", i): k for k, x in enumerate(new.links) for i in x.src}
    holder.update((("tgt", i), k) for k, x in enumerate(new.links) for i in x.tgt)
    given: dict[int, list[Link]] = {}
    for key, x in zip(link_contents(old), old.links, strict=True):
        if not (x.note or x.flag):
            continue
        k = where.get(key)
        if k is None:
            side, sid, text = ("src", x.src[0], key[2][0]) if x.src else ("tgt", x.tgt[0], key[3][0])
            if (src if side == "src" else tgt).get(sid) == text:
                k = holder[(side, sid)]
        if k is None:
            log.warning("%s: the note of the bead of %s is lost (its text changed)", old.article, sid)
            continue
        given.setdefault(k, []).append(x)
    if not given:
        return new
    links = list(new.links)
    for k, notes in given.items():
        joined = [links[k], *notes]
        note = "\n".join(dict.fromkeys(y.note for y in joined if y.note))
        links[k] = replace(links[k], note=note, flag=any(y.flag for y in joined))
    result = replace(new, links=links)
    validate(result)
    return result


# --- validation ---------------------------------------------------------------------------------------


def _check_side(name: str, side: AlignedSide, linked: list[list[str]]) -> None:
    """Every sentence of ``side`` appears in exactly one link, and links keep document order."""
    order = [s.id for s in side.sentences]
    if len(set(order)) != len(order):
        raise CorruptAlignmentError(f"{name} has duplicate sentence ids")
    known = set(order)
    seen: set[str] = set()
    for k, ids in enumerate(linked, 1):
        for sid in ids:
            if sid not in known:
                raise CorruptAlignmentError(f"link {k} refers to unknown {name} sentence {sid!r}")
            if sid in seen:
                raise CorruptAlignmentError(f"{name} sentence {sid!r} is linked twice (again in link {k})")
            seen.add(sid)
    missing = [sid for sid in order if sid not in seen]
    if missing:
        raise CorruptAlignmentError(f"{name} sentence {missing[0]!r} is in no link")
    flat = [sid for ids in linked for sid in ids]
    if flat != order:  # same ids, each once: only the order can differ
        k = next(i for i, (a, b) in enumerate(zip(flat, order, strict=True)) if a != b)
        raise CorruptAlignmentError(f"links are not in document order at {name} sentence {flat[k]!r}")


def validate(alignment: Alignment, where: object = "") -> None:
    """Raise :class:`CorruptAlignmentError` unless the links partition both sides in order."""
    try:
        for k, link in enumerate(alignment.links, 1):
            if not link.src and not link.tgt:
                raise CorruptAlignmentError(f"link {k} is empty")
            if not (isinstance(link.score, int | float) and 0.0 <= link.score <= 1.0):
                raise CorruptAlignmentError(f"link {k} has score {link.score!r}, not in [0, 1]")
            if link.status not in STATUSES:
                raise CorruptAlignmentError(f"link {k} has unknown status {link.status!r}")
            if not isinstance(link.note, str) or not isinstance(link.flag, bool):
                raise CorruptAlignmentError(f"link {k}: the note must be text and the flag true or false")
        _check_side("source", alignment.source, [link.src for link in alignment.links])
        _check_side("target", alignment.target, [link.tgt for link in alignment.links])
    except CorruptAlignmentError as e:
        raise CorruptAlignmentError(f"{_where(where)}{e}") from None


# --- text format --------------------------------------------------------------------------------------


def _j(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _side_lines(key: str, side: AlignedSide) -> list[str]:
    sentences = [_j({"id": s.id, "paragraph": s.paragraph, "text": s.text}) for s in side.sentences]
    return [
        f'  "{key}": {{',
        f'    "version": {_j(side.version)},',
        f'    "language": {_j(side.language)},',
        f'    "sha256": {_j(side.sha256)},',
        *_list_lines("sentences", sentences, "    "),
        "  },",
    ]


def _list_lines(key: str, items: list[str], indent: str) -> list[str]:
    if not items:
        return [f'{indent}"{key}": []']
    body = [f"{indent}  {item}," for item in items]
    body[-1] = body[-1][:-1]
    return [f'{indent}"{key}": [', *body, f"{indent}]"]


def dumps(alignment: Alignment) -> str:
    """Readable, diff-friendly JSON: fixed key order, one sentence and one link per line."""
    validate(alignment)
    a = alignment
    params = json.dumps(a.params, ensure_ascii=False, indent=2).replace("\n", "\n  ")
    links = [_j(_link_dict(link)) for link in a.links]
    lines = [
        "{",
        f'  "format": {_j(FORMAT)},',
        f'  "article": {_j(a.article)},',
        f'  "revision": {_j(a.revision)},',
        f'  "created": {_j(a.created)},',
        f'  "modified": {_j(a.modified)},',
        f'  "model": {_j(a.model)},',
        f'  "params": {params},',
        *_side_lines("source", a.source),
        *_side_lines("target", a.target),
        *_list_lines("links", links, "  "),
        "}",
    ]
    return "\n".join(lines) + "\n"


def _link_dict(link: Link) -> dict:
    """A link as stored: ``note`` and ``flag`` only when set, so that a file without notes reads as before."""
    obj = {"src": link.src, "tgt": link.tgt, "score": round(float(link.score), 4), "status": link.status}
    if link.note:
        obj["note"] = link.note
    if link.flag:
        obj["flag"] = True
    return obj


def _field(obj: object, key: str, kind: type | tuple[type, ...], what: str) -> object:
    if not isinstance(obj, dict):
        raise CorruptAlignmentError(f"{what} is not an object")
    if key not in obj:
        raise CorruptAlignmentError(f"{what} has no {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise CorruptAlignmentError(f"{what}: {key!r} has the wrong type ({type(value).__name__})")
    return value


def _side(data: dict, key: str) -> AlignedSide:
    obj = _field(data, key, dict, "file")
    sentences = []
    for n, s in enumerate(_field(obj, "sentences", list, key), 1):
        what = f"{key} sentence {n}"
        sentences.append(
            Sentence(
                _field(s, "id", str, what), _field(s, "text", str, what), _field(s, "paragraph", int, what)
            )
        )
    return AlignedSide(
        _field(obj, "version", str, key),
        _field(obj, "language", str, key),
        _field(obj, "sha256", str, key),
        sentences,
    )


def _link(obj: object, n: int) -> Link:
    what = f"link {n}"
    src, tgt = _field(obj, "src", list, what), _field(obj, "tgt", list, what)
    if not all(isinstance(i, str) for i in src + tgt):
        raise CorruptAlignmentError(f"{what}: sentence ids must be strings")
    score = _field(obj, "score", (int, float), what)
    try:
        finite = math.isfinite(score)
    except OverflowError:  # an integer too large for a float
        finite = False
    if not finite:
        raise CorruptAlignmentError(f"{what}: score is not a finite number")
    note = _field(obj, "note", str, what) if "note" in obj else ""
    flag = _field(obj, "flag", bool, what) if "flag" in obj else False
    return Link(src, tgt, float(score), _field(obj, "status", str, what), note, flag)


def loads(text: str, where: object = "") -> Alignment:
    """Parse and validate a stored alignment; :class:`CorruptAlignmentError` names ``where`` on failure."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise CorruptAlignmentError("not a JSON object")
        if data.get("format") != FORMAT:
            raise CorruptAlignmentError(f"format is {data.get('format')!r}, expected {FORMAT!r}")
        revision = _field(data, "revision", int, "file")
        if not 0 <= revision <= _MAX_REVISION:
            raise CorruptAlignmentError(f"revision {revision} is out of range")
        alignment = Alignment(
            article=_field(data, "article", str, "file"),
            source=_side(data, "source"),
            target=_side(data, "target"),
            links=[_link(obj, n) for n, obj in enumerate(_field(data, "links", list, "file"), 1)],
            model=_field(data, "model", str, "file"),
            params=_field(data, "params", dict, "file"),
            created=_field(data, "created", str, "file"),
            modified=_field(data, "modified", str, "file"),
            revision=revision,
        )
        if _SURROGATE_ESCAPE.search(text):
            _check_no_lone_surrogates(data)
    except json.JSONDecodeError as e:
        raise CorruptAlignmentError(f"{_where(where)}not valid JSON ({e})") from None
    except RecursionError:
        raise CorruptAlignmentError(f"{_where(where)}not an alignment (nested too deeply)") from None
    except ValueError as e:  # e.g. an integer of more than 4,300 digits
        raise CorruptAlignmentError(f"{_where(where)}not valid JSON ({e})") from None
    except CorruptAlignmentError as e:
        raise CorruptAlignmentError(f"{_where(where)}{e}") from None
    validate(alignment, where)
    return alignment


def _check_no_lone_surrogates(data: object) -> None:
    """Raise CorruptAlignmentError for a \\ud800-style escape that is not half of a pair: no UTF-8 text
    can hold it, so it would fail every save and every print."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as e:
        bad = e.object[e.start : e.end].encode("unicode_escape").decode("ascii")
        raise CorruptAlignmentError(f"holds a lone surrogate ({bad}), which no UTF-8 text can hold") from None


# --- files --------------------------------------------------------------------------------------------


def _component(name: str, what: str) -> str:
    if not name or name in (".", "..") or "/" in name or "\\" in name or name.startswith("."):
        raise AlignmentError(f"bad {what} for a file name: {name!r}")
    return name


def alignment_path(root: Path, article_id: str, target_version: str) -> Path:
    """``<root>/<article_id>/<target_version>.json``."""
    return (
        Path(root) / _component(article_id, "article id") / f"{_component(target_version, 'version id')}.json"
    )


def load_alignment(path: Path) -> Alignment:
    """Read and check a stored alignment: CorruptAlignmentError naming the file if it is not one,
    AlignmentError if it cannot be read at all (FileNotFoundError if it does not exist)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise CorruptAlignmentError(f"{path}: not UTF-8 ({e})") from None
    except IsADirectoryError:
        raise CorruptAlignmentError(f"{path}: a folder, not an alignment file") from None
    except FileNotFoundError:
        raise
    except OSError as e:
        raise AlignmentError(f"cannot read {path}: {e.strerror or e}") from None
    return loads(text, path)


def save_alignment(
    path: Path,
    alignment: Alignment,
    *,
    expected_revision: int | None = None,
    force: bool = False,
    backup: bool = False,
) -> Alignment:
    """Write ``alignment`` atomically and return it with ``revision`` bumped and ``modified`` set.

    ``expected_revision`` is the revision the caller loaded (0 or None for a new alignment); a missing
    file counts as revision 0. If the file on disk has another revision, or exists when None was given,
    :class:`ConflictError` is raised, unless ``force``. The check and the write are one step: a lock
    (``storage.locked``) is held across both, so of two processes saving the same revision at once,
    exactly one succeeds.

    Nothing is lost by a save: with ``backup``, a replaced file that holds reviewed beads is kept as
    ``<name>.bak-<time>``; a ``force``-d save over an unreadable file keeps it as ``<name>.corrupt-<time>``
    (a plain save over one raises CorruptAlignmentError). AlignmentError when the file cannot be written.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with storage.locked(path):
            return _save_locked(path, alignment, expected_revision, force, backup)
    except UnicodeEncodeError as e:
        raise AlignmentError(f"{path}: cannot be saved: a text holds {e.reason} characters") from None
    except OSError as e:
        raise AlignmentError(f"cannot write {path}: {e.strerror or e}") from None


def _save_locked(
    path: Path, alignment: Alignment, expected_revision: int | None, force: bool, backup: bool
) -> Alignment:
    on_disk, old = 0, None
    if path.exists() or path.is_symlink():
        try:
            old = load_alignment(path)
        except (CorruptAlignmentError, FileNotFoundError):
            if not force:
                raise
            kept = keep_corrupt(path)
            log.warning("replacing unreadable alignment %s (kept as %s)", path, kept.name)
        else:
            on_disk = old.revision
            if expected_revision is None and not force:
                raise ConflictError(
                    f"{path}: already exists (revision {on_disk}); load it first or pass force=True"
                )
    if expected_revision is not None and on_disk != expected_revision and not force:
        raise ConflictError(
            f"{path}: file changed on disk since it was loaded "
            f"(revision on disk {on_disk}, expected {expected_revision})"
        )
    if old is not None and backup and reviewed_count(old):
        kept = keep_backup(path)
        log.warning("%s had %d reviewed beads: kept as %s", path, reviewed_count(old), kept.name)
    saved = replace(alignment, revision=on_disk + 1, modified=_now())
    validate(saved, path)
    storage.atomic_write_text(path, dumps(saved))
    log.info("saved %s (revision %d)", path, saved.revision)
    return saved


# --- copies kept beside a file, and changes on disk ---------------------------------------------------


def keep_backup(path: Path) -> Path:
    """Keep the file's bytes as ``<name>.bak-<time>`` (never overwriting an earlier backup)."""
    return storage.keep_copy(path, "bak")


def keep_corrupt(path: Path) -> Path:
    """Keep an unreadable file as ``<name>.corrupt-<time>``, or return the copy of the same bytes kept
    before; a folder where the file belongs is moved aside under that name."""
    return storage.keep_copy(path, "corrupt")


def keep_both(path: Path, alignment: Alignment) -> Path:
    """Write ``alignment`` beside the file ``path`` as ``<name>.mine-<time>`` ("keep both" after a
    conflict): a new file every time, created exclusively, never overwriting another copy."""
    return storage.keep_copy(Path(path), "mine", dumps(alignment).encode("utf-8"))


def file_mtime(path: Path) -> int:
    """``st_mtime_ns`` of the file, -1 if it does not exist."""
    try:
        return Path(path).stat().st_mtime_ns
    except FileNotFoundError:
        return -1


@dataclass(frozen=True, slots=True)
class DiskCheck:
    """What became of an alignment file since revision ``loaded`` of it was read (see check_disk)."""

    state: str  # "unchanged", "changed" (another revision), "gone" or "unreadable"
    mtime: int  # the file's st_mtime_ns now (-1: gone)
    loaded: int  # the revision the caller holds
    revision: int | None = None  # the revision on disk now, where readable
    reason: str = ""  # why it cannot be read

    def reload(self, unsaved: bool) -> bool:
        """Whether the caller should simply load the file again: it changed, and nothing is unsaved."""
        return self.state == "changed" and not unsaved

    def conflict(self, path: Path, unsaved: bool) -> str:
        """Why the caller's copy and the file disagree, or "" when they do not (or a reload settles it)."""
        if self.state == "gone":
            return f"{path} was deleted."
        if self.state == "unreadable":
            return f"{path} was changed on disk and cannot be read now ({self.reason})."
        if self.state == "changed" and unsaved:
            return f"{path} changed on disk (revision {self.revision} there, {self.loaded} here)."
        return ""


def check_disk(path: Path, revision: int, mtime: int) -> DiskCheck:
    """Compare the file with revision ``revision``, read when its ``st_mtime_ns`` was ``mtime``: a file
    touched but with the same revision (a re-save of the same content) counts as unchanged."""
    now = file_mtime(path)
    if now == mtime:
        return DiskCheck("unchanged", now, revision, revision)
    if now < 0:
        return DiskCheck("gone", now, revision)
    try:
        on_disk = load_alignment(path).revision
    except FileNotFoundError:
        return DiskCheck("gone", -1, revision)
    except AlignmentError as exc:
        return DiskCheck("unreadable", now, revision, reason=str(exc))
    return DiskCheck("unchanged" if on_disk == revision else "changed", now, revision, on_disk)


def is_stale(alignment: Alignment, source_hash: str, target_hash: str) -> bool:
    """True if either side's text changed since the alignment was made."""
    return alignment.source.sha256 != source_hash or alignment.target.sha256 != target_hash


def list_alignments(root: Path) -> list[Path]:
    """All stored alignment files under ``root``, sorted."""
    return sorted(p for p in Path(root).glob("*/*.json") if p.is_file() and not p.name.startswith("."))
