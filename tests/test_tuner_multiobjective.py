"""Several objectives and constraints through the Tuner and ResultGrid."""

from __future__ import annotations

from typing import Any

import pytest

import raytune_lite as rt
from raytune_lite.schedulers import ASHA, MOASHA, MedianStopping
from raytune_lite.search import (
    CMAES,
    NSGA2,
    TPE,
    GeneticSearch,
    LocalSearch,
    ParticleSwarm,
    Repeated,
    Staged,
)


def two_losses(config: dict[str, Any]) -> None:
    x = config["x"]
    rt.report({"loss": x, "latency": (1 - x) ** 2, "memory_mb": 1000 * x})


def test_searchers_and_schedulers_that_rank_by_one_metric_are_refused() -> None:
    space = {"x": rt.uniform(0, 1)}
    for searcher in (
        CMAES(), GeneticSearch(), ParticleSwarm(), LocalSearch(),
        Staged([(TPE(), 5)]), Repeated(TPE(), 2),
    ):  # fmt: skip
        name = type(searcher).__name__
        with pytest.raises(ValueError, match=rf"{name} optimises one: use rt\.search\.Basic"):
            rt.Tuner(two_losses, space, metric=["loss", "latency"], searcher=searcher)
    with pytest.raises(ValueError, match="ASHA ranks trials by one metric"):
        rt.Tuner(two_losses, space, metric=["loss", "latency"], scheduler=ASHA(max_t=4))
    with pytest.raises(ValueError, match=r"MedianStopping ranks .* use rt\.schedulers\.MOASHA"):
        rt.Tuner(two_losses, space, metric=["loss", "latency"], scheduler=MedianStopping())
    with pytest.raises(ValueError, match="needs a mode per metric"):
        rt.Tuner(two_losses, space, metric=["loss", "latency"], mode=["min"])
    with pytest.raises(ValueError, match="a constraint reads 'key <= number'"):
        rt.Tuner(two_losses, space, metric="loss", constraints=["memory < lots"])


@pytest.mark.ray
def test_the_pareto_front_best_refusal_weights_and_constraints(
    ray_local: Any, storage: str
) -> None:
    results = rt.Tuner(
        two_losses, {"x": rt.grid([0.0, 0.25, 0.5, 0.75, 1.0])},
        metric=["loss", "latency"], mode=["min", "min"], constraints=["memory_mb <= 800"],
        storage_path=storage, verbose=0,
    ).fit()  # fmt: skip
    front = results.pareto_front()
    assert [r.config["x"] for r in front] == [0.0, 0.25, 0.5, 0.75]  # x=1 is infeasible
    with pytest.raises(ValueError, match=r"there is no single best; see results\.pareto_front"):
        _ = results.best
    assert results.get_best(weights={"loss": 1.0, "latency": 1.0}).config["x"] == 0.5
    assert results.get_best(metric="latency").config["x"] == 1.0  # one metric, as asked
    df = results.dataframe().sort_values("config/x")
    assert list(df["pareto"]) == [True, True, True, True, False]
    assert list(df["feasible"]) == [True, True, True, True, False]
    again = rt.ResultGrid.from_path(results.path)
    assert again.objectives.metrics == ("loss", "latency")


@pytest.mark.ray
def test_nsga2_runs_through_the_tuner(ray_local: Any, storage: str) -> None:
    results = rt.Tuner(
        two_losses, {"x": rt.uniform(0, 1)}, metric=["loss", "latency"], mode="min",
        searcher=NSGA2(population_size=4), num_samples=10, storage_path=storage, verbose=0,
        seed=0,
    ).fit()  # fmt: skip
    assert len(results) == 10 and len(results.pareto_front()) == 10  # every x is a trade-off


@pytest.mark.ray
def test_motpe_runs_through_the_tuner_with_constraints(ray_local: Any, storage: str) -> None:
    # (ParEGO takes the same path: the Tuner hands every searcher its objectives)
    results = rt.Tuner(
        two_losses, {"x": rt.uniform(0, 1)}, metric=["loss", "latency"], mode="min",
        searcher=TPE(n_startup_trials=3), num_samples=7, constraints=["memory_mb <= 800"],
        max_concurrent=2, storage_path=storage, verbose=0, seed=0,
    ).fit()  # fmt: skip
    assert len(results) == 7 and all(r.error is None for r in results)
    front = results.pareto_front()
    assert front and all(r.metrics["memory_mb"] <= 800 for r in front)


def curves(config: dict[str, Any]) -> None:
    x, bad = config["x"], config["bad"]
    for i in range(1, 5):
        rt.report({"loss": x + bad + 1 / i, "latency": 1 - x + bad + 1 / i, "epoch": i})


@pytest.mark.ray
def test_moasha_runs_through_the_tuner_and_keeps_both_ends_of_the_front(
    ray_local: Any, storage: str
) -> None:
    scheduler = MOASHA(time_attr="epoch", max_t=4, grace_period=1, reduction_factor=2)
    results = rt.Tuner(
        curves, {"x": rt.grid([0.0, 1.0]), "bad": rt.grid([0.0, 1.0])},
        metric=["loss", "latency"], mode=["min", "min"], scheduler=scheduler,
        storage_path=storage, verbose=0, seed=0,
    ).fit()  # fmt: skip
    assert scheduler.objectives.metrics == ("loss", "latency")
    ends = [r for r in results if r.config["bad"] == 0.0]  # x=0 best loss, x=1 best latency
    assert [r.error for r in ends] == [None, None]
    assert len(ends) == 2
    assert all(r.metrics["epoch"] == 4 for r in ends)  # never stopped by rank
