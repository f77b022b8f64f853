"""Optuna's create_study / Study over the Tuner: arguments (no Ray), then studies run on a
real Ray: several optimize calls, enqueued trials, catch, load_study."""

from __future__ import annotations

import os

import pytest

import raytune_lite.optuna_style as optuna
from raytune_lite.optuna_style.trial import FrozenTrial, TrialState


def test_create_study_defaults_and_checks(storage):
    study = optuna.create_study(storage=storage)
    assert study.direction is optuna.StudyDirection.MINIMIZE
    assert isinstance(study.sampler, optuna.samplers.TPESampler)
    assert isinstance(study.pruner, optuna.pruners.MedianPruner)
    multi = optuna.create_study(storage=storage, directions=["maximize", "minimize"])
    assert isinstance(multi.sampler, optuna.samplers.RandomSampler)
    assert isinstance(multi.pruner, optuna.pruners.NopPruner)
    with pytest.raises(RuntimeError, match="directions"):
        _ = multi.direction
    with pytest.raises(ValueError, match="not both"):
        optuna.create_study(direction="minimize", directions=["minimize"])
    with pytest.raises(ValueError, match="'minimize' or 'maximize'"):
        optuna.create_study(direction="up")
    with pytest.raises(ValueError, match="RDB URL"):
        optuna.create_study(storage="sqlite:///example.db")
    with pytest.raises(TypeError, match="sampler must be"):
        optuna.create_study(sampler=object())


def test_optimize_checks_its_arguments(storage):
    study = optuna.create_study(storage=storage)
    with pytest.raises(ValueError, match="n_trials or timeout"):
        study.optimize(lambda trial: 0.0)
    with pytest.raises(ValueError, match="n_jobs"):
        study.optimize(lambda trial: 0.0, n_trials=2, n_jobs=0)
    with pytest.raises(ValueError, match="callbacks"):
        study.optimize(lambda trial: 0.0, n_trials=2, callbacks=[print])
    with pytest.raises(ValueError, match="no trial of the study is complete"):
        _ = study.best_trial


def test_best_trials_and_dataframe_of_recorded_trials(storage):
    study = optuna.create_study(storage=storage, directions=["minimize", "maximize"])
    study._trials = [
        FrozenTrial(0, TrialState.COMPLETE, [1.0, 1.0], {"x": 1, "lr_c": 0.1}),
        FrozenTrial(1, TrialState.COMPLETE, [2.0, 2.0], {"x": 2}, user_attrs={"a": 1}),
        FrozenTrial(2, TrialState.COMPLETE, [2.0, 0.5], {"x": 3}),  # dominated by 1
        FrozenTrial(3, TrialState.FAIL, None, {"x": 4}),
    ]
    assert [t.number for t in study.best_trials] == [0, 1]
    df = study.trials_dataframe()
    assert list(df.columns) == [
        "number",
        "values_0",
        "values_1",
        "datetime_start",
        "datetime_complete",
        "duration",
        "params_lr_c",
        "params_x",
        "user_attrs_a",
        "state",
    ]
    assert list(df["state"]) == ["COMPLETE", "COMPLETE", "COMPLETE", "FAIL"]
    some = study.trials_dataframe(attrs=("number", "value", "params", "user_attrs"))
    assert list(some.columns) == [
        "number",
        "values_0",
        "values_1",
        "params_lr_c",
        "params_x",
        "user_attrs_a",
    ]
    assert len(study.get_trials(states=[TrialState.FAIL])) == 1


def quadratic(trial):
    x = trial.suggest_float("x", -10, 10)
    trial.set_user_attr("number_inside", trial.number)
    if trial.suggest_categorical("fail", [False, True]) and x > 8:
        raise ValueError("x too large")
    return (x - 2) ** 2


@pytest.mark.ray
def test_a_study_runs_on_over_several_optimize_calls(ray_local, storage):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        storage=storage, study_name="s", sampler=optuna.samplers.TPESampler(seed=0)
    )
    study.enqueue_trial({"x": 2.0, "fail": False})
    study.optimize(quadratic, n_trials=6, n_jobs=2, catch=(ValueError,))
    assert study.trials[0].params == {"x": 2.0, "fail": False} and study.trials[0].value == 0.0
    study.optimize(quadratic, n_trials=4, catch=ValueError)
    numbers = [t.number for t in study.trials]
    assert numbers == list(range(10))
    assert [t.user_attrs.get("number_inside") for t in study.trials] == numbers
    assert {t.state for t in study.trials} <= {TrialState.COMPLETE, TrialState.FAIL}
    assert study.best_value == 0.0 and study.best_params == {"x": 2.0, "fail": False}
    assert os.path.isdir(os.path.join(storage, "s")) and os.path.isdir(os.path.join(storage, "s_1"))
    again = optuna.load_study(study_name="s", storage=storage)
    assert [t.params for t in again.trials] == [t.params for t in study.trials]
    with pytest.raises(ValueError, match="load_if_exists"):
        optuna.create_study(storage=storage, study_name="s")


def always_fails(trial):
    trial.suggest_float("x", 0, 1)
    raise KeyError("broken objective")


@pytest.mark.ray
def test_without_catch_the_first_failure_is_raised(ray_local, storage):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(storage=storage)
    with pytest.raises(KeyError, match="broken objective"):
        study.optimize(always_fails, n_trials=3)
    assert study.trials and study.trials[0].state is TrialState.FAIL
