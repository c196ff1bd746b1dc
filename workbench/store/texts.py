"""Storage of articles: one folder per article with ``article.toml`` and one text file per version.

Layout (see ``texts/README.md``)::

    texts/<article-id>/article.toml
    texts/<article-id>/<lang>.<tag>.txt     # version id = file name without ".txt"
    texts/<article-id>/<lang>.<tag>.edits.json  # a reviewer's edits of that text (see EDITS_FORMAT)

Only the functions meant for it touch the disk; every problem a user can fix raises :class:`TextsError`.
Reading a file's bytes as text is :mod:`workbench.text.encoding`; the language checks are
:mod:`workbench.text.language`.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import logging
import re
import shutil
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import tomli_w
import tomlkit
import tomlkit.exceptions

from workbench.errors import TextsError
from workbench.store.files import atomic_write_text
from workbench.text.encoding import (
    MAX_TEXT_BYTES,
    check_size,
    check_text,
    decode_text_file,
    normalize_newlines,
)
from workbench.text.language import check_language, validate_language
from workbench.text.segment import Sentence, split_sentences

__all__ = [
    "EDITS_FORMAT",
    "KINDS",
    "MAX_TEXT_BYTES",
    "METADATA_FILE",
    "Article",
    "TextVersion",
    "TextsError",
    "add_text",
    "add_version",
    "content_hash",
    "create_article",
    "edits_dumps",
    "edits_path",
    "list_articles",
    "load_article",
    "read_edits",
    "read_version_text",
    "slugify",
    "validate_id",
    "validate_language",
    "version_sentences",
    "write_article_metadata",
]

log = logging.getLogger(__name__)

METADATA_FILE = "article.toml"
KINDS = ("source", "human", "machine")
EDITS_FORMAT = "workbench.edits/1"  # <version>.edits.json: a reviewer's edits of a text and its sentences

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_TAG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
_DEFAULT_TAGS = {"source": "source", "human": "human", "machine": "machine"}
# Names Windows reserves for devices, with any extension ("nul.txt"): refused, since corpora travel.
_WINDOWS_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?", re.IGNORECASE)
_VERSION_KEYS = {
    "id",
    "file",
    "language",
    "kind",
    "origin",
    "official",
    "created",
    "engine",
    "model",
    "model_version",
    "edited",
    "edited_by",
}


@dataclass(slots=True)
class TextVersion:
    """One text of an article: the source or a translation."""

    id: str  # "ko.team"
    file: str  # "ko.team.txt"
    language: str  # BCP-47
    kind: str  # "source" | "human" | "machine"
    origin: str
    created: datetime  # timezone-aware
    official: bool = False
    engine: str | None = None
    model: str | None = None
    model_version: str | None = None
    edited: datetime | None = None  # when a reviewer last edited the text in the review app
    edited_by: str | None = None  # who did (the log is in <version>.edits.json)

    @property
    def post_edited(self) -> bool:
        """A machine translation a person has edited since."""
        return self.kind == "machine" and self.edited is not None

    @property
    def kind_label(self) -> str:
        """``machine, post-edited`` for a post-edited machine version, else the kind."""
        return f"{self.kind}, post-edited" if self.post_edited else self.kind


@dataclass(slots=True)
class Article:
    """An article folder and its metadata."""

    id: str
    title: str
    path: Path  # the article folder
    date: date | None = None
    publisher: str = ""
    source_url: str = ""
    notes: str = ""
    versions: list[TextVersion] = field(default_factory=list)

    def source(self) -> TextVersion:
        """The version of kind "source"; TextsError if there is none or several."""
        sources = [v for v in self.versions if v.kind == "source"]
        if len(sources) != 1:
            where = self.path / METADATA_FILE
            if not sources:
                raise TextsError(f"Article {self.id!r} has no source version ({where}); add one first.")
            ids = ", ".join(v.id for v in sources)
            raise TextsError(f"Article {self.id!r} has several source versions ({ids}) in {where}; keep one.")
        return sources[0]

    def version(self, version_id: str) -> TextVersion:
        """The version with this id; TextsError listing the available ids otherwise."""
        for v in self.versions:
            if v.id == version_id:
                return v
        available = ", ".join(v.id for v in self.versions) or "none"
        raise TextsError(f"Article {self.id!r} has no version {version_id!r}. Available: {available}.")

    def translations(self) -> list[TextVersion]:
        """All versions that are not the source."""
        return [v for v in self.versions if v.kind != "source"]


# --- ids and names ---------------------------------------------------------------------------


def slugify(text: str) -> str:
    """Lowercase ASCII slug ("Año Nuevo!" -> "ano-nuevo"); "" when nothing Latin is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:100].rstrip("-")


def validate_id(article_id: str) -> str:
    """Return ``article_id`` if it is a valid article id, else raise TextsError."""
    if not isinstance(article_id, str) or not _ID_RE.fullmatch(article_id) or article_id.endswith("."):
        shown = article_id if not isinstance(article_id, str) or len(article_id) <= 120 else article_id[:100]
        raise TextsError(
            f"Invalid article id {shown!r}{'...' if shown != article_id else ''}: use 1-100 characters "
            "a-z, 0-9, '.', '_' or '-', starting with a letter or digit and not ending with '.' (no spaces, "
            "slashes or capitals), e.g. 'kcna-2011-08-30-topic'."
        )
    if _WINDOWS_RESERVED.fullmatch(article_id):
        raise TextsError(
            f"Invalid article id {article_id!r}: Windows reserves that name for a device, and a corpus "
            "should open anywhere. Choose another id, e.g. 'story-con'."
        )
    return article_id


def _validate_kind(kind: str) -> str:
    if kind not in KINDS:
        raise TextsError(f"Invalid kind {kind!r}: use one of {', '.join(KINDS)}.")
    return kind


# --- text content ----------------------------------------------------------------------------


def content_hash(text: str) -> str:
    """ "sha256:<hex>" of the UTF-8 text with newlines normalised to "\\n"."""
    return "sha256:" + hashlib.sha256(normalize_newlines(text).encode("utf-8")).hexdigest()


# --- reading metadata ------------------------------------------------------------------------


def _get_str(table: dict, key: str, where: str, *, required: bool = False, default: str = "") -> str:
    value = table.get(key)
    if value is None:
        if required:
            raise TextsError(f'{where}: missing {key!r}. Add {key} = "...".')
        return default
    if not isinstance(value, str):
        raise TextsError(f"{where}: {key!r} must be a string (in quotes), not {value!r}.")
    if required and not value.strip():
        raise TextsError(f"{where}: {key!r} is empty. Fill it in.")
    return value


def _get_optional_str(table: dict, key: str, where: str) -> str | None:
    return _get_str(table, key, where) if key in table else None


def _parse_created(value: object, where: str, key: str = "created") -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            log.warning("%s: %r has no time zone; assuming UTC", where, key)
            return value.replace(tzinfo=UTC)
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise TextsError(
        f"{where}: {key!r} must be a TOML datetime such as 2024-08-09T00:00:00Z (no quotes), not {value!r}."
    )


def _parse_version(table: object, where: str, folder: Path) -> TextVersion:
    if not isinstance(table, dict):
        raise TextsError(f"{where}: each [[versions]] entry must be a table.")
    vid = _get_str(table, "id", where, required=True)
    where = f"{where} (version {vid!r})"
    file = _get_str(table, "file", where, required=True)
    if file != f"{vid}.txt" or "/" in file or "\\" in file:
        raise TextsError(f"{where}: file must be the version id plus '.txt' ({vid}.txt), not {file!r}.")
    language = _get_str(table, "language", where, required=True)
    if not _LANG_RE.fullmatch(language):
        raise TextsError(f"{where}: invalid language {language!r}; use a BCP-47 tag such as 'en' or 'ko'.")
    if not vid.startswith(language + "."):
        raise TextsError(f"{where}: the id must start with the language ({language}.<tag>).")
    kind = _get_str(table, "kind", where, required=True)
    if kind not in KINDS:
        raise TextsError(f"{where}: invalid kind {kind!r}; use one of {', '.join(KINDS)}.")
    official = table.get("official", False)
    if not isinstance(official, bool):
        raise TextsError(f"{where}: 'official' must be true or false, not {official!r}.")
    if "created" not in table:
        raise TextsError(f"{where}: missing 'created'. Add e.g. created = 2024-08-09T00:00:00Z.")
    unknown = set(table) - _VERSION_KEYS
    if unknown:
        log.warning("%s: unknown keys %s are ignored and dropped on save", where, ", ".join(sorted(unknown)))
    if not (folder / file).is_file():
        log.warning("%s: text file %s is missing", where, folder / file)
    return TextVersion(
        id=vid,
        file=file,
        language=language,
        kind=kind,
        origin=_get_str(table, "origin", where, required=True),
        created=_parse_created(table["created"], where),
        official=official,
        engine=_get_optional_str(table, "engine", where),
        model=_get_optional_str(table, "model", where),
        model_version=_get_optional_str(table, "model_version", where),
        edited=_parse_created(table["edited"], where, "edited") if "edited" in table else None,
        edited_by=_get_optional_str(table, "edited_by", where),
    )


def _read_article(folder: Path) -> Article:
    """Parse ``folder/article.toml``; TextsError naming the file on any problem."""
    path = folder / METADATA_FILE
    where = str(path)
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise TextsError(f"{where} is not UTF-8 (byte {exc.start}). Re-save it as UTF-8.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TextsError(f"{where} is not valid TOML: {exc}. Fix the syntax and reload.") from exc
    except OSError as exc:
        raise TextsError(f"Cannot read {where}: {exc.strerror}.") from exc

    article_id = _get_str(data, "id", where, default=folder.name)
    if article_id != folder.name:
        raise TextsError(
            f"{where}: id {article_id!r} does not match the folder name {folder.name!r}. "
            "Make them the same (the folder name is the article id)."
        )
    raw_date = data.get("date")
    if isinstance(raw_date, datetime):
        raw_date = raw_date.date()
    elif raw_date is not None and not isinstance(raw_date, date):
        raise TextsError(f"{where}: 'date' must be a TOML date such as 2024-08-09 (no quotes).")
    raw_versions = data.get("versions", [])
    if not isinstance(raw_versions, list):
        raise TextsError(f"{where}: 'versions' must be written as [[versions]] tables.")
    versions = [_parse_version(t, where, folder) for t in raw_versions]
    seen: set[str] = set()
    for v in versions:
        if v.id in seen:
            raise TextsError(f"{where}: version {v.id!r} is listed twice. Remove one entry.")
        seen.add(v.id)
    return Article(
        id=article_id,
        title=_get_str(data, "title", where, required=True),
        path=folder,
        date=raw_date,
        publisher=_get_str(data, "publisher", where),
        source_url=_get_str(data, "source_url", where),
        notes=_get_str(data, "notes", where),
        versions=versions,
    )


def _article_folders(root: Path) -> Iterable[Path]:
    root = Path(root)
    if not root.is_dir():
        raise TextsError(f"Texts folder {root} does not exist. Create it or point to the right folder.")
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or folder.name.startswith((".", "_")):
            continue
        if not (folder / METADATA_FILE).is_file():
            log.warning("Skipping %s: no %s in it", folder, METADATA_FILE)
            continue
        yield folder


def list_articles(root: Path) -> list[Article]:
    """All articles under the texts folder ``root``, sorted by id.

    Folders without article.toml are skipped with a warning; a broken article.toml raises TextsError.
    """
    return sorted((_read_article(folder) for folder in _article_folders(root)), key=lambda a: a.id)


def load_article(root: Path, article_id: str) -> Article:
    """The article ``root/article_id``; TextsError with close matches if it does not exist."""
    validate_id(article_id)
    folder = Path(root) / article_id
    if not (folder / METADATA_FILE).is_file():
        ids = [f.name for f in _article_folders(root)]
        close = difflib.get_close_matches(article_id, ids, n=5, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        listing = f" Available: {', '.join(ids)}." if ids and len(ids) <= 20 else ""
        raise TextsError(f"No article {article_id!r} in {root}.{hint}{listing}")
    return _read_article(folder)


def read_version_text(article: Article, version_id: str) -> str:
    """The text of one version of ``article`` (decoded, newlines normalised)."""
    version = article.version(version_id)
    path = article.path / version.file
    try:
        check_size(path.stat().st_size, str(path))
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise TextsError(
            f"{path} is listed in {article.path / METADATA_FILE} but the file is missing. "
            "Restore it or remove its [[versions]] entry."
        ) from exc
    except OSError as exc:
        raise TextsError(f"Cannot read {path}: {exc.strerror}.") from exc
    return decode_text_file(data, str(path))


# --- a reviewer's edits: <version>.edits.json --------------------------------------------------


def edits_path(article: Article, version_id: str) -> Path:
    """``<article>/<version>.edits.json``: the sentences as a reviewer left them, and the log of edits."""
    return article.path / f"{article.version(version_id).id}.edits.json"


def _edits_sentences(value: object, where: str) -> list[Sentence] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise TextsError(f"{where}: 'sentences' must be a list or null")
    out = []
    for n, item in enumerate(value, 1):
        ok = isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("text"), str)
        if not ok or not isinstance(item.get("paragraph"), int) or not item["text"].strip():
            raise TextsError(f"{where}: sentence {n} needs an id, a paragraph number and a text")
        out.append(Sentence(item["id"], item["text"], item["paragraph"]))
    if len({s.id for s in out}) != len(out):
        raise TextsError(f"{where}: two sentences have the same id")
    return out


def read_edits(article: Article, version_id: str) -> dict | None:
    """The edits record of a version, None if it has none: ``sha256`` (of the text it was written for),
    ``sentences`` (a list of Sentence where the splitter would split the text otherwise, else None) and
    ``log`` (one entry an edit: at, by, op, ids, before, after). TextsError for a file that is not one."""
    path = edits_path(article, version_id)
    fix = "fix it, or delete it to use the sentences the splitter finds"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise TextsError(f"{path} cannot be read ({exc}): {fix}.") from None
    if not isinstance(data, dict) or data.get("format") != EDITS_FORMAT:
        raise TextsError(f"{path} is not a {EDITS_FORMAT} file: {fix}.")
    if not isinstance(data.get("sha256"), str) or not isinstance(data.get("log", []), list):
        raise TextsError(f"{path}: 'sha256' must be a string and 'log' a list: {fix}.")
    return {
        **data,
        "sentences": _edits_sentences(data.get("sentences"), str(path)),
        "log": data.get("log", []),
    }


def edits_dumps(version_id: str, sha256: str, sentences: list[Sentence] | None, entries: list[dict]) -> str:
    """The text of an edits file (one sentence and one log entry a line, for ``git diff``)."""

    def j(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    def block(key: str, items: list[str] | None) -> str:
        if items is None:
            return f'  "{key}": null'
        if not items:
            return f'  "{key}": []'
        return f'  "{key}": [\n' + ",\n".join(f"    {i}" for i in items) + "\n  ]"

    rows = (
        None
        if sentences is None
        else [j({"id": s.id, "paragraph": s.paragraph, "text": s.text}) for s in sentences]
    )
    parts = [
        f'  "format": {j(EDITS_FORMAT)}',
        f'  "version": {j(version_id)}',
        f'  "sha256": {j(sha256)}',
        block("sentences", rows),
        block("log", [j(e) for e in entries]),
    ]
    return "{\n" + ",\n".join(parts) + "\n}\n"


def version_sentences(article: Article, version_id: str, text: str | None = None) -> list[Sentence]:
    """The sentences of a version: as a reviewer split or joined them (``<version>.edits.json``) while the
    text is still the one they were left for, else as the splitter finds them. ``text``: the version's
    text, if read already."""
    version = article.version(version_id)
    if text is None:
        text = read_version_text(article, version_id)
    edits = read_edits(article, version_id)
    if edits and edits["sentences"] is not None:
        if edits["sha256"] == content_hash(text):
            return edits["sentences"]
        log.info(
            "%s changed since a reviewer split or joined its sentences: it is split afresh",
            article.path / version.file,
        )
    return split_sentences_cached(text, version.language)


@functools.lru_cache(maxsize=16)
def _split(text: str, language: str) -> tuple[Sentence, ...]:
    return tuple(split_sentences(text, language))


def split_sentences_cached(text: str, language: str) -> list[Sentence]:
    """``segment.split_sentences``, remembered for the last few texts (the app asks again on every run)."""
    return list(_split(text, language))


# --- writing ---------------------------------------------------------------------------------


def _version_table(v: TextVersion) -> dict:
    table: dict = {
        "id": v.id,
        "file": v.file,
        "language": v.language,
        "kind": v.kind,
        "origin": v.origin,
        "official": v.official,
        "created": v.created,
    }
    for key in ("engine", "model", "model_version", "edited", "edited_by"):
        value = getattr(v, key)
        if value is not None:
            table[key] = value
    return table


def write_article_metadata(article: Article) -> None:
    """Write ``article.path/article.toml`` from ``article`` (atomically). An existing file keeps its
    layout, comments and every value that did not change (an edit's ``edited`` stamp rewrites no other
    line)."""
    data: dict = {"id": article.id, "title": article.title}
    if article.date is not None:
        data["date"] = article.date
    data["publisher"] = article.publisher
    data["source_url"] = article.source_url
    if article.notes:
        data["notes"] = article.notes
    data["versions"] = [_version_table(v) for v in article.versions]
    path = article.path / METADATA_FILE
    try:
        doc = tomlkit.parse(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.TOMLKitError):
        doc = None
    if doc is None or not isinstance(doc.get("versions"), list):
        atomic_write_text(path, tomli_w.dumps(data))
        return
    _update_table(doc, {k: v for k, v in data.items() if k != "versions"})
    old = {str(t.get("id")): t for t in doc["versions"]}
    tables = tomlkit.aot()
    for table in data["versions"]:
        kept = old.get(table["id"])
        if kept is None:
            kept = tomlkit.table()
        _update_table(kept, table)
        tables.append(kept)
    if [dict(t) for t in tables] != [dict(t) for t in doc["versions"]]:
        doc["versions"] = tables
    atomic_write_text(path, tomlkit.dumps(doc))


def _update_table(table, values: dict) -> None:
    """Set each key of ``table`` whose value differs from ``values``' (by value, not by how it is written);
    drop the keys ``values`` lacks among those this module writes."""
    for key, value in values.items():
        if key not in table or _plain(table[key]) != value:
            table[key] = value
    for key in [k for k in table if k not in values and k in _WRITTEN_KEYS]:
        del table[key]


def _plain(value: object) -> object:
    return value.unwrap() if hasattr(value, "unwrap") else value


_WRITTEN_KEYS = {"title", "date", "publisher", "source_url", "notes"} | _VERSION_KEYS  # what is written


def create_article(
    root: Path,
    article_id: str,
    title: str,
    *,
    date: date | None = None,
    publisher: str = "",
    source_url: str = "",
    notes: str = "",
) -> Article:
    """Create the folder ``root/article_id`` with its article.toml; TextsError if it exists."""
    validate_id(article_id)
    if not title.strip():
        raise TextsError("The article title is empty. Give the title of the source text.")
    if isinstance(date, datetime):
        date = date.date()
    folder = Path(root) / article_id
    Path(root).mkdir(parents=True, exist_ok=True)
    try:
        folder.mkdir()
    except FileExistsError as exc:
        raise TextsError(
            f"Article {article_id!r} already exists ({folder}). Choose another id or add versions to it."
        ) from exc
    article = Article(
        id=article_id,
        title=title.strip(),
        path=folder,
        date=date,
        publisher=publisher,
        source_url=source_url,
        notes=notes,
    )
    write_article_metadata(article)
    log.info("Created article %s", folder)
    return article


def add_version(
    root: Path,
    article_id: str,
    text: str,
    *,
    language: str,
    kind: str,
    origin: str,
    tag: str | None = None,
    official: bool = False,
    created: datetime | None = None,
    engine: str | None = None,
    model: str | None = None,
    model_version: str | None = None,
    replace: bool = False,
    check_script: bool = True,
) -> TextVersion:
    """Add a version to an article: writes ``<language>.<tag>.txt`` and updates article.toml.

    ``tag`` defaults to "source"/"human" or the engine name for machine versions. Refuses a second
    source and overwriting an existing version unless ``replace`` is true; refuses a text in another
    script than ``language``'s unless ``check_script`` is false. Both files are written atomically, the
    text first.
    """
    validate_language(language)
    _validate_kind(kind)
    if not origin or not origin.strip():
        raise TextsError("The origin is empty: say who published or translated the text (or which engine).")
    if tag is None:
        tag = (slugify(engine) if kind == "machine" and engine else "") or _DEFAULT_TAGS[kind]
    if not _TAG_RE.fullmatch(tag):
        raise TextsError(
            f"Invalid tag {tag!r}: use 1-50 characters a-z, 0-9, '_' or '-' (no dots), e.g. 'team'."
        )
    if created is None:
        created = datetime.now(UTC).replace(microsecond=0)
    elif created.tzinfo is None:
        raise TextsError("'created' must be timezone-aware, e.g. datetime(2024, 8, 9, tzinfo=UTC).")

    article = load_article(root, article_id)
    vid = f"{language}.{tag}"
    version = TextVersion(
        id=vid,
        file=f"{vid}.txt",
        language=language,
        kind=kind,
        origin=origin.strip(),
        created=created,
        official=official,
        engine=engine,
        model=model,
        model_version=model_version,
    )
    others = [v for v in article.versions if v.id != vid]
    if kind == "source" and any(v.kind == "source" for v in others):
        raise TextsError(
            f"Article {article_id!r} already has a source version ({article.source().id}). "
            "An article has exactly one source; add this text as a translation (kind human or machine)."
        )
    path = article.path / version.file
    exists = len(others) != len(article.versions)
    if (exists or path.exists()) and not replace:
        what = "version" if exists else "file (not listed in article.toml)"
        raise TextsError(
            f"Article {article_id!r} already has a {what} {vid!r} ({path}). "
            "Pass replace=True to overwrite it, or choose another tag."
        )

    body = normalize_newlines(text.removeprefix("\ufeff"))
    check_text(body, f"The text for {vid}")
    if check_script:
        check_language(body, language)
    if not body.endswith("\n"):
        body += "\n"
    check_size(len(body.encode("utf-8")), f"The text for {vid}")

    atomic_write_text(path, body)
    if exists:
        article.versions = [version if v.id == vid else v for v in article.versions]
    else:
        article.versions.append(version)
    write_article_metadata(article)
    log.info("%s version %s of %s", "Replaced" if exists else "Added", vid, article_id)
    return version


def add_text(
    root: Path,
    article_id: str,
    text: str,
    *,
    title: str | None = None,
    date: date | None = None,
    publisher: str = "",
    source_url: str = "",
    **version,
) -> tuple[TextVersion, bool]:
    """Add ``text`` as a version of an article (``version``: :func:`add_version`'s keywords), creating the
    article first where it is new, titled ``title`` or the text's first line (``date``, ``publisher`` and
    ``source_url`` only go to a new article). Returns the version and whether the article was created. A
    new article's folder is removed again when its version is refused: no empty article stays behind."""
    validate_id(article_id)  # before the id becomes a path
    created: Path | None = None
    if not (Path(root) / article_id).is_dir():
        first = text.strip().split("\n", 1)[0].strip()
        article = create_article(
            root, article_id, title or first, date=date, publisher=publisher, source_url=source_url
        )
        created = article.path
    try:
        added = add_version(root, article_id, text, **version)
    except BaseException:
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        raise
    return added, created is not None
