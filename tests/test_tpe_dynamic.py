"""TPE over a define-by-run space (search/_tpe/dynamic.py), without Ray: the controller's
part is played by a loop that asks for each value as an objective would."""

from __future__ import annotations

import json

import numpy as np

import raytune_lite as rt
from raytune_lite.define_by_run.distributions import (
    categorical_distribution,
    float_distribution,
    int_distribution,
)
from raytune_lite.define_by_run.trial import ObjectiveTrial
from raytune_lite.search.basic import BasicSearch
from raytune_lite.search.tpe import TPE


def objective(trial: ObjectiveTrial) -> float:
    kind = trial.suggest_categorical("kind", ["near", "far"])
    x = trial.suggest_float("x", -10, 10)
    if kind == "near":
        n = trial.suggest_int("n", 1, 8)
        return (x - 2) ** 2 + abs(n - 5)
    return 5 + (x + 3) ** 2


def run(searcher, n_trials, seed=0, start=0, fn=objective):
    """Runs ``n_trials`` sequentially; returns their (params, loss)."""
    if start == 0:
        searcher.setup(rt.Space({}), "loss", "min", seed, n_trials)
    out = []
    for i in range(start, start + n_trials):
        tid = f"{i:05d}"
        config = searcher.suggest(tid)
        assert config == {}
        params: dict = {}

        def ask(name, dist, tid=tid, params=params):
            value = searcher.suggest_param(tid, name, dist, dict(params))
            assert dist.contains(value)
            params[name] = value
            return value

        loss = fn(ObjectiveTrial(i, {}, ("loss",), ask, lambda row: False))
        searcher.on_complete(tid, {"loss": loss}, False)
        out.append((params, loss))
    return out


def test_tpe_beats_random_on_a_conditional_space():
    tpe = [loss for _, loss in run(TPE(n_startup_trials=10), 60, seed=1)]
    rnd = [loss for _, loss in run(BasicSearch(), 60, seed=1)]
    assert min(tpe) < 1.0
    assert np.median(tpe[30:]) < np.median(rnd[30:]) / 2


def test_a_conditional_parameter_is_learnt_from_its_branch_only():
    tpe = TPE(n_startup_trials=10)
    trials = run(tpe, 50, seed=2)
    near = [p for p, _ in trials[25:] if p["kind"] == "near"]
    assert len(near) > 10  # the good branch is taken more and more
    assert all(("n" in p) == (p["kind"] == "near") for p, _ in trials)
    assert np.mean([abs(p["n"] - 5) for p in near]) < 1.5


def test_same_seed_same_values():
    a = run(TPE(n_startup_trials=5), 25, seed=3)
    b = run(TPE(n_startup_trials=5), 25, seed=3)
    assert a == b
    assert a != run(TPE(n_startup_trials=5), 25, seed=4)


def test_state_round_trips_mid_way():
    first = TPE(n_startup_trials=5)
    run(first, 15, seed=5)
    state = json.loads(json.dumps(first.state()))  # as experiment.json keeps it
    again = TPE(n_startup_trials=5)
    again.setup(rt.Space({}), "loss", "min", 999, 30)
    again.load_state(state)
    assert run(again, 10, start=15) == run(first, 10, start=15)


def test_values_outside_a_changed_range_are_left_out():
    tpe = TPE(n_startup_trials=3)
    tpe.setup(rt.Space({}), "loss", "min", 0, 10)
    wide = float_distribution("x", -100, 100)
    for i in range(6):
        tid = str(i)
        tpe.suggest(tid)
        x = tpe.suggest_param(tid, "x", wide, {})
        tpe.on_complete(tid, {"loss": abs(x)}, False)
    narrow = float_distribution("x", 0, 1)
    tpe.suggest("6")
    assert narrow.contains(tpe.suggest_param("6", "x", narrow, {}))
    # an int and a categorical of the same name ask without tripping over the floats
    tpe.suggest("7")
    assert int_distribution("x", 1, 3).contains(
        tpe.suggest_param("7", "x", int_distribution("x", 1, 3), {})
    )
    cat = categorical_distribution("x", ["a", "b"])
    tpe.suggest("8")
    assert tpe.suggest_param("8", "x", cat, {}) in ("a", "b")


def test_the_trials_params_become_its_observed_config():
    tpe = TPE(n_startup_trials=2)
    tpe.setup(rt.Space({}), "loss", "min", 0, 5)
    tpe.suggest("0")
    # the controller passes the values the trial had already (e.g. replayed on a retry)
    tpe.suggest_param("0", "b", float_distribution("b", 0, 1), {"a": 3})
    tpe.on_complete("0", {"loss": 1.0}, False)
    ((config, value),) = tpe.observations()
    assert set(config) == {"a", "b"} and value == 1.0


def test_failed_and_running_trials_join_the_bad_group():
    tpe = TPE(n_startup_trials=4)
    results = run(tpe, 8, seed=6)
    tpe.suggest("running")
    tpe.suggest_param("running", "kind", categorical_distribution("kind", ["near", "far"]), {})
    tpe.suggest("failed")
    tpe.suggest_param("failed", "kind", categorical_distribution("kind", ["near", "far"]), {})
    tpe.on_complete("failed", None, True)
    assert len(results) == 8
    after = run(tpe, 4, start=8)
    assert all(p["kind"] in ("near", "far") for p, _ in after)


def test_basic_search_draws_at_random_inside():
    s = BasicSearch()
    trials = run(s, 30, seed=7)
    assert {p["kind"] for p, _ in trials} == {"near", "far"}
    assert all(-10 <= p["x"] <= 10 for p, _ in trials)


def valley(trial: ObjectiveTrial) -> float:
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_float("y", -5, 5)
    return 5 * (x - y) ** 2 + 0.1 * (x + y - 3) ** 2


def test_multivariate_draws_the_shared_parameters_jointly_once_per_trial():
    tpe = TPE(n_startup_trials=5)  # multivariate by default
    run(tpe, 8, seed=8, fn=valley)
    tpe.suggest("next")
    x = tpe.suggest_param("next", "x", float_distribution("x", -5, 5), {})
    plan = tpe._dynamic.plans["next"]
    assert set(plan) == {"x", "y"} and plan["x"][0] == x  # both drawn at the first ask
    state = json.loads(json.dumps(tpe.state()))  # mid-trial: the plan is kept
    again = TPE(n_startup_trials=5)
    again.setup(rt.Space({}), "loss", "min", 0, 10)
    again.load_state(state)
    y = float_distribution("y", -5, 5)
    assert again.suggest_param("next", "y", y, {"x": x}) == tpe.suggest_param(
        "next", "y", y, {"x": x}
    )
    # a distribution other than the planned one is drawn on its own
    assert float_distribution("y", 0, 1).contains(
        tpe.suggest_param("next", "y2", float_distribution("y", 0, 1), {})
    )
    tpe.on_complete("next", {"loss": 1.0}, False)
    assert "next" not in tpe._dynamic.plans
    independent = TPE(n_startup_trials=5, multivariate=False)
    run(independent, 8, seed=8, fn=valley)
    independent.suggest("n")
    independent.suggest_param("n", "x", float_distribution("x", -5, 5), {})
    assert independent._dynamic.plans == {}


def test_multivariate_follows_a_correlated_valley():
    best = {
        mv: np.median(
            [
                min(loss for _, loss in run(TPE(multivariate=mv), 50, seed=s, fn=valley))
                for s in range(4)
            ]
        )
        for mv in (True, False)
    }
    rnd = np.median(
        [min(loss for _, loss in run(BasicSearch(), 50, seed=s, fn=valley)) for s in range(4)]
    )
    assert best[True] < rnd and best[False] < rnd
