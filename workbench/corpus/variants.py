"""How each term was translated: word alignments over a corpus's links, a term's renderings, a glossary.

1. **Word alignment.** The links with text on both sides are tokenised (words, with inner apostrophes and
   hyphens, and punctuation marks), lower-cased and aligned word by word with eflomal (a Bayesian IBM-model
   aligner) in both directions, symmetrised with grow-diag-final-and. The result is cached in the corpus
   folder as ``wordalign.parquet``, keyed by a hash of the links table: a new align run invalidates it.
   eflomal samples and takes no seed, so two runs differ a little; every later question reuses the cache,
   so a corpus's variants stay the same until its links change.
2. **Variants.** Each occurrence of a source term (a sequence of words, case ignored) is rendered by the
   target words aligned to its words: the densest cluster of them (gaps of at most ``GAP`` words), widened
   to the minimal contiguous span, and that span widened by up to ``REACH`` words on either side that
   align to no other source word (the "de Corea" a word aligner leaves out of "Agencia Central de Noticias
   de Corea"); each span loses punctuation and very common words (articles) at its edges. Of an
   occurrence's spans, the longest is taken whose support (the occurrences offering it) is at least
   ``VOTE`` of its best-supported span's. A rendering then takes in the words next to it (up to the
   nearest word rarer than an article, at most ``REACH``) where they stand beside it in at least
   ``COLLOCATE`` of its occurrences and the widened phrase goes with the term more closely (Dice over
   the links): the head noun the aligner gave a neighbour ("Comité de" before "Defensa Nacional").
   Renderings are grouped by their case-folded text without accents or edge punctuation, shown in their
   most frequent spelling, and listed with counts, shares, first and last dates, and one example link
   each. ``REACH``, ``VOTE`` and ``COLLOCATE`` were chosen on ``benchmarks/data/kcna-terms-tune.tsv`` and
   ``kcna-terms-tune2.tsv`` (``docs/benchmarks/corpus_tells.md``).
3. **Glossary.** Candidate terms are runs of capitalised source words (names, institutions, titles),
   joined by ``of``/``for`` (``the``) or a possessive, outside headline-like sentences; each frequent one
   gets its top rendering and its consistency (the top rendering's share of the aligned occurrences).
   Written as TSV or TBX (TBX v3, TBX-Basic dialect: ``conceptEntry``/``langSec``/``termSec``/``term``).
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import regex as re

from workbench.corpus.concordance import link_dates
from workbench.corpus.folder import CorpusError, CorpusFolder, write_table
from workbench.store.files import atomic_write_text

__all__ = [
    "GlossaryEntry",
    "Variant",
    "Variants",
    "WordAlignments",
    "glossary",
    "symmetrise",
    "tokens",
    "variants",
    "word_alignments",
    "write_glossary",
]

log = logging.getLogger(__name__)

VERSION = 1  # of the tokeniser and symmetrisation: a change invalidates cached word alignments
TABLE = "wordalign"
SAMPLERS = 2  # eflomal's parallel samplers (its default 3 oversubscribes 2 cores: benchmarks/corpus_tells.py)
MAX_TOKENS = 250  # links with more words on a side are not word-aligned
GAP = 2  # target words further apart than this start another cluster
COMMON = 0.45  # a target word in more than this share of the links (an article) is trimmed off a span's edges
REACH = 3  # unaligned target words a rendering may take in on either side of its aligned words
VOTE = 0.5  # a longer rendering wins when its support is at least this share of the best-supported one
COLLOCATE = 0.7  # a rendering takes in the words next to it in at least this share of its occurrences
# abbreviations (U.S., EE.UU.), words with inner hyphens or apostrophes, a possessive 's, any other mark
_TOKEN = re.compile(r"(?:\w{1,3}\.){2,}|['’]s\b|\w+(?:-\w+|['’](?!s\b)\w+)*|[^\w\s]")
_CONNECTORS = {"of", "for", "'s", "’s", "'", "’"}
_LEADERS = {"the", "a", "an", "this", "these", "that", "in", "on", "at", "it", "he", "she", "they", "we"}
_LEADERS |= {"but", "and", "as", "after", "when", "there", "his", "its", "their", "our", "for", "to", "by"}


def tokens(text: str) -> list[tuple[int, int]]:
    """The character spans of ``text``'s words and punctuation marks."""
    return [m.span() for m in _TOKEN.finditer(text)]


def _norm(word: str) -> str:
    return word.casefold().replace("’", "'")


def _key(text: str) -> str:
    """A rendering's grouping key: case-folded, without accents (archives lose them), whitespace
    collapsed, punctuation at the edges removed."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
    text = " ".join("".join(c for c in text if not unicodedata.combining(c)).split())
    return text.strip(" .,;:!?\"'«»“”‘’()[]-–—")


@dataclass
class WordAlignments:
    """Every word-aligned link: its ids, texts, token spans, lower-cased words and aligned word pairs."""

    tgt_id: list[str]
    src_id: list[str]
    link: list[int]
    src_text: list[str]
    tgt_text: list[str]
    src_tokens: list[list[tuple[int, int]]]
    tgt_tokens: list[list[tuple[int, int]]]
    src_words: list[list[str]]
    pairs: list[list[tuple[int, int]]]
    seconds: float = 0.0  # eflomal's time when it ran now, 0 when read from the cache
    _common: set[str] | None = None
    _keys: list[list[str]] | None = None
    _postings: dict[str, list[int]] | None = None
    _phrases: dict[tuple[str, ...], int] = field(default_factory=dict)

    def common(self) -> set[str]:
        """The target words (lower-cased) in more than ``COMMON`` of the links: articles and the like."""
        if self._common is None:
            seen = Counter()
            for text, toks in zip(self.tgt_text, self.tgt_tokens, strict=True):
                seen.update({_norm(text[a:b]) for a, b in toks})
            self._common = {w for w, n in seen.items() if n > COMMON * len(self.tgt_text)}
        return self._common

    def tgt_keys(self, k: int) -> list[str]:
        """The words of link ``k``'s target, case-folded and without accents (marks kept)."""
        if self._keys is None:
            self._keys = [
                [_key(text[a:b]) or text[a:b] for a, b in toks]
                for text, toks in zip(self.tgt_text, self.tgt_tokens, strict=True)
            ]
        return self._keys[k]

    def links_with(self, phrase: tuple[str, ...]) -> int:
        """How many links' targets contain ``phrase`` (words as ``tgt_keys`` gives them)."""
        if phrase not in self._phrases:
            if self._postings is None:
                postings = defaultdict(list)
                for k in range(len(self.tgt_text)):
                    for word in set(self.tgt_keys(k)):
                        postings[word].append(k)
                self._postings = dict(postings)
            lists = sorted((self._postings.get(w, []) for w in set(phrase)), key=len)
            found = set(lists[0]).intersection(*lists[1:]) if len(phrase) > 1 else set(lists[0])
            n = len(phrase)
            self._phrases[phrase] = sum(
                any(tuple(keys[i : i + n]) == phrase for i in range(len(keys) - n + 1))
                for keys in (self.tgt_keys(k) for k in found)
            )
        return self._phrases[phrase]

    def __len__(self) -> int:
        return len(self.tgt_id)


def symmetrise(fwd: set[tuple[int, int]], rev: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """grow-diag-final-and (Koehn et al. 2003): the intersection of both directions, grown into
    neighbouring (also diagonal) union points that align a word not yet aligned, then union points
    whose two words are both unaligned."""
    union, links = fwd | rev, fwd & rev
    src_done, tgt_done = {i for i, _ in links}, {j for _, j in links}
    steps = ((-1, 0), (0, -1), (1, 0), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))
    grown = True
    while grown:
        grown = False
        for i, j in sorted(links):
            for di, dj in steps:
                a, b = i + di, j + dj
                if (a, b) in union and (a, b) not in links and (a not in src_done or b not in tgt_done):
                    links.add((a, b))
                    src_done.add(a)
                    tgt_done.add(b)
                    grown = True
    for direction in (fwd, rev):
        for a, b in sorted(direction):
            if a not in src_done and b not in tgt_done:
                links.add((a, b))
                src_done.add(a)
                tgt_done.add(b)
    return links


def _links_print(folder: CorpusFolder) -> str:
    digest = hashlib.sha256(f"wordalign {VERSION}\n".encode())
    with open(folder.table_path("links"), "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def _pharaoh(line: str) -> set[tuple[int, int]]:
    return {(int(a), int(b)) for a, _, b in (p.partition("-") for p in line.split())}


def _run_eflomal(src: list[str], tgt: list[str]) -> list[set[tuple[int, int]]]:
    from eflomal import Aligner

    with tempfile.TemporaryDirectory(prefix="workbench-eflomal-") as tmp:
        folder = Path(tmp)
        for name, lines in (("src.txt", src), ("tgt.txt", tgt)):
            (folder / name).write_text("".join(line + "\n" for line in lines), "utf-8")
        with open(folder / "src.txt", encoding="utf-8") as s, open(folder / "tgt.txt", encoding="utf-8") as t:
            Aligner(n_samplers=SAMPLERS).align(
                s,
                t,
                links_filename_fwd=str(folder / "fwd"),
                links_filename_rev=str(folder / "rev"),
                quiet=True,
            )
        fwd = (folder / "fwd").read_text("utf-8").splitlines()
        rev = (folder / "rev").read_text("utf-8").splitlines()
    if len(fwd) != len(src) or len(rev) != len(src):
        raise CorpusError(
            f"eflomal returned {len(fwd)} alignments for {len(src)} links: run the command again"
        )
    return [symmetrise(_pharaoh(f), _pharaoh(r)) for f, r in zip(fwd, rev, strict=True)]


def word_alignments(folder: CorpusFolder, refresh: bool = False, keep: bool = True) -> WordAlignments:
    """The word alignments of the corpus's links: from ``wordalign.parquet`` when it was made from the
    current links, else learnt now with eflomal and cached (unless not ``keep``: a timing run leaves the
    cache, and so every term's variants, as they were)."""
    links = folder.read("links", columns=["tgt_id", "src_id", "link", "src_text", "tgt_text"]).to_pylist()
    links = [r for r in links if r["src_text"] and r["tgt_text"]]
    if not links:
        raise CorpusError(f"{folder.name} has no link with text on both sides: nothing to word-align")
    src_tokens = [tokens(r["src_text"]) for r in links]
    tgt_tokens = [tokens(r["tgt_text"]) for r in links]
    src_words = [
        [_norm(r["src_text"][a:b]) for a, b in toks] for r, toks in zip(links, src_tokens, strict=True)
    ]
    print_ = _links_print(folder)
    path = folder.table_path(TABLE)
    pairs, seconds = None, 0.0
    if path.is_file() and not refresh:
        try:
            cached = pq.read_table(path)
            meta = cached.schema.metadata or {}
            if meta.get(b"fingerprint", b"").decode() == print_ and cached.num_rows == len(links):
                src_w, tgt_w = cached.column("src_word").to_pylist(), cached.column("tgt_word").to_pylist()
                pairs = [list(zip(s, t, strict=True)) for s, t in zip(src_w, tgt_w, strict=True)]
        except (OSError, pa.ArrowException):
            log.warning("ignoring unreadable %s", path)
    if pairs is None:
        usable = [
            k
            for k in range(len(links))
            if 0 < len(src_tokens[k]) <= MAX_TOKENS and 0 < len(tgt_tokens[k]) <= MAX_TOKENS
        ]
        src = [" ".join(src_words[k]) for k in usable]
        tgt = [" ".join(_norm(links[k]["tgt_text"][a:b]) for a, b in tgt_tokens[k]) for k in usable]
        start = time.perf_counter()
        log.info("word-aligning %d links with eflomal", len(usable))
        found = _run_eflomal(src, tgt)
        seconds = time.perf_counter() - start
        pairs = [[] for _ in links]
        for k, links_k in zip(usable, found, strict=True):
            pairs[k] = sorted(links_k)
        if keep:
            _save(path, links, pairs, print_)
    return WordAlignments(
        [r["tgt_id"] for r in links],
        [r["src_id"] for r in links],
        [int(r["link"]) for r in links],
        [r["src_text"] for r in links],
        [r["tgt_text"] for r in links],
        src_tokens,
        tgt_tokens,
        src_words,
        pairs,
        seconds,
    )


def _save(path: Path, links: list[dict], pairs: list[list[tuple[int, int]]], print_: str) -> None:
    schema = pa.schema(
        [
            ("tgt_id", pa.string()),
            ("link", pa.int32()),
            ("src_word", pa.list_(pa.int32())),
            ("tgt_word", pa.list_(pa.int32())),
        ],
        metadata={"fingerprint": print_, "version": str(VERSION)},
    )
    table = pa.table(
        [
            [r["tgt_id"] for r in links],
            [int(r["link"]) for r in links],
            [[i for i, _ in p] for p in pairs],
            [[j for _, j in p] for p in pairs],
        ],
        schema=schema,
    )
    write_table(path, table)


# --- variants --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Example:
    """One link that renders a term so: its ids, texts and the term's and the rendering's spans."""

    tgt_id: str
    src_id: str
    link: int
    src_text: str
    tgt_text: str
    src_span: tuple[int, int]
    tgt_span: tuple[int, int]


@dataclass(frozen=True, slots=True)
class Variant:
    """One rendering of a term: its most frequent spelling, how often (count, share of the aligned
    occurrences), its first and last dates and one example."""

    rendering: str
    count: int
    share: float
    first: str | None
    last: str | None
    example: Example


@dataclass
class Variants:
    """A term's renderings, most frequent first; ``occurrences`` counts the term in the source sentences
    of the word-aligned links, ``unaligned`` those whose words are aligned to nothing."""

    term: str
    occurrences: int = 0
    unaligned: int = 0
    variants: list[Variant] = field(default_factory=list)


def _spans(wa: WordAlignments, k: int, start: int, end: int) -> list[tuple[int, int]]:
    """The candidate target token spans (first, last) rendering source words ``start:end`` of link ``k``,
    the aligned core first; none when those words are aligned to nothing.

    The core is the minimal span covering the densest cluster of the aligned target words (gaps of at most
    ``GAP`` words). Its extensions reach over up to ``REACH`` words on either side that no source word
    outside the term is aligned to, short of punctuation: the words of a name a word aligner leaves
    unaligned ("de la Patria"). Every span loses punctuation and very common words at its edges."""
    targets = sorted({j for i, j in wa.pairs[k] if start <= i < end})
    if not targets:
        return []
    clusters, current = [], [targets[0]]
    for j in targets[1:]:
        if j - current[-1] > GAP + 1:
            clusters.append(current)
            current = []
        current.append(j)
    clusters.append(current)
    best = max(clusters, key=len)  # the first of the largest
    toks, text, common = wa.tgt_tokens[k], wa.tgt_text[k], wa.common()
    inside = set(targets)
    outside = {j for i, j in wa.pairs[k] if not start <= i < end} - inside

    def free(n: int) -> bool:  # a word (not a mark) that belongs to no other source word
        return 0 <= n < len(toks) and n not in outside and bool(_key(text[toks[n][0] : toks[n][1]]))

    def weak(n: int) -> bool:  # punctuation, or a word as common as an article
        word = text[toks[n][0] : toks[n][1]]
        return not _key(word) or _norm(word) in common

    lefts, rights = [best[0]], [best[-1]]
    while len(lefts) <= REACH and free(lefts[-1] - 1):
        lefts.append(lefts[-1] - 1)
    while len(rights) <= REACH and free(rights[-1] + 1):
        rights.append(rights[-1] + 1)
    spans = []
    for left in lefts:
        for right in rights:
            first, last = left, right
            while first < last and weak(first):
                first += 1
            while last > first and weak(last):
                last -= 1
            if (first, last) not in spans:
                spans.append((first, last))
    return spans


def _collocate(wa: WordAlignments, groups: dict, term_links: set[int]) -> dict:
    """Widen renderings over their collocations: the words that stand next to a rendering in at least
    ``COLLOCATE`` of its occurrences (up to the nearest word that is not as common as an article, at most
    ``REACH`` words, never over punctuation) are taken in when the widened phrase goes with the term more
    closely than the rendering does: a higher Dice coefficient between the links with the term and the
    links with the phrase (Smadja et al. 1996). The word aligner links the head of a name to a neighbour
    ("Comité" to *chairman* in "presidente del Comité de Defensa Nacional"), so the aligned span stops
    short ("Defensa Nacional"); "Comité de" stands before that span nearly always, and "Comité de Defensa
    Nacional" goes with the term more closely than "Defensa Nacional", which also renders *national
    defence*. A neighbour's translation ("presidente del") is seldom as constant, nor does it raise the
    Dice coefficient: the longer phrase occurs with the term less often. A word the source sentence has
    outside the term (a name it copies: "Dirigente Kim Jong Il" for *General Secretary Kim Jong Il*) is
    never taken in."""
    common = wa.common()

    scores: dict[tuple[str, ...], float] = {}

    def dice(k: int, first: int, last: int) -> float:
        phrase = tuple(wa.tgt_keys(k)[first : last + 1])
        if phrase not in scores:
            together = sum(1 for m in term_links if _has(wa.tgt_keys(m), phrase))
            scores[phrase] = 2 * together / (len(term_links) + wa.links_with(phrase))
        return scores[phrase]

    def widen(k: int, src: tuple[int, int], first: int, last: int, step: int) -> tuple[int, int] | None:
        toks, text = wa.tgt_tokens[k], wa.tgt_text[k]
        words = zip(wa.src_words[k], wa.src_tokens[k], strict=True)
        copied = {w for w, (a, b) in words if b <= src[0] or a >= src[1]}
        n = first if step < 0 else last
        for _ in range(REACH):
            n += step
            if not 0 <= n < len(toks):
                return None
            word = text[toks[n][0] : toks[n][1]]
            if not _key(word) or _norm(word) in copied - common:
                return None  # punctuation, or a word the source has outside the term (a name it copies)
            if _norm(word) not in common:
                return (n, last) if step < 0 else (first, n)
        return None

    groups = {key: list(group) for key, group in groups.items()}
    for _ in range(2 * REACH):
        moved = False
        for key in sorted(groups, key=lambda c: -len(groups[c])):
            group = groups.get(key)
            if not group or len(group) < 2:
                continue
            for step in (-1, 1):
                wide = {}
                for n, (k, src, (first, last)) in enumerate(group):
                    span = widen(k, src, first, last, step)
                    if span:
                        text, toks = wa.tgt_text[k], wa.tgt_tokens[k]
                        wide[n] = (_key(text[toks[span[0]][0] : toks[span[1]][1]]), span)
                if not wide:
                    continue
                best, count = Counter(c for c, _ in wide.values()).most_common(1)[0]
                n0 = next(n for n, (c, _) in wide.items() if c == best)
                k0, _, (f0, l0) = group[n0]
                if count < COLLOCATE * len(group) or dice(k0, *wide[n0][1]) <= dice(k0, f0, l0):
                    continue
                chosen = {n for n, (c, _) in wide.items() if c == best}
                keep = [m for n, m in enumerate(group) if n not in chosen]
                taken = [(k, src, wide[n][1]) for n, (k, src, _) in enumerate(group) if n in chosen]
                groups[best] = groups.get(best, []) + taken
                groups[key] = keep
                moved = True
                break
        if not moved:
            break
    return {key: group for key, group in groups.items() if group}


def _has(keys: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(keys[i : i + n]) == phrase for i in range(len(keys) - n + 1))


def _occurrences(wa: WordAlignments, words: list[str]) -> list[tuple[int, int, int]]:
    n, head = len(words), words[0]
    found = []
    for k, row in enumerate(wa.src_words):
        for i, w in enumerate(row):
            if w == head and row[i : i + n] == words:
                found.append((k, i, i + n))
    return found


def _variants(
    wa: WordAlignments, term: str, found: list[tuple[int, int, int]], dates: dict[str, str]
) -> Variants:
    """Group the occurrences by their renderings. Each occurrence offers its candidate spans; a span's
    support is the number of occurrences offering it, and an occurrence is rendered by its longest span
    whose support is at least ``VOTE`` of its best-supported one (a phrase-consistency vote: an unaligned
    "de Corea" is taken in where the term's renderings usually have it, not where it is a neighbour).
    The renderings are then widened over the words next to them where those words are a collocation of
    the rendering (``_collocate``)."""
    result = Variants(term, occurrences=len(found))
    offered = []
    support: Counter = Counter()
    for k, start, end in found:
        toks, text = wa.tgt_tokens[k], wa.tgt_text[k]
        spans: dict[str, tuple[int, int]] = {}
        for first, last in _spans(wa, k, start, end):
            key = _key(text[toks[first][0] : toks[last][1]])
            if key not in spans:
                spans[key] = (first, last)
        if not spans:
            result.unaligned += 1
            continue
        support.update(spans.keys())
        offered.append((k, start, end, spans))
    groups: dict[str, list[tuple[int, tuple[int, int], tuple[int, int]]]] = defaultdict(list)
    for k, start, end, spans in offered:
        most = max(support[key] for key in spans)
        key = max(
            (key for key in spans if support[key] >= VOTE * most),
            key=lambda c: (spans[c][1] - spans[c][0], support[c]),
        )
        src_span = (wa.src_tokens[k][start][0], wa.src_tokens[k][end - 1][1])
        groups[key].append((k, src_span, spans[key]))
    groups = _collocate(wa, groups, {k for k, _, _ in found})
    groups = {
        key: [(k, src, (wa.tgt_tokens[k][a][0], wa.tgt_tokens[k][b][1])) for k, src, (a, b) in group]
        for key, group in groups.items()
    }
    aligned = sum(len(g) for g in groups.values())
    for group in groups.values():
        spellings = Counter(" ".join(wa.tgt_text[k][a:b].split()) for k, _, (a, b) in group)
        # the most frequent spelling; of equally frequent ones, the one with accents
        spelling = max(spellings, key=lambda t: (spellings[t], len(unicodedata.normalize("NFKD", t))))
        days = sorted(d for d in (dates.get(wa.tgt_id[k]) for k, _, _ in group) if d)
        k, src_span, tgt_span = group[0]
        example = Example(
            wa.tgt_id[k], wa.src_id[k], wa.link[k], wa.src_text[k], wa.tgt_text[k], src_span, tgt_span
        )
        result.variants.append(
            Variant(
                spelling,
                len(group),
                len(group) / aligned,
                days[0] if days else None,
                days[-1] if days else None,
                example,
            )
        )
    result.variants.sort(key=lambda v: (-v.count, v.rendering))
    return result


def variants(folder: CorpusFolder, term: str, wa: WordAlignments | None = None) -> Variants:
    """The renderings of source ``term`` (a word or a phrase, case ignored) over the corpus."""
    words = [_norm(w) for w in (term[a:b] for a, b in tokens(term))]
    if not words:
        raise CorpusError("the term is empty: give a word or a phrase of the source language")
    wa = wa or word_alignments(folder)
    return _variants(wa, " ".join(term.split()), _occurrences(wa, words), link_dates(folder))


# --- glossary --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """A frequent source term, its top rendering, how often it occurs (``count``) and how consistently it
    is rendered so (``consistency``: the top rendering's share of the aligned occurrences); ``others`` are
    the next renderings with their counts."""

    source: str
    target: str
    count: int
    consistency: float
    renderings: int
    others: tuple[tuple[str, int], ...] = ()


def _is_cap(word: str) -> bool:
    return word[:1].isupper()


def _headline(text: str, toks: list[tuple[int, int]]) -> bool:
    """A title-case line with no full stop (a headline), whose capitals say nothing of names."""
    if text.rstrip().endswith((".", "!", "?", ":", ";", '"', "”", "»", ",")):
        return False
    words = [text[a:b] for a, b in toks if text[a:b][:1].isalpha()]
    return len(words) >= 3 and sum(map(_is_cap, words)) / len(words) >= 0.6


def _lowers(text: str, toks: list[tuple[int, int]]) -> list[str]:
    """The capitalised forms of the words written in lower case here (``among`` -> ``Among``)."""
    words = (text[a:b] for a, b in toks)
    return [w[:1].upper() + w[1:] for w in words if w[:1].islower()]


def _candidates(wa: WordAlignments) -> dict[tuple[str, ...], tuple[Counter, list[tuple[int, int, int]]]]:
    """Runs of capitalised source words (with connectors inside) by their lower-cased words; a single word
    only where it is seldom written in lower case (a name, not a sentence's first word)."""
    found: dict[tuple[str, ...], tuple[Counter, list]] = {}
    lower = Counter(
        w for text, toks in zip(wa.src_text, wa.src_tokens, strict=True) for w in _lowers(text, toks)
    )
    for k, (text, toks) in enumerate(zip(wa.src_text, wa.src_tokens, strict=True)):
        if _headline(text, toks):
            continue
        words = [text[a:b] for a, b in toks]
        i = 0
        while i < len(words):
            if not _is_cap(words[i]) or not words[i][:1].isalpha():
                i += 1
                continue
            j = i + 1
            while j < len(words):
                if _is_cap(words[j]) and words[j][:1].isalpha():
                    j += 1
                elif words[j].lower() in _CONNECTORS and j + 1 < len(words):
                    nxt = j + 2 if words[j + 1].lower() == "the" and j + 2 < len(words) else j + 1
                    if not _is_cap(words[nxt]):
                        break
                    j = nxt
                else:
                    break
            start = i
            while start < j and words[start].lower() in _LEADERS:
                start += 1
            single = j - start == 1
            if start < j and not (single and (start == 0 or lower[words[start]] > 0)):
                key = tuple(wa.src_words[k][start:j])
                entry = found.setdefault(key, (Counter(), []))
                entry[0][text[toks[start][0] : toks[j - 1][1]]] += 1
                entry[1].append((k, start, j))
            i = j
    return found


def glossary(
    folder: CorpusFolder,
    min_count: int = 5,
    limit: int | None = 200,
    wa: WordAlignments | None = None,
) -> list[GlossaryEntry]:
    """The frequent capitalised source terms (at least ``min_count`` occurrences; the ``limit`` most
    frequent) with their top renderings, most frequent first."""
    wa = wa or word_alignments(folder)
    dates = link_dates(folder)
    candidates = [(key, c) for key, c in _candidates(wa).items() if len(c[1]) >= min_count]
    candidates.sort(key=lambda kc: (-len(kc[1][1]), kc[0]))
    entries = []
    for _, (spellings, found) in candidates[:limit] if limit else candidates:
        result = _variants(wa, spellings.most_common(1)[0][0], found, dates)
        if not result.variants:
            continue
        top = result.variants[0]
        others = tuple((v.rendering, v.count) for v in result.variants[1:4])
        entries.append(
            GlossaryEntry(
                result.term, top.rendering, result.occurrences, top.share, len(result.variants), others
            )
        )
    return entries


def _tsv_field(text: str) -> str:
    return " ".join(text.replace("\t", " ").split())


def glossary_tsv(entries: list[GlossaryEntry], src_lang: str, tgt_lang: str) -> str:
    """The glossary as TSV: a header, then one term a line."""
    lines = [f"{src_lang}\t{tgt_lang}\tcount\tconsistency\trenderings\tother_renderings"]
    for e in entries:
        others = "; ".join(f"{_tsv_field(t)} ({n})" for t, n in e.others)
        lines.append(
            f"{_tsv_field(e.source)}\t{_tsv_field(e.target)}\t{e.count}\t{e.consistency:.3f}\t"
            f"{e.renderings}\t{others}"
        )
    return "\n".join(lines) + "\n"


TBX_NS = "urn:iso:std:iso:30042:ed-2"
_XML = "{http://www.w3.org/XML/1998/namespace}lang"


def glossary_tbx(entries: list[GlossaryEntry], src_lang: str, tgt_lang: str, title: str = "") -> str:
    """The glossary as TBX (ISO 30042:2019, TBX-Basic dialect, DCA style): one ``conceptEntry`` a term
    with a ``langSec`` a language; the count and consistency are a note on the entry."""
    ET.register_namespace("", TBX_NS)
    q = f"{{{TBX_NS}}}"
    root = ET.Element(f"{q}tbx", {"type": "TBX-Basic", "style": "dca", _XML: src_lang})
    header = ET.SubElement(ET.SubElement(root, f"{q}tbxHeader"), f"{q}fileDesc")
    source = ET.SubElement(ET.SubElement(header, f"{q}sourceDesc"), f"{q}p")
    source.text = f"Glossary extracted by the workbench from the aligned corpus {title}".strip()
    body = ET.SubElement(ET.SubElement(root, f"{q}text"), f"{q}body")
    for n, e in enumerate(entries, 1):
        entry = ET.SubElement(body, f"{q}conceptEntry", {"id": f"c{n}"})
        note = ET.SubElement(entry, f"{q}note")
        note.text = f"count {e.count}; consistency {e.consistency:.3f}; renderings {e.renderings}"
        for lang, term in ((src_lang, e.source), (tgt_lang, e.target)):
            sec = ET.SubElement(entry, f"{q}langSec", {_XML: lang})
            ET.SubElement(ET.SubElement(sec, f"{q}termSec"), f"{q}term").text = term
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_glossary(
    entries: list[GlossaryEntry], out: Path, src_lang: str, tgt_lang: str, fmt: str | None = None, title=""
) -> str:
    """Write the glossary to ``out`` as ``fmt`` (``tsv`` or ``tbx``; default: from the extension),
    atomically; the format written."""
    out = Path(out)
    fmt = (fmt or out.suffix.lstrip(".") or "tsv").lower()
    if fmt not in ("tsv", "tbx"):
        raise CorpusError(f"unknown glossary format {fmt!r}: use tsv or tbx (or a .tsv or .tbx file name)")
    if out.is_dir():
        raise CorpusError(f"{out} is a folder: give a file name, e.g. {out / ('terms.' + fmt)}")
    if not out.parent.is_dir():
        raise CorpusError(f"cannot write {out}: folder {out.parent} does not exist")
    write: Callable = glossary_tsv if fmt == "tsv" else glossary_tbx
    text = write(entries, src_lang, tgt_lang) if fmt == "tsv" else write(entries, src_lang, tgt_lang, title)
    atomic_write_text(out, text)
    return fmt
