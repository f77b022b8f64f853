"""The tuner end to end on a real local Ray: search, failures, retries, stop criteria, time
budget, resources, bad input."""

from __future__ import annotations

import json
import os
import time

import pytest

import raytune_lite as rt
from raytune_lite.store import read_rows

pytestmark = pytest.mark.ray


def quadratic(config):
    for step in range(1, 4):
        rt.report({"loss": (config["x"] - 3.0) ** 2 + (config["y"] + 1.0) ** 2 + 1.0 / step})


def test_finds_a_known_optimum_with_every_row_on_disk(ray_local, storage):
    results = rt.Tuner(
        quadratic,
        {"x": rt.uniform(0, 6), "y": rt.uniform(-3, 1)},
        metric="loss",
        mode="min",
        num_samples=60,
        seed=0,
        storage_path=storage,
        verbose=0,
    ).fit()
    assert len(results) == 60 and results.num_errors == 0
    best = results.best
    assert abs(best.config["x"] - 3) < 1.0 and abs(best.config["y"] + 1) < 1.0
    df = results.dataframe()
    assert set(df["status"]) == {"TERMINATED"}
    assert {"config/x", "config/y", "loss", "training_iteration"} <= set(df.columns)
    assert df["loss"].min() == pytest.approx(best.metrics["loss"])
    hist = results.history()
    assert len(hist) == 180
    assert (
        hist.groupby("trial_id")["training_iteration"]
        .apply(list)
        .map(lambda its: its == [1, 2, 3])
        .all()
    )
    again = rt.ResultGrid.from_path(results.path)
    assert again.best.trial_id == best.trial_id


def test_grid_times_num_samples_and_same_seed_same_configs(ray_local, storage):
    space = {"g": rt.grid([1, 2]), "x": rt.uniform(0, 1)}

    def run(name):
        return rt.Tuner(
            quadratic_g,
            space,
            metric="loss",
            num_samples=3,
            seed=5,
            name=name,
            storage_path=storage,
            verbose=0,
        ).fit()

    a, b = run("a"), run("b")
    assert len(a) == 6
    assert sorted(a.dataframe()["config/g"]) == [1, 1, 1, 2, 2, 2]
    assert [r.config for r in a] == [r.config for r in b]


class ThreeThenDone(rt.search.BasicSearch):
    """A BasicSearch that finishes by itself after three trials, whatever num_samples says."""

    def suggest(self, trial_id):
        if self._count >= 3:
            return rt.search.FINISHED
        return super().suggest(trial_id)


def test_unlimited_samples_need_a_time_budget_or_a_searcher_that_finishes(storage):
    def make(space=None, **kwargs):
        return rt.Tuner(
            quadratic_g,
            space or {"g": 1, "x": rt.uniform(0, 1)},
            metric="loss",
            num_samples=-1,
            storage_path=storage,
            verbose=0,
            **kwargs,
        )

    never_ends = r"num_samples=-1 .*BasicSearch \(grid \+ random search\) never finishes"
    with pytest.raises(ValueError, match=never_ends):
        make()
    with pytest.raises(ValueError, match=never_ends):  # a grid is repeated forever under -1
        make({"g": rt.grid([1, 2]), "x": 0.5})
    with pytest.raises(ValueError, match=never_ends):
        make(searcher=rt.search.BasicSearch(max_pending=2))
    make(time_budget_s=5)
    make(searcher=ThreeThenDone())
    make(searcher=rt.search.CMAES(max_restarts=0))


def test_unlimited_samples_end_with_the_searcher_or_the_time_budget(ray_local, storage):
    space = {"g": 1, "x": rt.uniform(0, 1)}
    done = rt.Tuner(
        quadratic_g,
        space,
        metric="loss",
        num_samples=-1,
        searcher=ThreeThenDone(),
        storage_path=storage,
        name="finishes",
        verbose=0,
    ).fit()
    assert len(done) == 3 and done.num_errors == 0
    timed = rt.Tuner(
        sleeper,
        {"x": rt.uniform(0, 1)},
        metric="loss",
        num_samples=-1,
        max_concurrent=2,
        time_budget_s=1.5,
        storage_path=storage,
        name="timed",
        verbose=0,
    ).fit()
    assert len(timed) == 2
    assert {r.status for r in timed} == {rt.TrialStatus.STOPPED_EARLY}


def quadratic_g(config):
    rt.report({"loss": config["x"] * config["g"]})


def flaky(config):
    if config["x"] > 0.5:
        raise ValueError(f"boom at x={config['x']}")
    rt.report({"loss": config["x"]})


def test_a_failing_trial_does_not_end_the_experiment(ray_local, storage):
    results = rt.Tuner(
        flaky, {"x": rt.grid([0.1, 0.9, 0.2, 0.8])}, metric="loss", storage_path=storage, verbose=0
    ).fit()
    assert results.num_errors == 2 and len(results) == 4
    for tid, err in results.errors.items():
        assert "ValueError: boom at x=0." in err and "Traceback" in err
        with open(os.path.join(results.path, "trials", tid, "error.txt")) as f:
            assert "boom" in f.read()
    assert results.best.config["x"] == 0.1
    assert results.dataframe().set_index("trial_id")["error"].notna().sum() == 2


def fails_once_then_resumes(config):
    ckpt = rt.get_checkpoint()
    start = ckpt.to_dict()["step"] + 1 if ckpt else 1
    marker = os.path.join(rt.get_trial_dir(), "failed_once")
    for step in range(start, 7):
        rt.report(
            {"loss": 1.0 / step, "start": start}, checkpoint=rt.Checkpoint.from_dict({"step": step})
        )
        if step == 4 and not os.path.exists(marker):
            open(marker, "w").close()
            raise RuntimeError("transient failure")


def test_retries_resume_from_the_last_checkpoint(ray_local, storage):
    results = rt.Tuner(
        fails_once_then_resumes,
        {},
        metric="loss",
        num_samples=2,
        max_failures=1,
        storage_path=storage,
        verbose=0,
    ).fit()
    assert results.num_errors == 0
    for r in results:
        rows = read_rows(results.path, r.trial_id)
        assert [row["training_iteration"] for row in rows] == [1, 2, 3, 4, 5, 6]
        assert [row["start"] for row in rows] == [1, 1, 1, 1, 5, 5]
        assert r.checkpoint is not None and r.checkpoint.to_dict() == {"step": 6}
        with open(os.path.join(r.path, "error.txt")) as f:
            assert "transient failure" in f.read()

    no_retry = rt.Tuner(
        fails_once_then_resumes,
        {},
        metric="loss",
        num_samples=1,
        max_failures=0,
        storage_path=storage,
        verbose=0,
    ).fit()
    assert no_retry.num_errors == 1


def long_runner(config):
    for _ in range(1000):
        time.sleep(0.01)
        rt.report({"loss": config["x"]})


def test_stop_criteria_dict_and_callable(ray_local, storage):
    by_dict = rt.Tuner(
        long_runner,
        {"x": rt.uniform(0, 1)},
        metric="loss",
        num_samples=2,
        stop={"training_iteration": 5},
        storage_path=storage,
        verbose=0,
    ).fit()
    assert list(by_dict.dataframe()["training_iteration"]) == [5, 5]
    assert {r.status for r in by_dict} == {rt.TrialStatus.TERMINATED}

    by_fn = rt.Tuner(
        long_runner,
        {"x": rt.uniform(0, 1)},
        metric="loss",
        num_samples=2,
        stop=lambda tid, row: row["training_iteration"] >= 3,
        storage_path=storage,
        verbose=0,
    ).fit()
    assert list(by_fn.dataframe()["training_iteration"]) == [3, 3]


def sleeper(config):
    for _ in range(200):
        time.sleep(0.05)
        rt.report({"loss": config["x"]})


def silent_sleeper(config):
    time.sleep(60)


def test_time_budget_stops_running_and_pending_trials(ray_local, storage):
    results = rt.Tuner(
        sleeper,
        {"x": rt.uniform(0, 1)},
        metric="loss",
        num_samples=40,
        max_concurrent=2,
        time_budget_s=1.5,
        storage_path=storage,
        verbose=0,
    ).fit()
    assert len(results) == 2  # nothing new launched after the budget
    assert {r.status for r in results} == {rt.TrialStatus.STOPPED_EARLY}
    assert all(r.metrics["training_iteration"] < 200 for r in results)

    quiet = rt.Tuner(
        silent_sleeper, {}, num_samples=1, time_budget_s=1.0, storage_path=storage, verbose=0
    ).fit()
    # it never reports: it was cancelled (the test would not end otherwise)
    assert quiet[0].status is rt.TrialStatus.STOPPED_EARLY


def where_am_i(config):
    import ray

    ctx = ray.get_runtime_context()
    rt.report(
        {
            "gpus": [str(g) for g in ray.get_gpu_ids()],
            "cuda": os.environ.get("CUDA_VISIBLE_DEVICES", ""),
            "custom": ctx.get_assigned_resources().get("custom", 0.0),
            "cpu": ctx.get_assigned_resources().get("CPU", 0.0),
            "trial_id": rt.get_trial_id(),
        }
    )


def test_resources_reach_the_task(ray_local, storage):
    results = rt.Tuner(
        where_am_i,
        {},
        num_samples=2,
        resources={"cpu": 2, "gpu": 1, "custom": 1},
        storage_path=storage,
        verbose=0,
    ).fit()
    for r in results:
        assert r.metrics["cpu"] == 2.0 and r.metrics["custom"] == 1.0
        assert len(r.metrics["gpus"]) == 1 and r.metrics["cuda"] == r.metrics["gpus"][0]
        assert r.metrics["trial_id"] == r.trial_id
    frac = rt.Tuner(
        where_am_i,
        {},
        num_samples=4,
        resources={"cpu": 1, "gpu": 0.5},
        storage_path=storage,
        verbose=0,
    ).fit()
    assert all(len(r.metrics["gpus"]) == 1 for r in frac)


def test_max_concurrent_defaults_to_what_fits(ray_local, storage):
    def overlap(config):
        t = time.time()
        time.sleep(0.3)
        rt.report({"start": t, "end": time.time()})

    results = rt.Tuner(
        overlap,
        {},
        num_samples=6,
        resources={"cpu": 1, "custom": 2},
        storage_path=storage,
        verbose=0,
    ).fit()
    spans = [(r.metrics["start"], r.metrics["end"]) for r in results]
    most = max(sum(s <= t < e for s, e in spans) for t, _ in spans)
    assert most == 2  # 4 custom / 2 per trial


def test_unsatisfiable_resources_fail_fast(ray_local, storage):
    with pytest.raises(
        ValueError,
        match=r"no node of the Ray cluster can run a trial that "
        r"requests .*'tpu'",
    ):
        rt.Tuner(
            quadratic, {}, resources={"cpu": 1, "tpu": 1}, storage_path=storage, verbose=0
        ).fit()
    with pytest.raises(ValueError, match="no node"):
        rt.Tuner(quadratic, {}, resources={"cpu": 64}, storage_path=storage, verbose=0).fit()


def returns_metrics(config):
    return {"score": config["x"] * 2}


def returns_number(config):
    return config["x"] ** 2


def test_functions_may_return_final_metrics(ray_local, storage):
    r1 = rt.Tuner(
        returns_metrics,
        {"x": rt.uniform(0, 1)},
        metric="score",
        mode="max",
        num_samples=4,
        storage_path=storage,
        verbose=0,
    ).fit()
    assert r1.best.metrics["score"] == max(r.metrics["score"] for r in r1)
    r2 = rt.Tuner(
        returns_number,
        {"x": rt.uniform(-1, 1)},
        metric="obj",
        num_samples=4,
        storage_path=storage,
        verbose=0,
    ).fit()
    assert all(r.metrics["obj"] == pytest.approx(r.config["x"] ** 2) for r in r2)


def never_reports_metric(config):
    rt.report({"other": 1.0})


def test_metric_never_reported_is_a_trial_error_naming_it(ray_local, storage):
    results = rt.Tuner(
        never_reports_metric, {}, metric="loss", num_samples=1, storage_path=storage, verbose=0
    ).fit()
    assert "the metric 'loss' was never reported; the trial reported ['other']" in results[0].error


def test_points_to_evaluate_run_first_and_count(ray_local, storage):
    results = rt.Tuner(
        quadratic,
        {"x": rt.uniform(0, 6), "y": rt.uniform(-3, 1)},
        metric="loss",
        num_samples=4,
        points_to_evaluate=[{"x": 3.0, "y": -1.0}, {"x": 0.5}],
        storage_path=storage,
        verbose=0,
        max_concurrent=1,
    ).fit()
    assert len(results) == 4
    assert results[0].config == {"x": 3.0, "y": -1.0}
    assert results[1].config["x"] == 0.5 and -3 <= results[1].config["y"] <= 1
    assert results.best.trial_id == results[0].trial_id


def test_experiment_files_are_plain_json(ray_local, storage):
    results = rt.Tuner(
        quadratic,
        {"x": rt.uniform(0, 6), "y": -1.0},
        metric="loss",
        num_samples=2,
        storage_path=storage,
        verbose=0,
    ).fit()
    with open(os.path.join(results.path, "experiment.json")) as f:
        exp = json.load(f)
    assert exp["status"] == "finished" and exp["spec"]["metric"] == "loss"
    assert exp["space"]["x"] == {
        "__domain__": "float",
        "low": 0.0,
        "high": 6.0,
        "log": False,
        "q": None,
    }
    for r in results:
        with open(os.path.join(r.path, "params.json")) as f:
            assert json.load(f) == r.config


def test_an_existing_experiment_name_is_not_overwritten(ray_local, storage):
    rt.Tuner(
        returns_number, {"x": 1.0}, metric="obj", storage_path=storage, name="same", verbose=0
    ).fit()
    with pytest.raises(ValueError, match="an experiment named 'same' already exists"):
        rt.Tuner(
            returns_number, {"x": 1.0}, metric="obj", storage_path=storage, name="same", verbose=0
        ).fit()


def test_bad_trainables(storage):
    with pytest.raises(TypeError, match="must be a function taking the config dict"):
        rt.Tuner(42, {}, storage_path=storage)  # type: ignore[arg-type]
    with pytest.raises(
        TypeError,
        match=r"must accept one argument, the config dict; "
        r"'two_args' has the signature \(a, b\)",
    ):

        def two_args(a, b):
            pass

        rt.Tuner(two_args, {}, storage_path=storage)


def test_unpicklable_trainable_is_a_clear_error(ray_local, storage):
    import threading

    lock = threading.Lock()

    def uses_lock(config):
        with lock:
            rt.report({"loss": 1.0})

    with pytest.raises(TypeError, match="could not be pickled"):
        rt.Tuner(uses_lock, {}, storage_path=storage, verbose=0).fit()


def test_report_outside_a_trial():
    with pytest.raises(
        RuntimeError,
        match=r"raytune_lite.report\(\) was called outside a "
        r"trial",
    ):
        rt.report({"loss": 1.0})
    with pytest.raises(RuntimeError, match="outside a trial"):
        rt.get_checkpoint()


def kills_its_worker_once(config):
    import signal

    ckpt = rt.get_checkpoint()
    start = ckpt.to_dict()["step"] if ckpt else 0
    marker = os.path.join(rt.get_trial_dir(), "killed_once")
    for step in range(start + 1, 6):
        rt.report(
            {"loss": 1.0 / step, "step": step}, checkpoint=rt.Checkpoint.from_dict({"step": step})
        )
        if step == 3 and not os.path.exists(marker):
            open(marker, "w").close()
            os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.heavy
def test_a_killed_worker_process_is_retried_from_its_checkpoint(ray_local, storage):
    results = rt.Tuner(
        kills_its_worker_once,
        {},
        metric="loss",
        num_samples=2,
        max_failures=1,
        storage_path=storage,
        verbose=0,
    ).fit()
    for r in results:
        assert r.status is rt.TrialStatus.TERMINATED
        assert [row["step"] for row in read_rows(results.path, r.trial_id)] == [1, 2, 3, 4, 5]
        assert "WorkerCrashedError" in r.error or "died" in r.error.lower()
    once = rt.Tuner(
        kills_its_worker_once,
        {},
        metric="loss",
        num_samples=1,
        max_failures=0,
        storage_path=storage,
        verbose=0,
    ).fit()
    assert once[0].status is rt.TrialStatus.ERROR
