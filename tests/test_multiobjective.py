"""Dominance, sorting, crowding, hypervolume, constraints and objectives (pure)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from raytune_lite.multiobjective import (
    Constraint,
    Objectives,
    crowding_distance,
    feasible,
    hypervolume,
    non_dominated_ranks,
    pareto_mask,
    parse_constraints,
)
from raytune_lite.trial import Mode


def _brute_mask(v: np.ndarray) -> list[bool]:
    return [
        bool(np.isfinite(p).all())
        and not any(np.all(q <= p) and np.any(q < p) for q in v if np.isfinite(q).all())
        for p in v
    ]


def test_the_pareto_mask_agrees_with_brute_force_on_random_sets() -> None:
    rng = np.random.default_rng(0)
    for _ in range(30):
        v = rng.integers(0, 6, size=(25, int(rng.integers(2, 4)))).astype(float)
        v[rng.random(25) < 0.1, 0] = math.nan
        assert pareto_mask(v).tolist() == _brute_mask(v)


def test_ranks_peel_fronts_and_nan_rows_come_last() -> None:
    v = np.array([[1, 4], [2, 2], [4, 1], [3, 3], [4, 4], [math.nan, 0]], dtype=float)
    assert non_dominated_ranks(v).tolist() == [0, 0, 0, 1, 2, 3]


def test_crowding_gives_the_ends_infinity_and_favours_isolated_points() -> None:
    v = np.array([[0.0, 3.0], [1.0, 2.0], [1.1, 1.9], [3.0, 0.0]])
    d = crowding_distance(v)
    assert math.isinf(d[0]) and math.isinf(d[3]) and d[1] > 0 and d[2] > 0


def test_hypervolume_in_two_and_three_objectives_matches_monte_carlo() -> None:
    assert hypervolume(np.array([[1.0, 1.0]]), np.array([2.0, 3.0])) == 2.0
    assert hypervolume(np.array([[3.0, 3.0]]), np.array([2.0, 2.0])) == 0.0  # beyond the ref
    rng = np.random.default_rng(1)
    pts = rng.random((8, 3))
    ref = np.ones(3)
    probe = rng.random((200_000, 3))
    dominated = np.zeros(len(probe), dtype=bool)
    for p in pts:
        dominated |= (probe >= p).all(axis=1)
    assert hypervolume(pts, ref) == pytest.approx(dominated.mean(), abs=0.005)


def test_constraints_parse_and_hold_on_rows() -> None:
    c = Constraint.parse(" memory_mb<=512 ")
    assert (c.key, c.op, c.bound) == ("memory_mb", "<=", 512.0) and str(c) == "memory_mb <= 512"
    assert feasible({"memory_mb": 100, "acc": 0.9}, ["memory_mb <= 512", "acc >= 0.5"])
    assert not feasible({"memory_mb": 100, "acc": 0.1}, ["memory_mb <= 512", "acc >= 0.5"])
    assert not feasible({"acc": float("nan")}, ["acc >= 0.5"])
    assert feasible({"a": 1}, lambda row: row["a"] == 1) and not feasible({}, lambda row: row["a"])
    assert feasible({"a": 1}, None)
    for bad in (["memory_mb ≤ 512"], ["<= 3"], 5):
        with pytest.raises(ValueError, match=r"constraint|constraints must be"):
            feasible({}, bad)
    with pytest.raises(ValueError, match="non-empty list"):
        parse_constraints([])


def test_objectives_parse_one_or_several_metrics_with_their_modes() -> None:
    one = Objectives.parse("loss", "min")
    assert (one.metrics, one.modes, one.multi, one.primary) == (
        ("loss",),
        (Mode.MIN,),
        False,
        "loss",
    )
    two = Objectives.parse(["loss", "acc"], ["min", "max"])
    assert two.multi and two.losses({"loss": 1.0, "acc": 0.5}).tolist() == [1.0, -0.5]
    assert Objectives.parse(["a", "b"], "max").modes == (Mode.MAX, Mode.MAX)
    for metric, mode, message in [
        (["a", "a"], "min", "each objective once"),
        (["a", "b"], ["min"], "needs a mode per metric"),
        ("a", ["min", "max"], "one metric takes one mode"),
        ([1], "min", "list of reported keys"),
    ]:
        with pytest.raises(ValueError, match=message):
            Objectives.parse(metric, mode)
