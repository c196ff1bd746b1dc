"""Alignment accuracy against gold beads, scored the way the field does (Text+Berg, Bertalign, Vecalign).

Gold and system beads are written one a line as ``[0, 1]:[2]`` (0-based sentence numbers; ``[]`` for an
empty side). Precision counts over system beads, recall over gold beads, with beads that have an empty
side removed from both for recall; counts are summed over all documents before dividing.
*Strict*: a bead counts only if it equals a gold bead. *Lax*: a bead counts if it equals a gold bead or
shares at least one (source, target) sentence pair with one (as in Bertalign's and Vecalign's scorers, so
an unaligned sentence that the gold also leaves unaligned counts for lax precision too).

An evaluation set is three folders holding one file per document under the same name: the source and
target documents (one sentence a line) and the gold beads. ``load_documents`` reads and checks a set;
``evaluate`` aligns its documents one by one and scores them (what ``workbench eval`` and the benchmarks
run). Besides the standard scores: omissions (sentences left unaligned, 1-0 and 0-1, by side) and recall
and precision by bead kind.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from workbench.errors import WorkbenchError

log = logging.getLogger(__name__)

BeadIds = tuple[tuple[int, ...], tuple[int, ...]]


class GoldFormatError(WorkbenchError, ValueError):
    """A gold file line that is not ``[..]:[..]``, or that names a sentence its document does not have."""


class EvalSetError(WorkbenchError):
    """An evaluation set that cannot be scored as it is: a missing folder or document, an empty document."""


def parse_beads(text: str, where: str = "gold") -> list[BeadIds]:
    """Parse ``[0, 1]:[2]`` lines."""
    return [bead for _, bead in numbered_beads(text, where)]


def numbered_beads(text: str, where: str) -> list[tuple[int, BeadIds]]:
    beads = []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        try:
            left, right = line.split(":")
            beads.append((lineno, (_ids(left), _ids(right))))
        except ValueError as exc:
            raise GoldFormatError(f"{where}:{lineno}: expected '[0, 1]:[2]', got {line!r}") from exc
    return beads


def _ids(part: str) -> tuple[int, ...]:
    part = part.strip()
    if not (part.startswith("[") and part.endswith("]")):
        raise ValueError(part)
    inner = part[1:-1].strip()
    return tuple(int(x) for x in inner.split(",")) if inner else ()


def format_beads(beads: list[BeadIds]) -> str:
    return "".join(f"[{', '.join(map(str, s))}]:[{', '.join(map(str, t))}]\n" for s, t in beads)


@dataclass(frozen=True, slots=True)
class Counts:
    """Raw counts for one or more documents; add them up, then read the scores."""

    strict_p: int = 0  # system beads that equal a gold bead
    lax_p: int = 0  # system beads that equal a gold bead or share a link with one
    system: int = 0
    strict_r: int = 0  # gold beads (both sides non-empty) found exactly
    lax_r: int = 0  # gold beads sharing a link with a system bead
    gold: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[int, ...]:
        return (self.strict_p, self.lax_p, self.system, self.strict_r, self.lax_r, self.gold)

    def scores(self) -> dict[str, float]:
        out = {}
        for name, hp, hr in (("strict", self.strict_p, self.strict_r), ("lax", self.lax_p, self.lax_r)):
            p = hp / self.system if self.system else 0.0
            r = hr / self.gold if self.gold else 0.0
            f = 2 * p * r / (p + r) if p + r else 0.0
            out.update({f"{name}_p": p, f"{name}_r": r, f"{name}_f1": f})
        return out


def _links(bead: BeadIds) -> set[tuple[int, int]]:
    return {(s, t) for s in bead[0] for t in bead[1]}


def score(system: list[BeadIds], gold: list[BeadIds]) -> Counts:
    """Counts for one document."""
    gold_set = set(gold)
    gold_links = set().union(*(_links(b) for b in gold)) if gold else set()
    sys_set = set(system)
    sys_links = set().union(*(_links(b) for b in system)) if system else set()
    gold_nonempty = [b for b in gold if b[0] and b[1]]
    return Counts(
        strict_p=sum(1 for b in system if b in gold_set),
        lax_p=sum(1 for b in system if b in gold_set or _links(b) & gold_links),
        system=len(system),
        strict_r=sum(1 for b in gold_nonempty if b in sys_set),
        lax_r=sum(1 for b in gold_nonempty if _links(b) & sys_links),
        gold=len(gold_nonempty),
    )


@dataclass(frozen=True, slots=True)
class Document:
    """One document of an evaluation set: both sides (one sentence a line) and the gold beads."""

    name: str
    src: list[str]
    tgt: list[str]
    gold: list[BeadIds]


@dataclass(frozen=True, slots=True)
class Omissions:
    """Sentences left unaligned (in 1-0 or 0-1 beads) on one side: by the system, by the gold (a sentence
    the gold does not mention counts as unaligned), by both."""

    system: int = 0
    gold: int = 0
    both: int = 0

    def __add__(self, other: Omissions) -> Omissions:
        return Omissions(self.system + other.system, self.gold + other.gold, self.both + other.both)

    @property
    def precision(self) -> float:
        return self.both / self.system if self.system else 0.0

    @property
    def recall(self) -> float:
        return self.both / self.gold if self.gold else 0.0


def omissions(system: list[BeadIds], gold: list[BeadIds], n: int, m: int) -> tuple[Omissions, Omissions]:
    """Omission counts of one document, source side then target side."""
    out = []
    for side, size in ((0, n), (1, m)):
        linked_gold = {i for b in gold if b[0] and b[1] for i in b[side]}
        linked_sys = {i for b in system if b[0] and b[1] for i in b[side]}
        gold_null = set(range(size)) - linked_gold
        sys_null = set(range(size)) - linked_sys
        out.append(Omissions(len(sys_null), len(gold_null), len(sys_null & gold_null)))
    return out[0], out[1]


KIND_GROUPS = ("1-0/0-1", "1-1", "1-2/2-1", "2-2", "3+ a side", "other")


def kind_group(bead: BeadIds) -> str:
    """The bead kinds that the benchmarks report on: omissions, 1-1, 1-2 and 2-1, 2-2, 3 or more sentences
    on a side, the rest (2-3, 3-2 fall under 3+)."""
    a, b = sorted((len(bead[0]), len(bead[1])))
    if a == 0:
        return "1-0/0-1"
    if b >= 3:
        return "3+ a side"
    return {(1, 1): "1-1", (1, 2): "1-2/2-1", (2, 2): "2-2"}.get((a, b), "other")


@dataclass(slots=True)
class KindCounts:
    """Per bead kind group: gold beads, those found exactly; system beads, those right."""

    gold: dict[str, int] = field(default_factory=dict)
    found: dict[str, int] = field(default_factory=dict)
    system: dict[str, int] = field(default_factory=dict)
    right: dict[str, int] = field(default_factory=dict)

    def add(self, system: list[BeadIds], gold: list[BeadIds]) -> None:
        gold_set, sys_set = set(gold), set(system)
        for beads, total, hit, other in (
            (gold, self.gold, self.found, sys_set),
            (system, self.system, self.right, gold_set),
        ):
            for b in beads:
                k = kind_group(b)
                total[k] = total.get(k, 0) + 1
                hit[k] = hit.get(k, 0) + (b in other)

    @classmethod
    def of(cls, results: Iterable[Result]) -> KindCounts:
        """The counts of several documents' results, summed."""
        counts = cls()
        for r in results:
            counts.add(r.system, r.gold)
        return counts


@dataclass(frozen=True, slots=True)
class Result:
    """One document aligned and scored."""

    name: str
    counts: Counts
    src_omissions: Omissions
    tgt_omissions: Omissions
    system: list[BeadIds]
    gold: list[BeadIds]
    beads: list  # the aligner's beads (align.Bead: with score, similarity and margin)
    seconds: float

    @property
    def omissions(self) -> Omissions:
        """Both sides' omission counts together."""
        return self.src_omissions + self.tgt_omissions


def evaluate(aligner, documents: Iterable[Document]) -> Iterator[Result]:
    """Align each document with ``aligner`` (anything with ``align(src, tgt) -> beads``) and score it: the
    loop that ``workbench eval`` and the benchmarks run. Yields a result per document as it is done."""
    for doc in documents:
        start = time.perf_counter()
        beads = aligner.align(doc.src, doc.tgt)
        seconds = time.perf_counter() - start
        system = [(tuple(b.src), tuple(b.tgt)) for b in beads]
        src_om, tgt_om = omissions(system, doc.gold, len(doc.src), len(doc.tgt))
        yield Result(doc.name, score(system, doc.gold), src_om, tgt_om, system, doc.gold, beads, seconds)


def total(results: Iterable[Result]) -> Counts:
    """The counts of several documents, summed."""
    return sum((r.counts for r in results), Counts())
