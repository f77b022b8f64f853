"""report() inside trials: row contents, value checks, checkpoints, sync points."""

from __future__ import annotations

import numpy as np
import pytest

import raytune_lite as rt
from raytune_lite.session import _clean_value
from raytune_lite.store import read_rows

pytestmark = pytest.mark.ray


def test_values_are_cleaned_or_rejected_by_name():
    assert _clean_value("a", np.float32(1.5)) == 1.5
    assert _clean_value("a", [np.int64(2), {"b": np.bool_(True)}]) == [2, {"b": True}]
    with pytest.raises(TypeError, match="the value of 'w' must be a number"):
        _clean_value("w", object())


def rows_with_extras(config):
    rt.report({"loss": np.float64(0.5), "arr_mean": np.mean([1, 2]), "name": "a"})
    rt.report({"loss": 0.25}, checkpoint=rt.Checkpoint.from_dict({"step": 2}))
    ckpt_dir = rt.get_trial_dir()
    rt.report({"loss": 0.125, "dir": ckpt_dir})


def test_rows_carry_iteration_and_times_and_checkpoints_are_saved(ray_local, storage):
    results = rt.Tuner(rows_with_extras, {}, metric="loss", storage_path=storage, verbose=0).fit()
    r = results[0]
    rows = read_rows(results.path, r.trial_id)
    assert [row["training_iteration"] for row in rows] == [1, 2, 3]
    assert all(row["time_total_s"] >= row["time_this_iter_s"] >= 0 for row in rows)
    assert rows[0]["loss"] == 0.5 and rows[0]["arr_mean"] == 1.5
    assert rows[2]["dir"] == r.path
    assert r.checkpoint.path.endswith("checkpoints/checkpoint_000002")
    assert r.checkpoint.to_dict() == {"step": 2}


def bad_report(config):
    rt.report({"loss": object()})


def not_a_dict(config):
    rt.report(0.5)  # type: ignore[arg-type]


def test_bad_reports_fail_the_trial_with_a_clear_message(ray_local, storage):
    r1 = rt.Tuner(bad_report, {}, storage_path=storage, verbose=0).fit()
    assert "the value of 'loss' must be a number" in r1[0].error
    r2 = rt.Tuner(not_a_dict, {}, storage_path=storage, verbose=0).fit()
    assert "report() needs a dict of metrics; got float" in r2[0].error


def many_rows(config):
    for i in range(2000):
        rt.report({"loss": float(i)})


def test_thousands_of_fast_rows_all_reach_disk_in_order(ray_local, storage):
    results = rt.Tuner(many_rows, {}, num_samples=3, storage_path=storage, verbose=0).fit()
    for r in results:
        rows = read_rows(results.path, r.trial_id)
        assert [row["loss"] for row in rows] == [float(i) for i in range(2000)]
