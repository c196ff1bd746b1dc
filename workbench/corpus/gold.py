"""Scoring document pairs against a hand-made gold: which source story each target story translates.

A gold file is CSV with a target id column (``tgt_id`` or ``es_id``), a source id column (``src_id`` or
``en_id``; empty for "no translation in the archive") and optionally ``alt_src_ids``/``alt_en_ids``
(space-separated ids of exact duplicates that count as right too).

A pair is accepted when its decision is ``auto`` or ``accepted``. Precision is over the accepted pairs of
the gold's target stories, recall over the gold's pairs; a "none" counts as right only where the gold
says none, and ``doubtful`` stories (left for review) count as neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from workbench.errors import WorkbenchError

__all__ = ["ACCEPTED", "GoldError", "PairScores", "read_gold", "score_pairs"]

ACCEPTED = ("auto", "accepted")


class GoldError(WorkbenchError):
    """A gold file that cannot be read as one."""


def _column(df: pd.DataFrame, names: tuple[str, ...], path: Path, required: bool = True) -> str | None:
    for name in names:
        if name in df.columns:
            return name
    if required:
        raise GoldError(f"{path} has no {' or '.join(names)} column (its columns: {', '.join(df.columns)})")
    return None


def read_gold(path: Path) -> dict[str, set[str]]:
    """target id -> the source ids that are right (empty set: the right answer is none)."""
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise GoldError(f"cannot read gold file {path}: {exc}") from exc
    tgt = _column(df, ("tgt_id", "es_id"), path)
    src = _column(df, ("src_id", "en_id"), path)
    alt = _column(df, ("alt_src_ids", "alt_en_ids"), path, required=False)
    gold: dict[str, set[str]] = {}
    for row in df.itertuples(index=False):
        row = row._asdict()
        ids = {row[src].strip()} - {""}
        if ids and alt:
            ids |= set(row[alt].split())
        gold[row[tgt].strip()] = ids
    return gold


@dataclass
class PairScores:
    stories: int = 0  # gold target stories
    gold_pairs: int = 0  # of them with a source story
    accepted: int = 0  # accepted by the system (of the gold's stories)
    correct: int = 0  # accepted with a right source
    none_gold: int = 0
    none_said: int = 0  # decided none
    none_right: int = 0
    doubtful: int = 0
    missing: int = 0  # gold stories not in the corpus's pairs
    errors: list[tuple[str, str, str, str]] = field(default_factory=list)  # tgt, decision, src, gold

    @property
    def precision(self) -> float:
        return self.correct / self.accepted if self.accepted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold_pairs if self.gold_pairs else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_pairs(pairs: pd.DataFrame, gold: dict[str, set[str]]) -> PairScores:
    """Score a pairs table (tgt_id, src_id, decision) against ``gold`` (see :func:`read_gold`)."""
    by_tgt = {t: (d, s) for t, d, s in zip(pairs["tgt_id"], pairs["decision"], pairs["src_id"], strict=True)}
    out = PairScores()
    for tgt, right in sorted(gold.items()):
        out.stories += 1
        out.gold_pairs += bool(right)
        out.none_gold += not right
        if tgt not in by_tgt:
            out.missing += 1
            out.errors.append((tgt, "missing", "", " ".join(sorted(right)) or "none"))
            continue
        decision, src = by_tgt[tgt]
        src = src if isinstance(src, str) else ""
        if decision in ACCEPTED:
            out.accepted += 1
            if src in right:
                out.correct += 1
                continue
        elif decision == "none":
            out.none_said += 1
            if not right:
                out.none_right += 1
                continue
        else:
            out.doubtful += 1
        out.errors.append((tgt, decision, src, " ".join(sorted(right)) or "none"))
    return out
