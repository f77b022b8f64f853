"""Domains: validation, sampling, [0, 1] encoding, matching of nested choices (pure, no Ray)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import raytune_lite as rt
from raytune_lite.domains import Float, Integer, value_matches


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: rt.uniform(1.0, 1.0), "low < high"),
        (lambda: rt.uniform(2.0, 1.0), "low < high"),
        (lambda: rt.loguniform(0.0, 1.0), "low > 0"),
        (lambda: rt.loguniform(-1.0, 1.0), "low > 0"),
        (lambda: rt.randint(5, 5), "low < high"),
        (lambda: rt.lograndint(0, 10), "low > 0"),
        (lambda: rt.quniform(0.0, 1.0, 0.0), "step must be > 0"),
        (lambda: rt.quniform(0.0, 1.0, 2.0), "<= high - low"),
        (lambda: rt.choice([]), "non-empty"),
        (lambda: rt.uniform(0.0, float("inf")), "finite"),
    ],
)
def test_invalid_domains_are_rejected_with_the_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    "make",
    [
        lambda: rt.uniform("a", 1),
        lambda: rt.randint(0.5, 3),
        lambda: rt.choice("abc"),
        lambda: rt.sample_from(3),
    ],
)
def test_wrong_types_are_rejected(make):
    with pytest.raises(TypeError):
        make()


def test_samples_stay_in_bounds_and_respect_types():
    rng = np.random.default_rng(0)
    doms = {
        "u": rt.uniform(-2, 3),
        "lu": rt.loguniform(1e-4, 1e-1),
        "ri": rt.randint(3, 7),
        "lri": rt.lograndint(1, 1000),
        "q": rt.quniform(0, 1, 0.25),
        "c": rt.choice(["a", "b"]),
    }
    for _ in range(500):
        v = {k: d.sample(rng) for k, d in doms.items()}
        assert -2 <= v["u"] <= 3
        assert 1e-4 <= v["lu"] <= 1e-1
        assert isinstance(v["ri"], int) and 3 <= v["ri"] < 7
        assert isinstance(v["lri"], int) and 1 <= v["lri"] < 1000
        assert v["q"] in (0.0, 0.25, 0.5, 0.75, 1.0)
        assert v["c"] in ("a", "b")


def test_loguniform_is_uniform_in_log_space():
    rng = np.random.default_rng(1)
    d = rt.loguniform(1e-4, 1.0)
    logs = np.log10([d.sample(rng) for _ in range(4000)])
    counts, _ = np.histogram(logs, bins=4, range=(-4, 0))
    assert counts.min() > 850  # each decade gets about a quarter


def test_randint_excludes_high_and_covers_all_values():
    rng = np.random.default_rng(2)
    seen = {rt.randint(0, 4).sample(rng) for _ in range(400)}
    assert seen == {0, 1, 2, 3}


@settings(max_examples=200, deadline=None)
@given(low=st.floats(-1e3, 1e3), width=st.floats(1e-3, 1e3), u=st.floats(0, 1))
def test_float_unit_round_trip(low, width, u):
    d = Float(low, low + width)
    v = d.from_unit(u)
    assert d.low <= v <= d.high
    assert math.isclose(d.from_unit(d.to_unit(v)), v, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=200, deadline=None)
@given(low=st.integers(1, 1000), width=st.integers(1, 1000), log=st.booleans(), u=st.floats(0, 1))
def test_integer_unit_round_trip(low, width, log, u):
    d = Integer(low, low + width, log=log)
    v = d.from_unit(u)
    assert low <= v < low + width
    assert d.from_unit(d.to_unit(v)) == v
    assert 0.0 <= d.to_unit(v) <= 1.0


def test_categorical_round_trip_and_unknown_value():
    d = rt.choice(["x", 3, None])
    for v in d.choices:
        assert d.from_unit(d.to_unit(v)) == v
    with pytest.raises(ValueError, match="not one of the choices"):
        d.to_unit("nope")


# -- matching concrete values against choices of nested spaces --------------------------------

SGD = {"opt": "sgd", "lr": rt.loguniform(1e-4, 1e-1), "layers": rt.randint(1, 4)}


@pytest.mark.parametrize(
    "value, expected",
    [
        ({"opt": "sgd", "lr": 0.003, "layers": 2}, True),
        ({"opt": "sgd", "lr": np.float64(1e-4), "layers": np.int64(3)}, True),
        ({"opt": "sgd", "lr": 0.003, "layers": 2.0}, True),  # integral float (e.g. from JSON)
        ({"layers": 2, "lr": 0.003, "opt": "sgd"}, True),  # key order is irrelevant
        ({"opt": "adam", "lr": 0.003, "layers": 2}, False),  # constant differs
        ({"opt": "sgd", "lr": 0.5, "layers": 2}, False),  # float out of bounds
        ({"opt": "sgd", "lr": float("nan"), "layers": 2}, False),
        ({"opt": "sgd", "lr": "0.003", "layers": 2}, False),  # not a number
        ({"opt": "sgd", "lr": True, "layers": 2}, False),  # bools are not numbers here
        ({"opt": "sgd", "lr": 0.003, "layers": 4}, False),  # integer high is excluded
        ({"opt": "sgd", "lr": 0.003, "layers": 2.5}, False),  # not integral
        ({"opt": "sgd", "lr": 0.003}, False),  # missing key
        ({"opt": "sgd", "lr": 0.003, "layers": 2, "extra": 1}, False),  # extra key
        ("sgd", False),
        (None, False),
    ],
)
def test_value_matches_a_dict_option_by_structure(value, expected):
    assert value_matches(SGD, value) is expected


def test_value_matches_lists_nested_choices_and_conditionals():
    assert value_matches([rt.uniform(0, 1), "c"], [0.5, "c"])
    assert not value_matches([rt.uniform(0, 1), "c"], [0.5])
    assert not value_matches([rt.uniform(0, 1), "c"], (0.5, "c"))
    act = {"act": rt.choice(["relu", {"kind": "leaky", "slope": rt.uniform(0.0, 0.3)}])}
    assert value_matches(act, {"act": "relu"})
    assert value_matches(act, {"act": {"kind": "leaky", "slope": 0.1}})
    assert not value_matches(act, {"act": {"kind": "leaky", "slope": 0.5}})
    assert not value_matches(act, {"act": "tanh"})
    assert value_matches({"f": rt.sample_from(lambda c: 1)}, {"f": object()})
    assert value_matches({1: rt.uniform(0, 1)}, {"1": 0.5})  # keys after a JSON round trip
    assert value_matches(3, 3.0) and not value_matches(("a",), ["a"])


def test_match_index_finds_the_option_a_sampled_value_came_from():
    d = rt.choice([SGD, {"opt": "adam", "beta": rt.uniform(0.8, 0.99)}, "none"])
    assert d.match_index({"opt": "adam", "beta": 0.9}) == 1
    assert d.match_index({"opt": "sgd", "lr": 0.01, "layers": 1}) == 0
    assert d.match_index("none") == 2
    assert d.to_unit({"opt": "adam", "beta": 0.9}) == pytest.approx(0.5)
    with pytest.raises(ValueError, match=r"\{'opt': 'adam', 'beta': 2\.0\} is not one of"):
        d.match_index({"opt": "adam", "beta": 2.0})
    # index() stays strict: choices[index(v)] stands for v itself
    with pytest.raises(ValueError, match="not one of the choices"):
        d.index({"opt": "adam", "beta": 0.9})
    assert d.index(d.choices[1]) == 1


def test_match_index_prefers_an_equal_choice():
    d = rt.choice([{"a": rt.uniform(0, 1)}, {"a": 0.5}])
    assert d.match_index({"a": 0.5}) == 1
    assert d.match_index({"a": 0.25}) == 0
