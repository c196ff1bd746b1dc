"""Fit the bead-confidence model on Text+Berg ``dev`` and show how well it separates right from wrong beads.

    python benchmarks/calibrate_confidence.py [--preset fast] [--fit-on dev] [--report-on test]

A bead is "right" when it equals a gold bead. Linked beads (1-1 and larger) get a logistic model over their
similarity and margin; unaligned sentences (1-0, 0-1) one over their best nearby similarity. The printed
coefficients are what ``workbench.align.CONF_LINK`` and ``CONF_SKIP`` hold. The reliability table then
shows, on the report documents, how often beads in each confidence band are right.
Needs ../shared/evaldata; skips cleanly without it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from workbench import evaluate as ev
from workbench.workspace import make_aligner, resolve_models

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "evaldata"
DATA = SHARED / "textberg-de-fr"


def textberg(names: list[str]):
    """(source, target, gold) for Text+Berg documents."""
    for name in names:
        gold = ev.parse_beads((DATA / "gold" / name).read_text())
        yield ev.read_lines(DATA / "de" / name), ev.read_lines(DATA / "fr" / name), gold


def korean(docs: int = 8, size: int = 40):
    """Korean-English documents cut from nk-ko-en (1-1 by construction), to cover a distant pair."""
    ko = (SHARED / "nk-ko-en" / "dev.ko").read_text(encoding="utf-8").splitlines()
    en = (SHARED / "nk-ko-en" / "dev.en").read_text(encoding="utf-8").splitlines()
    for d in range(docs):
        k, e = ko[d * size : (d + 1) * size], en[d * size : (d + 1) * size]
        yield e, k, [((i,), (i,)) for i in range(len(e))]


def mismatched(docs):
    """Each document against a reversed target: every link is wrong and every unaligned sentence right
    (teaches what chance looks like)."""
    for src, tgt, _ in docs:
        yield src, tgt[::-1], [((i,), ()) for i in range(len(src))] + [((), (j,)) for j in range(len(tgt))]


def collect(aligner, docs) -> list[tuple]:
    rows = []
    for src, tgt, gold_beads in docs:
        gold = set(gold_beads)
        beads = aligner.align(src, tgt)
        for b in beads:
            extra = len(b.src) + len(b.tgt) - 2
            rows.append((not b.src or not b.tgt, b.sim, b.margin, extra, (b.src, b.tgt) in gold, b.score))
    return rows


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3) -> np.ndarray:
    """Newton's method for logistic regression with an intercept (last weight)."""
    x = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-x @ w))
        grad = x.T @ (p - y) + l2 * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return w


def reliability(rows) -> None:
    bands = [(0, 0.2), (0.2, 0.5), (0.5, 0.8), (0.8, 0.95), (0.95, 1.01)]
    print(f"{'confidence':>12} {'beads':>6} {'right':>7}")
    for lo, hi in bands:
        sel = [r for r in rows if lo <= r[5] < hi]
        if sel:
            print(f"{lo:5.2f}-{min(hi, 1):4.2f} {len(sel):6d} {np.mean([r[4] for r in sel]):7.1%}")
    scores = np.array([r[5] for r in rows])
    right = np.array([r[4] for r in rows])
    pos, neg = scores[right], scores[~right]
    auc = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
    print(f"AUC (right beads above wrong ones): {auc:.3f}; {right.mean():.1%} of {len(rows)} beads right")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="fast")
    ap.add_argument("--fit-on", default="dev")
    ap.add_argument("--report-on", default="test")
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"skipped: {DATA} not found")
        return 0
    names, params = resolve_models(args.preset)
    aligner = make_aligner(names, params)
    docs = sorted(p.name for p in (DATA / "gold").iterdir())
    fit_docs = [d for d in docs if d.startswith(args.fit_on)]
    fit_rows = collect(aligner, textberg(fit_docs)) + collect(aligner, mismatched(textberg(fit_docs)))
    if (SHARED / "nk-ko-en").is_dir():
        fit_rows += collect(aligner, korean()) + collect(aligner, mismatched(korean()))
    linked = np.array([(s, m, e, y) for u, s, m, e, y, _ in fit_rows if not u])
    w = fit_logistic(linked[:, :3], linked[:, 3])
    print(f"CONF_LINK = ({w[0]:.2f}, {w[1]:.2f}, {w[2]:.2f}, {w[3]:.2f})  # {len(linked)} linked beads")
    skipped = np.array([(s, y) for u, s, _, _, y, _ in fit_rows if u])
    if len(skipped) >= 10 and 0 < skipped[:, 1].mean() < 1:
        v = fit_logistic(skipped[:, :1], skipped[:, 1])
        # p = 1 / (1 + exp((sim - mid) / spread))  <=>  weight = -1/spread, bias = mid/spread
        print(f"CONF_SKIP = ({-v[1] / v[0]:.3f}, {-1 / v[0]:.3f})  # fitted on {len(skipped)} unaligned")
    print(f"\nreliability on {args.report_on} with the current coefficients ({'+'.join(names)}):")
    reliability(collect(aligner, textberg([d for d in docs if d.startswith(args.report_on)])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
