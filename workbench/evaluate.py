"""Alignment accuracy against gold beads, scored the way the field does (Text+Berg, Bertalign, Vecalign).

Gold and system beads are written one a line as ``[0, 1]:[2]`` (0-based sentence numbers; ``[]`` for an
empty side). Precision counts over system beads, recall over gold beads, with beads that have an empty
side removed from both for recall; counts are summed over all documents before dividing.
*Strict*: a bead counts only if it equals a gold bead. *Lax*: a bead counts if it equals a gold bead or
shares at least one (source, target) sentence pair with one (as in Bertalign's and Vecalign's scorers, so
an unaligned sentence that the gold also leaves unaligned counts for lax precision too).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.errors import WorkbenchError

BeadIds = tuple[tuple[int, ...], tuple[int, ...]]


class GoldFormatError(WorkbenchError, ValueError):
    """A gold file line that is not ``[..]:[..]``."""


def parse_beads(text: str, where: str = "gold") -> list[BeadIds]:
    """Parse ``[0, 1]:[2]`` lines."""
    beads = []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        try:
            left, right = line.split(":")
            beads.append((_ids(left), _ids(right)))
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


def read_lines(path: Path) -> list[str]:
    """A pre-split document: one sentence a line, every line kept so that numbering matches the gold."""
    text = Path(path).read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r").strip() for line in lines]


def eval_documents(gold_dir: Path, src_dir: Path, tgt_dir: Path) -> list[str]:
    """Names of the documents present in all three folders, sorted; a clear error when none are."""
    for d in (gold_dir, src_dir, tgt_dir):
        if not Path(d).is_dir():
            raise FileNotFoundError(f"not a folder: {d}")
    names = sorted(
        p.name
        for p in Path(gold_dir).iterdir()
        if p.is_file() and (src_dir / p.name).is_file() and (tgt_dir / p.name).is_file()
    )
    if not names:
        raise FileNotFoundError(
            f"no document is in all of {gold_dir}, {src_dir} and {tgt_dir} under one name"
        )
    return names
