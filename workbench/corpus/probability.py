"""The probability that a machine's pair is right, in place of hand-set score and margin cut-offs.

A logistic regression over what :func:`workbench.corpus.pairing.assign` knows of the pair it chose for a
target story: the candidate score's terms (lead similarity, shared numbers and names, length penalty), the
sentence rescore (``match_tgt``: how much of the target its sentences cover, ``match_src``), the margin over
the best rival and the date gap. It is fitted on the 2012 development gold only (``pair_probability.json``
beside this module holds the coefficients and the examples that chose them; see
``benchmarks/corpus_pair_probability.py``). A pair is ``auto`` at or above ``threshold`` (chosen by
cross-validation on the gold for a precision of at least 0.98), ``none`` under ``none_below``, doubtful in
between: ``none_below`` is 1 - 0.98, so that each pair said ``none`` has at most a 2% chance of being
right, as far as the probability is calibrated (the benchmark reports its calibration). A corpus may hold
its own refit (:func:`workbench.corpus.learn.refit`, stored in its manifest, never in the package).

Plain numpy: standardised features, L2-penalised Newton iterations (IRLS).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "FEATURES",
    "PairModel",
    "calibration",
    "choose_threshold",
    "cross_validate",
    "default_model",
    "feature_matrix",
    "fit",
    "from_manifest",
]

PACKAGED = Path(__file__).with_name("pair_probability.json")
MANIFEST_KEY = "pair_probability"  # where a corpus keeps its refit, in manifest["params"]

# what a pair's probability is computed from (columns of a candidate row plus its ``margin``)
FEATURES = (
    "lead",  # the lead similarity term (the ratio margin; the cosine when neighbours is 0)
    "numbers",
    "names",
    "no_names",  # 1 where the target has no names (``names`` is NaN): no evidence either way
    "length",
    "match_tgt",  # coverage: how well the target's sentences are matched in the source
    "match_src",
    "margin",  # final score over the best rival's
    "day_gap",  # |target date - source date| in days
)
MARGIN_CAP = 3.0  # a target with no rival gets margin 1.0 by convention; larger values say nothing more


def feature_matrix(rows: pd.DataFrame) -> np.ndarray:
    """The :data:`FEATURES` of candidate rows (``ratio``, ``numbers``, ``names``, ``length``,
    ``match_tgt``, ``match_src``, ``day_diff`` and ``margin``), as floats; a missing rescore counts 0."""
    names = rows["names"].astype(float)
    cols = {
        "lead": rows["ratio"].astype(float),
        "numbers": rows["numbers"].astype(float).fillna(0.0),
        "names": names.fillna(0.0),
        "no_names": names.isna().astype(float),
        "length": rows["length"].astype(float).fillna(0.0),
        "match_tgt": rows["match_tgt"].astype(float).fillna(0.0),
        "match_src": rows["match_src"].astype(float).fillna(0.0),
        "margin": rows["margin"].astype(float).clip(-MARGIN_CAP, MARGIN_CAP),
        "day_gap": rows["day_diff"].astype(float).abs(),
    }
    return np.column_stack([cols[f].to_numpy(dtype=float) for f in FEATURES])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free


@dataclass
class PairModel:
    """A fitted logistic regression with its cut-offs. ``mean``/``scale`` standardise the features;
    ``about`` records what it was fitted on."""

    coef: list[float]
    intercept: float
    mean: list[float]
    scale: list[float]
    threshold: float = 0.5
    none_below: float = 0.05
    features: tuple[str, ...] = FEATURES
    about: dict = field(default_factory=dict)

    def probability(self, rows: pd.DataFrame) -> np.ndarray:
        """P(the pair is right) for candidate rows with their ``margin`` (see :func:`feature_matrix`)."""
        if len(rows) == 0:
            return np.zeros(0)
        return self._prob(feature_matrix(rows))

    def _prob(self, x: np.ndarray) -> np.ndarray:
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return _sigmoid(z @ np.asarray(self.coef) + self.intercept)

    def to_dict(self) -> dict:
        return {
            "features": list(self.features),
            "coef": [round(float(c), 6) for c in self.coef],
            "intercept": round(float(self.intercept), 6),
            "mean": [round(float(m), 6) for m in self.mean],
            "scale": [round(float(s), 6) for s in self.scale],
            "threshold": round(float(self.threshold), 4),
            "none_below": round(float(self.none_below), 4),
            "about": self.about,
        }

    @classmethod
    def from_dict(cls, data: dict) -> PairModel:
        if tuple(data.get("features", ())) != FEATURES:
            raise ValueError(f"pair probability over {data.get('features')}, not {list(FEATURES)}")
        return cls(
            coef=list(data["coef"]),
            intercept=float(data["intercept"]),
            mean=list(data["mean"]),
            scale=list(data["scale"]),
            threshold=float(data["threshold"]),
            none_below=float(data["none_below"]),
            about=dict(data.get("about", {})),
        )


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, weight: np.ndarray | None = None) -> PairModel:
    """Logistic regression of ``y`` (0/1) on ``x`` by Newton iterations, with an L2 penalty ``l2`` on the
    standardised coefficients (not the intercept). ``weight``: per-example weights (default 1)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    w = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=float)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.column_stack([np.ones(len(y)), (x - mean) / scale])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0
    beta = np.zeros(z.shape[1])
    for _ in range(100):
        p = _sigmoid(z @ beta)
        grad = z.T @ (w * (p - y)) + penalty * beta
        hess = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(len(beta))
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return PairModel(
        coef=beta[1:].tolist(), intercept=float(beta[0]), mean=mean.tolist(), scale=scale.tolist()
    )


def choose_threshold(p: np.ndarray, y: np.ndarray, precision: float = 0.98) -> float:
    """The lowest cut-off whose accepted examples (``p >= t``) have at least ``precision`` right: the
    most recall at that precision. 1.0 where no cut-off reaches it."""
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order]
    right = np.cumsum(ys)
    kept = np.arange(1, len(ps) + 1)
    ok = right / kept >= precision
    # a cut-off sits between distinct values: only the last example of a run of ties may end the prefix
    last_of_tie = np.r_[ps[1:] != ps[:-1], True]
    best = None
    for k in np.flatnonzero(ok & last_of_tie):
        best = k  # prefixes grow with k: the last qualifying one keeps the most
    return float(ps[best]) if best is not None else 1.0


def cross_validate(
    x: np.ndarray, y: np.ndarray, groups: np.ndarray, folds: int = 5, l2: float = 1.0
) -> np.ndarray:
    """Out-of-fold probabilities: the examples cut into ``folds`` by group (a target date: stories of one
    day never sit on both sides), each fold predicted by a model fitted on the others."""
    groups = np.asarray(groups)
    uniq = np.unique(groups)
    fold_of = {g: i % folds for i, g in enumerate(uniq)}
    which = np.array([fold_of[g] for g in groups])
    out = np.zeros(len(y))
    for k in range(folds):
        test = which == k
        if not test.any() or test.all():
            continue
        model = fit(x[~test], y[~test], l2)
        out[test] = model._prob(x[test])
    return out


def calibration(p: np.ndarray, y: np.ndarray, bins: int = 10) -> tuple[pd.DataFrame, float, float]:
    """Reliability table (equal-width bins of p: count, mean p, share right), expected calibration error
    and Brier score."""
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1], right=False), 0, bins - 1)
    rows, ece = [], 0.0
    for b in range(bins):
        m = idx == b
        if not m.any():
            continue
        mean_p, share = float(p[m].mean()), float(y[m].mean())
        ece += m.sum() / len(p) * abs(mean_p - share)
        rows.append(
            {"bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}", "n": int(m.sum()), "mean_p": mean_p, "right": share}
        )
    brier = float(np.mean((p - y) ** 2)) if len(p) else float("nan")
    return pd.DataFrame(rows), float(ece), brier


@cache
def _packaged() -> PairModel:
    return PairModel.from_dict(json.loads(PACKAGED.read_text("utf-8"))["model"])


def default_model() -> PairModel:
    """The model fitted on the development gold, shipped with the package."""
    return _packaged()


def packaged_examples() -> pd.DataFrame:
    """The examples the packaged model was fitted on: :data:`FEATURES`, ``right`` (0/1) and ``group``."""
    data = json.loads(PACKAGED.read_text("utf-8"))["examples"]
    return pd.DataFrame(data["rows"], columns=data["columns"])


def from_manifest(manifest: dict) -> PairModel:
    """A corpus's own refit where it has one (manifest params), else the packaged model."""
    stored = manifest.get("params", {}).get(MANIFEST_KEY)
    return PairModel.from_dict(stored) if stored else default_model()
