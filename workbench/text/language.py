"""What language a text is in: the script check that refuses a text labelled with the wrong ``--lang``
(Korean labelled ``en``), and the warning when a text reads as another language (py3langid's bundled
model, offline). Both look at a sample spread over the text, so a 20 MB text is checked in milliseconds.
"""

from __future__ import annotations

from workbench.errors import TextsError

__all__ = ["check_language", "guess_language", "language_warning", "sample"]

SAMPLE_CHARS = 20_000  # what the checks read of a longer text: this much, in SAMPLE_PARTS pieces
SAMPLE_PARTS = 20

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


def sample(text: str, size: int = SAMPLE_CHARS, parts: int = SAMPLE_PARTS) -> str:
    """``text`` itself if it is at most ``size`` characters, else ``parts`` pieces spread evenly over it
    (each starting after a space or line break, so that words stay whole), joined by line breaks."""
    if len(text) <= size:
        return text
    piece, step = size // parts, len(text) // parts
    out = []
    for k in range(parts):
        start = k * step
        if k:
            space = next((i for i in range(start, min(start + 100, len(text))) if text[i].isspace()), start)
            start = space + 1
        out.append(text[start : start + piece])
    return "\n".join(out)


def _script_of(ch: str) -> str | None:
    cp = ord(ch)
    for name, ranges in _SCRIPTS.items():
        if any(lo <= cp <= hi for lo, hi in ranges):
            return name
    return None


def check_language(text: str, language: str) -> None:
    """Refuse a text whose letters are mostly not in the script of ``language`` (a wrong --lang)."""
    expected = _LANGUAGE_SCRIPTS.get(language.split("-")[0].lower())
    if not expected:
        return
    counts: dict[str, int] = {}
    for ch in sample(text):
        if ch.isalpha():
            script = _script_of(ch) or "other"
            counts[script] = counts.get(script, 0) + 1
    letters = sum(counts.values())
    if letters < 20:
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
    bundled with py3langid (140 languages, offline; loaded on first use, about a second). A long text is
    judged by a sample (see :func:`sample`)."""
    global _IDENTIFIER
    if _IDENTIFIER is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        _IDENTIFIER = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ranked = _IDENTIFIER.rank(sample(text))
    return ranked[0][0], dict(ranked)


def language_warning(text: str, language: str) -> str | None:
    """A warning when ``text`` reads as another language than ``language``: the guess is at least 95% sure
    of another language and gives the labelled one under 1%. None when they agree, when the text has fewer
    than 100 letters, or when the model does not know the labelled language."""
    text = sample(text)
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
