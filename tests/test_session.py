"""report() inside trials: row contents, value checks, checkpoints, sync points."""

from __future__ import annotations

import os
import threading
import time

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


def _ctx(trial_id: str = "00000", attempt: int = 1):
    from raytune_lite.attempt import TrialContext
    from raytune_lite.schedulers.base import SyncPolicy

    return TrialContext(trial_id, attempt, "/nowhere", {}, None, 0, SyncPolicy.NEVER, None, "c")


@pytest.mark.parametrize(
    "key",
    [
        "training_iteration",
        "timestamp",
        "time_this_iter_s",
        "time_total_s",
        "__rewind__",
        "config/x",
    ],
)
def test_reserved_metric_names_are_refused_by_name(key):
    from raytune_lite.session import _Session

    with pytest.raises(
        ValueError, match=rf"report\(\): the metric name\(s\) \['{key}'\] are reserved"
    ):
        _Session(_ctx()).report({key: 1, "loss": 0.5}, None)


def test_a_thread_left_by_an_ended_attempt_never_reports_into_the_next_one():
    from raytune_lite import session

    first = session._Session(_ctx("00000"))
    token = session.bind(first)
    go, seen = threading.Event(), []

    def leftover():
        go.wait(30)
        try:
            rt.report({"loss": 1.0})
        except RuntimeError as e:
            seen.append(str(e))

    thread = threading.Thread(target=leftover, daemon=True)
    thread.start()  # started by the first attempt, which then ends without joining it
    session.unbind(first, token)
    second = session._Session(_ctx("00001"))
    token = session.bind(second)
    try:
        assert session.get_trial_id() == "00001"
        go.set()
        thread.join(30)
        assert seen and "trial 00000 attempt 1, which has ended" in seen[0]
        assert second.outbox._buf == [] and first.outbox._buf == []
    finally:
        session.unbind(second, token)
    assert not session.in_trial()


def leaks_a_thread(config):
    flag_dir = config["dir"]
    if config["i"] == 0:

        def late():
            _wait_for(os.path.join(flag_dir, "second_started"))
            try:
                rt.report({"loss": 99.0, "leak": True})
                outcome = "reported"
            except RuntimeError as e:
                outcome = str(e)
            with open(os.path.join(flag_dir, "outcome"), "w") as f:
                f.write(outcome)

        threading.Thread(target=late, daemon=True).start()
        rt.report({"loss": 1.0, "pid": os.getpid()})
        return
    rt.report({"loss": 2.0, "pid": os.getpid()})
    open(os.path.join(flag_dir, "second_started"), "w").close()
    _wait_for(os.path.join(flag_dir, "outcome"))
    rt.report({"loss": 3.0, "pid": os.getpid()})


def _wait_for(path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_leftover_thread_of_a_finished_trial_raises_instead_of_reporting_into_the_next(
    ray_local, storage, tmp_path
):
    results = rt.Tuner(
        leaks_a_thread,
        {"i": rt.grid([0, 1]), "dir": str(tmp_path)},
        max_concurrent=1,
        storage_path=storage,
        verbose=0,
    ).fit()
    rows = {r.config["i"]: read_rows(results.path, r.trial_id) for r in results}
    if rows[0][0]["pid"] != rows[1][0]["pid"]:
        pytest.skip("Ray ran the two trials in different worker processes")
    assert [row["loss"] for row in rows[1]] == [2.0, 3.0]  # nothing of trial 0 in trial 1
    assert [row["loss"] for row in rows[0]] == [1.0]
    assert "which has ended" in (tmp_path / "outcome").read_text()
