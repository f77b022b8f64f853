"""How tune.Tuner translates Ray Tune's configuration onto raytune_lite's Tuner (building a
Tuner starts no Ray; the scripts in tune_scripts/ run them)."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from raytune_lite import domains as d
from raytune_lite import tune
from raytune_lite.tune.schedulers import ASHAScheduler, PopulationBasedTraining
from raytune_lite.tune.search import ConcurrencyLimiter
from raytune_lite.tune.search.optuna import OptunaSearch


def train(config):
    tune.report({"loss": config.get("x", 0)})


def build(storage, param_space=None, **kw):
    run = kw.pop("run_config", tune.RunConfig())
    run.storage_path = storage
    return tune.Tuner(
        train, param_space=param_space, tune_config=tune.TuneConfig(**kw), run_config=run
    )


def test_configs_map_onto_the_tuner(storage):
    tuner = build(
        storage,
        {"x": tune.uniform(0, 1), "g": tune.grid_search([1, 2])},
        metric="loss",
        mode="max",
        num_samples=3,
        max_concurrent_trials=0,
        time_budget_s=dt.timedelta(minutes=2),
        run_config=tune.RunConfig(
            name="exp",
            stop={"training_iteration": 4},
            verbose=3,
            failure_config=tune.FailureConfig(max_failures=-1),
            checkpoint_config=tune.CheckpointConfig(
                num_to_keep=2, checkpoint_score_attribute="loss", checkpoint_score_order="max"
            ),
        ),
    )
    spec = tuner.core.spec
    assert (spec.metric, spec.mode.value, spec.num_samples) == ("loss", "max", 3)
    assert spec.max_concurrent is None and spec.time_budget_s == 120
    assert spec.stop == {"training_iteration": 4} and tuner.core.verbose == 1
    assert spec.max_failures > 10**9 and spec.num_to_keep == 2
    assert spec.checkpoint_score == "loss"
    assert spec.path == os.path.join(storage, "exp")
    assert isinstance(tuner.core.space.param_space["g"], d.Grid)


def test_metric_and_mode_come_from_plugins_once(storage):
    tuner = build(
        storage, {"x": tune.uniform(0, 1)}, scheduler=ASHAScheduler(metric="loss", mode="min")
    )
    assert (tuner.core.spec.metric, tuner.core.spec.mode.value) == ("loss", "min")
    searcher = ConcurrencyLimiter(OptunaSearch(metric="acc", mode="max"), 2)
    with pytest.raises(ValueError, match="OptunaSearch was given metric='acc'"):
        build(storage, {"x": tune.uniform(0, 1)}, metric="loss", mode="min", search_alg=searcher)
    with pytest.raises(ValueError, match="metric='loss' needs mode='min' or 'max'"):
        build(storage, metric="loss")
    with pytest.raises(ValueError, match="mode='max' needs the metric"):
        build(storage, mode="max")


def test_searcher_space_points_and_seed(storage):
    searcher = OptunaSearch(
        space={"x": tune.uniform(0, 1)},
        metric="loss",
        mode="min",
        points_to_evaluate=[{"x": 0.5}],
        seed=11,
    )
    tuner = build(storage, {"const": 3}, search_alg=searcher)
    assert tuner.core.space.keys == ["x"] and tuner.core.seed == 11
    assert tuner.core.spec.points_to_evaluate[0] == {"const": 3, "x": 0.5}
    with pytest.raises(ValueError, match="pass the search space in one place"):
        build(
            storage,
            {"y": tune.uniform(0, 1)},
            search_alg=OptunaSearch(space={"x": tune.uniform(0, 1)}, metric="loss", mode="min"),
        )


def test_pbt_adds_mutated_keys_param_space_lacks(storage):
    pbt = PopulationBasedTraining(
        metric="loss",
        mode="min",
        hyperparam_mutations={"lr": [0.1, 0.2], "opt": {"momentum": tune.uniform(0.5, 0.9)}},
    )
    tuner = build(storage, {"lr": 0.1}, scheduler=pbt)
    space = tuner.core.space.param_space
    assert space["lr"] == 0.1  # present: kept
    assert isinstance(space["opt"]["momentum"], d.Float)


def test_checkpoint_ranking_that_cannot_be_honoured(storage):
    cc = tune.CheckpointConfig(
        num_to_keep=1, checkpoint_score_attribute="loss", checkpoint_score_order="max"
    )
    with pytest.raises(NotImplementedError, match="checkpoint_score_order='max'"):
        build(storage, metric="loss", mode="min", run_config=tune.RunConfig(checkpoint_config=cc))
    # without num_to_keep every checkpoint is kept: the ranking does not matter
    cc = tune.CheckpointConfig(checkpoint_score_attribute="loss", checkpoint_score_order="max")
    assert (
        build(
            storage, metric="loss", mode="min", run_config=tune.RunConfig(checkpoint_config=cc)
        ).core.spec.checkpoint_score
        is None
    )


@pytest.mark.parametrize(
    ("kwargs", "run", "name"),
    [
        ({"trial_name_creator": str}, {}, "trial_name_creator"),
        ({}, {"progress_reporter": object()}, "progress_reporter"),
        ({}, {"sync_config": object()}, "sync_config"),
        ({}, {"log_to_file": True}, "log_to_file"),
    ],
)
def test_not_mirrored_options_raise(storage, kwargs, run, name):
    with pytest.raises(NotImplementedError, match=name):
        build(storage, run_config=tune.RunConfig(**run), **kwargs)


def test_function_trainables_checkpoint_themselves(storage):
    cc = tune.CheckpointConfig(checkpoint_frequency=2)
    with pytest.raises(ValueError, match="applies to Trainable classes only"):
        build(storage, run_config=tune.RunConfig(checkpoint_config=cc))


@pytest.mark.parametrize("fail_fast", [True, "raise", False])
def test_fail_fast_maps_onto_the_tuners(storage, fail_fast):
    run = tune.RunConfig(failure_config=tune.FailureConfig(fail_fast=fail_fast))
    assert build(storage, run_config=run).core.spec.fail_fast == fail_fast


def test_plugins_of_the_wrong_kind(storage):
    with pytest.raises(TypeError, match=r"search_alg=\.\.\.\) must be a searcher"):
        build(storage, search_alg="optuna")
    with pytest.raises(TypeError, match=r"scheduler=\.\.\.\) must be a scheduler"):
        build(storage, scheduler="asha")
    with pytest.raises(TypeError, match="needs a trainable"):
        tune.Tuner()


def test_a_second_run_with_the_same_name_goes_next_to_it(storage):
    os.makedirs(os.path.join(storage, "exp"))
    open(os.path.join(storage, "exp", "experiment.json"), "w").close()
    tuner = build(storage, run_config=tune.RunConfig(name="exp"))
    assert tuner.core.spec.path == os.path.join(storage, "exp_2")
    assert tune.Tuner.can_restore(os.path.join(storage, "exp"))
    assert not tune.Tuner.can_restore(os.path.join(storage, "exp_2"))
    with pytest.raises(NotImplementedError, match="resume_errored=True"):
        tune.Tuner.restore(os.path.join(storage, "exp"), train, resume_errored=True)
