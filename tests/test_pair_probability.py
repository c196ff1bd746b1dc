"""The pair probability (workbench.corpus.probability): the logistic fit and the choice of its cut-offs on
data whose answer is known, a person's decision over it, and a real corpus deciding by it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.corpus import learn, pairing, probability

N = len(probability.FEATURES)


def _model(coef: dict[str, float], intercept: float, threshold=0.5, none_below=0.01) -> probability.PairModel:
    return probability.PairModel(
        coef=[coef.get(f, 0.0) for f in probability.FEATURES],
        intercept=intercept,
        mean=[0.0] * N,
        scale=[1.0] * N,
        threshold=threshold,
        none_below=none_below,
    )


def test_the_fit_finds_the_coefficients_that_made_the_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20000, 2)) * [1.0, 2.0] + [0.5, -1.0]
    true = np.array([2.0, -1.0])
    y = (rng.random(len(x)) < 1 / (1 + np.exp(-(x @ true + 0.5)))).astype(float)
    model = probability.fit(x, y, l2=1e-6)
    # back from standardised to raw coefficients
    raw = np.asarray(model.coef) / np.asarray(model.scale)
    intercept = model.intercept - raw @ np.asarray(model.mean)
    assert raw == pytest.approx(true, abs=0.08)
    assert intercept == pytest.approx(0.5, abs=0.08)


def test_the_penalty_shrinks_and_separable_data_stays_finite():
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0.0, 0.0, 1.0, 1.0])  # separable: no finite maximum likelihood without a penalty
    loose, tight = probability.fit(x, y, l2=0.1), probability.fit(x, y, l2=10.0)
    assert np.isfinite(loose.coef).all() and abs(tight.coef[0]) < abs(loose.coef[0])
    p = loose._prob(x)
    assert list(p) == sorted(p) and p[0] < 0.5 < p[-1]


def test_the_threshold_keeps_the_most_at_the_precision_asked():
    p = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    y = np.array([1, 1, 1, 0, 1, 1, 0])
    assert probability.choose_threshold(p, y, 1.0) == 0.8  # 3 right, the 4th is wrong
    assert probability.choose_threshold(p, y, 0.8) == 0.5  # 5 of 6
    assert probability.choose_threshold(p, y, 0.98) == 0.8
    assert probability.choose_threshold(np.array([0.9]), np.array([0]), 0.98) == 1.0  # none reaches it


def test_ties_are_kept_or_dropped_together():
    p = np.array([0.9, 0.7, 0.7, 0.7, 0.2])
    y = np.array([1, 1, 0, 1, 1])
    assert probability.choose_threshold(p, y, 1.0) == 0.9  # 0.7 would take the wrong one with it


def test_calibration_of_a_calibrated_and_an_overconfident_predictor():
    rng = np.random.default_rng(1)
    p = rng.random(50000)
    y = (rng.random(len(p)) < p).astype(float)
    table, ece, brier = probability.calibration(p, y)
    assert ece < 0.01 and brier == pytest.approx(1 / 6, abs=0.005)  # E[p(1-p)] for uniform p
    assert table["n"].sum() == len(p) and len(table) == 10
    _, ece_bad, _ = probability.calibration(np.where(p > 0.5, 1.0, 0.0), y)
    assert ece_bad > 0.2


def test_cross_validation_never_predicts_a_group_it_was_fitted_on():
    x = np.array([[0.0], [1.0], [0.0], [1.0], [5.0], [5.0]])
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 1.0])
    groups = np.array(["a", "a", "b", "b", "c", "c"])
    oof = probability.cross_validate(x, y, groups, folds=3)
    assert oof.shape == (6,) and ((oof > 0) & (oof < 1)).all()


def test_a_model_survives_its_json_and_refuses_other_features():
    model = _model({"lead": 2.0, "margin": 1.0}, -1.0, threshold=0.7)
    again = probability.PairModel.from_dict(model.to_dict())
    assert again.coef == model.coef and again.threshold == 0.7
    with pytest.raises(ValueError, match="not"):
        probability.PairModel.from_dict({**model.to_dict(), "features": ["lead"]})


def test_the_packaged_model_was_fitted_on_the_dev_gold_with_its_examples():
    model = probability.default_model()
    assert "kcna-pairs-dev-2012.csv" in model.about.get("gold", "")
    assert 0.0 < model.none_below < model.threshold < 1.0
    examples = probability.packaged_examples()
    assert len(examples) == model.about["examples"] and set(examples["right"]) == {0, 1}


def _candidates(rows):
    out = pd.DataFrame(rows, columns=["tgt_id", "src_id", "score"])
    out["rank"] = out.groupby("tgt_id")["score"].rank(ascending=False, method="first").astype(int)
    out["ratio"], out["numbers"], out["names"], out["length"], out["day_diff"] = (
        out["score"],
        0.0,
        0.0,
        0.0,
        0,
    )
    for col in pairing.RESCORED:
        out[col] = np.nan
    return out


def _targets(ids):
    return pd.DataFrame({"doc_id": ids, "why": [None] * len(ids)})


def test_the_machine_decides_by_the_probability_alone():
    cands = _candidates([("es-1", "en-a", 1.0), ("es-2", "en-b", 0.6), ("es-3", "en-c", 0.1)])
    params = pairing.PairParams()
    # p rises with the lead term: es-1 high, es-2 in between, es-3 low
    model = _model({"lead": 10.0}, -6.0, threshold=0.9, none_below=0.1)
    pairs = pairing.assign(_targets(["es-1", "es-2", "es-3"]), cands, params, model=model).set_index("tgt_id")
    assert list(pairs["decision"]) == ["auto", "doubtful", "none"]
    assert (
        "p 0.500 under 0.900" in pairs.loc["es-2", "reason"] and "under 0.100" in pairs.loc["es-3", "reason"]
    )
    # the same candidates under a stricter model: nothing is auto, whatever the old cut-offs say
    strict = _model({"lead": 10.0}, -6.0, threshold=0.9999, none_below=0.1)
    again = pairing.assign(_targets(["es-1", "es-2", "es-3"]), cands, params, model=strict)
    assert "auto" not in set(again["decision"])


def test_a_persons_decision_beats_the_probability():
    cands = _candidates([("es-1", "en-a", 1.0), ("es-2", "en-b", 1.0), ("es-3", "en-c", 1.0)])
    sure = _model({}, 10.0)  # p ~ 1 for every pair
    doubt = _model({}, -10.0, none_below=0.0)  # p ~ 0 for every pair
    person = pd.DataFrame(
        [
            {"tgt_id": "es-1", "decision": "rejected", "src_id": "en-a"},
            {"tgt_id": "es-2", "decision": "none", "src_id": None},
            {"tgt_id": "es-3", "decision": "accepted", "src_id": "en-c"},
        ]
    )
    targets = _targets(["es-1", "es-2", "es-3"])
    machine = pairing.assign(targets, cands, pairing.PairParams(), person=None, model=sure)
    assert set(machine["decision"]) == {"auto"}
    pairs = pairing.assign(targets, cands, pairing.PairParams(), person=person, model=sure).set_index(
        "tgt_id"
    )
    # a rejected pair is listed as such, by the person, with the source that was rejected (issue 29, item 2)
    assert pairs.loc["es-1", "decision"] == "rejected" and pairs.loc["es-1", "decided_by"] == "person"
    assert pairs.loc["es-1", "src_id"] == "en-a"
    assert pairs.loc["es-2", "decision"] == "none" and pairs.loc["es-2", "decided_by"] == "person"
    low = pairing.assign(targets, cands, pairing.PairParams(), person=person, model=doubt).set_index("tgt_id")
    assert low.loc["es-3", "decision"] == "accepted" and low.loc["es-3", "src_id"] == "en-c"
    assert low.loc["es-3", "decided_by"] == "person"


@pytest.mark.slow  # builds a corpus with the real embedding model
def test_on_the_mini_corpus_the_auto_decisions_come_from_the_probability(tmp_path: Path):
    from corpus_mini import mini_corpus

    from workbench.corpus import CorpusFolder, pipeline

    folder = CorpusFolder.open(mini_corpus(tmp_path))
    model = probability.default_model()
    pairs = folder.read("pairs").to_pandas().set_index("tgt_id")
    machine = learn.machine_pairs(
        folder.read("candidates").to_pandas(),
        folder.read("documents").to_pandas(),
        learn._params(folder),
        model,
    ).set_index("tgt_id")
    assert len(machine) and (pairs.loc[machine.index, "decision"] == machine["decision"]).all()
    auto = machine["decision"] == "auto"
    assert auto.any() and (machine.loc[auto, "p"] >= model.threshold).all()
    assert (machine.loc[machine["decision"] == "none", "p"] < model.none_below).all()
    assert all(f"p {p:.3f}" in pairs.loc[t, "reason"] for t, p in machine["p"].items())
    # a corpus's own model (its manifest) decides instead of the packaged one
    strict = probability.PairModel.from_dict({**model.to_dict(), "threshold": 1.01})
    folder.manifest["params"][probability.MANIFEST_KEY] = strict.to_dict()
    folder.save()
    pipeline.redecide(folder)
    assert "auto" not in set(folder.read("pairs").to_pandas()["decision"])


@pytest.mark.slow  # builds a corpus with the real embedding model
def test_the_person_s_decisions_are_compared_and_learnt_from_in_the_corpus_only(tmp_path: Path, capsys):
    import typer
    from corpus_mini import mini_corpus
    from typer.testing import CliRunner

    from workbench.cli import pairprob
    from workbench.corpus import CorpusFolder, review

    path = mini_corpus(tmp_path)
    app = typer.Typer()
    app.command("refit")(pairprob.refit_cmd)
    app.command("noop")(lambda: None)  # two commands: typer then takes the command name
    runner = CliRunner()
    folder = CorpusFolder.open(path)
    assert learn.agreement(folder) is None  # no person's decision yet
    refused = runner.invoke(app, ["refit", str(path), "--root", str(tmp_path)])
    assert refused.exit_code != 0 and "no decisions of a person" in refused.output
    pairs = folder.read("pairs").to_pandas()
    auto = pairs[pairs["decision"] == "auto"]["tgt_id"].tolist()
    refused_src = pairs.set_index("tgt_id").loc[auto[1], "src_id"]
    review.decide(folder, auto[0], "accepted")
    review.decide(folder, auto[1], "rejected")
    folder = CorpusFolder.open(path)
    info = learn.agreement(folder)
    assert info["decided"] == 2 and info["auto"] == 2 and info["auto_right"] == 1
    pairprob.print_agreement(folder)
    shown = capsys.readouterr().out
    assert "machine said auto: the person agreed" in shown and "1 of 2 (50%)" in shown
    assert "workbench corpus refit" in shown
    packaged = probability.PACKAGED.read_bytes()
    done = runner.invoke(app, ["refit", str(path), "--root", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert "2 of them this corpus's decisions" in done.output
    folder = CorpusFolder.open(path)
    stored = folder.manifest["params"][probability.MANIFEST_KEY]
    assert stored["about"]["corpus_examples"] == 2
    assert probability.PACKAGED.read_bytes() == packaged  # never in the package
    pairs = folder.read("pairs").to_pandas().set_index("tgt_id")
    assert pairs.loc[auto[0], "decision"] == "accepted"
    assert pairs.loc[auto[1], "decision"] == "rejected" and pairs.loc[auto[1], "src_id"] == refused_src
