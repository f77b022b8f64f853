"""searcher="auto": the searcher picked from the space, budget and concurrency (no Ray)."""

from __future__ import annotations

from typing import Any

import pytest

import raytune_lite as rt
from raytune_lite.multiobjective import Objectives
from raytune_lite.search.auto import choose_searcher
from raytune_lite.trial import Mode

NUMERIC = {f"x{i}": rt.uniform(0, 1) for i in range(6)}


@pytest.mark.parametrize(
    "space, budget, at_once, expected, why",
    [
        ({"bs": rt.grid([16, 32]), "c": 1}, 4, 2, "BasicSearch", "grid"),
        ({"model": rt.choice([{"t": "svm", "C": rt.loguniform(1e-2, 1e2)}, {"t": "knn"}])},
         50, 4, "TPE", "conditional"),
        ({"a": rt.choice(list("abc")), "b": rt.choice([1, 2]), "x": rt.uniform(0, 1)},
         50, 4, "TPE", "mostly categorical"),
        (NUMERIC, 100, 4, "BayesOpt", "sample-efficient"),
        (NUMERIC, 100, 64, "TPE", "many trials at once"),
        (NUMERIC, 2000, 8, "CMAES", "many dimensions"),
        ({"x": rt.uniform(0, 1)}, -1, 4, "TPE", "unlimited"),
    ],
)  # fmt: skip
def test_the_pick_follows_the_documented_rule(
    space: dict[str, Any], budget: int, at_once: int, expected: str, why: str
) -> None:
    pick = choose_searcher(rt.Space(space), budget, at_once)
    assert type(pick.searcher).__name__ == expected
    assert why in pick.reason


def test_the_tuner_takes_auto_and_names_its_pick() -> None:
    def train(config: dict[str, Any]) -> None:
        rt.report({"loss": config["x"]})

    tuner = rt.Tuner(train, {"x": rt.uniform(0, 1)}, metric="loss", num_samples=20,
                     searcher="auto", verbose=0)  # fmt: skip
    assert type(tuner.searcher).__name__ == "BayesOpt"
    assert tuner.auto_reason is not None and "20 trials" in tuner.auto_reason
    with pytest.raises(TypeError, match="or 'auto'; got 'tpe'"):
        rt.Tuner(train, {"x": rt.uniform(0, 1)}, metric="loss", searcher="tpe")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "space, budget, at_once, expected, why",
    [
        ({"model": rt.choice([{"t": "svm", "C": rt.loguniform(1e-2, 1e2)}, {"t": "knn"}])},
         50, 4, "TPE", "MOTPE"),
        (NUMERIC, 100, 4, "BayesOpt", "ParEGO"),
        (NUMERIC, 2000, 8, "NSGA2", "large budgets"),
        (NUMERIC, 100, 64, "NSGA2", "large budgets"),
    ],
)  # fmt: skip
def test_with_several_objectives_it_picks_a_searcher_that_ranks_by_them(
    space: dict[str, Any], budget: int, at_once: int, expected: str, why: str
) -> None:
    two = Objectives(("loss", "latency"), (Mode.MIN, Mode.MIN))
    pick = choose_searcher(rt.Space(space), budget, at_once, two)
    assert type(pick.searcher).__name__ == expected and pick.searcher.supports_multi_objective
    assert why in pick.reason and "2 objectives" in pick.reason


def test_the_tuner_passes_its_objectives_to_auto() -> None:
    def train(config: dict[str, Any]) -> None:
        rt.report({"loss": config["x"], "latency": 1 - config["x"]})

    tuner = rt.Tuner(train, NUMERIC, metric=["loss", "latency"], mode="min", num_samples=2000,
                     max_concurrent=8, searcher="auto", verbose=0)  # fmt: skip
    assert type(tuner.searcher).__name__ == "NSGA2"  # CMA-ES ranks by one objective
