"""Tests of the GP Bayesian-optimization searcher (raytune_lite.search.bayes)."""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

import raytune_lite as rt
from raytune_lite.search.basic import BasicSearch
from raytune_lite.search.bayes import BayesOpt
from raytune_lite.testing import check_searcher, drive

BRANIN_SPACE = {"x0": rt.uniform(-5.0, 10.0), "x1": rt.uniform(0.0, 15.0)}
BRANIN_MIN = 0.397887


def branin(cfg: dict[str, Any]) -> float:
    x1, x2 = cfg["x0"], cfg["x1"]
    return float(
        (x2 - 5.1 / (4 * math.pi**2) * x1**2 + 5 / math.pi * x1 - 6) ** 2
        + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1)
        + 10
    )


def test_conformance():
    check_searcher(lambda: BayesOpt(n_candidates=128))


def test_conformance_with_ucb_and_constant_liar():
    check_searcher(lambda: BayesOpt(acquisition="ucb", pending="liar", n_candidates=128), n=16)


def test_beats_random_search_on_branin_in_40_evaluations():
    bo, rnd = [], []
    for seed in range(3):
        bo.append(min(v for _, v in drive(BayesOpt(), BRANIN_SPACE, branin, 40, seed)))
        rnd.append(min(v for _, v in drive(BasicSearch(), BRANIN_SPACE, branin, 40, seed)))
    bo_regret = np.mean(bo) - BRANIN_MIN
    assert bo_regret < np.mean(rnd) - BRANIN_MIN
    assert bo_regret < 0.05  # close to the optimum, not only better than random


def test_maximize_finds_the_optimum_of_the_negated_function():
    res = drive(BayesOpt(), BRANIN_SPACE, lambda c: -branin(c), 30, seed=1, mode="max")
    assert -max(v for _, v in res) - BRANIN_MIN < 0.1


MIXED_SPACE = {
    "x": rt.uniform(-2.0, 2.0),
    "n": rt.randint(0, 12),
    "act": rt.choice(["relu", "tanh", "gelu", "silu"]),
    "q": rt.quniform(0, 1, 0.1),
    "const": 3,
}


def mixed_loss(cfg: dict[str, Any]) -> float:
    act = {"relu": 1.0, "tanh": 0.6, "gelu": 0.0, "silu": 1.5}[cfg["act"]]
    return (cfg["x"] - 0.5) ** 2 + 0.05 * (cfg["n"] - 7) ** 2 + act + (cfg["q"] - 0.3) ** 2


def test_integer_quantized_and_categorical_dimensions():
    space = rt.Space(MIXED_SPACE)
    res = drive(BayesOpt(), MIXED_SPACE, mixed_loss, 30, seed=0)
    for cfg, _ in res:
        assert not space.contains(cfg)
        assert isinstance(cfg["n"], int) and cfg["const"] == 3
        assert abs(cfg["q"] * 10 - round(cfg["q"] * 10)) < 1e-9
    best = min(res, key=lambda r: r[1])[0]
    assert best["act"] == "gelu" and best["n"] == 7 and abs(best["q"] - 0.3) < 1e-9
    # the model does not waste its trials repeating configs
    model_phase = [json.dumps(c, sort_keys=True) for c, _ in res[10:]]
    assert len(set(model_phase)) >= len(model_phase) - 2


def test_grid_axes_are_searched_as_categoricals():
    space = {"bs": rt.grid([8, 16, 32, 64]), "x": rt.uniform(0, 1)}
    res = drive(
        BayesOpt(n_initial_points=5),
        space,
        lambda c: abs(math.log2(c["bs"]) - 5) + (c["x"] - 0.2) ** 2,
        20,
        seed=0,
    )
    best = min(res, key=lambda r: r[1])[0]
    assert best["bs"] == 32 and abs(best["x"] - 0.2) < 0.1


@pytest.mark.parametrize(
    "pending", ["soft_believer", "penalize", "fantasies", "thompson", "trust_region"]
)
def test_every_pending_strategy_conforms(pending: str):
    check_searcher(lambda: BayesOpt(pending=pending, n_initial_points=4, n_candidates=64), n=12)


@pytest.mark.parametrize(
    "pending",
    ["believer", "soft_believer", "liar", "penalize", "fantasies", "thompson", "trust_region"],
)
def test_concurrent_suggestions_differ_and_spread_out(pending: str):
    s = BayesOpt(pending=pending)
    drive(s, BRANIN_SPACE, branin, 15, seed=2)
    batch = [s.suggest(f"p{i}") for i in range(4)]
    space = rt.Space(BRANIN_SPACE)
    pts = np.array([space.encode(c) for c in batch if isinstance(c, dict)])
    assert len(pts) == 4
    dists = [np.linalg.norm(a - b) for a, b in itertools.combinations(pts, 2)]
    assert min(dists) > 0.02, dists


def test_failures_never_crash_and_never_count_as_best():
    s = BayesOpt(n_initial_points=4)
    s.setup(rt.Space(BRANIN_SPACE), "loss", "min", seed=0)
    for i in range(16):
        cfg = s.suggest(str(i))
        assert isinstance(cfg, dict)
        if i % 3 == 0:
            s.on_complete(str(i), None, True)
        elif i % 3 == 1:
            s.on_complete(str(i), {"loss": float("nan")}, False)
        else:
            s.on_complete(str(i), {"other": 1.0}, False)  # metric missing
    assert all(v is None for _, v in s.observations())
    s.on_complete("15", {"loss": 5.0}, False)
    s.on_complete("14", {"loss": 3.0}, False)
    assert isinstance(s.suggest("16"), dict)
    assert sorted(v for _, v in s.observations() if v is not None) == [3.0, 5.0]


def test_failed_regions_are_imputed_with_the_worst_value():
    s = BayesOpt(n_initial_points=6)
    res = []
    s.setup(rt.Space({"x": rt.uniform(0, 1)}), "loss", "min", seed=4)
    for i in range(25):
        cfg = s.suggest(str(i))
        res.append(cfg["x"])
        if cfg["x"] < 0.3:  # best region would be x -> 0, but it crashes
            s.on_complete(str(i), None, True)
        else:
            s.on_complete(str(i), {"loss": cfg["x"]}, False)
    late = np.array(res[12:])
    assert np.mean(late < 0.3) < 0.5
    assert np.min(np.abs(late - 0.3)) < 0.05  # it pushes towards the edge of the crash zone


def test_points_to_evaluate_and_their_results_are_learned():
    s = BayesOpt(n_initial_points=5)
    s.setup(rt.Space(BRANIN_SPACE), "loss", "min", seed=0)
    rng = np.random.default_rng(0)
    for i in range(12):
        cfg = rt.Space(BRANIN_SPACE).sample(rng)
        s.add_trial(f"pt{i}", cfg)
        s.on_complete(f"pt{i}", {"loss": branin(cfg)}, False)
    assert len(s.observations()) == 12
    vals = []
    for i in range(10):
        cfg = s.suggest(str(i))
        vals.append(branin(cfg))
        s.on_complete(str(i), {"loss": vals[-1]}, False)
    assert min(vals) - BRANIN_MIN < 0.5


def test_warm_start_from_a_results_dataframe():
    rng = np.random.default_rng(5)
    rows = []
    for _ in range(25):
        cfg = rt.Space(BRANIN_SPACE).sample(rng)
        rows.append(
            {
                "trial_id": "x",
                "status": "TERMINATED",
                "config/x0": cfg["x0"],
                "config/x1": cfg["x1"],
                "score": branin(cfg),
            }
        )
    rows.append({"status": "ERROR", "config/x0": 1.0, "config/x1": 1.0, "score": float("nan")})
    rows.append({"status": "TERMINATED", "config/x0": 99.0})  # does not fit: ignored
    s = BayesOpt()
    s.add_prior_results(pd.DataFrame(rows), metric="score")  # before setup: kept until then
    s.setup(rt.Space(BRANIN_SPACE), "loss", "min", seed=0)
    obs = s.observations()
    assert len(obs) == 27 and sum(v is None for _, v in obs) == 2
    first = [branin(s.suggest(str(i))) for i in range(1)]
    for i in range(1, 6):
        s.on_complete(str(i - 1), {"loss": first[-1]}, False)
        first.append(branin(s.suggest(str(i))))
    assert min(first) - BRANIN_MIN < 0.5  # straight to the model, no random start


def test_same_seed_same_suggestions_and_other_seed_differs():
    a = drive(BayesOpt(), BRANIN_SPACE, branin, 14, seed=3)
    b = drive(BayesOpt(), BRANIN_SPACE, branin, 14, seed=3)
    c = drive(BayesOpt(), BRANIN_SPACE, branin, 14, seed=4)
    assert [x for x, _ in a] == [x for x, _ in b]
    assert [x for x, _ in a] != [x for x, _ in c]


def test_state_round_trip_with_pending_trials_and_priors():
    s = BayesOpt()
    s.add_prior_results([{"config": {"x0": 1.0, "x1": 2.0}, "loss": 20.0}])
    drive(s, BRANIN_SPACE, branin, 12, seed=7)
    s.suggest("pending-1")
    saved = json.loads(json.dumps(s.state()))
    t = BayesOpt()
    t.setup(rt.Space(BRANIN_SPACE), "loss", "min", seed=123)
    t.load_state(saved)
    assert [s.suggest(f"n{i}") for i in range(3)] == [t.suggest(f"n{i}") for i in range(3)]
    assert s.observations() == t.observations()


def test_fit_set_is_capped_and_suggestions_stay_good():
    s = BayesOpt(max_fit_points=20, n_initial_points=5)
    res = drive(s, BRANIN_SPACE, branin, 40, seed=0)
    xs, ys, _ = s._training_set()
    assert len(xs) == 20 and np.isclose(ys.min(), min(v for _, v in res))
    assert min(v for _, v in res) - BRANIN_MIN < 0.1


@pytest.mark.parametrize("kwargs", [{"acquisition": "ucb"}, {"warp_outputs": False}])
def test_other_options_also_optimise(kwargs: dict[str, Any]):
    res = drive(BayesOpt(**kwargs), BRANIN_SPACE, branin, 30, seed=0)
    assert min(v for _, v in res) - BRANIN_MIN < 0.2


def test_bad_arguments_name_the_value():
    with pytest.raises(ValueError, match="'pi'"):
        BayesOpt(acquisition="pi")
    with pytest.raises(ValueError, match="n_initial_points=0"):
        BayesOpt(n_initial_points=0)
    with pytest.raises(ValueError, match="ucb_kappa=-1"):
        BayesOpt(ucb_kappa=-1)
    with pytest.raises(ValueError, match="'fantasy'"):
        BayesOpt(pending="fantasy")
    with pytest.raises(ValueError, match="max_fit_points=5"):
        BayesOpt(max_fit_points=5)
    with pytest.raises(ValueError, match="needs a metric"):
        BayesOpt().setup(rt.Space(BRANIN_SPACE), None, "min", seed=0)
    with pytest.raises(TypeError, match="DataFrame or a list"):
        BayesOpt().add_prior_results(42)
