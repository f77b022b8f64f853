"""ResultGrid over a real experiment directory."""

from __future__ import annotations

import math

import pytest

import raytune_lite as rt

pytestmark = pytest.mark.ray


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


def test_best_ignores_nan_and_respects_mode(results):
    assert results.best.config["x"] == 0.5
    assert results.get_best(scope="all").config["x"] == 0.5
    assert results.get_best(mode="min").config["x"] == 0.1
    with pytest.raises(ValueError, match="scope must be 'last' or 'all'"):
        results.get_best(scope="first")
    with pytest.raises(ValueError, match="no trial reported a finite value of 'nope'"):
        results.get_best(metric="nope")


def test_dataframe_and_history(results):
    df = results.dataframe()
    assert list(df["trial_id"]) == ["00000", "00001", "00002"]
    assert list(df["config/k/depth"]) == [3, 3, 3]
    assert "extra" not in df.columns  # nested values stay in the history
    assert math.isnan(df.loc[2, "acc"])
    hist = results.history()
    assert len(hist) == 12 and set(hist["trial_id"]) == {"00000", "00001", "00002"}
    assert list(results.history("00001")["acc"]) == pytest.approx([5.0, 2.5, 5 / 3, 1.25])


def test_iteration_and_reload(results):
    ids = [r.trial_id for r in results]
    again = rt.ResultGrid.from_path(results.path)
    assert [r.trial_id for r in again] == ids and len(again) == 3
    assert again[1].config == results[1].config
    assert "3 trials" in repr(again)


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
