"""Learning the pair probability from labelled pairs: the development gold, and a person's decisions in a
corpus (issue 29, "Learn from the person").

- :func:`machine_pairs`: what the machine alone decides from a corpus's candidates (no person's decision
  applied), one row per target with the features of the pair it chose.
- :func:`gold_examples`: those rows labelled by a gold file, plus the same targets with their originals
  taken out of the archive (every pair the machine then finds is wrong: what it does when an original is
  lost); the examples the packaged model is fitted on.
- :func:`person_examples`, :func:`agreement`: the same rows labelled by a person's decisions, and how far
  the machine's decisions agree with them.
- :func:`refit`: the probability fitted again on the packaged examples plus the person's, stored in the
  corpus's manifest (never in the package), and the pairs decided again with it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.corpus import pairing, pipeline, probability
from workbench.corpus.folder import CorpusError, CorpusFolder

__all__ = ["agreement", "fit_examples", "gold_examples", "machine_pairs", "person_examples", "refit"]

PRECISION = 0.98  # the precision the auto decisions are held to (issue 29)


def _params(folder: CorpusFolder) -> pairing.PairParams:
    stored = folder.manifest.get("params", {}).get("pair")
    if not stored or folder.stage("pair").get("status") != "done":
        raise CorpusError(f"corpus {folder.name} has no pairs yet: run `workbench corpus pair` first")
    return pairing.PairParams(
        **{k: v for k, v in stored.items() if k in pairing.PairParams.__dataclass_fields__}
    )


def machine_pairs(
    candidates: pd.DataFrame, docs: pd.DataFrame, params: pairing.PairParams, model=None
) -> pd.DataFrame:
    """The machine's own decision for every target (no person's decision applied), with the features of
    the candidate it chose (:data:`probability.FEATURES` inputs) and its ``p``; targets without one are
    left out."""
    targets, family, serial = pipeline.relations(docs, params)
    model = model or probability.default_model()
    pairs = pairing.assign(targets, candidates, params, family, serial=serial, model=model)
    pairs = pairs[pairs["score"].notna()][["tgt_id", "best_candidate", "decision", "score", "margin"]]
    feats = candidates.drop(columns=["score"], errors="ignore").rename(columns={"src_id": "best_candidate"})
    out = pairs.merge(feats, on=["tgt_id", "best_candidate"], how="left")
    out["p"] = model.probability(out)
    return out.rename(columns={"best_candidate": "src_id"}).reset_index(drop=True)


def gold_examples(
    candidates: pd.DataFrame, docs: pd.DataFrame, params: pairing.PairParams, gold: dict[str, set[str]]
) -> pd.DataFrame:
    """Labelled examples from a gold (target -> right source ids): the machine's pair of every gold target
    (``right`` 1 when it is one of the right ids) and, with the right ids taken out of the candidates
    (``lost`` True), its pair then (always wrong). ``group``: the target's date."""
    dates = dict(zip(docs["doc_id"], docs["date"].astype(str), strict=True))
    mine = candidates[candidates["tgt_id"].isin(gold)]
    real = machine_pairs(mine, docs, params)
    real["right"] = [
        int(s in gold.get(t, set())) for t, s in zip(real["tgt_id"], real["src_id"], strict=True)
    ]
    real["lost"] = False
    originals = {s for ids in gold.values() for s in ids}
    gone = mine[~mine["src_id"].isin(originals)].copy()
    gone["rank"] = gone.groupby("tgt_id")["score"].rank(ascending=False, method="first").astype(int)
    lost = machine_pairs(gone, docs, params)
    lost = lost[lost["tgt_id"].map(lambda t: bool(gold.get(t)))]
    lost["right"] = 0
    lost["lost"] = True
    out = pd.concat([real, lost], ignore_index=True)
    out["group"] = out["tgt_id"].map(dates)
    return out


def person_examples(folder: CorpusFolder) -> pd.DataFrame:
    """The machine's own pairs of the targets a person decided, labelled by the decision: ``right`` 1
    where the person accepted that very pair, 0 where they accepted another, rejected it or said none."""
    if not folder.has("decisions"):
        return pd.DataFrame(columns=["tgt_id", "src_id", "p", "decision", "person", "right"])
    person = folder.read("decisions").to_pandas()
    params = _params(folder)
    machine = machine_pairs(
        folder.read("candidates").to_pandas(),
        folder.read("documents").to_pandas(),
        params,
        probability.from_manifest(folder.manifest),
    )
    rows = machine.merge(
        person[["tgt_id", "decision", "src_id"]].rename(
            columns={"decision": "person", "src_id": "person_src"}
        ),
        on="tgt_id",
    )
    right = (rows["person"] == "accepted") & (rows["person_src"] == rows["src_id"])
    wrong = (rows["person"].isin(["accepted", "none"])) | (
        (rows["person"] == "rejected") & (rows["person_src"] == rows["src_id"])
    )
    rows = rows[right | wrong].copy()  # a rejection of some other candidate says nothing of this pair
    rows["right"] = right[right | wrong].astype(int)
    rows["group"] = rows["tgt_id"]
    return rows.reset_index(drop=True)


def agreement(folder: CorpusFolder) -> dict | None:
    """How far the machine's own decisions agree with a person's (None where there are none): the counts,
    the auto pairs' precision by the person, and the lowest threshold at which the machine's auto pairs
    would be right at :data:`PRECISION` by the person's decisions."""
    rows = person_examples(folder)
    if rows.empty:
        return None
    model = probability.from_manifest(folder.manifest)
    auto = rows[rows["decision"] == "auto"]
    supported = probability.choose_threshold(rows["p"].to_numpy(), rows["right"].to_numpy(), PRECISION)
    return {
        "decided": len(rows),
        "right": int(rows["right"].sum()),
        "auto": len(auto),
        "auto_right": int(auto["right"].sum()),
        "auto_precision": float(auto["right"].mean()) if len(auto) else None,
        "doubtful_right": int(rows.loc[rows["decision"] == "doubtful", "right"].sum()),
        "none_right": int(rows.loc[rows["decision"] == "none", "right"].sum()),
        "threshold": model.threshold,
        "supported_threshold": supported,
        "refit": bool(folder.manifest.get("params", {}).get(probability.MANIFEST_KEY)),
    }


def fit_examples(
    examples: pd.DataFrame, about: dict, l2: float = 1.0, folds: int = 5
) -> probability.PairModel:
    """The model fitted on all ``examples`` (FEATURES inputs, ``right``, ``group``), its threshold chosen on
    out-of-fold probabilities (folds by group), so that it is honest."""
    x = probability.feature_matrix(examples)
    y = examples["right"].to_numpy(dtype=float)
    oof = probability.cross_validate(x, y, examples["group"].astype(str).to_numpy(), folds, l2)
    model = probability.fit(x, y, l2)
    model.threshold = probability.choose_threshold(oof, y, PRECISION)
    model.none_below = min(
        1.0 - PRECISION, model.threshold
    )  # a pair said none is right at most 2% of the time
    model.about = {**about, "examples": len(examples), "right": int(y.sum()), "l2": l2, "folds": folds}
    return model


def _stored_examples() -> pd.DataFrame:
    ex = probability.packaged_examples()
    ex["group"] = ex["group"].astype(str)
    return ex


def refit(folder: CorpusFolder) -> tuple[probability.PairModel, int]:
    """Fit the probability again on the packaged development examples plus this corpus's person-decided
    pairs; store it in the manifest (``params.pair_probability``) and decide the pairs again. Returns the
    model and how many of the corpus's examples went into it."""
    mine = person_examples(folder)
    if mine.empty:
        raise CorpusError(
            f"corpus {folder.name} holds no decisions of a person to learn from: review some pairs first "
            "(`workbench corpus decide`)"
        )
    base = _stored_examples()
    cols = [*base.columns]
    mine_x = pd.DataFrame(probability.feature_matrix(mine), columns=probability.FEATURES)
    mine_x["right"], mine_x["group"] = (
        mine["right"].to_numpy(),
        ("corpus:" + mine["group"].astype(str)).to_numpy(),
    )
    both = pd.concat([base[cols], mine_x[cols]], ignore_index=True)
    model = fit_examples(
        _as_rows(both), {"fitted_on": "package dev gold + corpus decisions", "corpus_examples": len(mine_x)}
    )
    folder.manifest.setdefault("params", {})[probability.MANIFEST_KEY] = model.to_dict()
    folder.save()
    pipeline.redecide(folder)
    return model, len(mine_x)


def _as_rows(features: pd.DataFrame) -> pd.DataFrame:
    """Stored feature rows in the column shape :func:`probability.feature_matrix` reads."""
    return pd.DataFrame(
        {
            "ratio": features["lead"],
            "numbers": features["numbers"],
            "names": np.where(features["no_names"] > 0, np.nan, features["names"]),
            "length": features["length"],
            "match_tgt": features["match_tgt"],
            "match_src": features["match_src"],
            "margin": features["margin"],
            "day_diff": features["day_gap"],
            "right": features["right"],
            "group": features["group"],
        }
    )
