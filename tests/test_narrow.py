"""Narrowing a space around the best configurations (pure)."""

from __future__ import annotations

import math

import pytest

import raytune_lite as rt
from raytune_lite.search import Narrow


def test_numeric_ranges_shrink_around_the_top_k_within_the_original_bounds() -> None:
    space = rt.Space(
        {"x": rt.uniform(0, 100), "n": rt.randint(1, 50), "lr": rt.loguniform(1e-6, 1)}
    )
    best = [{"x": 40.0, "n": 10, "lr": 1e-3}, {"x": 60.0, "n": 20, "lr": 1e-2}]
    new = Narrow(top_k=2, margin=0.5).apply(space, best).param_space
    assert (new["x"].low, new["x"].high) == (30.0, 70.0)
    assert new["n"].low <= 10 and new["n"].high > 20 and new["n"].low >= 1 and new["n"].high <= 50
    assert math.isclose(math.log10(new["lr"].low), -3.5) and math.isclose(
        math.log10(new["lr"].high), -1.5
    )
    assert new["lr"].log


def test_a_narrow_range_keeps_a_minimum_width_and_clips_at_bounds() -> None:
    space = rt.Space({"x": rt.uniform(0, 10)})
    new = Narrow(top_k=3, margin=0.0, min_width=0.2).apply(space, [{"x": 0.0}] * 3).param_space
    assert new["x"].low == 0.0 and math.isclose(new["x"].high, 1.0)


def test_categories_are_kept_only_if_the_top_used_them_and_nested_spaces_stay() -> None:
    branches = rt.choice([{"opt": "sgd", "lr": rt.uniform(0, 1)}, {"opt": "adam"}])
    space = rt.Space({"act": rt.choice(["relu", "tanh", "gelu"]), "model": branches, "c": 3})
    best = [{"act": "tanh", "model": {"opt": "adam"}, "c": 3}]
    new = Narrow(top_k=1).apply(space, best).param_space
    assert new["act"].choices == ["tanh"]
    assert new["model"] is branches and new["c"] == 3
    kept = Narrow(top_k=1, categorical=False).apply(space, best).param_space
    assert kept["act"].choices == ["relu", "tanh", "gelu"]


def test_no_results_leave_the_space_unchanged() -> None:
    space = rt.Space({"x": rt.uniform(0, 1)})
    assert Narrow().apply(space, []) is space


@pytest.mark.parametrize(
    "kw, message",
    [({"top_k": 0}, "top_k an int >= 1"), ({"margin": -1}, "margin >= 0"),
     ({"min_width": 0}, r"min_width in \(0, 1\]")],
)  # fmt: skip
def test_bad_settings_are_refused(kw: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Narrow(**kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("log", [False, True])
def test_a_stepped_integer_narrows_to_a_sub_grid_of_its_values(log: bool) -> None:
    d = rt.lograndint(3, 400, step=5) if log else rt.randint(3, 400, step=5)  # 3, 8, ..., 398
    best = [{"n": 103}, {"n": 153}]
    new = Narrow(top_k=2, margin=0.1).apply(rt.Space({"n": d}), best).param_space["n"]
    assert new.step == 5 and new.log == log and (new.low - 3) % 5 == 0
    values = set(range(new.low, new.last + 1, new.step))
    assert {103, 153} <= values < set(range(3, 400, 5))
