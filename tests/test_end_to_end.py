"""Every searcher and every scheduler, through ``rt.Tuner`` on a real local Ray.

The unit tests of each plugin drive it without Ray; these check that each one plugs into the
controller: trials are created, run, finished (or stopped, paused and resumed, exploited), every
reported row is on disk, and the best trial is a sensible one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import raytune_lite as rt
from raytune_lite.schedulers import ASHA, FIFO, PBT, Hyperband, MedianStopping
from raytune_lite.search import (
    CMAES,
    TPE,
    BasicSearch,
    BayesOpt,
    GeneticSearch,
    LocalSearch,
    ParticleSwarm,
)

pytestmark = pytest.mark.ray

SPACE = {"x": rt.uniform(-2.0, 2.0), "y": rt.uniform(-2.0, 2.0)}
EPOCHS = 9


def bowl(config: dict[str, Any]) -> None:
    """A loss that falls with training towards (x-0.5)^2 + (y+0.5)^2; checkpoints every epoch."""
    ckpt = rt.get_checkpoint()
    start = ckpt.to_dict()["epoch"] if ckpt else 0
    final = (config["x"] - 0.5) ** 2 + (config["y"] + 0.5) ** 2
    for epoch in range(start + 1, EPOCHS + 1):
        rt.report(
            {"loss": final + 1.0 / epoch, "epoch": epoch},
            checkpoint=rt.Checkpoint.from_dict({"epoch": epoch}),
        )


SEARCHERS: dict[str, Callable[[], Any]] = {
    "random": lambda: BasicSearch(),
    "bayesopt": lambda: BayesOpt(n_initial_points=5, n_candidates=128),
    "tpe": lambda: TPE(n_startup_trials=5),
    "cmaes": lambda: CMAES(popsize=4),
    "genetic": lambda: GeneticSearch(population_size=4, tournament_size=2, elite=1),
    "pso": lambda: ParticleSwarm(n_particles=4),
    "local": lambda: LocalSearch(),
}


@pytest.mark.parametrize("name", sorted(SEARCHERS))
def test_every_searcher_runs_through_the_tuner(ray_local, storage, name):
    n = 16
    results = rt.Tuner(
        bowl,
        SPACE,
        metric="loss",
        mode="min",
        num_samples=n,
        searcher=SEARCHERS[name](),
        max_concurrent=4,
        seed=3,
        storage_path=storage,
        name=name,
        verbose=0,
    ).fit()
    assert len(results) == n
    assert not results.errors
    assert {r.status for r in results} == {rt.TrialStatus.TERMINATED}
    history = results.history()
    assert len(history) == n * EPOCHS  # every row of every trial is there, once
    configs = {(r.config["x"], r.config["y"]) for r in results}
    assert len(configs) >= n - 2, "a searcher should not repeat itself"
    best = results.best
    assert best.metrics["loss"] == min(r.metrics["loss"] for r in results)
    assert all(-2.0 <= r.config[k] <= 2.0 for r in results for k in ("x", "y"))


def _scheduler_cases() -> dict[str, Callable[[], Any]]:
    return {
        "fifo": lambda: FIFO(),
        "asha": lambda: ASHA(max_t=EPOCHS, grace_period=1, reduction_factor=3),
        "hyperband": lambda: Hyperband(max_t=EPOCHS, grace_period=1, reduction_factor=3),
        "median": lambda: MedianStopping(grace_period=2, min_samples_required=3),
        "pbt": lambda: PBT(
            perturbation_interval=3, hyperparam_mutations={"x": rt.uniform(-2.0, 2.0)}
        ),
    }


@pytest.mark.parametrize("name", sorted(_scheduler_cases()))
def test_every_scheduler_runs_through_the_tuner(ray_local, storage, name):
    n = 12
    results = rt.Tuner(
        bowl,
        SPACE,
        metric="loss",
        mode="min",
        num_samples=n,
        scheduler=_scheduler_cases()[name](),
        max_concurrent=4,
        seed=5,
        stop={"training_iteration": EPOCHS},
        storage_path=storage,
        name=name,
        verbose=0,
    ).fit()
    assert len(results) == n
    assert not results.errors
    done = {rt.TrialStatus.TERMINATED, rt.TrialStatus.STOPPED_EARLY}
    assert {r.status for r in results} <= done
    epochs = 0
    for r in results:
        its = list(results.history(r.trial_id)["training_iteration"])
        if name == "pbt":  # an exploit continues from the donor's iteration: it may jump ahead
            assert its == sorted(set(its)), (name, r.trial_id, its)  # each at most once
        else:
            assert its == list(range(1, len(its) + 1)), (name, r.trial_id, its)  # each once
        epochs += r.metrics["training_iteration"]
    assert any(r.metrics["training_iteration"] == EPOCHS for r in results)
    if name in ("asha", "hyperband", "median"):
        assert epochs < n * EPOCHS, "early stopping should have saved some epochs"
    if name == "fifo":
        assert epochs == n * EPOCHS
    if name == "pbt":
        assert any(len(r.config_history) > 1 for r in results), "PBT never exploited"
        assert len(results.config_history()) > n


def corrupt_then_crash(config: dict[str, Any]) -> None:
    """x < 0: saves a checkpoint whose data file is garbage, then crashes; the retry must load
    it. Other trials are healthy."""
    import os
    import tempfile

    ckpt = rt.get_checkpoint()
    if ckpt is not None:
        ckpt.to_dict()  # the retry: the checkpoint does not load
    if config["x"] < 0:
        d = tempfile.mkdtemp()
        with open(os.path.join(d, "data.pkl"), "wb") as f:
            f.write(b"not a pickle")
        rt.report({"loss": 1.0}, checkpoint=rt.Checkpoint.from_directory(d))
        raise RuntimeError("crash after a bad checkpoint")
    rt.report({"loss": config["x"]})


def test_a_checkpoint_that_fails_to_load_is_reported_not_crashed_on(ray_local, storage):
    results = rt.Tuner(
        corrupt_then_crash,
        {"x": rt.grid([-1.0, 0.5, 1.0])},
        metric="loss",
        max_failures=1,
        storage_path=storage,
        verbose=0,
    ).fit()
    assert sorted(r.status.name for r in results) == ["ERROR", "TERMINATED", "TERMINATED"]
    (error,) = results.errors.values()
    assert "could not be loaded" in error and "CheckpointError" in error
    assert results.best.config["x"] == 0.5


def test_asha_ends_the_trials_that_reach_max_t_as_terminated(ray_local, storage):
    results = rt.Tuner(
        bowl,
        SPACE,
        metric="loss",
        num_samples=9,
        max_concurrent=3,
        seed=2,
        scheduler=ASHA(max_t=3, grace_period=1, reduction_factor=3),
        storage_path=storage,
        verbose=0,
    ).fit()
    assert max(r.metrics["training_iteration"] for r in results) == 3  # none trains past
    full = [r for r in results if r.metrics["training_iteration"] == 3]
    assert full and all(r.status is rt.TrialStatus.TERMINATED for r in full)
    assert all(
        r.status is rt.TrialStatus.STOPPED_EARLY
        for r in results
        if r.metrics["training_iteration"] < 3
    )
    assert len(results.history()) == sum(r.metrics["training_iteration"] for r in results)


def test_pbt_time_shares_8_trials_on_2_slots_and_keeps_the_checkpoints_it_needs(
    ray_local, storage, capsys
):
    """The README's shape: a population of 8 on 2 slots, with num_to_keep=1. The population
    advances together (paused at each point, the trial furthest behind resumed), every trial
    is judged at the same point as its peers, so the worst trial at the first point always
    copies a better one; no exploit loses its checkpoint."""
    results = rt.Tuner(
        bowl,
        SPACE,
        metric="loss",
        mode="min",
        num_samples=8,
        scheduler=PBT(perturbation_interval=3, hyperparam_mutations={"x": rt.uniform(-2.0, 2.0)}),
        max_concurrent=2,
        num_to_keep=1,
        seed=7,
        stop={"training_iteration": EPOCHS},
        storage_path=storage,
        name="pbt_time_shared",
        verbose=1,
    ).fit()
    assert not results.errors
    assert {r.status for r in results} == {rt.TrialStatus.TERMINATED}
    assert all(r.metrics["training_iteration"] == EPOCHS for r in results)
    history = results.history()
    at_first_point = history[history["training_iteration"] == 3].set_index("trial_id")["loss"]
    assert len(at_first_point) == 8  # every trial reached it before any exploit rewound it
    worst = str(at_first_point.idxmax())
    assert results.num_exploits >= 1
    assert next(r for r in results if r.trial_id == worst).num_exploits >= 1
    frame = results.dataframe()
    assert frame["num_exploits"].sum() == results.num_exploits
    assert f"PBT made {results.num_exploits} exploits" in capsys.readouterr().out
