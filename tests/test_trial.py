"""Trial records, snapshots and metric handling (pure, no Ray)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from raytune_lite.checkpoint import Checkpoint
from raytune_lite.trial import Mode, Trial, TrialStatus, metric_value


def test_mode_parse_and_compare():
    assert Mode.parse("min").better(1, 2) and Mode.parse("max").better(2, 1)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max'; got mode='minimise'"):
        Mode.parse("minimise")


@pytest.mark.parametrize(
    "row, value",
    [
        ({"loss": 1.5}, 1.5),
        ({"loss": np.float32(2.0)}, 2.0),
        ({"loss": float("nan")}, None),
        ({"loss": float("inf")}, None),
        ({"loss": "bad"}, None),
        ({}, None),
        ({"loss": True}, None),
    ],
)
def test_metric_value_only_takes_finite_numbers(row, value):
    assert metric_value(row, "loss") == value


def test_observe_tracks_best_ignoring_nan():
    t = Trial("00001", {"x": 1}, {"cpu": 1})
    for v in (3.0, float("nan"), 1.0, 2.0):
        t.observe({"loss": v, "training_iteration": 1}, "loss", Mode.MIN)
    assert t.best_value == 1.0 and t.num_results == 4 and t.metric_seen


def test_snapshot_is_frozen_and_isolated():
    t = Trial("00001", {"x": {"y": 1}}, {"cpu": 1})
    snap = t.snapshot()
    with pytest.raises(TypeError):
        snap.config["x"] = 2  # type: ignore[index]
    with pytest.raises(AttributeError):
        snap.status = TrialStatus.ERROR  # type: ignore[misc]
    t.config["x"]["y"] = 5
    assert snap.config["x"]["y"] == 1
    t.set_config({"x": 3})
    assert t.snapshot().config["x"] == 3


def test_json_round_trip():
    t = Trial(
        "00002",
        {"a": [1, 2]},
        {"cpu": 1.0},
        status=TrialStatus.PAUSED,
        checkpoint=Checkpoint("/c/checkpoint_000003"),
        checkpoint_iteration=3,
    )
    t.observe({"loss": 0.5}, "loss", Mode.MIN)
    back = Trial.from_json(json.loads(json.dumps(t.to_json())))
    assert back.to_json() == t.to_json()
    assert TrialStatus.ERROR.is_finished and not TrialStatus.PAUSED.is_finished


def test_a_live_trial_reuses_its_view_and_a_finished_one_keeps_none():
    t = Trial("00003", {"x": {"y": [1, 2]}}, {"cpu": 1})
    t.status = TrialStatus.RUNNING
    first = t.snapshot()
    assert t.snapshot().config is first.config  # made once per config while it runs
    assert t._config_view is not None
    t.finish(TrialStatus.TERMINATED, "stop criterion", 12.0)
    assert t._config_view is None  # dropped: the controller keeps every finished trial
    again = t.snapshot()
    assert again.config == first.config and again.config is not first.config
    assert again.status is TrialStatus.TERMINATED
    assert t._config_view is None  # rebuilt on demand, not kept
    assert (t.stop_reason, t.end_time) == ("stop criterion", 12.0)
    with pytest.raises(ValueError, match="finish needs a finished status; got"):
        t.finish(TrialStatus.PAUSED, None, 13.0)


def test_the_summary_does_not_grow_with_reported_rows():
    def sizes(t: Trial) -> dict[str, int]:
        return {k: len(v) for k, v in vars(t).items() if isinstance(v, (list, dict, str))}

    t = Trial("00004", {"x": 1}, {"cpu": 1})
    for i in range(1, 11):
        t.observe(
            {"training_iteration": i, "loss": 1.0 / i},
            "loss",
            Mode.MIN,
            checkpoint=f"/c/checkpoint_{i:06d}",
        )
    before = sizes(t)
    for i in range(11, 2001):
        t.observe(
            {"training_iteration": i, "loss": 1.0 / i},
            "loss",
            Mode.MIN,
            checkpoint=f"/c/checkpoint_{i:06d}",
        )
    assert sizes(t) == before
    assert t.num_results == 2000 and t.last_result == {
        "training_iteration": 2000,
        "loss": 1.0 / 2000,
    }
    assert t.checkpoint == Checkpoint("/c/checkpoint_002000") and t.checkpoint_iteration == 2000


def test_adopt_records_the_exploit_and_shows_the_new_config():
    t = Trial("00005", {"lr": 0.1}, {"cpu": 1}, status=TrialStatus.RUNNING)
    t.observe({"training_iteration": 6, "loss": 2.0}, "loss", Mode.MIN)
    assert t.snapshot().config["lr"] == 0.1
    t.adopt({"lr": 0.2}, Checkpoint("/d/checkpoint_000004"), 4, donor="00001")
    assert t.status is TrialStatus.PENDING and t.snapshot().config["lr"] == 0.2
    assert (t.checkpoint, t.checkpoint_iteration) == (Checkpoint("/d/checkpoint_000004"), 4)
    assert t.config_history == [{"training_iteration": 6, "config": {"lr": 0.2}, "donor": "00001"}]


def test_final_metric_problem_names_what_was_reported():
    t = Trial("00006", {}, {"cpu": 1})
    assert t.final_metric_problem(None) is None
    assert "never called raytune_lite.report()" in (t.final_metric_problem("loss") or "")
    t.observe({"training_iteration": 1, "timestamp": 0, "acc": 1}, "loss", Mode.MIN)
    assert (
        t.final_metric_problem("loss")
        == "the metric 'loss' was never reported; the trial reported ['acc']"
    )
    t.observe({"training_iteration": 2, "loss": float("inf")}, "loss", Mode.MIN)
    assert "the metric 'loss' was inf at its last report (iteration 2)" in (
        t.final_metric_problem("loss") or ""
    )
    t.observe({"training_iteration": 3, "loss": 0.5}, "loss", Mode.MIN)
    assert t.final_metric_problem("loss") is None
