"""Machine translation of articles: engines (Argos Translate, Apertium), their models, and the job that
writes a machine version with its provenance and its 1-1 alignment to the source.

A source text is split with the workbench's own segmenter (:mod:`workbench.text.segment`; Argos's splitters
download models) and translated sentence by sentence, so the machine version keeps the paragraphs and has
exactly one sentence per source sentence. That correspondence is saved as an alignment (model
``construction``), so the source and its own machine translation never need an embedding step.

Engines share one small interface (:class:`Engine`): ``translate(sentences) -> sentences`` plus the
provenance to record. ``argos`` batches through CTranslate2 directly with an installed Argos package's
``model/`` and ``sentencepiece.model`` and pivots through English when no direct package exists;
``apertium`` runs the ``apertium`` command (Debian packages ``apertium`` and ``apertium-eng-spa``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
import urllib.error
import urllib.request
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from workbench.align.aligner import Bead
from workbench.errors import WorkbenchError
from workbench.store import alignments as store
from workbench.store import files as storage
from workbench.store import texts
from workbench.text.segment import Sentence, sentence_separator
from workbench.workspace import CONSTRUCTION

if TYPE_CHECKING:
    from workbench.workspace import Workspace

__all__ = [
    "ENGINES",
    "ApertiumEngine",
    "ArgosEngine",
    "Engine",
    "InstalledPackage",
    "MachineTranslation",
    "ModelError",
    "Pair",
    "Provenance",
    "TranslateError",
    "TranslationBatch",
    "TranslationPlan",
    "argos_packages_dir",
    "find_route",
    "get_engine",
    "install_from_file",
    "install_from_index",
    "installed_packages",
    "plan_batch",
    "plan_translation",
    "run_batch",
    "run_translation",
    "run_translations",
    "write_translation",
    "served_pairs",
    "translate_article",
]

log = logging.getLogger(__name__)

ENGINES = ("argos", "apertium")
PIVOT = "en"
Progress = Callable[[int, int], None]  # (done, total) in sentence steps

# ISO 639-1 codes; three-letter codes and codes of installed packages (Argos uses "zt", "pb") also pass.
_ISO639_1_CODES = (
    "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz "
    "ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii "
    "ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi "
    "mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw "
    "sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk "
    "ur uz ve vi vo wa wo xh yi yo za zh zu"
)
_ISO639_1 = frozenset(_ISO639_1_CODES.split())
_WHITESPACE_RE = re.compile(r"\s+")


class TranslateError(WorkbenchError):
    """A translation cannot be made as asked; the message says what to do."""


class ModelError(TranslateError):
    """A translation model is missing, cannot be installed or is broken."""


# --- languages ---------------------------------------------------------------------------------------


def _base(language: str) -> str:
    return language.replace("_", "-").split("-")[0].lower()


def check_language_code(language: str, known: Sequence[str] = ()) -> str:
    """Return ``language`` if it is a language code we can use, else TranslateError."""
    try:
        texts.validate_language(language)
    except texts.TextsError as exc:
        raise TranslateError(str(exc)) from None
    base = _base(language)
    if len(base) == 2 and base not in _ISO639_1 and base not in known and language not in known:
        raise TranslateError(
            f"Unknown language code {language!r}: use an ISO 639-1 code such as en, ko, es, zh, ja, fr, de."
        )
    return language


def argos_code(language: str) -> str:
    """The Argos language code of a workbench language tag ("zh-Hant" -> "zt", "ko-KP" -> "ko")."""
    parts = [p.lower() for p in language.replace("_", "-").split("-")]
    if parts[0] == "zh" and any(p in ("hant", "tw", "hk", "mo") for p in parts[1:]):
        return "zt"
    return parts[0]


def _clean(text: str) -> str:
    """One line of printable text: whitespace runs (newlines included) become one space, controls go."""
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch in "\t\n\r")
    return _WHITESPACE_RE.sub(" ", text).strip()


# --- Argos packages ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InstalledPackage:
    """An installed Argos Translate package (a folder with metadata.json, model/ and a tokenizer model)."""

    name: str  # the folder name, e.g. "translate-en_ko-1_1"
    code: str  # e.g. "translate-en_ko"
    from_code: str
    to_code: str
    from_name: str
    to_name: str
    version: str
    path: Path
    target_prefix: str = ""
    kind: str = "translate"  # the package type in its metadata

    @property
    def pair(self) -> str:
        return f"{self.from_code}->{self.to_code}"


@dataclass(frozen=True, slots=True)
class Pair:
    """A language pair the installed packages serve, directly or through English."""

    from_code: str
    to_code: str
    packages: tuple[InstalledPackage, ...]

    @property
    def via(self) -> str:
        return "direct" if len(self.packages) == 1 else f"via {self.packages[0].to_code}"


def argos_packages_dir() -> Path:
    """Argos's package folder: ``$ARGOS_PACKAGES_DIR`` or ``$XDG_DATA_HOME/argos-translate/packages``."""
    from argostranslate import settings

    return Path(settings.package_data_dir)


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in re.split(r"[._-]", version or "0"))


def _read_package(path: Path) -> InstalledPackage:
    from argostranslate.package import Package

    try:
        pkg = Package(path)
    except (OSError, ValueError) as exc:  # json.JSONDecodeError is a ValueError
        raise ModelError(f"{path} is not a readable Argos package ({exc}).") from None
    if not pkg.from_code or not pkg.to_code:
        raise ModelError(f"{path / 'metadata.json'} names no from_code/to_code.")
    return InstalledPackage(
        name=path.name,
        code=pkg.code or f"translate-{pkg.from_code}_{pkg.to_code}",
        from_code=pkg.from_code,
        to_code=pkg.to_code,
        from_name=pkg.from_name or pkg.from_code,
        to_name=pkg.to_name or pkg.to_code,
        version=str(pkg.package_version or ""),
        path=path,
        target_prefix=getattr(pkg, "target_prefix", "") or "",
        kind=pkg.type or "translate",
    )


def installed_packages() -> list[InstalledPackage]:
    """The installed Argos translation packages, sorted by pair; broken folders are skipped with a warning."""
    from argostranslate import settings

    found = []
    for folder in settings.package_dirs:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if not path.is_dir() or path.name.startswith("."):
                continue
            try:
                pkg = _read_package(path)
            except ModelError as exc:
                log.warning("skipping %s", exc)
                continue
            if pkg.kind == "translate":
                found.append(pkg)
    return sorted(found, key=lambda p: (p.from_code, p.to_code, _version_key(p.version)))


def _best_direct(packages: Sequence[InstalledPackage]) -> dict[tuple[str, str], InstalledPackage]:
    best: dict[tuple[str, str], InstalledPackage] = {}
    for pkg in packages:  # sorted by version, so the newest wins
        best[(pkg.from_code, pkg.to_code)] = pkg
    return best


def served_pairs(packages: Sequence[InstalledPackage]) -> list[Pair]:
    """Every pair the packages translate: direct ones, then those that pivot through English."""
    direct = _best_direct(packages)
    pairs = {key: Pair(*key, (pkg,)) for key, pkg in direct.items()}
    for (a, pivot), first in direct.items():
        if pivot != PIVOT:
            continue
        for (p, b), second in direct.items():
            if p == PIVOT and b != a and (a, b) not in pairs:
                pairs[(a, b)] = Pair(a, b, (first, second))
    return sorted(pairs.values(), key=lambda p: (len(p.packages), p.from_code, p.to_code))


def _pairs_text(packages: Sequence[InstalledPackage]) -> str:
    pairs = served_pairs(packages)
    if not pairs:
        return "none"
    return ", ".join(
        f"{p.from_code}->{p.to_code}" + ("" if len(p.packages) == 1 else " (via en)") for p in pairs
    )


def find_route(
    packages: Sequence[InstalledPackage], source: str, target: str
) -> tuple[InstalledPackage, ...]:
    """The packages that translate ``source`` into ``target`` (one, or two through English); ModelError
    listing the installed pairs and how to install one if there are none."""
    a, b = argos_code(source), argos_code(target)
    for pair in served_pairs(packages):
        if (pair.from_code, pair.to_code) == (a, b):
            return pair.packages
    raise ModelError(
        f"No Argos model for {a}->{b}. Installed pairs: {_pairs_text(packages)}. Install one with "
        f"`workbench models install {a} {b}` (downloads from the Argos index) or, offline, "
        f"`workbench models install ./translate-{a}_{b}.argosmodel` (a file downloaded elsewhere)."
    )


def _check_archive(path: Path) -> tuple[str, dict]:
    """The top folder and metadata of a valid .argosmodel zip; ModelError saying what is wrong otherwise."""
    if not path.is_file():
        raise ModelError(f"{path}: no such file.")
    if not zipfile.is_zipfile(path):
        raise ModelError(
            f"{path} is not an Argos model: .argosmodel files are zip archives. "
            "The download may be incomplete; download it again."
        )
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise ModelError(f"{path} is corrupt (bad checksum in {bad}); download it again.")
            names = [n for n in zf.namelist() if n.strip("/")]
            tops = {n.split("/", 1)[0] for n in names}
            unsafe = any(n.startswith("/") or ".." in n.split("/") for n in names)
            if len(tops) != 1 or unsafe or next(iter(tops)).startswith("."):
                raise ModelError(f"{path} is not an Argos model: it must hold exactly one top folder.")
            top = tops.pop()
            missing = [f for f in ("metadata.json", "model/model.bin") if f"{top}/{f}" not in names]
            if not any(f"{top}/{t}" in names for t in ("sentencepiece.model", "bpe.model")):
                missing.append("sentencepiece.model")
            if missing:
                raise ModelError(f"{path} is not a complete Argos model: {', '.join(missing)} missing.")
            metadata = json.loads(zf.read(f"{top}/metadata.json").decode("utf-8"))
    except (zipfile.BadZipFile, EOFError, OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path} is corrupt ({exc}); download it again.") from None
    if not isinstance(metadata, dict) or not metadata.get("from_code") or not metadata.get("to_code"):
        raise ModelError(f"{path}: metadata.json must name from_code and to_code.")
    if metadata.get("type", "translate") != "translate":
        raise ModelError(f"{path} is a {metadata.get('type')!r} package, not a translation model.")
    return top, metadata


def install_from_file(path: str | Path) -> InstalledPackage:
    """Install an ``.argosmodel`` file into Argos's package folder and return it.

    The archive is checked (zip, one top folder, metadata, model loads in CTranslate2) in a scratch folder
    first and then moved into place, so a corrupt file or an interrupted install never leaves a broken
    package behind. Older packages for the same pair are replaced.
    """
    import ctranslate2

    path = Path(path).expanduser()
    top, metadata = _check_archive(path)
    dest_root = argos_packages_dir()
    dest_root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".workbench-install-", dir=dest_root.parent))
    try:
        try:
            with zipfile.ZipFile(path) as zf:
                zf.extractall(scratch)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise ModelError(f"{path} is corrupt ({exc}); download it again.") from None
        candidate = scratch / top
        try:
            ctranslate2.Translator(str(candidate / "model"), device="cpu", intra_threads=1)
            if (candidate / "sentencepiece.model").exists():
                import sentencepiece

                sentencepiece.SentencePieceProcessor(model_file=str(candidate / "sentencepiece.model"))
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(
                f"{path} is corrupt: its model does not load ({exc}); download it again."
            ) from None
        pkg = _read_package(candidate)
        same_pair = [
            p for p in installed_packages() if (p.from_code, p.to_code) == (pkg.from_code, pkg.to_code)
        ]
        dest = dest_root / top
        if dest.exists():
            dest.rename(scratch / f"old-{top}")
        candidate.rename(dest)
        for old in same_pair:  # older versions of the pair, under other names
            if old.path.parent == dest_root and old.path.name != top:
                old.path.rename(scratch / f"old-{old.name}")
                log.info("replaced %s %s", old.name, old.version)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _forget_argos_cache()
    log.info("installed %s (%s %s) in %s", top, pkg.pair, metadata.get("package_version", ""), dest)
    return _read_package(dest)


def _forget_argos_cache() -> None:
    import sys

    module = sys.modules.get("argostranslate.translate")
    if module is not None:
        module.get_installed_languages.cache_clear()


def _fetch(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "workbench (argostranslate)"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def install_from_index(
    from_code: str, to_code: str, *, index_url: str | None = None, timeout: float = 30.0
) -> list[InstalledPackage]:
    """Download and install the package(s) for ``from_code`` -> ``to_code`` from the Argos package index.

    Installs the direct package, or the two packages of a pivot through English. ModelError when the
    index cannot be reached (offline), saying how to install from a file instead.
    """
    from argostranslate import settings
    from argostranslate.package import AvailablePackage

    check_language_code(from_code)
    check_language_code(to_code)
    a, b = argos_code(from_code), argos_code(to_code)
    url = index_url or settings.remote_package_index
    offline_hint = (
        f"Without network: download translate-{a}_{b}-*.argosmodel on another machine "
        "(links in https://github.com/argosopentech/argospm-index, index.json), copy it here and run "
        f"`workbench models install ./translate-{a}_{b}.argosmodel`."
    )
    try:
        raw = _fetch(url, timeout)
        index = json.loads(raw.decode("utf-8"))
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ModelError(
            f"Cannot reach the Argos package index {url} ({reason}): offline? {offline_hint}"
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(
            f"The Argos package index {url} is not valid JSON ({exc}). Try again later."
        ) from None
    storage.atomic_write_bytes(Path(settings.local_package_index), raw)
    available = [
        AvailablePackage(m)
        for m in index
        if isinstance(m, dict) and m.get("type", "translate") == "translate"
    ]
    by_pair = {(p.from_code, p.to_code): p for p in available}
    if (a, b) in by_pair:
        wanted = [by_pair[(a, b)]]
    elif (a, PIVOT) in by_pair and (PIVOT, b) in by_pair:
        wanted = [by_pair[(a, PIVOT)], by_pair[(PIVOT, b)]]
        log.info("no direct %s->%s package: installing %s->en and en->%s", a, b, a, b)
    else:
        pairs = ", ".join(sorted(f"{f}->{t}" for f, t in by_pair)) or "none"
        raise ModelError(
            f"The Argos index has no package for {a}->{b}, not even through English. It has: {pairs}."
        )
    installed = []
    for pkg in wanted:
        downloads = Path(settings.downloads_dir)
        downloads.mkdir(parents=True, exist_ok=True)
        target = downloads / f"translate-{pkg.from_code}_{pkg.to_code}.argosmodel"
        data, errors = None, []
        for link in pkg.links:
            try:
                data = _fetch(link, timeout=max(timeout, 300))
                break
            except (urllib.error.URLError, OSError, TimeoutError) as exc:
                errors.append(f"{link}: {getattr(exc, 'reason', exc)}")
        if data is None:
            raise ModelError(
                f"Download of {pkg.from_code}->{pkg.to_code} failed ({'; '.join(errors)}). {offline_hint}"
            )
        storage.atomic_write_bytes(target, data)
        try:
            installed.append(install_from_file(target))
        finally:
            target.unlink(missing_ok=True)
    return installed


# --- engines -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Provenance:
    """What made a machine translation, as recorded in article.toml."""

    engine: str  # "argos" | "apertium"
    model: str  # e.g. "translate-en_ko" or "translate-ko_en+translate-en_es" or "apertium-eng-spa"
    model_version: str
    origin: str  # one human-readable line


class Engine(Protocol):
    """A machine-translation engine for one language pair."""

    name: str
    source: str
    target: str

    def provenance(self) -> Provenance: ...

    def translate(self, sentences: Sequence[str], progress: Progress | None = None) -> list[str]:
        """One translation per sentence, in order; ``progress(done, total)`` reports as it goes."""
        ...


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class _ArgosModel:
    """One Argos package loaded for CTranslate2: tokenizer, translator, and their options."""

    def __init__(self, pkg: InstalledPackage, engine: ArgosEngine):
        self.pkg = pkg
        self.engine = engine

    @cached_property
    def translator(self):
        import ctranslate2

        e = self.engine
        return ctranslate2.Translator(
            str(self.pkg.path / "model"),
            device="cpu",
            inter_threads=e.inter_threads,
            intra_threads=e.intra_threads,
            compute_type=e.compute_type,
        )

    @cached_property
    def tokenizer(self):
        """(encode, decode) for the package: its SentencePiece model, else Argos's BPE tokenizer."""
        sp_path = self.pkg.path / "sentencepiece.model"
        if sp_path.exists():
            import sentencepiece

            sp = sentencepiece.SentencePieceProcessor(model_file=str(sp_path))
            return (lambda text: sp.encode(text, out_type=str)), sp.decode_pieces
        from argostranslate.tokenizer import BPETokenizer

        bpe = BPETokenizer(self.pkg.path / "bpe.model", self.pkg.from_code, self.pkg.to_code)
        return bpe.encode, bpe.decode

    def _pieces(self, tokens: list[str], limit: int) -> list[list[str]]:
        """Split a token list longer than ``limit`` after punctuation or before a word where possible."""
        parts = []
        while len(tokens) > limit:
            cut = next(
                (i for i in range(limit, limit // 2, -1) if tokens[i - 1].rstrip()[-1:] in ",;:)]»”"),
                None,
            ) or next((i for i in range(limit, limit // 2, -1) if tokens[i].startswith("▁")), limit)
            parts.append(tokens[:cut])
            tokens = tokens[cut:]
        parts.append(tokens)
        return parts

    def translate(self, sentences: Sequence[str], progress: Callable[[int], None]) -> list[str]:
        encode, decode = self.tokenizer
        e = self.engine
        limit = e.max_input_tokens
        segments: list[list[str]] = []  # what goes to CTranslate2
        owner: list[int] = []  # sentence index of each segment
        for i, text in enumerate(sentences):
            tokens = encode(text)
            pieces = self._pieces(tokens, limit) if len(tokens) > limit else [tokens]
            if len(pieces) > 1:
                log.warning(
                    "a sentence is %d tokens long, more than the %d the model takes: translated in %d parts "
                    "(%.60s...)",
                    len(tokens),
                    limit,
                    len(pieces),
                    text,
                )
            segments.extend(pieces)
            owner.extend([i] * len(pieces))
        order = sorted(range(len(segments)), key=lambda k: len(segments[k]))  # less padding
        prefix = [self.pkg.target_prefix] if self.pkg.target_prefix else None
        # One asynchronous call: CTranslate2 cuts it into batches and runs one per worker (inter_threads);
        # a small article is cut finer so that every worker gets a batch. Results are collected in order
        # as they finish, for progress reports.
        per_batch = max(1, min(e.batch_size, -(-len(order) // e.inter_threads)))
        pending = self.translator.translate_batch(
            [segments[k] for k in order],
            target_prefix=[prefix] * len(order) if prefix else None,
            max_batch_size=per_batch,
            beam_size=e.beam_size,
            max_decoding_length=e.max_decoding_length,
            max_input_length=0,  # already split to max_input_tokens; never let CTranslate2 truncate
            length_penalty=0.2,
            replace_unknowns=True,
            asynchronous=True,
        )
        outputs: list[str] = [""] * len(segments)
        remaining = Counter(owner)
        done = 0
        for k, future in zip(order, pending, strict=True):
            tokens = future.result().hypotheses[0]
            if prefix and tokens[:1] == prefix:
                tokens = tokens[1:]
            outputs[k] = _clean(decode(tokens))
            remaining[owner[k]] -= 1
            if remaining[owner[k]] == 0:
                done += 1
                progress(done)
        joined: list[list[str]] = [[] for _ in sentences]
        for k, text in enumerate(outputs):
            if text:
                joined[owner[k]].append(text)
        sep = sentence_separator("zh" if self.pkg.to_code == "zt" else self.pkg.to_code)  # Argos: zt
        return [sep.join(parts) for parts in joined]


@dataclass
class ArgosEngine:
    """Argos Translate packages run through CTranslate2 ``translate_batch`` (pivoting through English)."""

    source: str
    target: str
    route: tuple[InstalledPackage, ...]
    batch_size: int = 32
    beam_size: int = 4
    max_input_tokens: int = 256
    max_decoding_length: int = 256
    inter_threads: int = field(default_factory=_cores)  # batches in parallel: one per core
    intra_threads: int = 1  # threads per batch (more only pays for big models)
    compute_type: str = "auto"
    name: str = "argos"

    def __post_init__(self) -> None:
        self._models = [_ArgosModel(pkg, self) for pkg in self.route]

    @classmethod
    def for_pair(cls, source: str, target: str, **options) -> ArgosEngine:
        packages = installed_packages()
        known = [c for p in packages for c in (p.from_code, p.to_code)]
        check_language_code(source, known)
        check_language_code(target, known)
        return cls(source, target, find_route(packages, source, target), **options)

    def provenance(self) -> Provenance:
        from importlib.metadata import PackageNotFoundError, version

        try:
            argos = f"Argos Translate {version('argostranslate')}"
        except PackageNotFoundError:
            argos = "Argos Translate"
        model = "+".join(p.code for p in self.route)
        model_version = "+".join(p.version for p in self.route)
        legs = " + ".join(f"{p.code} {p.version}" for p in self.route)
        return Provenance(self.name, model, model_version, f"{argos}, {legs}")

    def translate(self, sentences: Sequence[str], progress: Progress | None = None) -> list[str]:
        total = len(sentences) * len(self._models)
        current = list(sentences)
        for step, model in enumerate(self._models):
            base = step * len(sentences)

            def report(done: int, base: int = base) -> None:
                if progress is not None:
                    progress(base + done, total)

            current = model.translate(current, report)
        return current


_APERTIUM_CODES = {
    "en": "eng",
    "es": "spa",
    "ca": "cat",
    "gl": "glg",
    "eu": "eus",
    "is": "isl",
    "mk": "mkd",
    "eo": "epo",
    "fr": "fra",
    "pt": "por",
    "it": "ita",
    "oc": "oci",
    "ro": "ron",
    "sh": "hbs",
    "hr": "hbs",
    "sr": "hbs",
    "bs": "hbs",
}


def apertium_modes() -> list[str]:
    """The translation directions the installed Apertium offers (``apertium -l``); [] if not installed."""
    exe = shutil.which("apertium")
    if exe is None:
        return []
    try:
        out = subprocess.run([exe, "-l"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.stdout.splitlines() if line.strip()]


@dataclass
class ApertiumEngine:
    """The ``apertium`` command for one installed direction, e.g. ``eng-spa``."""

    source: str
    target: str
    mode: str
    chunk: int = 200  # sentences per apertium call (for progress)
    name: str = "apertium"

    @classmethod
    def for_pair(cls, source: str, target: str) -> ApertiumEngine:
        check_language_code(source)
        check_language_code(target)
        modes = apertium_modes()
        if not modes:
            raise ModelError(
                "Apertium is not installed (no `apertium` command, or it lists no pairs). "
                "Install it with `sudo apt-get install apertium apertium-eng-spa` (or another pair)."
            )
        a, b = _base(source), _base(target)
        a3, b3 = _APERTIUM_CODES.get(a, a), _APERTIUM_CODES.get(b, b)
        for mode in (f"{a3}-{b3}", f"{a}-{b}", f"{a3}-{b}", f"{a}-{b3}"):
            if mode in modes:
                return cls(source, target, mode)
        raise ModelError(
            f"Apertium has no {a}->{b} pair installed. Installed directions: {', '.join(modes)}. "
            f"Install one with apt (e.g. `apt-cache search apertium-{a3}`)."
        )

    def provenance(self) -> Provenance:
        version = _dpkg_version("apertium")
        pair_pkg, pair_version = "", ""
        a, b = self.mode.split("-", 1)
        for pkg in (f"apertium-{a}-{b.split('_')[0]}", f"apertium-{b.split('_')[0]}-{a}"):
            pair_version = _dpkg_version(pkg)
            if pair_version:
                pair_pkg = pkg
                break
        model = pair_pkg or f"apertium {self.mode}"
        origin = " ".join(f"Apertium {version}, {model} {pair_version}".split()) + f" ({self.mode})"
        return Provenance(self.name, model, pair_version or "unknown", origin)

    def _run(self, lines: Sequence[str]) -> list[str]:
        exe = shutil.which("apertium") or "apertium"
        text = "".join(line + "\n" for line in lines)
        try:
            out = subprocess.run(
                [exe, "-u", self.mode],
                input=text,
                capture_output=True,
                encoding="utf-8",
                errors="replace",
                timeout=600,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise TranslateError(f"apertium {self.mode} failed: {exc}") from None
        if out.returncode != 0:
            raise TranslateError(f"apertium {self.mode} failed: {out.stderr.strip()[:500]}")
        result = out.stdout.split("\n")
        if result and result[-1] == "":
            result.pop()
        return result

    def translate(self, sentences: Sequence[str], progress: Progress | None = None) -> list[str]:
        # One sentence a line: Apertium keeps line breaks, so line k of the output is sentence k.
        lines = [_clean(s) for s in sentences]
        out: list[str] = []
        for start in range(0, len(lines), self.chunk):
            part = lines[start : start + self.chunk]
            result = self._run(part)
            if len(result) != len(part):
                log.warning(
                    "apertium returned %d lines for %d sentences; translating them one at a time",
                    len(result),
                    len(part),
                )
                result = [" ".join(self._run([line])) for line in part]
            out.extend(_clean(r) for r in result)
            if progress is not None:
                progress(len(out), len(lines))
        return out


def _dpkg_version(package: str) -> str:
    exe = shutil.which("dpkg-query")
    if exe is None:
        return ""
    try:
        out = subprocess.run(
            [exe, "-W", "-f", "${Version}", package], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def get_engine(name: str, source: str, target: str, **options) -> Engine:
    """The engine ``name`` ("argos" or "apertium") for ``source`` -> ``target``; ModelError if it lacks the
    pair. ``options`` go to :class:`ArgosEngine` (batch_size, beam_size, max_decoding_length, ...)."""
    if name == "argos":
        return ArgosEngine.for_pair(source, target, **options)
    if name == "apertium":
        return ApertiumEngine.for_pair(source, target)
    raise TranslateError(f"Unknown engine {name!r}: choose one of {', '.join(ENGINES)}.")


# --- translating articles ----------------------------------------------------------------------------


@dataclass(slots=True)
class TranslationPlan:
    """One article to translate: its source sentences and the version the translation becomes."""

    article: texts.Article
    version_id: str  # e.g. "ko.argos"
    language: str
    sentences: list[Sentence]
    source_text: str
    skip: bool  # already translated (and not forced)


@dataclass(slots=True)
class MachineTranslation:
    """A machine version written to disk, with its 1-1 alignment to the source."""

    article: str
    version: texts.TextVersion
    path: Path
    alignment_path: Path
    sentences: int
    paragraphs: int


def _machine_tag(engine: Engine) -> str:
    return engine.name


def is_translated(ws: Workspace, article: texts.Article, version_id: str) -> bool:
    """True if the machine version is listed, its file exists and its alignment was saved (all steps of a
    translation finished)."""
    listed = any(v.id == version_id for v in article.versions)
    return (
        listed
        and (article.path / f"{version_id}.txt").is_file()
        and ws.alignment_path(article.id, version_id).is_file()
    )


def plan_translation(
    ws: Workspace, article: texts.Article, language: str, engine: Engine, *, force: bool = False
) -> TranslationPlan:
    """Read and split the article's source; decide whether the translation is already there."""
    check_language_code(language)
    source = article.source()
    if argos_code(source.language) == argos_code(language):
        raise TranslateError(f"{article.id}: the source {source.id} is already in {language}.")
    version_id = f"{language}.{_machine_tag(engine)}"
    existing = next((v for v in article.versions if v.id == version_id), None)
    if existing is not None and existing.kind != "machine":
        raise TranslateError(
            f"{article.id} already has a {existing.kind} version {version_id}; it is not overwritten. "
            "Rename it or remove it first."
        )
    text = texts.read_version_text(article, source.id)
    sentences = texts.version_sentences(article, source.id, text)  # as a reviewer left them, if edited
    if not sentences:
        raise TranslateError(f"{article.id}: the source {source.id} has no sentences to translate.")
    done = is_translated(ws, article, version_id)
    if existing is not None and not done:
        log.info("%s %s is incomplete (interrupted?): translating it again", article.id, version_id)
    return TranslationPlan(article, version_id, language, sentences, text, skip=done and not force)


def _keep_edited_text(ws: Workspace, article: texts.Article, version_id: str) -> None:
    """Keep a machine text someone edited since it was written as ``<file>.bak-<time>`` before it is
    replaced (never overwriting an earlier backup)."""
    path = article.path / f"{version_id}.txt"
    if not path.is_file():
        return
    if any(v.id == version_id and v.edited is not None for v in article.versions):  # post-edited in the app
        backup = storage.keep_copy(path, "bak")
        log.warning("%s was post-edited: the edited text is kept as %s", path, backup.name)
        return
    try:
        written = store.load_alignment(ws.alignment_path(article.id, version_id)).target.sha256
    except (OSError, store.AlignmentError):
        written = None
    if (
        written is not None
        and texts.content_hash(path.read_text(encoding="utf-8", errors="replace")) == written
    ):
        return
    backup = storage.keep_copy(path, "bak")
    log.warning("%s changed since it was translated: the old text is kept as %s", path, backup.name)


def run_translation(
    ws: Workspace, plan: TranslationPlan, engine: Engine, progress: Progress | None = None
) -> MachineTranslation:
    """Translate a planned article and write it (see :func:`write_translation`)."""
    translated = engine.translate([s.text for s in plan.sentences], progress)
    return write_translation(ws, plan, engine, translated)


def _groups(plans: Sequence[TranslationPlan], size: int) -> Iterator[list[TranslationPlan]]:
    group: list[TranslationPlan] = []
    for plan in plans:
        group.append(plan)
        if sum(len(p.sentences) for p in group) >= size:
            yield group
            group = []
    if group:
        yield group


_WRITE_ERRORS = (WorkbenchError, OSError)


def _write_or_error(
    ws: Workspace, plan: TranslationPlan, engine: Engine, part: Sequence[str]
) -> MachineTranslation | Exception:
    try:
        return write_translation(ws, plan, engine, part)
    except _WRITE_ERRORS as exc:
        return exc


def run_translations(
    ws: Workspace,
    plans: Sequence[TranslationPlan],
    engine: Engine,
    progress: Progress | None = None,
    group_sentences: int = 512,
) -> Iterator[tuple[TranslationPlan, MachineTranslation | Exception]]:
    """Translate many articles, yielding ``(plan, result or error)`` as each article is written.

    Consecutive small articles are translated together, in groups of about ``group_sentences`` sentences,
    so that batches stay full. A group's files are written by a second thread while the next group is
    translated; an interrupted run finishes the writes it started and loses at most the group being
    translated. ``progress(done, total)`` counts sentences over all ``plans``.
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    total = sum(len(p.sentences) for p in plans)
    base = 0
    written: list[tuple[TranslationPlan, Future]] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbench-write") as writer:
        for group in _groups(plans, group_sentences):
            size = sum(len(p.sentences) for p in group)

            def report(done: int, steps: int, base: int = base, size: int = size) -> None:
                if progress is not None:
                    progress(base + round(size * done / max(steps, 1)), total)

            try:
                translated = engine.translate([s.text for p in group for s in p.sentences], report)
            except (TranslateError, OSError) as exc:
                failed: Future = Future()
                failed.set_result(exc)
                submitted = [(p, failed) for p in group]
            else:
                submitted, start = [], 0
                for p in group:
                    part = translated[start : start + len(p.sentences)]
                    start += len(p.sentences)
                    submitted.append((p, writer.submit(_write_or_error, ws, p, engine, part)))
            for p, future in written:  # the previous group's, written while this one was translated
                yield p, future.result()
            written = submitted
            base += size
        for p, future in written:
            yield p, future.result()


@dataclass(slots=True)
class TranslationBatch:
    """Articles planned for translation into one language with one engine (see :func:`plan_batch`)."""

    language: str
    engine: str
    engines: dict[str, Engine] = field(default_factory=dict)  # by source language
    todo: list[tuple[TranslationPlan, Engine]] = field(default_factory=list)
    skipped: list[TranslationPlan] = field(default_factory=list)  # translated already
    failed: list[tuple[str, WorkbenchError]] = field(default_factory=list)  # article id, why not

    @property
    def sentences(self) -> int:
        return sum(len(plan.sentences) for plan, _ in self.todo)


def plan_batch(
    ws: Workspace,
    articles: Sequence[texts.Article],
    language: str,
    engine: str = "argos",
    *,
    force: bool = False,
    every: bool = False,
    options: dict | None = None,
) -> TranslationBatch:
    """Check the request and plan the translation of ``articles`` into ``language`` with ``engine``
    ("argos" or "apertium"; ``options`` go to the argos engine: beam_size, batch_size, ...).

    Articles translated already are ``skipped`` unless ``force``. With ``every`` (a batch over the whole
    workspace) articles already in ``language`` are passed over and an article that cannot be translated
    goes to ``failed`` instead of stopping the batch; without it, that raises. A missing model
    (ModelError) always raises."""
    if not language:
        raise TranslateError("say which language to translate into with --to, e.g. --to ko")
    check_language_code(language)
    if engine not in ENGINES:
        raise TranslateError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    options = dict(options or {}) if engine == "argos" else {}
    batch = TranslationBatch(language, engine)
    for article in articles:
        try:
            source = article.source()
            if argos_code(source.language) == argos_code(language):
                if every:
                    continue
                raise TranslateError(f"{article.id}: the source {source.id} is already in {language}")
            if source.language not in batch.engines:
                batch.engines[source.language] = get_engine(engine, source.language, language, **options)
            eng = batch.engines[source.language]
            plan = plan_translation(ws, article, language, eng, force=force)
        except ModelError:
            raise
        except WorkbenchError as exc:
            if not every:
                raise
            batch.failed.append((article.id, exc))
            continue
        if plan.skip:
            batch.skipped.append(plan)
        else:
            batch.todo.append((plan, eng))
    return batch


def run_batch(
    ws: Workspace, batch: TranslationBatch, progress: Progress | None = None
) -> Iterator[tuple[TranslationPlan, MachineTranslation | Exception]]:
    """Translate a planned batch engine by engine (see :func:`run_translations`), yielding ``(plan, result
    or error)`` as each article is written; ``progress(done, total)`` counts sentences over the batch."""
    by_engine: dict[int, tuple[Engine, list[TranslationPlan]]] = {}
    for plan, eng in batch.todo:
        by_engine.setdefault(id(eng), (eng, []))[1].append(plan)
    total, finished = batch.sentences, 0
    for eng, plans in by_engine.values():

        def report(done: int, _: int, base: int = finished) -> None:
            if progress is not None:
                progress(base + done, total)

        yield from run_translations(ws, plans, eng, report)
        finished += sum(len(p.sentences) for p in plans)
        if progress is not None:
            progress(finished, total)


def _same_translation(
    article: texts.Article, version_id: str, prov, body: str, path: Path, record: store.Alignment
) -> texts.TextVersion | None:
    """The machine version already there if it is this translation (same text, provenance and
    alignment), else None."""
    existing = next((v for v in article.versions if v.id == version_id), None)
    if existing is None or existing.kind != "machine" or existing.edited is not None:
        return None
    if (existing.origin, existing.engine, existing.model, existing.model_version) != (
        prov.origin,
        prov.engine,
        prov.model,
        prov.model_version,
    ):
        return None
    try:
        if (article.path / existing.file).read_bytes() != body.encode("utf-8"):
            return None
        old = store.load_alignment(path)
    except (OSError, store.AlignmentError):
        return None
    kept = replace(record, created=old.created, modified=old.modified, revision=old.revision)
    return existing if store.dumps(kept) == store.dumps(old) else None


def write_translation(
    ws: Workspace, plan: TranslationPlan, engine: Engine, translated: Sequence[str]
) -> MachineTranslation:
    """Write a machine version (one translation per source sentence), its provenance and 1-1 alignment.

    Each file is written atomically (text, then article.toml, then the alignment); a translation whose
    alignment is missing counts as unfinished and is redone by the next run.
    """
    article = plan.article
    sources = plan.sentences
    if len(translated) != len(sources):  # engines promise this; a broken one must not corrupt an article
        raise TranslateError(
            f"{article.id}: the engine returned {len(translated)} sentences for {len(sources)}; "
            "nothing was written."
        )
    out_sentences = []
    for s, t in zip(sources, translated, strict=True):
        if not t:
            log.warning(
                "%s %s: %s came back empty; the source sentence is kept", article.id, plan.version_id, s.id
            )
            t = s.text
        out_sentences.append(Sentence(s.id, t, s.paragraph))
    sep = sentence_separator(plan.language)
    paragraphs: dict[int, list[str]] = {}
    for s in out_sentences:
        paragraphs.setdefault(s.paragraph, []).append(s.text)
    body = "".join(sep.join(parts) + "\n" for parts in paragraphs.values())

    prov = engine.provenance()
    source_version = article.source()
    source_side = store.AlignedSide(
        source_version.id, source_version.language, texts.content_hash(plan.source_text), list(sources)
    )
    target_side = store.AlignedSide(plan.version_id, plan.language, texts.content_hash(body), out_sentences)
    beads = [Bead((i,), (i,), 1.0) for i in range(len(sources))]
    params = {"engine": prov.engine, "model": prov.model, "model_version": prov.model_version}
    record = store.from_beads(article.id, source_side, target_side, beads, CONSTRUCTION, params)
    path = ws.alignment_path(article.id, plan.version_id)
    same = _same_translation(article, plan.version_id, prov, body, path, record)
    if same is not None:  # translated again to the same text: nothing to write (no new revision or time)
        log.info("%s %s: the same translation again, left as it is", article.id, plan.version_id)
        return MachineTranslation(
            article.id, same, article.path / same.file, path, len(out_sentences), len(paragraphs)
        )

    _keep_edited_text(ws, article, plan.version_id)  # (temp files of a killed run go with the next write)
    version = texts.add_version(
        ws.texts,
        article.id,
        body,
        language=plan.language,
        kind="machine",
        origin=prov.origin,
        tag=_machine_tag(engine),
        engine=prov.engine,
        model=prov.model,
        model_version=prov.model_version,
        replace=True,
        check_script=False,
    )
    store.save_alignment(path, record, force=True, backup=True)  # reviewed or unreadable: a copy is kept
    return MachineTranslation(
        article.id, version, article.path / version.file, path, len(out_sentences), len(paragraphs)
    )


def translate_article(
    ws: Workspace,
    article: texts.Article,
    language: str,
    engine: Engine,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> MachineTranslation | None:
    """Translate one article into ``language`` with ``engine``; None if it was already translated."""
    plan = plan_translation(ws, article, language, engine, force=force)
    if plan.skip:
        return None
    return run_translation(ws, plan, engine, progress)
