"""Argos Translate packages: the installed ones, the pairs they serve (directly or through English), and
installing one from a file or from the Argos package index (the only network access of the workbench).

An ``.argosmodel`` is a zip holding one top folder with ``metadata.json``, ``model/`` (a CTranslate2
model) and ``sentencepiece.model``; :func:`install_from_file` checks it in a scratch folder before moving it
into Argos's package folder.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workbench.store import files as storage
from workbench.text.language import language_base
from workbench.translate.errors import ModelError, check_language_code

__all__ = [
    "PIVOT",
    "InstalledPackage",
    "Pair",
    "argos_code",
    "argos_packages_dir",
    "find_route",
    "install_from_file",
    "install_from_index",
    "installed_packages",
    "served_pairs",
]

log = logging.getLogger(__name__)

PIVOT = "en"
_ARGOS_CODES = {"no": "nb"}  # where Argos files a language under another code than the workbench


def argos_code(language: str) -> str:
    """The Argos language code of a workbench language tag ("zh-Hant" -> "zt", "ko-KP" -> "ko", "no" and
    "nb" -> "nb"); see :func:`workbench.text.language.language_base`."""
    base = language_base(language)
    subtags = [p.lower() for p in language.replace("_", "-").split("-")[1:]]
    if base == "zh" and any(p in ("hant", "tw", "hk", "mo") for p in subtags):
        return "zt"
    return _ARGOS_CODES.get(base, base)


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
        if (argos_code(pair.from_code), argos_code(pair.to_code)) == (a, b):
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
