"""Domains: validation, sampling, [0, 1] encoding, matching of nested choices (pure, no Ray)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import raytune_lite as rt
from raytune_lite.constructors import domain_from_json
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


# -- integer steps -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, exc, message",
    [
        (lambda: rt.randint(0, 10, step=0), ValueError, "step must be >= 1; got step=0"),
        (lambda: rt.randint(0, 10, step=-2), ValueError, "step must be >= 1; got step=-2"),
        (lambda: rt.randint(0, 10, step=2.0), TypeError, "step must be an int; got step=2.0"),
        (lambda: rt.randint(0, 10, step=True), TypeError, "step must be an int; got step=True"),
        (lambda: rt.lograndint(0, 10, step=2), ValueError, "low > 0; got low=0"),
        (lambda: rt.qrandint(0, 10, 0), ValueError, "q must be an int >= 1; got q=0"),
        (lambda: rt.qrandint(1, 4, 5), ValueError, r"no multiple of q=5 lies in \[1, 4\]"),
        (lambda: rt.qrandint(0, 10.0, 5), TypeError, "high must be an int; got high=10.0"),
        (lambda: rt.qlograndint(0, 10, 5), ValueError, "low > 0; got low=0"),
    ],
)
def test_invalid_steps_are_rejected_with_the_value(make, exc, message):
    with pytest.raises(exc, match=message):
        make()


@pytest.mark.parametrize(
    "domain, values",
    [
        (rt.randint(0, 10, step=2), [0, 2, 4, 6, 8]),
        (rt.randint(0, 10, step=4), [0, 4, 8]),  # as range(0, 10, 4): high is never a value
        (rt.randint(1, 10, step=3), [1, 4, 7]),  # the grid starts at low, as in Optuna
        (rt.randint(-5, 5, step=5), [-5, 0]),
        (rt.randint(0, 3, step=7), [0]),
        (rt.lograndint(2, 20, step=4), [2, 6, 10, 14, 18]),
        (rt.qrandint(0, 10, 5), [0, 5, 10]),  # both bounds included
        (rt.qrandint(32, 128, 32), [32, 64, 96, 128]),
        (rt.qrandint(-7, 7, 7), [-7, 0, 7]),
        (rt.qlograndint(10, 50, 10), [10, 20, 30, 40, 50]),
    ],
)
def test_stepped_integers_sample_encode_and_serialise_their_values(domain, values):
    rng = np.random.default_rng(0)
    drawn = [domain.sample(rng) for _ in range(2000)]
    assert set(drawn) == set(values) and all(type(v) is int for v in drawn)
    assert (domain.size, domain.last) == (len(values), values[-1])
    for v in values:
        assert domain.contains(v) and domain.contains(float(v))
        assert domain.from_unit(domain.to_unit(v)) == v
    assert not domain.contains(values[0] - 1) and not domain.contains(values[-1] + 1)
    if len(values) > 1:
        assert not domain.contains((values[0] + values[1]) / 2)
    if not domain.log:  # the unit interval is split into equal cells, one per value
        assert [domain.from_unit((i + 0.5) / len(values)) for i in range(len(values))] == values
    back = rt.Space({"k": domain}).param_space["k"]
    rebuilt = domain_from_json(json.loads(json.dumps(back.to_json())))
    assert rebuilt.to_json() == domain.to_json() and repr(rebuilt) == repr(domain)
    assert [rebuilt.from_unit(domain.to_unit(v)) for v in values] == values


def test_a_linear_step_grid_gives_each_value_an_equal_share():
    rng = np.random.default_rng(3)
    counts = np.bincount([(rt.randint(0, 10, step=4).sample(rng)) // 4 for _ in range(3000)])
    assert counts.min() > 900  # a third each


def test_step_one_is_written_as_before():
    assert rt.randint(1, 5).to_json() == {"__domain__": "int", "low": 1, "high": 5, "log": False}
    old = {"__domain__": "int", "low": 1, "high": 5, "log": True}  # an older experiment.json
    assert domain_from_json(old).step == 1
    assert rt.randint(0, 10, step=4).to_json()["step"] == 4


def test_qrandint_warns_when_a_bound_is_not_a_multiple_of_q():
    with pytest.warns(UserWarning, match=r"qrandint\(1, 10, 3\).*the values are 3, 6, \.\.\., 9"):
        d = rt.qrandint(1, 10, 3)
    assert (d.low, d.last, d.step) == (3, 9, 3)


def test_value_matches_and_space_contains_check_the_grid():
    d = rt.randint(0, 10, step=2)
    assert value_matches(d, 4) and value_matches(d, 4.0)
    assert not value_matches(d, 5) and not value_matches(d, 10) and not value_matches(d, "4")
    space = rt.Space({"k": d})
    assert space.contains({"k": 6}) == []
    assert space.contains({"k": 5}) == ["k=5 is not one of the values of randint(0, 10, step=2)"]
    assert space.contains({"k": 12}) == ["k=12 is outside randint(0, 10, step=2)"]
    assert space.contains({"k": "x"}) == ["k='x' is outside randint(0, 10, step=2)"]


@settings(max_examples=200, deadline=None)
@given(
    low=st.integers(1, 1000),
    width=st.integers(1, 1000),
    step=st.integers(1, 50),
    log=st.booleans(),
    u=st.floats(0, 1),
)
def test_stepped_integer_unit_round_trip(low, width, step, log, u):
    d = Integer(low, low + width, log=log, step=step)
    v = d.from_unit(u)
    assert d.contains(v) and low <= v < low + width
    assert d.from_unit(d.to_unit(v)) == v
    assert 0.0 <= d.to_unit(v) <= 1.0
