"""Evidence that survives translation: the numbers and the names a story mentions.

``numbers`` normalises the ways English and Spanish news write a number, so that "4,850", "4 850" and
"4 mil 850" are all 4850, "8.4 million" and "8 millones 400 mil" are 8400000, and "36th" and "36o" are 36.
``names`` are the capitalised words of a text; names shared by two stories (Kim Yong Nam, Choummaly
Sayasone, Kwangbok) are strong evidence that one translates the other, weighted by how rare they are.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

__all__ = ["name_overlap", "name_weights", "names", "number_overlap", "numbers"]

_SCALES = {
    "thousand": 1e3,
    "thousands": 1e3,
    "mil": 1e3,
    "million": 1e6,
    "millions": 1e6,
    "millon": 1e6,
    "millón": 1e6,
    "millones": 1e6,
    "billion": 1e9,
    "billions": 1e9,
    "billon": 1e12,
    "billón": 1e12,
    "billones": 1e12,
}
_NUMBER = r"\d+(?:[.,]\d+)*(?: \d{3}(?![\d.,]))*"
_SCALE_WORDS = "|".join(sorted(_SCALES, key=len, reverse=True))
_TERM = rf"(?P<num>{_NUMBER})(?:\s*(?P<scale>mil\s+millones|{_SCALE_WORDS})\b)?"
_TERM_RE = re.compile(_TERM, re.IGNORECASE)
_NAME_RE = re.compile(r"\b[A-Z][a-z]+(?:'[a-z]+)?\b")


def _value(digits: str, scaled: bool) -> float:
    """The value of a digit string with separators: a separator before exactly three digits (and no
    scale word after) groups thousands; otherwise the last separator is the decimal point."""
    digits = digits.replace(" ", "")
    parts = re.split(r"[.,]", digits)
    if len(parts) == 1:
        return float(digits)
    if not scaled and all(len(p) == 3 for p in parts[1:]):
        return float("".join(parts))
    return float("".join(parts[:-1]) + "." + parts[-1])


def _format(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.6g}"


def numbers(text: str) -> set[str]:
    """The numbers of ``text``, normalised (see the module docstring); a run like "43 millones 929 mil
    300" is one number."""
    found: set[str] = set()
    total, end, last_scale = 0.0, -2, 0.0
    for m in _TERM_RE.finditer(text):
        scale_word = (m.group("scale") or "").lower()
        scale = 1e9 if scale_word.startswith("mil ") else _SCALES.get(scale_word, 1.0)
        try:
            raw = _value(m.group("num"), scale != 1.0)
        except ValueError:
            continue
        adjacent = m.start() - end <= 1 and not text[end : m.start()].strip()
        if adjacent and last_scale > scale:  # 8 millones 400 mil
            total += raw * scale
        elif adjacent and 1.0 < last_scale < scale:  # 9 mil 440 millones
            total = (total + raw) * scale
        else:
            if end >= 0 and total:
                found.add(_format(total))
            total = raw * scale
        end, last_scale = m.end(), scale
    if end >= 0:
        found.add(_format(total))
    return found


def number_overlap(a: set[str], b: set[str]) -> float:
    """Jaccard overlap of two number sets (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def names(text: str) -> set[str]:
    """Capitalised words of two letters or more ("Kim", "Jong", "Il", "Pyongyang")."""
    return set(_NAME_RE.findall(text))


def _frequencies(name_sets: Iterable[set[str]]) -> tuple[Counter[str], int]:
    df: Counter[str] = Counter()
    n = 0
    for names_ in name_sets:
        df.update(names_)
        n += 1
    return df, max(n, 1)


def name_weights(
    source_sets: Iterable[set[str]], target_sets: Iterable[set[str]], ratio: float = 5.0
) -> dict[str, float]:
    """The weight of each name: its inverse document frequency ``log(N / df)`` on the source side. A word
    ``ratio`` times more frequent in the target language's stories than in the source's is a word of that
    language ("Republica", "Corea", "El"), not a name, and gets no weight."""
    src_df, n_src = _frequencies(source_sets)
    tgt_df, n_tgt = _frequencies(target_sets)
    return {
        name: math.log(n_src / count)
        for name, count in src_df.items()
        if tgt_df.get(name, 0) / n_tgt <= ratio * count / n_src
    }


def name_overlap(target: set[str], source: set[str], weights: dict[str, float]) -> float:
    """The share, by weight (``name_weights``), of the target's names that the source story mentions too;
    NaN when the target has no weighted name (no evidence either way)."""
    known = [weights[x] for x in sorted(target) if x in weights]  # sorted: the same sum in any process
    total = sum(known)
    if total <= 0:
        return math.nan
    return sum(weights[x] for x in sorted(target & source) if x in weights) / total
