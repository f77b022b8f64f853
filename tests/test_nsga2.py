"""NSGA-II: the searcher contract, seeding, and a front better than random on ZDT1 (no Ray)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import raytune_lite as rt
from raytune_lite.multiobjective import Objectives, hypervolume
from raytune_lite.search import NSGA2, BasicSearch
from raytune_lite.testing import check_searcher
from raytune_lite.trial import Mode

ZDT1 = {f"x{i}": rt.uniform(0, 1) for i in range(6)}


def zdt1(cfg: dict[str, Any]) -> dict[str, float]:
    x = np.array([cfg[f"x{i}"] for i in range(6)])
    g = 1 + 9 * x[1:].mean()
    return {"f1": float(x[0]), "f2": float(g * (1 - np.sqrt(x[0] / g)))}


def run(searcher: Any, n: int, seed: int, pending: int = 4) -> np.ndarray:
    space = rt.Space(ZDT1)
    searcher.setup(space, "f1", "min", seed=seed, num_samples=n)
    searcher.objectives = Objectives(("f1", "f2"), (Mode.MIN, Mode.MIN))
    rng = np.random.default_rng(seed)
    out, open_, started = [], [], 0
    while started < n or open_:
        while started < n and len(open_) < pending:
            open_.append((str(started), searcher.suggest(str(started))))
            started += 1
        tid, cfg = open_.pop(int(rng.integers(len(open_))))
        row = zdt1(cfg)
        searcher.on_complete(tid, row, False)
        out.append([row["f1"], row["f2"]])
    return np.array(out)


def test_conformance() -> None:
    check_searcher(lambda: NSGA2(population_size=6))


def test_same_seed_same_front() -> None:
    assert np.array_equal(
        run(NSGA2(population_size=10), 60, 3), run(NSGA2(population_size=10), 60, 3)
    )


def test_its_later_trials_are_nearer_the_front_than_random_search_on_zdt1() -> None:
    def late(out: np.ndarray) -> float:  # f1 + f2 of the last 50 trials: 1 on the true front
        return float((out[-50:, 0] + out[-50:, 1]).mean())

    ours = [late(run(NSGA2(population_size=16), 200, s)) for s in range(3)]
    rand = [late(run(BasicSearch(), 200, s)) for s in range(3)]
    assert np.median(ours) < np.median(rand)
    assert hypervolume(run(NSGA2(population_size=16), 200, 2), np.array([1.1, 11.0])) > 0


def test_infeasible_and_failed_trials_do_not_breed_first() -> None:
    s = NSGA2(population_size=4)
    s.setup(rt.Space({"x": rt.uniform(0, 1)}), "f", "min", seed=0)
    s.constraints = ["x_ok >= 1"]
    for i in range(8):
        cfg = s.suggest(str(i))
        s.on_complete(str(i), {"f": cfg["x"], "x_ok": int(i % 2)}, False)
    archive = s._archive()
    feasible_first = [key[0] < 10**6 for _, key in archive]
    assert feasible_first == sorted(feasible_first, reverse=True)


@pytest.mark.parametrize("kw", [{"population_size": 3}, {"crossover_eta": 0}, {"mutation_eta": -1}])
def test_bad_settings_are_named(kw: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(kw))):
        NSGA2(**kw)
