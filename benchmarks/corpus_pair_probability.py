"""The pair probability (workbench/corpus/probability.py): fitted on the 2012 development gold, its
calibration, and the auto decisions it makes there.

    python benchmarks/corpus_kcna.py --out /tmp/kcna                  # build the corpus once
    python benchmarks/corpus_pair_probability.py /tmp/kcna             # report the packaged model
    python benchmarks/corpus_pair_probability.py /tmp/kcna --write     # fit again, store it in the package

Examples: for every gold story, the pair the machine chooses from the corpus's candidates (right or not by
the gold), and the pair it chooses once the gold's originals are taken out of the archive (always wrong:
what it does when an original is lost, as in the 2011 archive, which lacks 1,910 English ids). The
threshold is chosen on out-of-fold probabilities (5 folds by target date), and the
figures below are out-of-fold too, so they are honest; the stored model is then fitted on all examples.
A pair is said none under p < 0.02 (1 - 0.98: at most a 2% chance
that it is right, as far as p is calibrated). The held-out 2011 gold is not read.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import tables  # noqa: E402
from evalsets import git_commit  # noqa: E402

GOLD = ROOT / "benchmarks" / "data" / "kcna-pairs-dev-2012.csv"


def decisions(p: np.ndarray, threshold: float, none_below: float) -> np.ndarray:
    return np.where(p >= threshold, "auto", np.where(p < none_below, "none", "doubtful"))


def nested_decisions(ex, groups: np.ndarray, l2: float, folds: int) -> np.ndarray:
    """Each fold decided by a model and cut-offs chosen on the other folds only (their own inner
    cross-validation): no figure of the fold went into its threshold."""
    from workbench.corpus import learn

    uniq = np.unique(groups)
    fold_of = {g: i % folds for i, g in enumerate(uniq)}
    which = np.array([fold_of[g] for g in groups])
    out = np.empty(len(ex), dtype=object)
    for k in range(folds):
        test = which == k
        inner = learn.fit_examples(ex[~test].reset_index(drop=True), {}, l2, folds)
        p = inner.probability(ex[test])
        out[test] = decisions(p, inner.threshold, inner.none_below)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "corpus", type=Path, help="a built corpus of the KCNA archive (benchmarks/corpus_kcna.py)"
    )
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--l2", type=float, default=1.0, help="L2 penalty on the standardised coefficients")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--write", action="store_true", help="store the fitted model in the package")
    tables.add_option(ap)
    args = ap.parse_args()
    from workbench.corpus import CorpusFolder, learn, probability
    from workbench.corpus.gold import read_gold

    folder = CorpusFolder.open(args.corpus)
    params = learn._params(folder)
    gold = read_gold(args.gold)
    candidates = folder.read("candidates").to_pandas()
    docs = folder.read("documents").to_pandas()
    ex = learn.gold_examples(candidates, docs, params, gold)
    x = probability.feature_matrix(ex)
    y = ex["right"].to_numpy(dtype=float)
    groups = ex["group"].astype(str).to_numpy()
    oof = probability.cross_validate(x, y, groups, args.folds, args.l2)
    digest = hashlib.sha256(args.gold.read_bytes()).hexdigest()[:12]
    about = {
        "gold": f"{args.gold.name} ({len(gold)} stories, sha256 {digest})",
        "corpus": f"{folder.name} (pair stage {folder.stage('pair').get('fingerprint')})",
        "commit": git_commit(),
    }
    model = learn.fit_examples(ex, about, args.l2, args.folds)
    nested = nested_decisions(ex, groups, args.l2, args.folds)
    real = ~ex["lost"].to_numpy()
    with_original = real & np.array([bool(gold.get(t)) for t in ex["tgt_id"]])
    gold_pairs = sum(bool(v) for v in gold.values())

    print(
        f"gold {args.gold.name}: {len(gold)} stories, {gold_pairs} with an original; examples {len(ex)} "
        f"({int(real.sum())} as archived, {int((~real).sum())} with the original taken out), "
        f"{int(y.sum())} right\n"
    )
    print(
        f"**Cut-offs** (out-of-fold, {args.folds} folds by date): auto at p >= {model.threshold:.3f} "
        f"(precision >= {learn.PRECISION}), none under p < {model.none_below:.3f}\n"
    )
    print("**Auto decisions alone, out-of-fold** (recall over the gold's pairs; lost: originals taken out)\n")
    print("| setting | auto | right | precision | recall | doubtful | none | lost originals still auto |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, d in (
        ("cut-offs chosen in each fold on the others (nested)", nested),
        ("the cut-offs above", decisions(oof, model.threshold, model.none_below)),
        ("p >= 0.5", decisions(oof, 0.5, min(model.none_below, 0.5))),
        ("p >= 0.9", decisions(oof, 0.9, model.none_below)),
    ):
        auto = real & (d == "auto")
        right = int((auto & (y == 1)).sum())
        lost_auto = (~real & (d == "auto")).sum() / max((~real).sum(), 1)
        print(
            f"| {label} | {int(auto.sum())} | {right} | {right / max(auto.sum(), 1):.3f} | "
            f"{right / max(gold_pairs, 1):.3f} | {int((real & (d == 'doubtful')).sum())} | "
            f"{int((real & (d == 'none')).sum())} | {lost_auto:.3f} |"
        )
    print()
    for label, mask in (("all examples", np.ones(len(y), bool)), ("as archived", real)):
        table, ece, brier = probability.calibration(oof[mask], y[mask])
        print(f"**Reliability, out-of-fold, {label}** (ECE {ece:.3f}, Brier {brier:.3f})\n")
        print("| p | n | mean p | share right |")
        print("| --- | ---: | ---: | ---: |")
        for r in table.itertuples(index=False):
            print(f"| {r.bin} | {r.n} | {r.mean_p:.3f} | {r.right:.3f} |")
        print()
    print("**Coefficients** (standardised features; fitted on all examples)\n")
    print("| feature | coefficient | mean | sd |")
    print("| --- | ---: | ---: | ---: |")
    for f, c, m, s in zip(probability.FEATURES, model.coef, model.mean, model.scale, strict=True):
        print(f"| {f} | {c:+.3f} | {m:.3f} | {s:.3f} |")
    print(f"| (intercept) | {model.intercept:+.3f} | | |\n")
    wrong = ex[real & (nested == "auto") & (y == 0)]
    if len(wrong):
        print(
            "Wrong auto pairs (nested): "
            + ", ".join(f"{t} -> {s}" for t, s in zip(wrong["tgt_id"], wrong["src_id"], strict=True))
            + "\n"
        )
    misses = ex[real & with_original & (decisions(oof, model.threshold, model.none_below) != "auto")]
    if len(misses):
        print(
            "Gold pairs not auto (out-of-fold): "
            + ", ".join(
                f"{t} ({'right' if r else 'wrong'} candidate, p {p:.2f})"
                for t, r, p in zip(misses["tgt_id"], misses["right"], oof[misses.index], strict=True)
            )
            + "\n"
        )
    print(
        f"signature: commit {git_commit()} | pair probability: logistic, l2 {args.l2:g}, {args.folds} folds "
        f"by date, {len(probability.FEATURES)} features | corpus {about['corpus']} | data {about['gold']}"
    )
    if args.write:
        d = decisions(oof, model.threshold, model.none_below)
        auto = real & (d == "auto")
        _, ece, brier = probability.calibration(oof, y)
        model.about["fitted_on"] = "the 2012 development gold only"
        model.about["out_of_fold"] = {
            "precision": round(float((auto & (y == 1)).sum() / max(auto.sum(), 1)), 4),
            "recall": round(float((auto & (y == 1)).sum() / max(gold_pairs, 1)), 4),
            "ece": round(ece, 4),
            "brier": round(brier, 4),
        }
        rows = [
            json.dumps([*(round(float(v), 6) for v in row), int(r), str(g)])
            for row, r, g in zip(x, y, groups, strict=True)
        ]
        columns = json.dumps([*probability.FEATURES, "right", "group"])
        text = (
            '{\n"model": '
            + json.dumps(model.to_dict(), indent=1)
            + ',\n"examples": {"columns": '
            + columns
            + ', "rows": [\n'
            + ",\n".join(rows)
            + "\n]}}\n"
        )
        probability.PACKAGED.write_text(text, "utf-8")
        print(f"\nwrote {probability.PACKAGED.relative_to(ROOT)}")


if __name__ == "__main__":
    tables.run(main)
