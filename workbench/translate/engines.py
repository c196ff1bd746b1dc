"""Machine-translation engines: Argos Translate (through CTranslate2) and Apertium.

Engines share one small interface (:class:`Engine`): ``translate(sentences) -> sentences`` (one translation
per sentence, in order) plus the provenance to record. ``argos`` batches through CTranslate2 directly with
an installed Argos package's ``model/`` and ``sentencepiece.model`` and pivots through English when no
direct package exists; ``apertium`` runs the ``apertium`` command (Debian packages ``apertium`` and
``apertium-eng-spa``). Models load on first use.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from workbench.text.language import language_base
from workbench.text.segment import sentence_separator
from workbench.translate.argos_models import InstalledPackage, find_route, installed_packages
from workbench.translate.errors import ModelError, TranslateError, check_language_code

__all__ = [
    "ENGINES",
    "ApertiumEngine",
    "ArgosEngine",
    "Engine",
    "Progress",
    "Provenance",
    "apertium_modes",
    "get_engine",
]

log = logging.getLogger(__name__)

ENGINES = ("argos", "apertium")
Progress = Callable[[int, int], None]  # (done, total) in sentence steps
_WHITESPACE_RE = re.compile(r"\s+")


def _clean(text: str) -> str:
    """One line of printable text: whitespace runs (newlines included) become one space, controls go."""
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch in "\t\n\r")
    return _WHITESPACE_RE.sub(" ", text).strip()


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
        a, b = language_base(source), language_base(target)
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
