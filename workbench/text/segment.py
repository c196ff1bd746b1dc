"""Language-aware, offline sentence segmentation on top of ``sentencex``.

Each non-empty line of a text is a paragraph and a hard boundary. Paragraphs are split with
``sentencex`` and its output is then repaired: no split inside a matched bracket/quote pair
(「」, 《》, “”, ...), a closing quote stays with the sentence it ends, and a piece that cannot
start a sentence (a lowercase word, a Japanese particle after a quote, Hangul glued to a
closing quote, bare punctuation) is joined to the previous one. Abbreviations sentencex misses in
news text stay whole ("anti-U.S.", "RPDC-EE.UU.", "Vol. 3"), a list number ("1.") heads the item it
numbers, and a line of bare punctuation gives no sentence.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache

from sentencex import segment

__all__ = ["Sentence", "split_paragraphs", "split_sentences", "sentences_from_lines"]


@dataclass(frozen=True, slots=True)
class Sentence:
    id: str  # stable id "p{paragraph}.s{n}", both 1-based, e.g. "p3.s2"
    text: str  # stripped sentence text
    paragraph: int  # 1-based paragraph number


# Opening -> closing bracket/quote (and Spanish ¿? ¡!). '"' is both and is classified by context.
_PAIRS = {
    "「": "」",
    "『": "』",
    "（": "）",
    "《": "》",
    "〈": "〉",
    "【": "】",
    "〔": "〕",
    "［": "］",
    "｛": "｝",
    "“": "”",
    "‘": "’",
    "«": "»",
    "‹": "›",
    "(": ")",
    "[": "]",
    "{": "}",
    '"': '"',
    "¿": "?",
    "¡": "!",
}
# Languages whose quotes clash with the defaults („…“ and »…« in German).
_LANG_PAIRS = {"de": {"„": "“", "‚": "‘", "»": "«", "›": "‹"}}
_QUOTE_RE = re.compile("[" + re.escape("".join(_PAIRS) + "".join(_PAIRS.values()) + "„‚") + "]")
_SPACE_RE = re.compile(r" [ \t]+|\t[ \t]*")  # runs of spaces/tabs (a single space is left alone)
_LINE_BREAK_RE = re.compile(r"\r\n|[\r\u2028\u2029]")
# Japanese particles that continue a sentence after a closing quote: 「行く。」と言った。
_JA_PARTICLES = ("と", "って", "という", "とか", "など", "なんて", "の", "を", "が", "は", "に", "へ", "も")
_HANGUL_RE = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
# Titles that never end a sentence (sentencex splits "Dr. Who").
_TITLES = frozenset(
    {"mr", "mrs", "ms", "dr", "rev", "gen", "prof", "sen", "rep", "gov", "lt", "col", "capt", "sgt"}
    | {"maj", "adm", "hon", "messrs", "sr", "sra", "srta", "dra", "lic", "ing", "gral", "excmo", "mt", "mts"}
)
_LEAD_PUNCT = "—–-¿¡\"'“‘«‹([{ "
# Abbreviations that do not end a sentence before a number ("Vol. 3", "No. 5", "pp. 12-14").
_BEFORE_NUMBERS = frozenset(
    {"vol", "vols", "no", "nos", "nr", "art", "arts", "fig", "p", "pp", "núm", "pág", "cap"}
)
_INITIAL_RE = re.compile(r"(?:^|[-/(])[A-Z]\.$")  # "U." of "U.S.", "anti-U.S.", "Korea-U.S."
_NEXT_INITIAL_RE = re.compile(r"[A-Z]\.(?:\s|$)")
_DOUBLED_RE = re.compile(r"(?:^|[-/(])([A-Z])\1\.$")  # Spanish plurals: "EE.UU.", "RPDC-EE.UU.", "FF. AA."
_NEXT_DOUBLED_RE = re.compile(r"([A-Z])\1\.")
# A full-width stop ends a sentence even before a Latin word or a digit ("放弃。arm 也", "版本。2015 年"),
# where sentencex does not split; not before a closing mark or another stop.
_FULL_STOPS = "。！？"
_CJK_STOP_RE = re.compile(rf"(?<=[{_FULL_STOPS}])(?=[^{_FULL_STOPS}」』”’）》〉】\)\]\s])")
_LIST_MARK_RE = re.compile(r"^[^\w(]*\(?(?:\d{1,3}|[a-z])[.)]")  # "1.", "(2)", "a)" heading a list item


def _base_lang(lang: str) -> str:
    """BCP-47 tag -> lowercase base subtag ("zh-Hant-TW" -> "zh", "pt_BR" -> "pt")."""
    return (lang or "").replace("_", "-").split("-")[0].strip().lower()


_NO_SPACE_LANGS = frozenset({"zh", "ja"})  # scripts that put no space between sentences


def sentence_separator(lang: str) -> str:
    """What goes between two sentences of one paragraph: nothing in Chinese and Japanese, else a space."""
    return "" if _base_lang(lang) in _NO_SPACE_LANGS else " "


@cache
def _pairs_for(lang: str) -> tuple[dict[str, str], frozenset[str]]:
    """Bracket/quote pairs for ``lang`` and its closing marks (without Spanish ? and !)."""
    extra = _LANG_PAIRS.get(lang, {})
    taken = set(extra) | set(extra.values())
    pairs = {o: c for o, c in _PAIRS.items() if o not in taken} | extra
    return pairs, frozenset(pairs.values()) - {"?", "!"}


def _quote_spans(par: str, pairs: dict[str, str]) -> list[tuple[int, int]]:
    """Sorted (open, close) offsets of outermost matched bracket/quote pairs; unmatched marks are ignored."""
    stack: list[tuple[str, int]] = []
    spans: list[tuple[int, int]] = []
    for m in _QUOTE_RE.finditer(par):
        ch, i = m.group(), m.start()
        if ch == "’" and i + 1 < len(par) and par[i + 1].isalpha():
            continue  # apostrophe: don’t
        if ch == '"':
            prev = par[i - 1] if i else " "
            opening = prev.isspace() or prev in pairs or prev in "—–-"
        else:
            opening = ch in pairs
        if opening:
            stack.append((ch, i))
            continue
        for j in range(len(stack) - 1, -1, -1):
            if pairs.get(stack[j][0]) == ch:
                spans.append((stack[j][1], i))
                del stack[j:]
                break
    outer: list[tuple[int, int]] = []  # spans do not cross, so keep only the outermost
    for o, c in sorted(spans):
        if not outer or o > outer[-1][1]:
            outer.append((o, c))
    return outer


def _bare(text: str) -> bool:
    """No letter or digit: bare punctuation."""
    return not any(ch.isalnum() for ch in text)


def _continues(
    prev: str, nxt: str, start: int, spans: list[tuple[int, int]], closers: frozenset[str]
) -> bool:
    """Whether the piece ``nxt`` (starting at offset ``start``) must be glued to ``prev``."""
    if _bare(_LIST_MARK_RE.sub("", prev.strip())):
        return True  # "1." or a lone "!" (a lost "¡") heads the sentence that follows
    k = bisect_left(spans, (start,)) - 1
    if k >= 0 and start <= spans[k][1]:
        return True  # boundary inside a quote, or right before its closing mark
    if _bare(nxt):
        return True  # bare punctuation
    if nxt[0] in closers and not prev[-1:].isspace():
        return True  # stray closing mark
    last = prev.rstrip().rsplit(maxsplit=1)[-1].lstrip(_LEAD_PUNCT) if prev.strip() else ""
    if last.endswith(".") and last[:-1].lower() in _TITLES:
        return True  # Dr. Who
    head = nxt.lstrip()
    if _INITIAL_RE.search(last) and _NEXT_INITIAL_RE.match(head):
        return True  # anti-U. | S. slogans
    if _DOUBLED_RE.search(last) and _NEXT_DOUBLED_RE.match(head):
        return True  # RPDC-EE. | UU.
    if last.endswith(".") and last[:-1].lower() in _BEFORE_NUMBERS and head[:1].isdigit():
        return True  # Vol. | 3
    if prev[-1:] in closers:
        if nxt.startswith(_JA_PARTICLES):
            return True  # 「行く。」と言った。
        if _HANGUL_RE.match(nxt):
            return True  # 《만세!》라고 하였다.
    if prev.rstrip()[-1:] in _FULL_STOPS:
        return False  # a full-width stop is unambiguous: "放弃。arm 也在"
    word = nxt.lstrip(_LEAD_PUNCT).split(" ", 1)[0]
    return word[:1].islower() and not any(ch.isupper() for ch in word)  # "... and", "—preguntó"


def _split_paragraph(par: str, lang: str) -> list[str]:
    pieces = [part for piece in segment(lang, par) for part in _CJK_STOP_RE.split(piece) if part]
    if "".join(pieces) != par:  # offsets would be wrong; keep sentencex's split as is
        return [p.strip() for p in pieces if p.strip()]
    pairs, closers = _pairs_for(lang)
    spans = _quote_spans(par, pairs)
    out: list[str] = []
    pos = 0
    for piece in pieces:
        if out and _continues(out[-1], piece, pos, spans, closers):
            out[-1] += piece
        else:
            out.append(piece)
        pos += len(piece)
    return [s.strip() for s in out if s.strip()]


def split_paragraphs(text: str) -> list[str]:
    """Non-empty lines of ``text``, whitespace-normalised; each line is one paragraph."""
    text = _LINE_BREAK_RE.sub("\n", text.lstrip("\ufeff"))
    lines = (_SPACE_RE.sub(" ", line).strip() for line in text.split("\n"))
    return [line for line in lines if line]


def split_sentences(text: str, lang: str) -> list[Sentence]:
    """Split ``text`` into sentences; paragraphs (lines) are hard boundaries, and a paragraph with no letter
    or digit gives none (its number is still counted).

    ``lang`` is a BCP-47 tag; unknown languages use sentencex's generic fallback. Ids are
    "p{paragraph}.s{n}", so editing one paragraph leaves the ids of the others unchanged.
    """
    base = _base_lang(lang)
    return [
        Sentence(f"p{p}.s{n}", sent, p)
        for p, par in enumerate(split_paragraphs(text), 1)
        if not _bare(par)  # a line of bare punctuation ("," "* * *") is no sentence
        for n, sent in enumerate(_split_paragraph(par, base), 1)
    ]


def sentences_from_lines(text: str) -> list[Sentence]:
    """One sentence per line for pre-split data; every line is kept, so line numbers survive.

    Lines are split on "\\n" (a trailing "\\r" is dropped) and stripped; an empty line becomes a
    sentence with text "". A final newline does not add a line; "" gives [].
    """
    text = text.lstrip("\ufeff")
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [Sentence(f"p{i}.s1", line.strip(), i) for i, line in enumerate(lines, 1)]
