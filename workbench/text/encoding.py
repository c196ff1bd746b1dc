"""Reading a text file of any common encoding: UTF-8 and UTF-16 (with or without a byte-order mark), and
legacy code pages (EUC-KR/CP949, GB18030, Shift-JIS, CP1252, ...) guessed with charset-normalizer.

A guess is never silent: :func:`decode_text` says which encoding it used, and a file that is mostly UTF-8
but not entirely (a pasted Latin-1 line, or UTF-16 surrogates encoded as UTF-8) is refused, since any one
legacy encoding would turn its UTF-8 part into mojibake; ``encoding=`` decodes it as the user says.
Empty, binary and oversize files are refused too, with :class:`~workbench.errors.TextsError`.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from typing import NamedTuple

from charset_normalizer import from_bytes

from workbench.errors import TextsError

__all__ = [
    "MAX_TEXT_BYTES",
    "Decoded",
    "check_size",
    "check_text",
    "decode_text",
    "decode_text_file",
    "normalize_newlines",
]

log = logging.getLogger(__name__)

MAX_TEXT_BYTES = 20 * 1024 * 1024  # 20 MiB

# Control characters that never occur in real text (tab, CR, LF, form feed and ESC are allowed).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
_MAX_CONTROL_SHARE = 0.01
# Nothing visible: whitespace and the characters that take no room (zero-width space, joiners, direction
# marks, the byte-order mark, soft hyphen, Hangul fillers, ...).
_INVISIBLE_RE = re.compile(
    "[\\s\u00ad\u034f\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u3164\ufeff\uffa0]*"
)
# A well-formed multi-byte UTF-8 sequence (surrogates excluded).
_UTF8_MULTI_RE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_HIGH_BYTE_RE = re.compile(rb"[\x80-\xff]")
_UTF16_SAMPLE = 100_000  # characters checked for plausibility when guessing BOM-less UTF-16


class Decoded(NamedTuple):
    text: str
    encoding: str  # the codec used, e.g. "utf-8", "utf-16-le", "cp949"


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB"


def check_size(size: int, name: str) -> None:
    """TextsError if ``size`` bytes is over MAX_TEXT_BYTES."""
    if size > MAX_TEXT_BYTES:
        raise TextsError(
            f"{name} is too large ({_mib(size)}; the limit is {MAX_TEXT_BYTES / 1024 / 1024:.0f} MiB). "
            "Split it into several articles."
        )


def _binary_error(name: str) -> TextsError:
    return TextsError(f"{name} looks like a binary file, not text. Choose a plain-text (.txt) file.")


def _empty_error(name: str) -> TextsError:
    return TextsError(f"{name} is empty (or only whitespace). Choose a file that contains the text.")


def check_text(text: str, name: str) -> None:
    """Reject text with nothing visible in it (empty, whitespace or zero-width characters only) and text
    full of control characters."""
    if _INVISIBLE_RE.fullmatch(text):
        raise _empty_error(name)
    if "\x00" in text or len(_CONTROL_RE.findall(text)) > max(2, _MAX_CONTROL_SHARE * len(text)):
        raise _binary_error(name)


def _oddities(text: str) -> int:
    """Characters that real text does not hold: unassigned, private-use, surrogates and most controls."""
    odd = ("Cn", "Co", "Cs")
    return sum(1 for ch in text if unicodedata.category(ch) in odd or (ch < " " and ch not in "\t\n\r"))


def _guess_bomless_utf16(data: bytes) -> Decoded | None:
    """Decode BOM-less UTF-16 when the NUL bytes say so (the high bytes of ASCII characters, on one side)
    and the decoded text looks like text; else None. Korean or Chinese text has few NULs (its spaces,
    digits and line breaks): over 1% on one side and fewer on the other will do, since the decoded
    characters are checked too."""
    if len(data) % 2:
        return None
    half = len(data) // 2
    nul_even, nul_odd = data[0::2].count(0), data[1::2].count(0)
    for codec, nul_high, nul_low in (("utf-16-le", nul_odd, nul_even), ("utf-16-be", nul_even, nul_odd)):
        if nul_high >= 0.01 * half and nul_high > nul_low:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                return None
            sample = text[:_UTF16_SAMPLE]
            if _oddities(sample) <= 0.01 * len(sample):
                return Decoded(text, codec)
            return None
    return None


def _mostly_utf8(data: bytes) -> bool:
    """True when most bytes above 127 form well-formed UTF-8 sequences: a UTF-8 file with some bytes in
    another encoding. (In legacy CJK text a byte pair is valid UTF-8 by chance for about one character in
    ten; in Western code pages hardly ever.)"""
    valid = sum(len(m) for m in _UTF8_MULTI_RE.findall(data))
    return valid > 0 and valid >= len(_HIGH_BYTE_RE.findall(data)) - valid


def _first_bad_line(data: bytes) -> tuple[int, bytes]:
    for number, line in enumerate(data.split(b"\n"), 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            return number, line[max(0, exc.start - 20) : exc.end + 20]
    return 0, b""


def _detect_legacy(data: bytes, name: str) -> Decoded:
    """Best guess with charset-normalizer; on ties prefer cp1252 (the most common Western code page)."""
    try:
        data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        pass
    else:
        raise TextsError(
            f"{name} is UTF-8 except for characters written as UTF-16 surrogate halves (CESU-8, or a lone "
            "surrogate), which UTF-8 does not allow: re-save it as UTF-8 from the program that made it."
        )
    if _mostly_utf8(data):
        line, around = _first_bad_line(data)
        raise TextsError(
            f"{name} is mostly UTF-8, but line {line} is not ({around!r}): the file probably mixes two "
            "encodings. Re-type or re-save that line as UTF-8; or, if the whole file is in one legacy "
            "encoding, name it (workbench add --encoding cp1252, say)."
        )
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
    return Decoded(str(best), best.encoding)


def _decode_as(data: bytes, name: str, encoding: str) -> Decoded:
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise TextsError(f"Unknown encoding {encoding!r}: use one such as utf-8, cp1252 or cp949.") from None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise TextsError(
            f"{name} is not valid {codec} (bad bytes at position {exc.start}): check the --encoding."
        ) from None
    return Decoded(text, codec)


def decode_text(data: bytes, name: str, encoding: str | None = None) -> Decoded:
    """Decode the bytes of a text file to str (BOM removed, newlines "\\n") and say which codec did it.

    UTF-8 (with or without BOM) and UTF-16 with BOM are recognised exactly, BOM-less UTF-16 by its NUL
    bytes; anything else is charset-normalizer's best guess (EUC-KR/CP949, GB18030, Shift-JIS, CP1252,
    ...), unless the file is mostly UTF-8 (refused). ``encoding`` decodes with that codec instead.
    ``name`` is only used in messages. TextsError for files that are empty, too large, binary or
    undecodable."""
    check_size(len(data), name)
    if not data.strip():
        raise _empty_error(name)
    if encoding:
        decoded = _decode_as(data, name, encoding)
    else:
        decoded = _decode_guessing(data, name)
    text = normalize_newlines(decoded.text.removeprefix("\ufeff"))
    check_text(text, name)
    return Decoded(text, decoded.encoding)


def _decode_guessing(data: bytes, name: str) -> Decoded:
    try:
        if data.startswith(codecs.BOM_UTF8):
            return Decoded(data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8")
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return Decoded(data.decode("utf-16"), "utf-16")
    except UnicodeDecodeError as exc:
        raise TextsError(
            f"{name} starts with a Unicode byte-order mark but is not valid {exc.encoding} "
            f"(bad bytes at position {exc.start}). Re-save it as UTF-8 and try again."
        ) from exc
    if b"\x00" in data:
        guessed = _guess_bomless_utf16(data)
        if guessed is None:
            raise _binary_error(name)
        return guessed
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        return _detect_legacy(data, name)


def decode_text_file(data: bytes, name: str) -> str:
    """The text of :func:`decode_text`, for callers that need not know the encoding."""
    return decode_text(data, name).text
