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


@pytest.mark.parametrize("row, value", [
    ({"loss": 1.5}, 1.5), ({"loss": np.float32(2.0)}, 2.0), ({"loss": float("nan")}, None),
    ({"loss": float("inf")}, None), ({"loss": "bad"}, None), ({}, None), ({"loss": True}, None),
])
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
    t = Trial("00002", {"a": [1, 2]}, {"cpu": 1.0}, status=TrialStatus.PAUSED,
              checkpoint=Checkpoint("/c/checkpoint_000003"), checkpoint_iteration=3)
    t.observe({"loss": 0.5}, "loss", Mode.MIN)
    back = Trial.from_json(json.loads(json.dumps(t.to_json())))
    assert back.to_json() == t.to_json()
    assert TrialStatus.ERROR.is_finished and not TrialStatus.PAUSED.is_finished
