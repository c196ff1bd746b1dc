"""Finding things in an alignment: a word, a phrase or a regular expression in the source, the target or
both (every match, in bead order, with where it sits in its sentence), the next or previous bead with a
match, and a bead by its number or by the id of a sentence in it."""

from __future__ import annotations

import time
from dataclasses import dataclass

import regex as re  # as the standard ``re``, plus a timeout: a user's regex never hangs the app

from workbench.errors import WorkbenchError
from workbench.store.alignments import Alignment

__all__ = ["MODES", "SIDES", "Match", "SearchError", "compile_query", "find", "locate", "next_bead"]

MODES = ("text", "words", "regex")  # as typed (any run of spaces matches any); whole words only; a regex
SIDES = ("both", "src", "tgt")
# Seconds one search may take, all sentences together. The regex module overshoots its timeout (by up to
# half again, more on a busy machine), so the limit is well under the 2 s a person waits at most.
TIME_LIMIT = 0.5
MAX_QUERY = 1_000  # characters: compiling a huge query is not bounded by the timeout


class SearchError(WorkbenchError):
    """A query that cannot be searched for (a bad regular expression), or a bead or sentence that is not
    there; the message says what to type instead."""


@dataclass(frozen=True, slots=True)
class Match:
    """One match: in bead ``bead`` (0-based), sentence ``sentence`` of ``side``, characters start:end."""

    bead: int
    side: str
    sentence: str
    start: int
    end: int


def compile_query(query: str, mode: str = "text", case: bool = False) -> re.Pattern | None:
    """The pattern for ``query`` (None for an empty query); SearchError for a bad regular expression."""
    if mode not in MODES:
        raise SearchError(f"unknown search mode {mode!r}: use one of {', '.join(MODES)}")
    query = query.strip()
    if not query:
        return None
    if len(query) > MAX_QUERY:
        raise SearchError(
            f"the query is {len(query):,} characters long: search for at most {MAX_QUERY:,} (a shorter, "
            "distinctive part of the passage finds it too)"
        )
    flags = 0 if case else re.IGNORECASE
    if mode == "regex":
        try:
            return re.compile(query, flags)
        except re.error as exc:
            raise SearchError(f"{query!r} is not a valid regular expression: {exc}") from None
    body = r"\s+".join(re.escape(word) for word in query.split())
    return re.compile(rf"(?<!\w){body}(?!\w)" if mode == "words" else body, flags)


def find(
    alignment: Alignment, query: str, mode: str = "text", side: str = "both", case: bool = False
) -> list[Match]:
    """Every match of ``query`` in the sentences of ``side`` (``src``, ``tgt`` or ``both``), bead by bead,
    source before target within a bead. Empty matches (of a regex such as ``a*``) do not count."""
    if side not in SIDES:
        raise SearchError(f"side must be one of {', '.join(SIDES)}, not {side!r}")
    pattern = compile_query(query, mode, case)
    if pattern is None:
        return []
    texts = {
        "src": {s.id: s.text for s in alignment.source.sentences},
        "tgt": {s.id: s.text for s in alignment.target.sentences},
    }
    sides = ("src", "tgt") if side == "both" else (side,)
    found = []
    deadline = time.monotonic() + TIME_LIMIT
    try:
        for k, link in enumerate(alignment.links):
            for which in sides:
                for sid in link.src if which == "src" else link.tgt:
                    left = max(deadline - time.monotonic(), 0.001)
                    for m in pattern.finditer(texts[which][sid], timeout=left):
                        if m.end() > m.start():
                            found.append(Match(k, which, sid, m.start(), m.end()))
    except TimeoutError:
        raise SearchError(
            f"searching for {query.strip()!r} took over {TIME_LIMIT:g} s and was stopped: simplify the "
            "regular expression (nested repeats such as (\\w+\\s?)+ try too many ways to match)"
        ) from None
    return found


def next_bead(matches: list[Match], current: int, backwards: bool = False) -> int | None:
    """The first bead after ``current`` (before it, ``backwards``) that has a match, wrapping around (the
    current bead itself last); None when nothing matches."""
    beads = sorted({m.bead for m in matches})
    if not beads:
        return None
    if backwards:
        earlier = [b for b in beads if b < current]
        return earlier[-1] if earlier else beads[-1]
    later = [b for b in beads if b > current]
    return later[0] if later else beads[0]


def locate(alignment: Alignment, where: str) -> int:
    """The bead (0-based) that ``where`` names: a bead number (``12`` or ``#12``), or a sentence id of the
    source or the target (``p3.s2``; ``src:p3.s2``, ``tgt:p3.s2`` or a language or version prefix such as
    ``ko:p3.s2`` to say which side). SearchError if there is none."""
    text = where.strip()
    n = len(alignment.links)
    number = text.removeprefix("#")
    if number.isascii() and number.isdigit():  # not "²", which isdigit() takes and int() refuses
        if len(number) > 9 or not 1 <= int(number) <= n:
            raise SearchError(f"there is no bead {number}: the alignment has beads 1 to {n}")
        return int(number) - 1
    sides = {"src": alignment.source, "tgt": alignment.target}
    prefix, _, sid = text.rpartition(":")
    wanted = list(sides)
    if prefix:
        wanted = [
            name
            for name, s in sides.items()
            if prefix.lower()
            in (name, s.language.lower(), s.version.lower(), s.version.split(".")[-1].lower())
        ]
        if not wanted:
            raise SearchError(
                f"{prefix!r} is neither side: write src:, tgt:, {alignment.source.language}: or "
                f"{alignment.target.language}: before the sentence id"
            )
    for name in wanted:
        for k, link in enumerate(alignment.links):
            if sid in (link.src if name == "src" else link.tgt):
                return k
    raise SearchError(
        f"no bead holds sentence {sid!r}: type a bead number (1 to {n}) or a sentence id such as "
        f"{alignment.source.sentences[0].id if alignment.source.sentences else 'p1.s1'}"
    )
