"""Tests of the TPE searcher (raytune_lite.search.tpe)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

import raytune_lite as rt
from raytune_lite.search.basic import BasicSearch
from raytune_lite.search.tpe import TPE, default_gamma
from raytune_lite.testing import check_searcher, drive

BRANIN_SPACE = {"x0": rt.uniform(-5.0, 10.0), "x1": rt.uniform(0.0, 15.0)}
NESTED_SPACE = {
    "model": rt.choice(
        [
            {"type": "svm", "C": rt.loguniform(1e-3, 1e3)},
            {"type": "tree", "depth": rt.randint(1, 20)},
        ]
    ),
    "seed": 0,
}


def branin(cfg: dict[str, Any]) -> float:
    x1, x2 = cfg["x0"], cfg["x1"]
    return float(
        (x2 - 5.1 / (4 * math.pi**2) * x1**2 + 5 / math.pi * x1 - 6) ** 2
        + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1)
        + 10
    )


def nested_loss(cfg: dict[str, Any]) -> float:
    m = cfg["model"]
    if m["type"] == "svm":
        return abs(math.log10(m["C"]) - 1.0)  # best 0 at C = 10
    return 0.5 + abs(m["depth"] - 7) / 10  # best 0.5 at depth 7


# -- contract ---------------------------------------------------------------------------------


@pytest.mark.parametrize("multivariate", [True, False])
def test_conformance(multivariate: bool) -> None:
    check_searcher(lambda: TPE(n_startup_trials=5, multivariate=multivariate))


def test_nested_space_pending_failures_and_resume() -> None:
    # (check_searcher cannot take this space: Space.contains does not accept a config whose
    # choice was a dict of domains, so the same checks are made here by hand)
    def drive(s: TPE, n: int, seed: int) -> list[dict[str, Any]]:
        s.setup(rt.Space(NESTED_SPACE), "loss", "min", seed=seed)
        rng = np.random.default_rng(seed)
        pending: list[tuple[str, dict[str, Any]]] = []
        out = []
        for i in range(n):
            cfg = s.suggest(str(i))
            assert isinstance(cfg, dict)
            json.dumps(cfg)
            out.append(cfg)
            pending.append((str(i), cfg))
            if len(pending) == 4:
                tid, c = pending.pop(int(rng.integers(4)))
                s.on_complete(
                    tid,
                    {"loss": float("nan")} if int(tid) % 5 == 1 else {"loss": nested_loss(c)},
                    int(tid) % 5 == 2,
                )
        return out

    a, b = drive(TPE(n_startup_trials=4), 30, 2), drive(TPE(n_startup_trials=4), 30, 2)
    assert a == b
    s = TPE(n_startup_trials=4)
    drive(s, 20, 3)
    t = TPE(n_startup_trials=4)
    t.setup(rt.Space(NESTED_SPACE), "loss", "min", seed=9)
    t.load_state(json.loads(json.dumps(s.state())))
    assert s.suggest("x") == t.suggest("x")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_startup_trials": -1},
        {"n_ei_candidates": 0},
        {"gamma": 0.0},
        {"gamma": 1.5},
        {"gamma": "0.1"},
        {"prior_weight": 0.0},
        {"prior_weight": float("nan")},
        {"weights": [1, 2]},
        {"max_pending": 0},
    ],
)
def test_bad_arguments_fail_fast(kwargs: dict[str, Any]) -> None:
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        TPE(**kwargs)


def test_needs_metric() -> None:
    with pytest.raises(ValueError, match="metric"):
        TPE().setup(rt.Space(BRANIN_SPACE), None, "min", seed=0)


def test_same_seed_same_suggestions_and_other_seed_differs() -> None:
    a = [c for c, _ in drive(TPE(n_startup_trials=5), BRANIN_SPACE, branin, 25, seed=4)]
    b = [c for c, _ in drive(TPE(n_startup_trials=5), BRANIN_SPACE, branin, 25, seed=4)]
    c = [c for c, _ in drive(TPE(n_startup_trials=5), BRANIN_SPACE, branin, 25, seed=5)]
    assert a == b
    assert a != c


def test_state_round_trip_with_pending_and_prior() -> None:
    s = TPE(n_startup_trials=3)
    s.add_prior_results([{"config/x0": 2.0, "config/x1": 3.0, "loss": 5.0}])
    drive(s, BRANIN_SPACE, branin, 8, seed=1)
    s.suggest("pending-a")  # still running when the state is saved
    saved = json.loads(json.dumps(s.state()))
    t = TPE(n_startup_trials=3)
    t.setup(rt.Space(BRANIN_SPACE), "loss", "min", seed=77)
    t.load_state(saved)
    assert [s.suggest(f"n{i}") for i in range(3)] == [t.suggest(f"n{i}") for i in range(3)]
    assert len(t.observations()) == 9  # 8 finished + 1 prior result


# -- quality ----------------------------------------------------------------------------------


def test_beats_random_search_on_branin_within_60_evaluations() -> None:
    optimum = 0.397887357729738

    def regret(make: Any, seed: int) -> float:
        return min(v for _, v in drive(make(), BRANIN_SPACE, branin, 60, seed)) - optimum

    tpe = np.mean([regret(TPE, s) for s in range(6)])
    rnd = np.mean([regret(BasicSearch, s) for s in range(6)])
    assert tpe < 0.5 * rnd, (tpe, rnd)


def test_univariate_variant_also_beats_random() -> None:
    def regret(make: Any, seed: int) -> float:
        return min(v for _, v in drive(make(), BRANIN_SPACE, branin, 50, seed))

    uni = np.mean([regret(lambda: TPE(multivariate=False), s) for s in range(4)])
    rnd = np.mean([regret(BasicSearch, s) for s in range(4)])
    assert uni < rnd, (uni, rnd)


def test_nested_space_branches_are_modelled_separately() -> None:
    bests, late_svm, late_c = [], [], []
    for seed in range(4):
        hist = drive(TPE(n_startup_trials=10), NESTED_SPACE, nested_loss, 50, seed)
        bests.append(min(v for _, v in hist))
        late = [c["model"] for c, _ in hist[30:]]
        late_svm.append(np.mean([m["type"] == "svm" for m in late]))
        late_c += [abs(math.log10(m["C"]) - 1) for m in late if m["type"] == "svm"]
        for c, _ in hist:  # only the chosen branch's parameters are present
            assert set(c["model"]) == (
                {"type", "C"} if c["model"]["type"] == "svm" else {"type", "depth"}
            )
            assert c["seed"] == 0
    rnd = [
        min(v for _, v in drive(BasicSearch(), NESTED_SPACE, nested_loss, 50, s)) for s in range(4)
    ]
    assert np.mean(bests) < 0.5 * np.mean(rnd), (bests, rnd)
    assert np.mean(late_svm) > 0.7, late_svm  # the better branch is preferred
    assert np.median(late_c) < 1.0, np.median(late_c)  # random C: median |log10 C - 1| = 1.5


def test_nested_branch_parameter_uses_only_its_branch_trials() -> None:
    # svm trials are all bad; tree trials are good near depth 15: the depth model must learn
    # from the tree trials alone and the selector must prefer "tree".
    s = TPE(n_startup_trials=0)
    s.setup(rt.Space(NESTED_SPACE), "loss", "min", seed=0)
    rng = np.random.default_rng(0)
    for i in range(40):
        if i % 2:
            cfg = {"model": {"type": "svm", "C": float(10 ** rng.uniform(-3, 3))}, "seed": 0}
            loss = 5.0 + rng.random()
        else:
            depth = int(rng.integers(1, 20))
            cfg = {"model": {"type": "tree", "depth": depth}, "seed": 0}
            loss = abs(depth - 15) / 10
        s.add_trial(f"w{i}", cfg)
        s.on_complete(f"w{i}", {"loss": loss}, False)
    sugg = [s.suggest(f"s{i}")["model"] for i in range(20)]  # type: ignore[index]
    trees = [m["depth"] for m in sugg if m["type"] == "tree"]
    assert len(trees) >= 15
    assert np.median(np.abs(np.array(trees) - 15)) <= 3.5  # random: 5


def test_categorical_preference_is_learned() -> None:
    space = {"act": rt.choice(["a", "b", "c", "d"]), "x": rt.uniform(0, 1)}

    def loss(c: dict[str, Any]) -> float:
        return {"a": 1.0, "b": 0.0, "c": 1.0, "d": 1.2}[c["act"]] + 0.1 * c["x"]

    frac = [
        np.mean([c["act"] == "b" for c, _ in drive(TPE(), space, loss, 40, s)[20:]])
        for s in range(4)
    ]
    assert np.mean(frac) > 0.45, frac  # random search: 0.25


def test_integer_and_quantized_dimensions_are_learned() -> None:
    space = {"n": rt.randint(0, 30), "w": rt.lograndint(1, 1024), "q": rt.quniform(0, 10, 0.5)}

    def loss(c: dict[str, Any]) -> float:
        return abs(c["n"] - 21) + abs(math.log2(c["w"]) - 3) + abs(c["q"] - 2.5)

    hist = drive(TPE(), space, loss, 60, seed=2)
    sp = rt.Space(space)
    assert all(not sp.contains(c) for c, _ in hist)
    assert all(isinstance(c["n"], int) and (c["q"] / 0.5).is_integer() for c, _ in hist)
    late = [c for c, _ in hist[40:]]
    assert np.median([abs(c["n"] - 21) for c in late]) <= 3
    assert np.median([abs(c["q"] - 2.5) for c in late]) <= 1.5


def test_maximize() -> None:
    space = {"x": rt.uniform(0, 1)}
    hist = drive(TPE(n_startup_trials=5), space, lambda c: -((c["x"] - 0.3) ** 2), 40, 0, "max")
    late = [c["x"] for c, _ in hist[25:]]
    assert abs(float(np.median(late)) - 0.3) < 0.1
    best = max(hist, key=lambda h: h[1])[0]
    assert abs(best["x"] - 0.3) < 0.05


# -- failures, pending trials, warm start --------------------------------------------------------


def test_failed_and_nan_trials_are_never_best_and_are_avoided() -> None:
    s = TPE(n_startup_trials=10)
    s.setup(rt.Space({"x": rt.uniform(0, 1)}), "loss", "min", seed=3)
    xs = []
    for i in range(60):
        cfg = s.suggest(str(i))
        x = cfg["x"]  # type: ignore[index]
        xs.append(x)
        if x < 0.5:  # the left half fails (an error, or a NaN metric)
            s.on_complete(str(i), {"loss": float("nan")} if i % 2 else None, i % 2 == 0)
        else:
            s.on_complete(str(i), {"loss": (x - 0.8) ** 2}, False)
    obs = s.observations()
    assert all(v is None for c, v in obs if c["x"] < 0.5)
    finite = [(c, v) for c, v in obs if v is not None]
    assert min(finite, key=lambda o: o[1])[0]["x"] >= 0.5
    assert np.mean(np.array(xs[30:]) < 0.5) < 0.3  # random: 0.5


def test_all_failures_do_not_crash() -> None:
    s = TPE(n_startup_trials=2)
    s.setup(rt.Space(BRANIN_SPACE), "loss", "min", seed=0)
    for i in range(8):
        assert isinstance(s.suggest(str(i)), dict)
        s.on_complete(str(i), None, True)


def test_pending_trials_join_the_bad_group_with_constant_liar() -> None:
    for liar in (True, False):
        s = TPE(n_startup_trials=3, constant_liar=liar)
        drive(s, BRANIN_SPACE, branin, 10, seed=0)
        s.suggest("p")
        obs = list(s._obs.values())
        below, above = s._split(np.arange(len(obs)), obs)
        assert len(below) == default_gamma(10) and 10 not in below
        assert (10 in above) is liar


def test_constant_liar_spreads_concurrent_suggestions() -> None:
    def spread(liar: bool) -> float:
        out = []
        for seed in range(8):
            s = TPE(constant_liar=liar)
            drive(s, BRANIN_SPACE, branin, 30, seed)
            pts = np.array(
                [
                    [(c["x0"] + 5) / 15, c["x1"] / 15]  # type: ignore[index]
                    for c in (s.suggest(f"p{j}") for j in range(8))
                ]
            )
            d = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1))
            out.append(d[np.triu_indices(8, 1)].mean())
        return float(np.mean(out))

    assert spread(True) > spread(False)


def test_add_trial_points_count_as_observations() -> None:
    s = TPE(n_startup_trials=5)
    s.setup(rt.Space(BRANIN_SPACE), "loss", "min", seed=0)
    given = [{"x0": math.pi, "x1": x1} for x1 in (1.0, 2.275, 4.0, 8.0, 14.0)]
    for i, cfg in enumerate(given):  # points_to_evaluate: the Tuner calls add_trial
        s.add_trial(f"given{i}", cfg)
        s.on_complete(f"given{i}", {"loss": branin(cfg)}, False)
    assert [c for c, _ in s.observations()] == given

    def no_random() -> np.ndarray:
        raise AssertionError("the 5 given points should end the random start-up")

    s._random_values = no_random  # type: ignore[method-assign]
    assert isinstance(s.suggest("next"), dict)
    s.add_trial("running", {"x0": 0.0, "x1": 0.0})  # a pending given point: a constant lie
    obs = list(s._obs.values())
    assert obs.index(s._obs["running"]) in s._split(np.arange(len(obs)), obs)[1]


def test_prior_results_from_a_dataframe_warm_start() -> None:
    rng = np.random.default_rng(0)
    rows = []
    for i in range(30):
        x = float(rng.uniform(-5, 10))
        cfg = {"x0": x, "x1": 2.275}
        rows.append(
            {
                "trial_id": str(i),
                "status": "TERMINATED",
                **{f"config/{k}": v for k, v in cfg.items()},
                "loss": branin(cfg),
            }
        )
    rows.append(
        {
            "trial_id": "bad",
            "status": "ERROR",
            "config/x0": 0.0,
            "config/x1": 1.0,
            "loss": float("nan"),
        }
    )
    df = pd.DataFrame(rows)
    s = TPE(n_startup_trials=10)
    s.add_prior_results(df)  # before setup: kept until then
    s.setup(rt.Space(BRANIN_SPACE), "loss", "min", seed=0)
    assert len(s.observations()) == 31 and s.observations()[-1][1] is None
    first = [s.suggest(str(i)) for i in range(20)]  # model-based at once: 31 >= 10 startup
    x1 = np.array([c["x1"] for c in first])  # type: ignore[index]
    assert np.median(np.abs(x1 - 2.275)) < 3.5  # uniform over [0, 15]: 5.2


def test_prior_results_bad_input() -> None:
    with pytest.raises(TypeError, match="DataFrame or a list"):
        TPE().add_prior_results({"config/x0": 1.0})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="dict"):
        TPE().add_prior_results([1, 2])


def test_gamma_and_weights_options_are_used() -> None:
    seen: list[int] = []

    def gamma(n: int) -> int:
        seen.append(n)
        return 2

    s = TPE(n_startup_trials=4, gamma=gamma, weights=lambda n: np.ones(n))
    drive(s, BRANIN_SPACE, branin, 7, seed=0)
    assert seen == [4, 5, 6]
    f = TPE(gamma=0.5)
    f.setup(rt.Space(BRANIN_SPACE), "loss", "min", seed=0)
    assert f._gamma(10) == 5 and f._gamma(1) == 1 and f._gamma(0) == 0
    bad = TPE(n_startup_trials=1, weights=lambda n: -np.ones(n))
    with pytest.raises(ValueError, match="weights"):
        drive(bad, BRANIN_SPACE, branin, 3, seed=0)


def test_default_gamma() -> None:
    assert default_gamma(1) == 1 and default_gamma(100) == 10 and default_gamma(1000) == 25
