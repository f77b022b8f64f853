"""The distributions of trial.suggest_*: Optuna's bounds and checks, the unit encoding, JSON."""

from __future__ import annotations

import math

import numpy as np
import pytest

from raytune_lite.define_by_run.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    categorical_distribution,
    compatible,
    distribution_from_json,
    float_distribution,
    int_distribution,
    sample,
)


def test_int_high_is_included_and_step_grid():
    d = int_distribution("n", 1, 6)
    assert d.values() == [1, 2, 3, 4, 5, 6]
    assert d.contains(6) and not d.contains(7) and not d.contains(0)
    s = int_distribution("s", 3, 9, step=2)
    assert s.values() == [3, 5, 7, 9] and not s.contains(4)


def test_int_high_off_the_grid_is_lowered_with_a_warning():
    with pytest.warns(UserWarning, match="taken as"):
        d = int_distribution("n", 0, 10, step=3)
    assert d == IntDistribution(0, 9, False, 3)
    with pytest.warns(UserWarning, match="taken as"):
        f = float_distribution("f", 0, 1, step=0.3)
    assert math.isclose(f.high, 0.9) and f.n_values == 4


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: float_distribution("x", 2, 1), "low <= high"),
        (lambda: float_distribution("x", 0, 1, log=True), "low > 0"),
        (lambda: float_distribution("x", 1, 2, step=0.5, log=True), "cannot be combined"),
        (lambda: float_distribution("x", 0, 1, step=0), "step must be > 0"),
        (lambda: float_distribution("x", 0, math.inf), "finite"),
        (lambda: int_distribution("n", 1, 10, step=2, log=True), "step=1"),
        (lambda: int_distribution("n", 0, 10, log=True), "low >= 1"),
        (lambda: int_distribution("n", 1, 10, step=0), "step must be >= 1"),
        (lambda: categorical_distribution("c", []), "at least one"),
    ],
)
def test_bad_arguments_are_value_errors_naming_the_parameter(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_types_are_type_errors():
    with pytest.raises(TypeError, match="must be a number"):
        float_distribution("x", "0", 1)
    with pytest.raises(TypeError, match="must be an int"):
        int_distribution("n", 1.5, 3)
    with pytest.raises(TypeError, match="a choice must be"):
        categorical_distribution("c", [object()])
    with pytest.raises(TypeError, match="list or tuple"):
        categorical_distribution("c", "abc")


@pytest.mark.parametrize(
    "dist",
    [
        FloatDistribution(-5.0, 5.0),
        FloatDistribution(1e-5, 1e-1, log=True),
        FloatDistribution(0.0, 1.0, step=0.25),
        IntDistribution(1, 32, log=True),
        IntDistribution(3, 9, step=2),
        IntDistribution(0, 100_000),  # too many values for cells: continuous
    ],
)
def test_unit_encoding_round_trips_and_stays_inside(dist):
    rng = np.random.default_rng(0)
    for _ in range(200):
        v = sample(dist, rng)
        assert dist.contains(v), v
        u = dist.to_unit(v)
        assert 0.0 <= u <= 1.0
        back = dist.from_unit(u)
        assert math.isclose(back, v, rel_tol=1e-9, abs_tol=1e-9)
    assert dist.contains(dist.from_unit(0.0)) and dist.contains(dist.from_unit(1.0))


def test_int_edges_give_each_value_a_cell():
    d = IntDistribution(3, 9, step=2)
    edges = d.edges()
    assert edges is not None and len(edges) == 5
    for v in d.values():  # the value's unit position lies in its own cell
        u = d.to_unit(v)
        k = d.values().index(v)
        assert edges[k] <= u <= edges[k + 1]
    assert IntDistribution(0, 100_000).edges() is None


def test_categorical_keeps_types_and_indices():
    d = categorical_distribution("c", [None, True, 1, "a", 2.5])
    assert d.choices == (None, True, 1, "a", 2.5)
    assert d.index(True) == 1 and d.index(1) == 2 and d.index(1.0) == 2
    assert d.from_unit(d.to_unit("a")) == "a"
    assert not d.contains("b")
    assert categorical_distribution("c", [np.int64(3)]).choices == (3,)


def test_json_round_trip():
    for d in (
        FloatDistribution(0.0, 0.9, False, 0.3),
        IntDistribution(1, 8, True, 1),
        CategoricalDistribution(("a", None, 3)),
    ):
        assert distribution_from_json(d.to_json()) == d
    with pytest.raises(ValueError, match="not a stored distribution"):
        distribution_from_json({"kind": "normal"})


def test_compatible_is_optunas_rule():
    assert compatible(FloatDistribution(0, 1), FloatDistribution(0, 5))
    assert not compatible(FloatDistribution(0, 1), IntDistribution(0, 1))
    assert not compatible(CategoricalDistribution(("a",)), CategoricalDistribution(("b",)))


def test_sampling_is_seeded():
    d = FloatDistribution(1e-5, 1.0, log=True)
    a = [sample(d, np.random.default_rng(3)) for _ in range(3)]
    b = [sample(d, np.random.default_rng(3)) for _ in range(3)]
    assert a == b
    draws = [sample(d, np.random.default_rng(i)) for i in range(400)]
    assert sum(x < 1e-3 for x in draws) > 100  # log scale: small values are common
