"""Tests of the objectives table of the multi-objective model-based searchers
(raytune_lite.search._mo_losses)."""

from __future__ import annotations

import json
import math

import numpy as np

from raytune_lite.multiobjective import Objectives
from raytune_lite.search._mo_losses import MultiLosses, multi_objective
from raytune_lite.trial import Mode

TWO = Objectives(("loss", "acc"), (Mode.MIN, Mode.MAX))


def test_a_trial_counts_only_when_finished_finite_and_feasible() -> None:
    table = MultiLosses()
    table.record("ok", {"loss": 1.0, "acc": 0.9, "mb": 10}, False, TWO, ["mb <= 100"])
    table.record("err", {"loss": 1.0, "acc": 0.9, "mb": 10}, True, TWO, ["mb <= 100"])
    table.record("nan", {"loss": math.nan, "acc": 0.9, "mb": 10}, False, TWO, ["mb <= 100"])
    table.record("big", {"loss": 0.1, "acc": 0.99, "mb": 500}, False, TWO, ["mb <= 100"])
    table.record("none", None, True, TWO, None)
    assert [t for t, r in table.items() if r.ok] == ["ok"]
    assert table["ok"].losses == (1.0, -0.9)  # maximised objectives as losses
    losses, ok = table.matrix(["big", "unknown", "ok"])
    assert ok.tolist() == [False, False, True]
    assert losses[0].tolist() == [0.1, -0.99] and np.isnan(losses[1]).all()


def test_state_round_trips_through_json_with_nan() -> None:
    table = MultiLosses()
    table.record("a", {"loss": 2.0, "acc": 0.5}, False, TWO, None)
    table.record("b", {"loss": math.nan}, False, TWO, None)
    again = MultiLosses()
    again.load_state(json.loads(json.dumps(table.state())))
    assert again["a"] == table["a"] and not again["b"].ok
    assert np.isnan(again["b"].losses).all()


def test_only_several_objectives_count_as_multi_objective() -> None:
    assert multi_objective(TWO) is TWO
    assert multi_objective(Objectives(("loss",), (Mode.MIN,))) is None
    assert multi_objective(None) is None
