"""Fit the bead-confidence model on the development sets and show its calibration per language pair.

    python benchmarks/calibrate_confidence.py                 # fit on dev, report per set and preset
    python benchmarks/calibrate_confidence.py --preset fast --cache ~/.cache/workbench/c.sqlite

A bead is "right" when it equals a gold bead. Linked beads (1-1 and larger) get a logistic model over
their similarity, margin and size; unaligned sentences (1-0, 0-1) one over their best nearby similarity.
Both are fitted on the beads of both presets on every development set (Text+Berg dev, ParIce,
nk-ko-en-dev, kcna-en-es-dev, debian-faq-en-zh-dev: five language pairs), plus each document aligned
against its own target reversed, where every link is wrong and every unaligned sentence right (so that
links to an unrelated text read low). The printed coefficients are what ``workbench.align.aligner.CONF_LINK``
and ``CONF_SKIP`` hold.

The report then gives, per set (one language pair each) and preset, with the coefficients align.py
holds: the reliability bands (how often beads in each confidence band are right), the expected
calibration error over those bands (ECE), the Brier score and how often a right bead scores above a wrong
one (AUC); and for each development set the ECE of a model fitted on the other three only (leave one
pair out: how the calibration holds on a pair it has not seen). The test set is never fitted on.
Sets in ../shared/evaldata are skipped when it is absent.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tables  # noqa: E402
from evalsets import signature, standard_sets  # noqa: E402

from workbench.align import evaluate as ev  # noqa: E402
from workbench.align.aligner import CONF_LINK, CONF_SKIP, PRESETS, confidence  # noqa: E402
from workbench.align.factory import make_aligner  # noqa: E402
from workbench.store import evalsets  # noqa: E402

# Weight of the mismatched documents' beads in the fit. Lower weights (0.25 - 0.4) calibrate the real
# documents better still, but links to an unrelated text then read 0.4 - 0.65 (a lone unrelated pair
# above 0.5): the confidence must flag a wrong text, so they count in full.
MISMATCHED = 1.0
BANDS = [(0, 0.2), (0.2, 0.5), (0.5, 0.8), (0.8, 0.95), (0.95, 1.01)]


@dataclass(frozen=True, slots=True)
class Row:
    preset: str
    set: str
    mismatched: bool
    unaligned: bool
    sim: float
    margin: float
    extra: int
    right: bool

    def features(self) -> list[float]:
        return [self.sim] if self.unaligned else [self.sim, self.margin, self.extra]

    def score(self, link=None, skip=None) -> float:
        """The confidence ``align.confidence`` gives (with other coefficients if given)."""
        return confidence(self.unaligned, self.sim, self.margin, self.extra, link, skip)


def mismatched(doc: evalsets.Document) -> evalsets.Document:
    """The document against its own target reversed: every link wrong, every unaligned sentence right."""
    gold = [((i,), ()) for i in range(len(doc.src))] + [((), (j,)) for j in range(len(doc.tgt))]
    return evalsets.Document(doc.name, doc.src, doc.tgt[::-1], gold)


def collect(preset: str, sets, cache) -> list[Row]:
    models, params = PRESETS[preset]
    aligner = make_aligner(models, params, cache=cache)
    rows = []
    for s in sets:
        docs = s.documents()
        variants = [(False, docs)] + ([(True, [mismatched(d) for d in docs])] if s.split == "dev" else [])
        for is_mismatched, group in variants:
            for result in ev.evaluate(aligner, group):
                gold = set(result.gold)
                for b in result.beads:
                    unaligned = not b.src or not b.tgt
                    extra = len(b.src) + len(b.tgt) - 2
                    right = (tuple(b.src), tuple(b.tgt)) in gold
                    rows.append(Row(preset, s.name, is_mismatched, unaligned, b.sim, b.margin, extra, right))
    return rows


def fit_logistic(
    x: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None, l2: float = 1e-3
) -> np.ndarray:
    """Newton's method for (weighted) logistic regression with an intercept (last weight)."""
    x = np.hstack([x, np.ones((len(x), 1))])
    weight = np.ones(len(x)) if weight is None else weight
    w = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-x @ w))
        grad = x.T @ (weight * (p - y)) + l2 * w
        hess = (x * (weight * p * (1 - p))[:, None]).T @ x + l2 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return w


def fit(rows: list[Row]) -> tuple[tuple, tuple]:
    """(CONF_LINK, CONF_SKIP) fitted on ``rows``."""
    out = []
    for unaligned in (False, True):
        sel = [r for r in rows if r.unaligned == unaligned]
        x = np.array([r.features() for r in sel])
        y = np.array([r.right for r in sel], dtype=float)
        weight = np.array([MISMATCHED if r.mismatched else 1.0 for r in sel])
        out.append(fit_logistic(x, y, weight))
    link, skip = out
    # p = 1 / (1 + exp((sim - mid) / spread))  <=>  weight = -1/spread, bias = mid/spread
    return tuple(float(v) for v in link), (float(-skip[1] / skip[0]), float(-1 / skip[0]))


def ece(scores: np.ndarray, right: np.ndarray) -> float:
    """Expected calibration error over the reliability bands: how far each band's mean confidence is from
    how often its beads are right, weighted by the band's share of beads."""
    total = 0.0
    for lo, hi in BANDS:
        sel = (scores >= lo) & (scores < hi)
        if sel.any():
            total += sel.sum() * abs(scores[sel].mean() - right[sel].mean())
    return total / max(len(scores), 1)


def auc(scores: np.ndarray, right: np.ndarray) -> float:
    pos, neg = scores[right], scores[~right]
    if not len(pos) or not len(neg):
        return float("nan")
    return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", action="append", choices=list(PRESETS), help="default: both")
    ap.add_argument("--cache", type=Path, help="embedding cache file (default: the workbench's own)")
    tables.add_option(ap)
    args = ap.parse_args(argv)
    sets = standard_sets()
    dev = [s for s in sets if s.split == "dev"]
    if not dev:
        print("skipped: no development set here")
        return 0
    presets = args.preset or list(PRESETS)
    rows = [r for p in presets for r in collect(p, sets, args.cache or True)]
    dev_rows = [r for r in rows if r.set in {s.name for s in dev}]
    link, skip = fit(dev_rows)
    linked = sum(not r.unaligned for r in dev_rows)
    print(f"CONF_LINK = ({', '.join(f'{v:.3f}' for v in link)})  # fitted on {linked} linked beads")
    print(f"CONF_SKIP = ({skip[0]:.3f}, {skip[1]:.3f})  # fitted on {len(dev_rows) - linked} unaligned")
    held = {s.name: fit([r for r in dev_rows if r.set != s.name]) for s in dev}
    head = " | ".join(f"{lo:.2f}-{min(hi, 1):.2f}" for lo, hi in BANDS)
    print("\nWith the coefficients in align.py: beads per band, how many right (% right)\n")
    print(f"| preset | set (pair) | split | {head} | ECE | Brier | AUC | ECE, fitted without this pair |")
    print("|---|---|---|" + "---|" * len(BANDS) + "---:|---:|---:|---:|")
    for preset in presets:
        for s in sets:
            real = [r for r in rows if r.preset == preset and r.set == s.name and not r.mismatched]
            scores = np.array([r.score() for r in real])
            right = np.array([r.right for r in real])
            cells = []
            for lo, hi in BANDS:
                sel = (scores >= lo) & (scores < hi)
                cells.append(f"{sel.sum()} ({right[sel].mean():.0%})" if sel.any() else "0")
            unseen = ""
            if s.name in held:
                others = np.array([r.score(*held[s.name]) for r in real])
                unseen = f"{ece(others, right):.3f}"
            brier = np.mean((scores - right) ** 2)
            print(
                f"| {preset} | {s.name} ({s.pair}) | {s.split} | {' | '.join(cells)} "
                f"| {ece(scores, right):.3f} | {brier:.3f} | {auc(scores, right):.3f} | {unseen} |"
            )
        wrong = [r for r in rows if r.preset == preset and r.mismatched and not r.unaligned]
        if wrong:
            print(
                f"| {preset} | links to a mismatched text (dev) | | median confidence "
                f"{np.median([r.score() for r in wrong]):.2f} of {len(wrong)} | | | | | | | | |"
            )
    check = max(abs(a - b) for a, b in zip((*link, *skip), (*CONF_LINK, *CONF_SKIP), strict=True))
    if check > 0.01:
        print(
            f"\nnote: align.py's coefficients differ from this fit by up to {check:.3f}: copy the fit there"
        )
    for preset in presets:
        models, params = PRESETS[preset]
        for s in sets:
            print(signature(preset, models, params, s.describe()))
    return 0


if __name__ == "__main__":
    sys.exit(tables.run(main))
