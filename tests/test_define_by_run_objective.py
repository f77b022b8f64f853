"""Define-by-run objectives: how they are recognised (no Ray), and run end to end on a real
Ray: conditional and looped spaces, pruning, retries and resumes that replay the values."""

from __future__ import annotations

import json
import os

import pytest

import raytune_lite as rt
from raytune_lite.define_by_run.objective import TRIAL_ATTRS_FILE, is_objective
from raytune_lite.store import read_rows


# -- recognition (no Ray) --------------------------------------------------------------------
def by_name(trial):
    return 0.0


def by_annotation(t: optuna.Trial):  # noqa: F821 (a string annotation: never evaluated)
    return 0.0


def by_class(t: rt.ObjectiveTrial):
    return 0.0


def a_config_function(config):
    return 0.0


def with_data(trial, data):
    return 0.0


def test_objectives_are_recognised_by_name_annotation_or_wrapper():
    assert is_objective(by_name, None) and is_objective(by_name, {})
    assert is_objective(by_annotation, None) and is_objective(by_class, None)
    assert not is_objective(a_config_function, None)
    assert not is_objective(by_name, {"x": rt.uniform(0, 1)})  # a param space: a config function
    assert is_objective(rt.define_by_run(a_config_function), None)
    assert is_objective(rt.with_parameters(with_data, data=1), None)


def test_a_wrapped_objective_with_a_param_space_is_refused(tmp_path):
    with pytest.raises(ValueError, match="takes no param_space"):
        rt.Tuner(rt.define_by_run(by_name), {"x": rt.uniform(0, 1)}, storage_path=str(tmp_path))


def test_searchers_that_need_the_space_up_front_are_refused(tmp_path):
    from raytune_lite.search import CMAES, BayesOpt

    for searcher in (BayesOpt(), CMAES()):
        with pytest.raises(ValueError, match=f"{type(searcher).__name__} needs the whole"):
            rt.Tuner(by_name, searcher=searcher, storage_path=str(tmp_path))
    with pytest.raises(ValueError, match="repeats=2"):
        rt.Tuner(by_name, repeats=2, storage_path=str(tmp_path))
    with pytest.raises(ValueError, match="PBT mutates"):
        rt.Tuner(
            by_name,
            scheduler=rt.schedulers.PBT(hyperparam_mutations={"x": rt.uniform(0, 1)}),
            storage_path=str(tmp_path),
        )


def test_defaults_are_tpe_and_the_objective_metric(tmp_path):
    from raytune_lite.search import TPE, BasicSearch

    tuner = rt.Tuner(by_name, storage_path=str(tmp_path))
    assert isinstance(tuner.searcher, TPE) and tuner.spec.metric == "objective"
    multi = rt.Tuner(by_name, metric=["a", "b"], mode=["min", "max"], storage_path=str(tmp_path))
    assert isinstance(multi.searcher, BasicSearch)


# -- end to end on Ray -------------------------------------------------------------------------
def conditional(trial):
    kind = trial.suggest_categorical("kind", ["mlp", "linear"])
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    if kind == "mlp":
        layers = trial.suggest_int("layers", 1, 3)
        width = sum(trial.suggest_int(f"width_{i}", 4, 64, step=4) for i in range(layers))
        value = abs(width - 40) / 40
    else:
        value = 1.0 + abs(trial.suggest_float("l2", 0, 1, step=0.25) - 0.5)
    # the first attempt of trial 1 fails after its asks: the retry must get the same values
    seen = os.path.join(rt.get_trial_dir(), "seen.jsonl")
    with open(seen, "a") as f:
        f.write(json.dumps(trial.params) + "\n")
    with open(seen) as f:
        attempt = len(f.readlines())
    if trial.number == 1 and attempt == 1:
        raise RuntimeError("first attempt fails")
    trial.set_user_attr("kind_seen", kind)
    return value + abs(lr - 0.01)


@pytest.mark.ray
def test_a_conditional_looped_space_runs_and_retries_replay_the_values(ray_local, storage):
    results = rt.Tuner(
        conditional,
        num_samples=10,
        max_failures=1,
        max_concurrent=2,
        seed=0,
        storage_path=storage,
        verbose=0,
    ).fit()
    assert len(results) == 10 and not results.errors
    for r in results:
        assert r.status is rt.TrialStatus.TERMINATED
        kind = r.config["kind"]
        keys = {"kind", "lr"} | (
            {"layers", *(f"width_{i}" for i in range(r.config["layers"]))}
            if kind == "mlp"
            else {"l2"}
        )
        assert set(r.config) == keys, r.config  # exactly what the trial suggested
        assert 1e-4 <= r.config["lr"] <= 1e-1 and isinstance(r.config["kind"], str)
        if kind == "mlp":
            assert 1 <= r.config["layers"] <= 3
            assert all(r.config[f"width_{i}"] % 4 == 0 for i in range(r.config["layers"]))
        tdir = os.path.join(results.path, "trials", r.trial_id)
        with open(os.path.join(tdir, TRIAL_ATTRS_FILE)) as f:
            attrs = json.load(f)
        assert attrs["user_attrs"] == {"kind_seen": kind}
        assert set(attrs["distributions"]) == keys
    with open(os.path.join(results.path, "trials", "00001", "seen.jsonl")) as f:
        attempts = [json.loads(line) for line in f]
    assert len(attempts) == 2 and attempts[0] == attempts[1]  # the retry got the same values
    assert results.best.config == min(results, key=lambda r: r.metrics["objective"]).config
    assert "config/kind" in results.dataframe().columns


def pruned(trial):
    x = trial.suggest_float("x", 0, 10)
    if trial.suggest_categorical("give_up", [False, True]) and x > 9:
        raise rt.TrialPruned()  # pruned by the objective itself, before any report
    for step in range(6):
        trial.report(x + 1 / (step + 1), step)
        if trial.should_prune():
            raise rt.TrialPruned()
    return x


@pytest.mark.ray
def test_should_prune_follows_the_scheduler_and_trial_pruned_stops_early(ray_local, storage):
    from raytune_lite.schedulers import ASHA

    results = rt.Tuner(
        pruned,
        num_samples=14,
        scheduler=ASHA(max_t=1000, grace_period=1, reduction_factor=2),
        searcher=rt.search.BasicSearch(),
        max_concurrent=2,
        seed=3,
        storage_path=storage,
        verbose=0,
    ).fit()
    assert not results.errors
    stopped = [r for r in results if r.status is rt.TrialStatus.STOPPED_EARLY]
    finished = [r for r in results if r.status is rt.TrialStatus.TERMINATED]
    assert stopped and finished
    for r in finished:
        rows = read_rows(results.path, r.trial_id)
        assert [row.get("step") for row in rows[:-1]] == list(range(6))
        assert rows[-1]["objective"] == r.config["x"]  # the returned value: the last row
    for r in stopped:
        rows = read_rows(results.path, r.trial_id)
        gave_up = r.config["give_up"] and r.config["x"] > 9
        assert len(rows) == 0 if gave_up else 0 < len(rows) < 7, (r.config, rows)


def resumable(trial):
    x = trial.suggest_float("x", -5, 5)
    n = trial.suggest_int("n", 1, 4)
    with open(os.path.join(rt.get_trial_dir(), "seen.jsonl"), "a") as f:
        f.write(json.dumps(trial.params) + "\n")
    for step in range(3):
        trial.report(x**2 + step, step)
    return x**2 + n


@pytest.mark.ray
def test_a_resumed_experiment_replays_a_running_trials_values(ray_local, storage):
    first = rt.Tuner(resumable, num_samples=3, seed=1, storage_path=storage, name="dbr", verbose=0)
    path = first.fit().path
    # as if the driver died while trial 00001 ran, with a budget of 5 trials
    tfile = os.path.join(path, "trials", "00001", "trial.json")
    with open(tfile) as f:
        summary = json.load(f)
    summary["status"] = "RUNNING"
    with open(tfile, "w") as f:
        json.dump(summary, f)
    efile = os.path.join(path, "experiment.json")
    with open(efile) as f:
        exp = json.load(f)
    exp["status"], exp["spec"]["num_samples"] = "running", 5
    with open(efile, "w") as f:
        json.dump(exp, f)
    again = rt.Tuner.restore(path, resumable, verbose=0).fit()
    assert len(again) == 5 and not again.errors
    with open(os.path.join(path, "trials", "00001", "seen.jsonl")) as f:
        attempts = [json.loads(line) for line in f]
    assert (
        len(attempts) == 2
        and attempts[0] == attempts[1] == next(r for r in again if r.trial_id == "00001").config
    )
    assert [row["step"] for row in read_rows(path, "00001")[:-1]] == [0, 1, 2]
    assert len({r.config["x"] for r in again}) == 5  # the new trials got values of their own
