"""ResultGrid over a real experiment directory."""

from __future__ import annotations

import math

import pytest

import raytune_lite as rt
from raytune_lite.store import ExperimentState, ExperimentStatus, ExperimentStore, PluginState
from raytune_lite.trial import TrialStatus

ray = pytest.mark.ray  # the tests that run experiments; the others read folders written here


def _state(status: str) -> ExperimentState:
    """An experiment.json of a run minimizing ``loss`` (for folders written by the tests)."""
    spec = {"metric": "loss", "mode": "min"}
    return ExperimentState(ExperimentStatus(status), spec, {}, PluginState("A"), PluginState("B"))


def curve(config):
    for step in range(1, 5):
        v = float("nan") if config["x"] > 0.9 else config["x"] * 10 / step
        rt.report({"acc": v, "extra": {"nested": 1}})


@pytest.fixture
def results(ray_local, storage):
    return rt.Tuner(
        curve,
        {"x": rt.grid([0.1, 0.5, 0.95]), "k": {"depth": 3}},
        metric="acc",
        mode="max",
        storage_path=storage,
        verbose=0,
    ).fit()


@ray
def test_best_ignores_nan_and_respects_mode(results):
    assert results.best.config["x"] == 0.5
    assert results.get_best(scope="all").config["x"] == 0.5
    assert results.get_best(mode="min").config["x"] == 0.1
    with pytest.raises(ValueError, match="scope must be 'last' or 'all'"):
        results.get_best(scope="first")
    with pytest.raises(ValueError, match="no trial reported a finite value of 'nope'"):
        results.get_best(metric="nope")


@ray
def test_dataframe_and_history(results):
    df = results.dataframe()
    assert list(df["trial_id"]) == ["00000", "00001", "00002"]
    assert list(df["config/k/depth"]) == [3, 3, 3]
    assert "extra" not in df.columns  # nested values stay in the history
    assert list(df["num_configs"]) == [1, 1, 1] and list(df["num_exploits"]) == [0, 0, 0]
    assert results.num_exploits == 0  # no PBT
    assert math.isnan(df.loc[2, "acc"])
    hist = results.history()
    assert len(hist) == 12 and set(hist["trial_id"]) == {"00000", "00001", "00002"}
    assert list(results.history("00001")["acc"]) == pytest.approx([5.0, 2.5, 5 / 3, 1.25])
    two = results.history(["00002", "00000"])
    assert list(two["trial_id"]) == ["00002"] * 4 + ["00000"] * 4


@ray
def test_iteration_and_reload(results):
    ids = [r.trial_id for r in results]
    again = rt.ResultGrid.from_path(results.path)
    assert [r.trial_id for r in again] == ids and len(again) == 3
    assert again[1].config == results[1].config
    assert "3 trials" in repr(again)


@ray
def test_no_metric_is_a_clear_error(ray_local, storage):
    def plain(config):
        rt.report({"v": 1})

    r = rt.Tuner(plain, {}, storage_path=storage, verbose=0).fit()
    with pytest.raises(ValueError, match="no metric: pass get_best"):
        r.best  # noqa: B018


def test_from_path_of_a_non_experiment(tmp_path):
    with pytest.raises(rt.StoreError, match="not a raytune_lite experiment"):
        rt.ResultGrid.from_path(str(tmp_path))
    (tmp_path / "experiment.json").write_text('{"name": "some other tool"}')
    with pytest.raises(
        rt.StoreError,
        match=r"^not a raytune_lite experiment: '.*' \(its "
        r"experiment.json has no format_version\)$",
    ):
        rt.ResultGrid.from_path(str(tmp_path))
    (tmp_path / "experiment.json").write_text('{"format_version": 7}')
    with pytest.raises(
        rt.StoreError,
        match=r"has format_version=7; this raytune_lite reads "
        r"versions up to 1: upgrade raytune_lite",
    ):
        rt.ResultGrid.from_path(str(tmp_path))


def error_rate(config):
    if config["x"] < 0:
        raise ValueError("negative x")
    return {"error": config["x"], "status": "ok"}


@ray
def test_metrics_named_like_bookkeeping_columns_keep_their_name(ray_local, storage):
    results = rt.Tuner(
        error_rate,
        {"x": rt.grid([-1.0, 0.25, 0.5])},
        metric="error",
        storage_path=storage,
        verbose=0,
    ).fit()
    df = results.dataframe().set_index("config/x")
    assert df.loc[0.25, "error"] == 0.25 and df.loc[0.5, "status"] == "ok"  # the metrics
    assert df.loc[0.25, "trial_status"] == "TERMINATED"  # the bookkeeping, prefixed
    assert "negative x" in df.loc[-1.0, "trial_error"]
    assert results.best.config["x"] == 0.25


# -- folders written directly (no Ray): what a live experiment leaves on disk ---------------


def _row(it, t, started):
    return {"loss": 1.0 / it, "training_iteration": it, "timestamp": t, "time_total_s": t - started}


def _summary(tid, status, **kw):
    base = {"trial_id": tid, "config": {"x": 1}, "status": status, "attempts": 1}
    base["config_history"] = [{"training_iteration": 0, "config": {"x": 1}}]
    return {**base, **kw}


def _live_experiment(path):
    store = ExperimentStore(path)
    store.write_experiment(_state("running"))
    return store


def test_a_live_experiment_reads_launched_trials_as_running(tmp_path):
    path = str(tmp_path / "exp")
    store = _live_experiment(path)
    store.add_trial("00000", {"x": 1})  # launched, nothing reported yet, no trial.json
    store.add_trial("00001", {"x": 2})
    store.append_rows("00001", [_row(1, 10.0, 9.0)])
    store.write_trial("00001", _summary("00001", "PAUSED", num_results=1))  # after its row
    store.add_trial("00002", {"x": 3})
    store.append_rows("00002", [_row(1, 10.0, 9.0)])
    store.write_trial("00002", _summary("00002", "PENDING", num_results=1))  # failed, retried:
    store.rewind("00002", 0)  # relaunched (the marker is written at launch)
    store.add_trial("00003", {"x": 4})
    store.append_rows("00003", [_row(1, 10.0, 9.0)])
    store.write_trial("00003", _summary("00003", "TERMINATED", num_results=1))
    store.add_trial("00004", {"x": 5})
    store.append_rows("00004", [_row(1, 10.0, 9.0)])
    store.write_trial("00004", _summary("00004", "PAUSED", num_results=1))
    store.append_rows("00004", [_row(2, 11.0, 9.0)])  # resumed without a restart marker
    store.close()
    got = {r.trial_id: r.status for r in rt.ResultGrid.from_path(path)}
    assert got == {
        "00000": TrialStatus.RUNNING,
        "00001": TrialStatus.PAUSED,
        "00002": TrialStatus.RUNNING,
        "00003": TrialStatus.TERMINATED,
        "00004": TrialStatus.RUNNING,
    }
    store.write_experiment(_state("finished"))
    got = {r.trial_id: r.status for r in rt.ResultGrid.from_path(path)}
    assert got["00000"] is TrialStatus.PENDING  # what is on disk, once nothing runs


def test_attempts_are_read_from_rows_restarts_and_errors(tmp_path):
    path = str(tmp_path / "exp")
    store = _live_experiment(path)
    store.add_trial("00000", {"x": 1})
    store.append_rows("00000", [_row(1, 11.0, 10.0), _row(2, 12.0, 10.0)])
    store.write_error("00000", 1, "Traceback ...\nValueError: boom")
    store.rewind("00000", 1)  # attempt 2 from the checkpoint at 1
    store.append_rows("00000", [_row(2, 14.0, 13.0), _row(3, 15.0, 13.0)])
    store.rewind("00000", 3)  # attempt 3: a PBT exploit at iteration 3
    store.append_rows("00000", [_row(4, 17.0, 16.0)])
    history = [
        {"training_iteration": 0, "config": {"x": 1}},
        {"training_iteration": 3, "config": {"x": 2}, "donor": "00001"},
    ]
    store.write_trial(
        "00000",
        _summary("00000", "TERMINATED", attempts=3, config_history=history, end_time=17.5),
    )
    store.add_trial("00001", {"x": 2})
    store.append_rows("00001", [_row(1, 12.5, 11.5)])
    store.write_trial("00001", _summary("00001", "STOPPED_EARLY", end_time=12.6))
    store.close()
    att = rt.ResultGrid.from_path(path).attempts()
    assert list(att["attempt"]) == [1, 2, 3, 1]
    assert list(att["ending"]) == ["failed, retried", "exploited", "complete", "stopped early"]
    assert list(att["start"]) == [10.0, 13.0, 16.0, 11.5]
    assert list(att["end"]) == [12.0, 15.0, 17.5, 12.6]
    assert list(att["slot"]) == [0, 0, 0, 1]  # 00001 ran beside attempt 1 of 00000
    assert list(att["last_iteration"]) == [2, 3, 4, 1]


def test_a_metric_never_overwrites_a_config_column(tmp_path):
    from raytune_lite.store import ExperimentState, ExperimentStore

    st = ExperimentStore(str(tmp_path / "exp"))
    st.write_experiment(ExperimentState.from_json({"spec": {"metric": "loss"}}))
    st.add_trial("00000", {"x": 1.0})
    row = {"loss": 0.5, "config/x": 99.0, "training_iteration": 1}  # written by an old version
    st.write_trial(
        "00000",
        {"trial_id": "00000", "config": {"x": 1.0}, "status": "TERMINATED", "last_result": row},
    )
    df = rt.ResultGrid.from_path(st.path).dataframe()
    assert df.loc[0, "config/x"] == 1.0 and df.loc[0, "loss"] == 0.5
