"""Tests of the adaptive local search (no Ray needed)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from raytune_lite.search.base import Searcher
from raytune_lite.search.basic import BasicSearch
from raytune_lite.search.local import LocalSearch, Restart
from raytune_lite.space import Space, choice, grid, randint, sample_from, uniform
from raytune_lite.testing import CONFORMANCE_SPACE, check_searcher

SHIFT = np.array([0.7, -1.3, 2.1, -0.4, 1.6])
SPHERE = Space({f"x{i}": uniform(-5, 5) for i in range(5)})
PLANE = Space({"x": uniform(0, 1), "y": uniform(0, 1)})


def sphere(cfg: dict[str, Any]) -> float:
    return float(sum((cfg[f"x{i}"] - SHIFT[i]) ** 2 for i in range(5)))


def best_of(s: Searcher, seed: int, n: int = 150, pending: int = 4) -> float:
    """Runs ``n`` trials with ``pending`` outstanding, completed in random order."""
    s.setup(SPHERE, "loss", "min", seed=seed, num_samples=n)
    rng = np.random.default_rng(seed + 100)
    out: list[tuple[str, dict[str, Any]]] = []
    best, started = np.inf, 0
    while started < n or out:
        while started < n and len(out) < pending:
            cfg = s.suggest(str(started))
            assert isinstance(cfg, dict)
            out.append((str(started), cfg))
            started += 1
        tid, cfg = out.pop(int(rng.integers(len(out))))
        v = sphere(cfg)
        best = min(best, v)
        s.on_complete(tid, {"loss": v}, False)
    return best


def enc(cfg: Any) -> np.ndarray:
    return PLANE.encode(cfg)


def test_conforms() -> None:
    check_searcher(lambda: LocalSearch())
    check_searcher(lambda: LocalSearch(init_step=0.05, min_step=0.01, restart=Restart.BEST))


def test_conforms_with_a_grid_axis_treated_as_a_categorical() -> None:
    check_searcher(lambda: LocalSearch(), param_space={**CONFORMANCE_SPACE, "g": grid([1, 2, 3])})


def test_beats_random_search_on_shifted_sphere() -> None:
    seeds = range(5)
    local = np.mean([best_of(LocalSearch(), s) for s in seeds])
    rnd = np.mean([best_of(BasicSearch(), s) for s in seeds])
    assert local < rnd / 4, (local, rnd)


def test_starts_at_init_config_then_probes_at_step_distance() -> None:
    s = LocalSearch(init_config={"x": 0.3, "y": 0.6}, init_step=0.1)
    s.setup(PLANE, "loss", "min", seed=0)
    assert s.suggest("0") == {"x": 0.3, "y": 0.6}
    # several pending: each is a probe around the same incumbent, at distance step
    probes = [s.suggest(str(i)) for i in range(1, 5)]
    for p in probes:
        assert np.linalg.norm(enc(p) - [0.3, 0.6]) == pytest.approx(0.1)
    assert len({json.dumps(p, sort_keys=True) for p in probes}) == 4


def test_step_grows_after_success_and_mirror_is_tried_after_failure() -> None:
    s = LocalSearch(init_config={"x": 0.5, "y": 0.5}, init_step=0.1, grow=1.5)
    s.setup(PLANE, "loss", "min", seed=1)
    s.suggest("c")
    s.on_complete("c", {"loss": 1.0}, False)
    plus = s.suggest("p")
    s.on_complete("p", {"loss": 2.0}, False)  # not better: the mirror comes next
    minus = s.suggest("m")
    assert np.allclose(enc(plus) + enc(minus), [1.0, 1.0])
    assert s.step == pytest.approx(0.1)
    s.on_complete("m", {"loss": 0.5}, False)  # better: move there, grow the step
    assert s.step == pytest.approx(0.15)
    assert s.incumbent == minus
    assert s.num_successes == 1


def test_step_shrinks_after_a_run_of_failures_then_restarts() -> None:
    # the start point is optimal: every probe fails
    s = LocalSearch(
        init_config={"x": 0.5, "y": 0.5}, init_step=0.1, min_step=0.03, shrink=0.5, patience=2
    )
    s.setup(PLANE, "loss", "min", seed=2)

    def loss(cfg: Any) -> float:
        return float(np.linalg.norm(enc(cfg) - 0.5))

    steps = []
    i = 0
    while s.num_restarts == 0:
        cfg = s.suggest(str(i))
        assert isinstance(cfg, dict)
        s.on_complete(str(i), {"loss": loss(cfg)}, False)
        steps.append(s.step)
        i += 1
        assert i < 100
    # 1 start + (2 directions x 2 sides) per shrink: 0.1 -> 0.05 -> 0.025 < min -> restart
    assert i == 1 + 4 + 4
    assert steps[4] == pytest.approx(0.05) and steps[3] == pytest.approx(0.1)
    assert s.num_shrinks == 2 and s.step == pytest.approx(0.1)
    start = s.suggest("restart")  # a random restart evaluates its new start point first
    assert isinstance(start, dict) and loss(start) > 0.0
    assert s.incumbent == start


def test_restart_from_best_keeps_the_best_point() -> None:
    s = LocalSearch(
        init_config={"x": 0.5, "y": 0.5}, init_step=0.1, min_step=0.06, restart="best", patience=1
    )
    s.setup(PLANE, "loss", "min", seed=3)
    i = 0
    while s.num_restarts == 0:
        cfg = s.suggest(str(i))
        assert isinstance(cfg, dict)
        s.on_complete(str(i), {"loss": float(np.linalg.norm(enc(cfg) - 0.5))}, False)
        i += 1
    assert s.incumbent == {"x": 0.5, "y": 0.5}
    nxt = s.suggest("after")
    assert np.linalg.norm(enc(nxt) - 0.5) == pytest.approx(0.1)  # probes at once


def test_external_first_point_becomes_the_incumbent() -> None:
    s = LocalSearch()
    s.setup(PLANE, "loss", "max", seed=0)
    s.add_trial("warm", {"x": 0.7, "y": 0.3})
    first = s.suggest("0")
    assert first != {"x": 0.5, "y": 0.5}, "the centre is not evaluated: the warm point is"
    assert np.linalg.norm(enc(first) - [0.7, 0.3]) == pytest.approx(s.step)
    s.on_complete("warm", {"loss": 3.0}, False)
    assert s.best_score == -3.0  # max mode: stored negated


def test_probes_that_decode_to_the_incumbent_are_skipped() -> None:
    space = Space({"n": randint(0, 3), "k": choice(["a", "b", "c"])})
    s = LocalSearch(init_step=0.05, min_step=0.01)
    s.setup(space, "loss", "min", seed=0)
    start = s.suggest("0")
    s.on_complete("0", {"loss": 1.0}, False)
    for i in range(1, 30):
        cfg = s.suggest(str(i))
        assert cfg != start or s.num_restarts > 0
        s.on_complete(str(i), {"loss": 2.0}, False)


def test_categoricals_are_switched_not_stepped() -> None:
    space = Space({"x": uniform(0, 1), "k": choice(["a", "b", "c", "d"])})
    pen = {"a": 3.0, "b": 2.0, "c": 0.0, "d": 1.0}
    s = LocalSearch(init_config={"x": 0.2, "k": "a"}, init_step=0.1, switch_prob=0.3)
    s.setup(space, "loss", "min", seed=0)
    switches = 0
    for i in range(60):
        before_k, before_step = s.incumbent["k"], s.step
        cfg = s.suggest(str(i))
        assert isinstance(cfg, dict)
        if cfg["k"] != before_k:  # a switch: the numeric value stays, the step is kept
            switches += 1
            assert cfg["x"] == pytest.approx(s.incumbent["x"])
        loss = (cfg["x"] - 0.6) ** 2 + pen[cfg["k"]]
        s.on_complete(str(i), {"loss": loss}, False)
        if cfg["k"] != before_k:
            assert s.step == before_step
    assert 5 <= switches <= 35
    assert s.incumbent["k"] == "c"
    assert abs(s.incumbent["x"] - 0.6) < 0.05


def test_categorical_only_space_is_searched_by_switches() -> None:
    space = Space({"k": choice(list("abcdef")), "m": choice([1, 2, 3])})
    s = LocalSearch()
    s.setup(space, "loss", "max", seed=1)
    for i in range(30):
        cfg = s.suggest(str(i))
        assert isinstance(cfg, dict)
        s.on_complete(str(i), {"loss": float(cfg["k"] == "e") + cfg["m"]}, False)
    assert s.incumbent == {"k": "e", "m": 3}


def test_same_seed_same_suggestions_and_state_round_trip() -> None:
    def run(seed: int) -> tuple[LocalSearch, list[Any]]:
        s = LocalSearch()
        s.setup(SPHERE, "loss", "min", seed=seed)
        cfgs = []
        for i in range(15):
            cfg = s.suggest(str(i))
            assert isinstance(cfg, dict)
            cfgs.append(cfg)
            if i >= 2:
                s.on_complete(str(i - 2), {"loss": sphere(cfgs[i - 2])}, False)
        return s, cfgs

    (a, ca), (_, cb), (_, cc) = run(5), run(5), run(6)
    assert ca == cb and ca != cc
    c = LocalSearch()
    c.setup(SPHERE, "loss", "min", seed=0)
    c.load_state(json.loads(json.dumps(a.state())))
    for s in (a, c):
        for i in (13, 14):
            s.on_complete(str(i), {"loss": sphere(ca[i])}, False)
    assert [a.suggest(f"n{i}") for i in range(6)] == [c.suggest(f"n{i}") for i in range(6)]


def test_space_of_constants_and_choice_of_subspaces() -> None:
    """Nothing to encode still works; a choice among sub-spaces samples the chosen one."""
    s = LocalSearch()
    s.setup(Space({"c": 1, "d": sample_from(lambda cfg: cfg["c"] + 1)}), "loss", "min", seed=0)
    for i in range(4):
        assert s.suggest(str(i)) == {"c": 1, "d": 2}
        s.on_complete(str(i), {"loss": 1.0}, False)
    sub = Space(
        {"m": choice([{"kind": "a", "v": uniform(0, 1)}, {"kind": "b"}]), "x": uniform(0, 1)}
    )
    s.setup(sub, "loss", "min", seed=0)
    for i in range(12):
        cfg = s.suggest(str(i))
        assert isinstance(cfg, dict)
        assert cfg["m"]["kind"] in ("a", "b")
        assert cfg["m"]["kind"] == "b" or 0 <= cfg["m"]["v"] <= 1
        s.on_complete(str(i), {"loss": cfg["x"]}, False)
        json.dumps(s.state())


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"init_step": 0.0}, "init_step"),
        ({"init_step": 0.1, "min_step": 0.2}, "min_step"),
        ({"init_step": 0.5, "max_step": 0.2}, "max_step"),
        ({"grow": 0.5}, "grow"),
        ({"shrink": 1.0}, "shrink"),
        ({"patience": 0}, "patience"),
        ({"restart": "never"}, "restart"),
        ({"init_config": [1, 2]}, "init_config"),
        ({"switch_prob": 1.5}, "switch_prob"),
    ],
)
def test_rejects_bad_arguments(kwargs: dict[str, Any], word: str) -> None:
    with pytest.raises(ValueError, match=word):
        LocalSearch(**kwargs)


def test_rejects_init_config_outside_the_space() -> None:
    with pytest.raises(ValueError, match="init_config"):
        LocalSearch(init_config={"x": 2.0, "y": 0.5}).setup(PLANE, "loss", "min", seed=0)
