"""Experiment settings validation (pure, no Ray)."""

from __future__ import annotations

import pytest

from raytune_lite.spec import check_stop, check_time_budget


def test_check_stop():
    check_stop({"training_iteration": 5})
    check_stop(lambda tid, row: False)
    check_stop(None)
    for bad in ({}, {"x": "big"}, {"x": float("nan")}, 5):
        with pytest.raises(ValueError, match="stop"):
            check_stop(bad)


def test_check_time_budget():
    check_time_budget(1.5)
    for bad in (0, -1, float("inf"), "10"):
        with pytest.raises(ValueError, match="time_budget_s must be a positive number"):
            check_time_budget(bad)


def test_every_spec_field_is_a_tuner_option_and_round_trips(tmp_path):
    """The spec is the one declaration of the Tuner's stored options: each of its fields is a
    keyword of ``Tuner`` (a new option that forgets one side fails here), and to_json /
    from_json / tuner_options bring the same spec back."""
    import inspect

    from raytune_lite.spec import ExperimentSpec
    from raytune_lite.trial import Mode
    from raytune_lite.tuner import Tuner

    params = inspect.signature(Tuner.__init__).parameters
    missing = [n for n in ExperimentSpec.option_names() if n not in params]
    assert missing == []
    path = str(tmp_path / "run")
    spec = ExperimentSpec(
        "run", path, "acc", Mode.MAX, 7, {"cpu": 2.0}, max_concurrent=3,
        stop={"training_iteration": 4}, time_budget_s=9.5, max_failures=2, seed=11,
        points_to_evaluate=[{"x": 1}], num_to_keep=2, checkpoint_score="acc",
    )  # fmt: skip
    assert ExperimentSpec.from_json(spec.to_json(), path) == spec
    options = spec.tuner_options()
    assert set(options) == set(ExperimentSpec.option_names())
    assert options["storage_path"] == str(tmp_path) and options["name"] == "run"
