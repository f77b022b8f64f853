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
