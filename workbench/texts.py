"""Storage of articles: one folder per article with ``article.toml`` and one text file per version.

Layout (see ``texts/README.md``)::

    texts/<article-id>/article.toml
    texts/<article-id>/<lang>.<tag>.txt     # version id = file name without ".txt"

Only the functions meant for it touch the disk; every problem a user can fix raises :class:`TextsError`.
"""

from __future__ import annotations

import codecs
import difflib
import hashlib
import logging
import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import tomli_w
from charset_normalizer import from_bytes

from workbench.errors import WorkbenchError
from workbench.storage import atomic_write_text

__all__ = [
    "KINDS",
    "MAX_TEXT_BYTES",
    "METADATA_FILE",
    "Article",
    "TextVersion",
    "TextsError",
    "add_version",
    "content_hash",
    "create_article",
    "decode_text_file",
    "guess_language",
    "language_warning",
    "list_articles",
    "load_article",
    "read_version_text",
    "slugify",
    "validate_id",
    "validate_language",
    "write_article_metadata",
]

log = logging.getLogger(__name__)

METADATA_FILE = "article.toml"
MAX_TEXT_BYTES = 20 * 1024 * 1024
KINDS = ("source", "human", "machine")

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_TAG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
_DEFAULT_TAGS = {"source": "source", "human": "human", "machine": "machine"}
# Control characters that never occur in real text (tab, CR, LF, form feed and ESC are allowed).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
_MAX_CONTROL_SHARE = 0.01
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
}


class TextsError(WorkbenchError):
    """A problem with the texts the user can fix; the message says which file, what and how."""


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
    if not isinstance(article_id, str) or not _ID_RE.fullmatch(article_id):
        raise TextsError(
            f"Invalid article id {article_id!r}: use 1-100 characters a-z, 0-9, '.', '_' or '-', "
            "starting with a letter or digit (no spaces, slashes or capitals), e.g. 'kcna-2011-08-30-topic'."
        )
    return article_id


def validate_language(language: str) -> str:
    """Return ``language`` if it looks like a BCP-47 tag ("en", "ko", "zh-Hant"), else raise TextsError."""
    if not isinstance(language, str) or not _LANG_RE.fullmatch(language):
        raise TextsError(
            f"Invalid language {language!r}: use a BCP-47 tag such as 'en', 'ko', 'es' or 'zh-Hant'."
        )
    return language


def _validate_kind(kind: str) -> str:
    if kind not in KINDS:
        raise TextsError(f"Invalid kind {kind!r}: use one of {', '.join(KINDS)}.")
    return kind


# --- text content ----------------------------------------------------------------------------


def _normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def content_hash(text: str) -> str:
    """ "sha256:<hex>" of the UTF-8 text with newlines normalised to "\\n"."""
    return "sha256:" + hashlib.sha256(_normalize_newlines(text).encode("utf-8")).hexdigest()


def _check_size(size: int, name: str) -> None:
    if size > MAX_TEXT_BYTES:
        raise TextsError(
            f"{name} is too large ({size / 1024 / 1024:.1f} MiB; the limit is "
            f"{MAX_TEXT_BYTES / 1024 / 1024:.0f} MiB). Split it into several articles."
        )


def _binary_error(name: str) -> TextsError:
    return TextsError(f"{name} looks like a binary file, not text. Choose a plain-text (.txt) file.")


def _check_text(text: str, name: str) -> None:
    """Reject empty or whitespace-only text and text full of control characters."""
    if not text.strip():
        raise TextsError(f"{name} is empty (or only whitespace). Choose a file that contains the text.")
    if "\x00" in text or len(_CONTROL_RE.findall(text)) > max(2, _MAX_CONTROL_SHARE * len(text)):
        raise _binary_error(name)


def _guess_bomless_utf16(data: bytes) -> str | None:
    """Decode BOM-less UTF-16 when the NUL bytes sit in every other position, else None."""
    if len(data) % 2:
        return None
    half = len(data) // 2
    nul_even, nul_odd = data[0::2].count(0), data[1::2].count(0)
    for codec, nul_high, nul_low in (("utf-16-le", nul_odd, nul_even), ("utf-16-be", nul_even, nul_odd)):
        if nul_high >= 0.3 * half and nul_low == 0:
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    return None


def _detect_legacy(data: bytes, name: str) -> str:
    """Best guess with charset-normalizer; on ties prefer cp1252 (the most common Western code page)."""
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        if len(_CONTROL_RE.findall(data.decode("latin-1"))) > max(2, _MAX_CONTROL_SHARE * len(data)):
            raise _binary_error(name)
        raise TextsError(
            f"Could not work out the text encoding of {name}. Save it as UTF-8 in your editor and try again."
        )
    for match in matches:
        if match.encoding == "cp1252" and match.chaos <= best.chaos and match.coherence >= best.coherence:
            best = match
            break
    log.info("%s: not UTF-8, decoded as %s", name, best.encoding)
    return str(best)


def decode_text_file(data: bytes, name: str) -> str:
    """Decode the bytes of a text file of any common encoding to str, BOM removed, newlines "\\n".

    UTF-8 (with or without BOM) and UTF-16 with BOM are recognised exactly; anything else is
    charset-normalizer's best guess (EUC-KR/CP949, GB18030, Shift-JIS, CP1252, ...). ``name`` is
    only used in error messages. Raises TextsError for files that are empty, too large, binary or
    undecodable.
    """
    _check_size(len(data), name)
    if not data.strip():
        raise TextsError(f"{name} is empty (or only whitespace). Choose a file that contains the text.")
    try:
        if data.startswith(codecs.BOM_UTF8):
            text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        elif b"\x00" in data:
            guessed = _guess_bomless_utf16(data)
            if guessed is None:
                raise _binary_error(name)
            text = guessed
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = _detect_legacy(data, name)
    except UnicodeDecodeError as exc:
        raise TextsError(
            f"{name} starts with a Unicode byte-order mark but is not valid {exc.encoding} "
            f"(bad bytes at position {exc.start}). Re-save it as UTF-8 and try again."
        ) from exc
    text = _normalize_newlines(text.removeprefix("\ufeff"))
    _check_text(text, name)
    return text


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


def _parse_created(value: object, where: str) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            log.warning("%s: 'created' has no time zone; assuming UTC", where)
            return value.replace(tzinfo=UTC)
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise TextsError(
        f"{where}: 'created' must be a TOML datetime such as 2024-08-09T00:00:00Z (no quotes), not {value!r}."
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
        _check_size(path.stat().st_size, str(path))
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise TextsError(
            f"{path} is listed in {article.path / METADATA_FILE} but the file is missing. "
            "Restore it or remove its [[versions]] entry."
        ) from exc
    except OSError as exc:
        raise TextsError(f"Cannot read {path}: {exc.strerror}.") from exc
    return decode_text_file(data, str(path))


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
    for key in ("engine", "model", "model_version"):
        value = getattr(v, key)
        if value is not None:
            table[key] = value
    return table


def write_article_metadata(article: Article) -> None:
    """Write ``article.path/article.toml`` from ``article`` (atomically)."""
    data: dict = {"id": article.id, "title": article.title}
    if article.date is not None:
        data["date"] = article.date
    data["publisher"] = article.publisher
    data["source_url"] = article.source_url
    if article.notes:
        data["notes"] = article.notes
    data["versions"] = [_version_table(v) for v in article.versions]
    atomic_write_text(article.path / METADATA_FILE, tomli_w.dumps(data))


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


_SCRIPTS = {  # script name -> code point ranges
    "Hangul": ((0xAC00, 0xD7A3), (0x1100, 0x11FF), (0x3130, 0x318F)),
    "Han": ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF)),
    "Kana": ((0x3040, 0x30FF),),
    "Cyrillic": ((0x0400, 0x04FF),),
    "Arabic": ((0x0600, 0x06FF),),
    "Greek": ((0x0370, 0x03FF),),
    "Hebrew": ((0x0590, 0x05FF),),
    "Thai": ((0x0E00, 0x0E7F),),
    "Latin": ((0x0041, 0x005A), (0x0061, 0x007A), (0x00C0, 0x024F)),
}
_LATIN_LANGUAGES = ("en", "es", "fr", "de", "it", "pt", "nl", "pl", "tr", "is", "ca", "gl", "eu", "cs", "sk")
_LANGUAGE_SCRIPTS = {
    "ko": ("Hangul", "Han"),
    "zh": ("Han",),
    "ja": ("Han", "Kana"),
    "ru": ("Cyrillic",),
    "uk": ("Cyrillic",),
    "bg": ("Cyrillic",),
    "mk": ("Cyrillic",),
    "ar": ("Arabic",),
    "fa": ("Arabic",),
    "el": ("Greek",),
    "he": ("Hebrew",),
    "th": ("Thai",),
    **{code: ("Latin",) for code in _LATIN_LANGUAGES},
}


def _script_of(ch: str) -> str | None:
    cp = ord(ch)
    for name, ranges in _SCRIPTS.items():
        if any(lo <= cp <= hi for lo, hi in ranges):
            return name
    return None


def check_language(text: str, language: str) -> None:
    """Refuse a text whose letters are mostly not in the script of ``language`` (a wrong --lang)."""
    expected = _LANGUAGE_SCRIPTS.get(language.split("-")[0].lower())
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            script = _script_of(ch) or "other"
            counts[script] = counts.get(script, 0) + 1
    letters = sum(counts.values())
    if not expected or letters < 20:
        return
    share = sum(counts.get(s, 0) for s in expected) / letters
    if share < 0.3:
        main = max(counts, key=counts.get)
        raise TextsError(
            f"The text is declared as {language!r}, but only {share:.0%} of its letters are "
            f"{'/'.join(expected)} and most are {main}: check the language code "
            "(or add it anyway with language checks off)."
        )


_IDENTIFIER = None  # py3langid's model, loaded on first use


def guess_language(text: str) -> tuple[str, dict[str, float]]:
    """The most likely language of ``text`` (ISO 639-1) and every language's probability, from the model
    bundled with py3langid (140 languages, offline; loaded on first use, about a second)."""
    global _IDENTIFIER
    if _IDENTIFIER is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        _IDENTIFIER = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ranked = _IDENTIFIER.rank(text)
    return ranked[0][0], dict(ranked)


def language_warning(text: str, language: str) -> str | None:
    """A warning when ``text`` reads as another language than ``language``: the guess is at least 95% sure
    of another language and gives the labelled one under 1%. None when they agree, when the text has fewer
    than 100 letters, or when the model does not know the labelled language."""
    if sum(ch.isalpha() for ch in text) < 100:
        return None
    base = language.split("-")[0].lower()
    best, probs = guess_language(text)
    if base not in probs or best == base or probs[best] < 0.95 or probs[base] >= 0.01:
        return None
    return (
        f"the text is labelled {language!r} but reads as {best!r} ({probs[best]:.0%} sure; "
        f"{base!r} {probs[base]:.1%}): check --lang, or that this is the file you meant"
    )


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

    body = _normalize_newlines(text.removeprefix("\ufeff"))
    _check_text(body, f"The text for {vid}")
    if check_script:
        check_language(body, language)
    if not body.endswith("\n"):
        body += "\n"
    _check_size(len(body.encode("utf-8")), f"The text for {vid}")

    atomic_write_text(path, body)
    if exists:
        article.versions = [version if v.id == vid else v for v in article.versions]
    else:
        article.versions.append(version)
    write_article_metadata(article)
    log.info("%s version %s of %s", "Replaced" if exists else "Added", vid, article_id)
    return version
