"""Tests of the observation table of the model-based searchers
(raytune_lite.search._observations), alone and as BayesOpt and TPE use it."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest

import raytune_lite as rt
from raytune_lite.search._observations import Observations
from raytune_lite.search.bayes import BayesOpt
from raytune_lite.search.tpe import TPE
from raytune_lite.trial import Mode


def encode(config: Mapping[str, Any]) -> np.ndarray | None:
    """x in [0, 1] and, when ``y`` is set, y; NaN for a missing y; None outside [0, 1]."""
    if not 0 <= config["x"] <= 1:
        return None
    return np.array([config["x"], config.get("y", math.nan)])


def vector(t: Observations, trial_id: str) -> np.ndarray:
    x = t[trial_id].x
    assert x is not None
    return x


def table(mode: Mode = Mode.MIN) -> Observations:
    t = Observations("MySearcher")
    t.setup(encode, 2, "loss", mode)
    return t


# -- the table alone ------------------------------------------------------------------------


def test_trials_run_end_and_keep_their_order() -> None:
    t = table()
    t.add("b", {"x": 0.5})
    t.add("a", {"x": 2.0})  # does not fit: no vector
    t.add("c", {"x": 0.1, "y": 3.0})
    assert list(t) == ["b", "a", "c"] and len(t) == 3
    assert t["a"].x is None and np.isnan(vector(t, "b")[1])
    assert vector(t, "c").tolist() == [0.1, 3.0]
    assert not any(o.done for o in t.values()) and t.finished() == []
    t.complete("c", {"loss": 1.5}, error=False)
    t.complete("b", {"loss": 9.0}, error=True)  # an error: no value, whatever the row says
    t.complete("a", {"other": 1.0}, error=False)  # the metric is missing: a failure
    t.complete("unknown", {"loss": 0.0}, error=False)  # ignored
    assert t.finished() == [({"x": 0.5}, None), ({"x": 2.0}, None), ({"x": 0.1, "y": 3.0}, 1.5)]
    assert [(o.done, o.loss) for o in t.values()] == [(True, None), (True, None), (True, 1.5)]


@pytest.mark.parametrize("bad", [math.nan, math.inf, None])
def test_a_non_finite_or_missing_metric_is_a_failure(bad: float | None) -> None:
    t = table()
    t.add("a", {"x": 0.5})
    t.complete("a", {"loss": bad}, error=False)
    assert t["a"].done and t["a"].loss is None and t.finished() == [({"x": 0.5}, None)]


def test_losses_are_minimised_and_values_given_back_as_reported() -> None:
    t = table(Mode.MAX)
    t.add("a", {"x": 0.5})
    t.complete("a", {"loss": 4.0}, error=False)
    assert t["a"].loss == -4.0 and t.finished() == [({"x": 0.5}, 4.0)]


def test_prior_results_wait_for_setup_and_count_as_ended_trials() -> None:
    t = Observations("MySearcher")
    t.add_prior([{"config": {"x": 0.2}, "loss": 1.0}, {"config/x": 0.3, "score": 2.0}])
    t.add_prior([{"config/x": 0.4, "score": 3.0, "status": "ERROR"}], metric="score")
    assert len(t) == 0  # not read before setup: no vector, no metric yet
    t.setup(encode, 2, "loss", Mode.MIN)
    assert list(t) == ["__prior_0", "__prior_1", "__prior_2"]
    assert t.finished() == [({"x": 0.2}, 1.0), ({"x": 0.3}, None), ({"x": 0.4}, None)]
    t.add_prior([{"config": {"x": 0.5}, "loss": 4.0}])  # after setup: read at once
    assert t["__prior_3"].loss == 4.0
    t.setup(encode, 2, "loss", Mode.MIN)  # a new setup starts empty
    assert len(t) == 0


def test_a_trial_before_setup_names_the_searcher() -> None:
    with pytest.raises(RuntimeError, match=r"MySearcher\.setup\(\) must be called"):
        Observations("MySearcher").add("a", {"x": 0.5})


def test_state_round_trips_through_json() -> None:
    t = table()
    t.add_prior([{"config": {"x": 0.2, "y": 1.0}, "loss": 1.0}])
    t.add("done", {"x": 0.5})
    t.complete("done", {"loss": 2.0}, error=False)
    t.add("misfit", {"x": 7.0})
    t.add("running", {"x": 0.9, "y": 2.0})
    saved = json.loads(json.dumps(t.state(), allow_nan=False))  # NaN is saved as None
    u = table()
    u.load_state(saved)
    assert list(u) == list(t) and u.finished() == t.finished()
    for tid in t:
        a, b = t[tid], u[tid]
        assert (a.config, a.loss, a.done) == (b.config, b.loss, b.done)
        assert (a.x is None and b.x is None) or np.array_equal(
            vector(t, tid), vector(u, tid), equal_nan=True
        )
    u.add_prior([{"config": {"x": 0.1}, "loss": 0.5}])
    assert "__prior_1" in u  # prior ids go on from the saved count


def test_states_saved_before_the_table_was_shared_still_load() -> None:
    bayes_style = {  # BayesOpt's trials had a status and an "x"
        "n_prior": 1,
        "trials": [
            {"id": "__prior_0", "config": {"x": 0.2}, "loss": 1, "status": "done", "x": [0.2, 0.0]},
            {"id": "f", "config": {"x": 0.3}, "loss": None, "status": "failed", "x": [0.3, 0.0]},
            {"id": "p", "config": {"x": 0.4}, "loss": None, "status": "pending", "x": [0.4, 0.0]},
        ],
    }
    tpe_style = {  # TPE's had "done" and "values"
        "n_prior": 0,
        "trials": [
            {"id": "d", "config": {"x": 0.2}, "loss": 1.0, "done": True, "values": [0.25, None]},
            {"id": "p", "config": {"x": 0.4}, "loss": None, "done": False, "values": [0.4]},
        ],
    }
    t = table()
    t.load_state(bayes_style)
    assert [(tid, o.done, o.loss) for tid, o in t.items()] == [
        ("__prior_0", True, 1.0),
        ("f", True, None),
        ("p", False, None),
    ]
    assert vector(t, "p").tolist() == [0.4, 0.0]  # the saved vector is kept
    t.load_state(tpe_style)
    assert [(tid, o.done) for tid, o in t.items()] == [("d", True), ("p", False)]
    assert vector(t, "d")[0] == 0.25 and np.isnan(vector(t, "d")[1])  # None in a vector: NaN
    assert np.isnan(vector(t, "p")[1])  # a vector of the wrong length is computed again


# -- the searchers suggest as they did before the table was shared --------------------------
# The PINNED_* suggestions were recorded from the code before BayesOpt and TPE shared the
# table (commit 556b35f); the same seed must keep giving them.


def replay(
    make: Callable[[], BayesOpt | TPE],
    space: dict[str, Any],
    loss: Callable[[dict[str, Any]], float],
    prior: list[dict[str, Any]],
    seed: int,
    rounds: int,
) -> tuple[list[dict[str, Any]], BayesOpt | TPE]:
    """Priors before and after setup, a given point, two trials pending at once, failures
    and NaN results, and a resume (state, JSON, load_state) half-way."""
    s = make()
    s.add_prior_results(prior[:2])  # kept until setup
    s.setup(rt.Space(space), "loss", "min", seed=seed)
    s.add_prior_results(prior[2:])
    s.add_trial("given", prior[0]["config"])
    s.on_complete("given", {"loss": loss(prior[0]["config"])}, False)
    got: list[dict[str, Any]] = []
    for r in range(rounds):
        ids = [f"t{2 * r}", f"t{2 * r + 1}"]
        cfgs = [c for c in map(s.suggest, ids) if isinstance(c, dict)]
        assert len(cfgs) == 2
        got += cfgs
        for j, (i, c) in enumerate(zip(ids, cfgs, strict=True)):
            if (r + j) % 5 == 3:
                s.on_complete(i, None, True)
            else:
                nan = (r + j) % 7 == 5
                s.on_complete(i, {"loss": math.nan if nan else loss(c)}, False)
        if r == rounds // 2:
            s.suggest("left-pending")
            saved = json.loads(json.dumps(s.state()))
            s = make()
            s.setup(rt.Space(space), "loss", "min", seed=seed + 100)
            s.load_state(saved)
    return got, s


BO_SPACE = {
    "x": rt.uniform(-2.0, 2.0),
    "lr": rt.loguniform(1e-4, 1e-1),
    "n": rt.randint(0, 12),
    "act": rt.choice(["relu", "tanh", "gelu"]),
    "const": 3,
}
BO_PRIOR: list[dict[str, Any]] = [
    {"config": {"x": 0.1, "lr": 0.01, "n": 3, "act": "relu", "const": 3}, "loss": 2.0},
    {"config/x": -1.0, "config/lr": 1e-3, "config/n": 9, "config/act": "gelu", "loss": math.nan},
    {"config": {"x": 1.5, "lr": 0.05, "n": 5, "act": "tanh", "const": 3}, "loss": 0.7}
    | {"status": "ERROR"},
    {"config": {"x": 0.4, "lr": 0.02, "n": 4, "act": "tanh", "const": 3}, "loss": 0.3},
]
PINNED_BO = [  # x, lr, n, act
    (0.041972260471695666, 0.01792796886375422, 3, "tanh"),
    (0.2766745362910008, 0.007565216227230341, 8, "tanh"),
    (0.3234905815666318, 0.035978724015980304, 0, "tanh"),
    (0.22493281310531676, 0.1, 4, "tanh"),
    (0.220410556320771, 0.004721675850336114, 4, "tanh"),
    (0.1287860373799221, 0.013220070299793706, 5, "tanh"),
    (1.2349274430777348, 0.0007666751462501187, 4, "tanh"),
    (-1.7759920285087296, 0.00258955718044119, 4, "tanh"),
    (0.3835994018547111, 0.0012906325172082917, 3, "tanh"),
    (0.3613940194528502, 0.0017805172527115805, 4, "tanh"),
    (1.838626489534772, 0.005734521249551487, 3, "tanh"),
    (-0.15669116865008914, 0.009982582065306184, 4, "tanh"),
    (0.22274739565008872, 0.009102848029332204, 4, "tanh"),
    (-0.45342683066430367, 0.06679472597013252, 3, "tanh"),
    (-0.3952613549763748, 0.005633603991300641, 3, "tanh"),
    (-0.028086636565892942, 0.0006266935377888725, 2, "tanh"),
]


def bo_loss(c: dict[str, Any]) -> float:
    return (
        (c["x"] - 0.5) ** 2
        + abs(math.log10(c["lr"]) + 2)
        + abs(c["n"] - 4) / 4
        + (c["act"] != "tanh")
    )


def test_bayes_opt_gives_the_recorded_suggestions() -> None:
    got, s = replay(
        lambda: BayesOpt(n_initial_points=5, n_candidates=128, pending="believer"),
        BO_SPACE,
        bo_loss,
        BO_PRIOR,
        11,
        8,
    )
    assert [c["const"] for c in got] == [3] * len(PINNED_BO)
    assert [(c["n"], c["act"]) for c in got] == [(n, a) for _, _, n, a in PINNED_BO]
    assert [c["x"] for c in got] == pytest.approx([x for x, *_ in PINNED_BO])
    assert [c["lr"] for c in got] == pytest.approx([lr for _, lr, *_ in PINNED_BO])
    obs = s.observations()
    assert len(obs) == 21 and sum(v is None for _, v in obs) == 7


TPE_SPACE = {
    "model": rt.choice(
        [
            {"type": "svm", "C": rt.loguniform(1e-3, 1e3)},
            {"type": "tree", "depth": rt.randint(1, 20)},
        ]
    ),
    "u": rt.uniform(0, 1),
}
TPE_PRIOR: list[dict[str, Any]] = [
    {"config": {"model": {"type": "svm", "C": 3.0}, "u": 0.5}, "loss": 0.6},
    {"config": {"model": {"type": "tree", "depth": 3}, "u": 0.1}, "loss": math.nan},
    {"config": {"model": {"type": "tree", "depth": 8}, "u": 0.2}, "loss": 0.61},
    {"config": {"model": {"type": "svm", "C": 0.1}, "u": 0.9}, "loss": 2.5}
    | {"trial_status": "ERROR"},
]
PINNED_TPE = [  # model type, its C or depth, u
    ("tree", 12, 0.9285983546642361),
    ("svm", 447.5060466569646, 0.022997105785391325),
    ("svm", 0.002746426840321385, 0.41241809344327307),
    ("tree", 18, 0.6643040152875657),
    ("svm", 305.4572063266239, 0.7565388384375452),
    ("svm", 3.0560785715634466, 0.2981475165776426),
    ("tree", 1, 0.35623633373515895),
    ("svm", 0.001436475013338934, 0.18085836303967912),
    ("tree", 8, 0.5816909956126223),
    ("svm", 2.4453479287877826, 0.7055015028688726),
    ("tree", 19, 0.7825383242713815),
    ("svm", 0.09306748672042164, 0.6123044959767499),
    ("svm", 26.98406019937205, 0.4932740272531892),
    ("svm", 0.03520944344651083, 0.5074772147324424),
    ("tree", 12, 0.4895806350468124),
    ("svm", 44.30440951911833, 0.8688626569245623),
    ("svm", 0.014502437118589156, 0.4048884522549481),
    ("svm", 0.4405610352840711, 0.5884900356302336),
    ("svm", 40.79897988045678, 0.22771530848892835),
    ("svm", 0.008854882431472748, 0.4414685466902524),
    ("svm", 8.53363099632974, 0.6512494250298444),
    ("tree", 8, 0.2613931680050925),
    ("svm", 119.16351666328802, 0.6659652006003515),
    ("svm", 19.71217730391284, 0.9788869699873721),
]


def tpe_loss(c: dict[str, Any]) -> float:
    m = c["model"]
    base = abs(math.log10(m["C"]) - 1.0) if m["type"] == "svm" else 0.5 + abs(m["depth"] - 7) / 10
    return base + (c["u"] - 0.3) ** 2


def test_tpe_gives_the_recorded_suggestions() -> None:
    got, s = replay(lambda: TPE(n_startup_trials=4), TPE_SPACE, tpe_loss, TPE_PRIOR, 5, 12)
    assert [c["model"]["type"] for c in got] == [t for t, _, _ in PINNED_TPE]
    inner = [c["model"].get("C", c["model"].get("depth")) for c in got]
    assert inner == pytest.approx([v for _, v, _ in PINNED_TPE])
    assert [c["u"] for c in got] == pytest.approx([u for *_, u in PINNED_TPE])
    obs = s.observations()
    assert len(obs) == 29 and sum(v is None for _, v in obs) == 9
