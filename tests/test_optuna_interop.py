"""An experiment folder (written directly, no Ray) copied into Optuna, and back as priors."""

from __future__ import annotations

import math

import pytest

import raytune_lite as rt
from raytune_lite.optuna_interop import distributions, prior_results
from raytune_lite.search import TPE
from raytune_lite.store import ExperimentState, ExperimentStatus, ExperimentStore, PluginState

optuna = pytest.importorskip("optuna")

SPACE = {
    "lr": {"__domain__": "float", "low": 1e-4, "high": 0.1, "log": True, "q": None},
    "layers": {"__domain__": "int", "low": 1, "high": 6, "log": False},
    "act": {"__domain__": "choice", "choices": ["relu", None]},
    "fixed": 3,
}
TRIALS = [  # id, config, status, losses per iteration
    ("00000", {"lr": 0.01, "layers": 2, "act": "relu", "fixed": 3}, "TERMINATED", [0.5, 0.3]),
    ("00001", {"lr": 0.05, "layers": 5, "act": None, "fixed": 3}, "STOPPED_EARLY", [0.9]),
    ("00002", {"lr": 0.001, "layers": 1, "act": "relu", "fixed": 3}, "ERROR", []),
    ("00003", {"lr": 0.5, "layers": 3, "act": None, "fixed": 3}, "TERMINATED", [0.7, 0.6]),
]


@pytest.fixture
def results(tmp_path):
    store = ExperimentStore(str(tmp_path / "exp"))
    for tid, config, status, losses in TRIALS:
        store.add_trial(tid, config)
        rows = [{"loss": v, "training_iteration": i + 1} for i, v in enumerate(losses)]
        if rows:
            store.append_rows(tid, rows)
        summary = {"trial_id": tid, "config": config, "status": status, "num_results": len(rows)}
        summary |= {"last_result": rows[-1] if rows else None, "error": None}
        store.write_trial(tid, summary | ({"error": "ValueError: x"} if status == "ERROR" else {}))
    spec = {"name": "exp", "metric": "loss", "mode": "min"}
    state = ExperimentState(
        ExperimentStatus.FINISHED, spec, SPACE, PluginState("BasicSearch"), PluginState("ASHA")
    )
    store.write_experiment(state)
    store.close()
    return rt.ResultGrid.from_path(store.path)


def test_the_trials_become_an_optuna_study(results, tmp_path):
    storage = f"sqlite:///{tmp_path / 'exp.db'}"
    study = results.to_optuna_study(storage=storage)
    trials = {t.user_attrs["trial_id"]: t for t in study.trials}
    state = optuna.trial.TrialState
    assert [trials[t].state for t in sorted(trials)] == [
        state.COMPLETE,
        state.PRUNED,
        state.FAIL,
        state.COMPLETE,
    ]
    assert study.best_trial.user_attrs["trial_id"] == "00000" and study.best_value == 0.3
    assert trials["00000"].params == {"lr": 0.01, "layers": 2, "act": "relu"}  # no constant
    assert trials["00000"].intermediate_values == {1: 0.5, 2: 0.3}
    assert "lr" not in trials["00003"].params  # 0.5 is outside the space: left out
    again = optuna.load_study(study_name="exp", storage=storage)  # what the dashboard reads
    assert len(again.trials) == 4
    importances = optuna.importance.get_param_importances(study)
    assert set(importances) <= {"lr", "layers", "act"}


def test_distributions_follow_the_domains():
    d = distributions(SPACE)
    assert d["lr"] == optuna.distributions.FloatDistribution(1e-4, 0.1, log=True)
    assert d["layers"] == optuna.distributions.IntDistribution(1, 5)  # randint excludes high
    assert d["act"] == optuna.distributions.CategoricalDistribution(["relu", None])
    assert "fixed" not in d


def test_stepped_integers_keep_their_step_where_optuna_takes_one():
    space = rt.Space({"a": rt.randint(0, 10, step=4), "b": rt.qlograndint(8, 64, 8)}).to_json()
    d = distributions(space)
    assert d["a"] == optuna.distributions.IntDistribution(0, 8, step=4)  # 0, 4, 8
    assert d["b"] == optuna.distributions.IntDistribution(8, 64, log=True)  # no step with log


def test_an_optuna_study_warm_starts_a_searcher(results):
    study = results.to_optuna_study()
    records = prior_results(study, "loss")
    by_lr = {r.get("config/lr"): r for r in records}
    assert by_lr[0.01] == {
        "config/lr": 0.01,
        "config/layers": 2,
        "config/act": "relu",
        "loss": 0.3,
        "status": "TERMINATED",
    }
    assert by_lr[0.001]["status"] == "ERROR" and by_lr[0.001]["loss"] is None
    assert by_lr[0.05]["loss"] == 0.9  # pruned: its last value
    tpe = TPE()
    tpe.add_prior_results(records, metric="loss")  # accepted as priors
    space = rt.Space(
        {
            "lr": rt.loguniform(1e-4, 0.1),
            "layers": rt.randint(1, 6),
            "act": rt.choice(["relu", None]),
        }
    )
    tpe.setup(space, "loss", "min", seed=0)
    observed = tpe.observations()
    assert sorted((v is None, v) for _, v in observed) == [
        (False, 0.3),
        (False, 0.6),
        (False, 0.9),
        (True, None),  # the failed trial counts as a failure
    ]
    cfg = tpe.suggest("00000")
    assert isinstance(cfg, dict) and 1e-4 <= cfg["lr"] <= 0.1 and not math.isnan(cfg["lr"])
