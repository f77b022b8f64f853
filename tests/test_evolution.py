"""Tests of the steady-state genetic algorithm (no Ray needed)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from raytune_lite.search.base import Searcher
from raytune_lite.search.basic import BasicSearch
from raytune_lite.search.evolution import GeneticSearch
from raytune_lite.space import Space, choice, flatten, grid, sample_from, uniform
from raytune_lite.testing import CONFORMANCE_SPACE, check_searcher

SHIFT = np.array([0.7, -1.3, 2.1, -0.4, 1.6])
SPHERE = Space({f"x{i}": uniform(-5, 5) for i in range(5)})


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


def test_conforms() -> None:
    check_searcher(lambda: GeneticSearch())
    check_searcher(lambda: GeneticSearch(population_size=4, tournament_size=2, elite=1))


def test_conforms_with_a_grid_axis_treated_as_a_categorical() -> None:
    check_searcher(
        lambda: GeneticSearch(population_size=4, tournament_size=2),
        param_space={**CONFORMANCE_SPACE, "g": grid([1, 2, 3])},
    )


def test_beats_random_search_on_shifted_sphere() -> None:
    seeds = range(5)
    ga = np.mean([best_of(GeneticSearch(), s) for s in seeds])
    rnd = np.mean([best_of(BasicSearch(), s) for s in seeds])
    assert ga < rnd / 4, (ga, rnd)


def test_same_seed_same_suggestions_other_seed_differs() -> None:
    runs = []
    for seed in (1, 1, 2):
        s = GeneticSearch(population_size=4)
        s.setup(SPHERE, "loss", "min", seed=seed)
        cfgs = []
        for i in range(20):
            cfg = s.suggest(str(i))
            assert isinstance(cfg, dict)
            cfgs.append(cfg)
            s.on_complete(str(i), {"loss": sphere(cfg)}, False)
        runs.append(cfgs)
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_crossover_only_mixes_parent_values() -> None:
    """Children take every key from a parent, except the one forced mutation that a child
    identical to a parent gets; nested keys cross over, conditionals are recomputed."""
    space = Space(
        {
            "a": uniform(0, 1),
            "b": uniform(0, 1),
            "net": {"c": uniform(0, 1), "act": choice(["relu", "tanh", "gelu", "elu"])},
            "d": choice(list(range(10))),
            "sum": sample_from(lambda cfg: cfg["a"] + cfg["net"]["c"]),
        }
    )
    mixed = 0
    for seed in range(20):
        s = GeneticSearch(population_size=6, tournament_size=2, elite=0, mutation_rate=1e-12)
        s.setup(space, "loss", "min", seed=seed)
        rng = np.random.default_rng(seed)
        for i in range(6):
            cfg = s.suggest(f"init{i}")
            assert isinstance(cfg, dict)
            s.on_complete(f"init{i}", {"loss": float(rng.random())}, False)
        for i in range(6):
            pool = [flatten(c) for c, _ in s.parent_pool()]
            child = s.suggest(f"c{i}")
            assert isinstance(child, dict)
            assert child["sum"] == child["a"] + child["net"]["c"]
            flat = {k: v for k, v in flatten(child).items() if k != "sum"}
            novel = [k for k, v in flat.items() if all(p[k] != v for p in pool)]
            assert len(novel) <= 1, (novel, flat, pool)
            # the first child's parents are distinct random configs: does it need two?
            if i == 0 and all(sum(p[k] != v for k, v in flat.items()) > 1 for p in pool):
                mixed += 1
            s.on_complete(f"c{i}", {"loss": float(rng.random())}, False)
    assert mixed >= 6, f"uniform crossover mixed two parents in only {mixed} of 20 children"


def test_mutation_changes_numbers_and_categoricals() -> None:
    space = Space({"x": uniform(0, 1), "k": choice(["a", "b", "c"])})
    s = GeneticSearch(
        population_size=2, tournament_size=1, elite=0, mutation_rate=1.0, mutation_sigma=0.05
    )
    s.setup(space, "loss", "min", seed=4)
    parents = []
    for i in range(2):
        cfg = s.suggest(str(i))
        assert isinstance(cfg, dict)
        parents.append(cfg)
        s.on_complete(str(i), {"loss": float(i)}, False)
    for i in range(10):
        child = s.suggest(f"m{i}")
        assert isinstance(child, dict)
        assert all(child["x"] != p["x"] for p in parents)
        assert all(child["k"] != p["k"] for p in parents) or parents[0]["k"] != parents[1]["k"]


def test_failed_and_nan_trials_are_never_parents_and_elite_stays() -> None:
    space = Space({"x": uniform(0, 1)})
    s = GeneticSearch(population_size=3, tournament_size=2, elite=1)
    s.setup(space, "loss", "max", seed=0)
    cfgs = {}
    for i in range(12):
        cfg = s.suggest(str(i))
        assert isinstance(cfg, dict)
        cfgs[str(i)] = cfg
    s.on_complete("0", {"loss": 100.0}, False)  # the best (mode max)
    s.on_complete("1", None, True)  # failed
    s.on_complete("2", {"loss": float("nan")}, False)  # NaN
    s.on_result("3", {"loss": 5.0})
    s.on_complete("3", None, False)  # no final row: last row counts
    for i in range(4, 12):
        s.on_complete(str(i), {"loss": float(i)}, False)
    pool = s.parent_pool()
    pool_x = [c["x"] for c, _ in pool]
    assert cfgs["0"]["x"] in pool_x, "the elite aged out"
    assert cfgs["1"]["x"] not in pool_x and cfgs["2"]["x"] not in pool_x
    assert s.num_finished == 10
    assert len(pool) == 3 + 1  # newest population_size plus the elite
    assert s.best_config == cfgs["0"]


def test_never_returns_none_while_population_incomplete() -> None:
    s = GeneticSearch(population_size=50)
    s.setup(SPHERE, "loss", "min", seed=0)
    cfgs = [s.suggest(str(i)) for i in range(80)]  # nothing finished yet
    assert all(isinstance(c, dict) for c in cfgs)
    assert len({json.dumps(c, sort_keys=True) for c in cfgs}) == 80


def test_state_round_trip_with_pending_trials() -> None:
    a = GeneticSearch(population_size=4)
    a.setup(SPHERE, "loss", "min", seed=7)
    cfgs = {}
    for i in range(10):
        cfg = a.suggest(str(i))
        assert isinstance(cfg, dict)
        cfgs[str(i)] = cfg
    for i in range(7):
        a.on_complete(str(i), {"loss": sphere(cfgs[str(i)])}, False)
    b = GeneticSearch(population_size=4)
    b.setup(SPHERE, "loss", "min", seed=0)
    b.load_state(json.loads(json.dumps(a.state())))
    for s in (a, b):
        for i in range(7, 10):
            s.on_complete(str(i), {"loss": sphere(cfgs[str(i)])}, False)
    assert [a.suggest(f"n{i}") for i in range(5)] == [b.suggest(f"n{i}") for i in range(5)]


def test_categorical_tuple_choices_survive_json_state() -> None:
    space = Space({"shape": choice([(1, 2), (3, 4)]), "x": uniform(0, 1)})
    a = GeneticSearch(population_size=2, tournament_size=2)
    a.setup(space, "loss", "min", seed=0)
    for i in range(3):
        a.suggest(str(i))
        a.on_complete(str(i), {"loss": float(i)}, False)
    b = GeneticSearch(population_size=2, tournament_size=2)
    b.setup(space, "loss", "min", seed=0)
    b.load_state(json.loads(json.dumps(a.state())))
    assert all(c["shape"] in [(1, 2), (3, 4)] for c, _ in b.parent_pool())
    assert a.suggest("x") == b.suggest("x")


def test_space_of_constants_and_choice_of_subspaces() -> None:
    """Nothing to encode still works; a choice among sub-spaces samples the chosen one."""
    s = GeneticSearch(population_size=2, tournament_size=1)
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
        ({"population_size": 1}, "population_size"),
        ({"population_size": 4, "tournament_size": 5}, "tournament_size"),
        ({"elite": -1}, "elite"),
        ({"population_size": 4, "elite": 5}, "elite"),
        ({"mutation_rate": 0.0}, "mutation_rate"),
        ({"mutation_rate": 1.5}, "mutation_rate"),
        ({"mutation_sigma": -0.1}, "mutation_sigma"),
        ({"population_size": 2.5}, "population_size"),
    ],
)
def test_rejects_bad_arguments(kwargs: dict[str, Any], word: str) -> None:
    with pytest.raises(ValueError, match=word):
        GeneticSearch(**kwargs)


def test_needs_a_metric() -> None:
    with pytest.raises(ValueError, match="metric"):
        GeneticSearch().setup(SPHERE, None, "min", seed=0)
