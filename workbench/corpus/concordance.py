"""A parallel concordance: every sentence link of a corpus whose source or target side matches a query.

A query is a phrase (any run of spaces matches any run of whitespace), a whole-word phrase (``word``) or a
regular expression (``regex``, bounded by a timeout). Matching ignores case; texts and query are compared
in Unicode NFC, so offsets are character (code point) offsets into a hit's NFC text, right for accented and
CJK text alike. The links table is read with pyarrow and pre-filtered by ``pyarrow.compute`` before the
exact match runs, which keeps a search over some 26,000 links well under a second.
"""

from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import regex as re

from workbench.corpus.folder import CorpusError, CorpusFolder

__all__ = ["SIDES", "Hit", "SearchError", "SearchResult", "compile_query", "link_dates", "search"]

SIDES = ("both", "src", "tgt")
TIMEOUT = 2.0  # seconds a user's regular expression may take over the whole corpus
_COLUMNS = [
    "tgt_id",
    "src_id",
    "link",
    "src_sent_ids",
    "tgt_sent_ids",
    "src_text",
    "tgt_text",
    "score",
    "kind",
]


class SearchError(CorpusError):
    """A query that cannot be searched for (a bad or too slow regular expression, an unknown side)."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One matching link: both sides' texts, the matched side's match offsets ``spans`` (character offsets
    into ``src_text`` or ``tgt_text``; with side ``both``, either side may hold matches), the pair's ids,
    the link number, the target story's date and the bead's score (confidence) and kind (``1-1``...)."""

    tgt_id: str
    src_id: str
    link: int
    date: str | None
    score: float
    kind: str
    src_text: str
    tgt_text: str
    src_sent_ids: tuple[str, ...]
    tgt_sent_ids: tuple[str, ...]
    src_spans: tuple[tuple[int, int], ...] = ()
    tgt_spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The first ``limit`` hits in corpus order (target id, link), and how many links matched in all."""

    hits: list[Hit] = field(default_factory=list)
    total: int = 0


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def compile_query(query: str, regex: bool = False, word: bool = False) -> re.Pattern:
    """The case-insensitive pattern for ``query``; SearchError for an empty query or a bad regex."""
    query = nfc(query).strip()
    if not query:
        raise SearchError("the query is empty: give a word, a phrase or (with --regex) a regular expression")
    if regex:
        try:
            return re.compile(rf"(?<!\w)(?:{query})(?!\w)" if word else query, re.IGNORECASE)
        except re.error as exc:
            raise SearchError(f"{query!r} is not a valid regular expression: {exc}") from None
    body = r"\s+".join(re.escape(w) for w in query.split())
    return re.compile(rf"(?<!\w){body}(?!\w)" if word else body, re.IGNORECASE)


def _spans(pattern: re.Pattern, text: str, deadline: list[float]) -> tuple[tuple[int, int], ...]:
    left = deadline[0] - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return tuple((m.start(), m.end()) for m in pattern.finditer(text, timeout=left) if m.end() > m.start())


@lru_cache(maxsize=4)
def _links(path: Path, stamp: tuple[int, int]) -> pa.Table:
    """The links table's columns a search reads, NFC-normalised (cached while the file is unchanged)."""
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=_COLUMNS)
    for name in ("src_text", "tgt_text"):
        column = table.column(name)
        normal = pc.utf8_normalize(column, form="NFC")
        table = table.set_column(table.schema.get_field_index(name), name, normal)
    return table


def _read_links(folder: CorpusFolder) -> pa.Table:
    path = folder.table_path("links")
    if not path.is_file():
        raise CorpusError(f"{folder.name} has no links yet: run `workbench corpus build` (or align) first")
    info = path.stat()
    try:
        return _links(path, (info.st_mtime_ns, info.st_size))
    except (OSError, pa.ArrowException) as exc:
        raise CorpusError(f"{path} cannot be read ({exc}): run `workbench corpus align` again") from exc


def link_dates(folder: CorpusFolder) -> dict[str, str]:
    """The date (``YYYY-MM-DD``) of every story, by id (stories with no date are left out)."""
    docs = folder.read("documents", columns=["doc_id", "date"]).to_pylist()
    return {d["doc_id"]: str(d["date"]) for d in docs if d["date"] is not None}


def _prefilter(texts: pa.ChunkedArray, query: str, regex: bool) -> pa.ChunkedArray:
    """A cheap superset of the texts that can match: those holding the query's longest word (any case)."""
    if regex:
        return pc.is_valid(texts)
    longest = max(query.split(), key=len)
    return pc.fill_null(pc.match_substring(texts, longest, ignore_case=True), False)


def search(
    folder: CorpusFolder,
    query: str,
    side: str = "both",
    regex: bool = False,
    word: bool = False,
    min_score: float | None = None,
    limit: int | None = 50,
    timeout: float = TIMEOUT,
) -> SearchResult:
    """The links whose ``side`` (``src``, ``tgt`` or ``both``) matches ``query``, with at least
    ``min_score``; the first ``limit`` of them (all with None) and the number of matching links."""
    if side not in SIDES:
        raise SearchError(f"side must be one of {', '.join(SIDES)}, not {side!r}")
    if limit is not None and limit < 1:
        raise SearchError(f"the limit is {limit}: give 1 or more")
    pattern = compile_query(query, regex, word)
    table = _read_links(folder)
    if min_score is not None:
        table = table.filter(pc.greater_equal(table.column("score"), min_score))
    sides = ("src", "tgt") if side == "both" else (side,)
    text = nfc(query).strip()
    mask = None
    for which in sides:
        hit = _prefilter(table.column(f"{which}_text"), text, regex)
        mask = hit if mask is None else pc.or_(mask, hit)
    rows = table.filter(mask).to_pylist()
    dates = link_dates(folder) if rows else {}
    deadline = [time.monotonic() + timeout]
    hits, total = [], 0
    try:
        for row in rows:
            spans = {w: _spans(pattern, row[f"{w}_text"] or "", deadline) for w in sides}
            if not any(spans.values()):
                continue
            total += 1
            if limit is not None and len(hits) >= limit:
                continue
            hits.append(
                Hit(
                    row["tgt_id"],
                    row["src_id"],
                    int(row["link"]),
                    dates.get(row["tgt_id"]),
                    float(row["score"]),
                    row["kind"],
                    row["src_text"] or "",
                    row["tgt_text"] or "",
                    tuple(row["src_sent_ids"] or ()),
                    tuple(row["tgt_sent_ids"] or ()),
                    spans.get("src", ()),
                    spans.get("tgt", ()),
                )
            )
    except TimeoutError:
        raise SearchError(
            f"the regular expression {query!r} took over {timeout:g} s: make it simpler "
            "(fewer nested repeats such as (a+)+) or search for a plain phrase"
        ) from None
    return SearchResult(hits, total)
