"""What the workbench knows about languages, in one place.

- Codes: :func:`validate_language` (a BCP-47 tag, as article versions store it), :func:`check_language_code`
  (also a known ISO 639-1 language), :func:`language_base` (the language a tag names, with old and variant
  codes folded: ``zh-TW`` -> ``zh``, ``nb`` -> ``no``, ``iw`` -> ``he``).
- Models: :data:`MODEL_LANGUAGES` and :func:`model_languages`, the languages each embedding model knows.
- Texts: the script check that refuses a text labelled with the wrong ``--lang`` (Korean labelled ``en``),
  and the warning when a text reads as another language (py3langid's bundled model, offline). Both look at
  a sample spread over the text, so a 20 MB text is checked in milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from workbench.errors import TextsError

__all__ = [
    "ALIASES",
    "ISO639_1",
    "MODEL_LANGUAGES",
    "check_language",
    "check_language_code",
    "guess_language",
    "language_base",
    "language_warning",
    "model_languages",
    "sample",
    "validate_language",
]

# --- codes ---------------------------------------------------------------------------------------------

# Old and variant codes and the code the workbench files the language under.
ALIASES = {"nb": "no", "nn": "no", "fil": "tl", "iw": "he", "in": "id", "ji": "yi"}
_ISO639_1_CODES = (
    "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz "
    "ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii "
    "ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi "
    "mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw "
    "sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk "
    "ur uz ve vi vo wa wo xh yi yo za zh zu"
)
ISO639_1 = frozenset(_ISO639_1_CODES.split())
_LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
# Names Windows reserves for devices ("nul", "con", ...): a language tag becomes part of a file name.
_WINDOWS_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?", re.IGNORECASE)


def language_base(code: str) -> str:
    """The language a tag names, as the workbench files it: the primary subtag, lower-cased, with
    :data:`ALIASES` applied (``zh-TW`` -> ``zh``, ``ko_KP`` -> ``ko``, ``nb`` -> ``no``, ``iw`` -> ``he``)."""
    base = code.replace("_", "-").split("-")[0].lower()
    return ALIASES.get(base, base)


def validate_language(language: str) -> str:
    """Return ``language`` if it looks like a BCP-47 tag ("en", "ko", "zh-Hant"), else raise TextsError."""
    bad = not isinstance(language, str) or not _LANG_RE.fullmatch(language)
    if bad or _WINDOWS_RESERVED.fullmatch(language):
        raise TextsError(
            f"Invalid language {language!r}: use a BCP-47 tag such as 'en', 'ko', 'es' or 'zh-Hant'."
        )
    return language


def check_language_code(language: str, known: Collection[str] = ()) -> str:
    """Return ``language`` if it is a BCP-47 tag of a known language, else raise TextsError. A two-letter
    language must be an ISO 639-1 code (after :data:`ALIASES`) or one of ``known`` (e.g. the codes of
    installed translation packages, such as Argos's "zt"); three-letter codes pass."""
    validate_language(language)
    base = language_base(language)
    if len(base) == 2 and base not in ISO639_1 and base not in known and language not in known:
        raise TextsError(
            f"Unknown language code {language!r}: use an ISO 639-1 code such as en, ko, es, zh, ja, fr, de."
        )
    return language


# --- the languages of the embedding models ----------------------------------------------------------------

# What each model was trained on (ISO 639-1 codes): use-m3's 16 languages (zh-cn and zh-tw as zh), and
# multilingual-e5's, those of XLM-R's CC-100 corpus. An st: model's are not known.
MODEL_LANGUAGES = {
    name: frozenset(codes.split())
    for name, codes in {
        "use-m3": "ar de en es fr it ja ko nl pl pt ru th tr zh",
        "e5-small": (
            "af am ar as az be bg bn br bs ca cs cy da de el en eo es et eu fa fi fr fy ga gd gl "
            "gu ha he hi hr hu hy id is it ja jv ka kk km kn ko ku ky la lo lt lv mg mk ml mn mr "
            "ms my ne nl no om or pa pl ps pt ro ru sa sd si sk sl so sq sr su sv sw ta te th tl "
            "tr ug uk ur uz vi xh yi zh"
        ),
    }.items()
}


def model_languages(spec: str) -> frozenset[str] | None:
    """The languages (ISO 639-1, as :func:`language_base` gives them) the embedding model a spec names was
    trained on ("e5-small:torch" is e5-small's); None where they are not known (st: models)."""
    return MODEL_LANGUAGES.get(spec.partition(":")[0])


# --- the language of a text -----------------------------------------------------------------------------

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
    expected = _LANGUAGE_SCRIPTS.get(language_base(language))
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
    than 100 letters, or when the model does not know the labelled language. Codes that name one language
    (:func:`language_base`: the model's nb, nn and no) count as one."""
    text = sample(text)
    if sum(ch.isalpha() for ch in text) < 100:
        return None
    base = language_base(language)
    guess, ranked = guess_language(text)
    probs: dict[str, float] = {}
    for code, prob in ranked.items():
        probs[language_base(code)] = probs.get(language_base(code), 0.0) + prob
    best = language_base(guess)
    if base not in probs or best == base or probs[best] < 0.95 or probs[base] >= 0.01:
        return None
    return (
        f"the text is labelled {language!r} but reads as {guess!r} ({probs[best]:.0%} sure; "
        f"{base!r} {probs[base]:.1%}): check --lang, or that this is the file you meant"
    )
