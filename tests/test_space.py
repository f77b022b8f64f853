"""Search space: sampling, validation, grid expansion, [0, 1] encoding (pure, no Ray)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import raytune_lite as rt
from raytune_lite.space import Float, Integer, Space, flatten


@pytest.mark.parametrize("make, message", [
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
])
def test_invalid_domains_are_rejected_with_the_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("make", [
    lambda: rt.uniform("a", 1), lambda: rt.randint(0.5, 3), lambda: rt.choice("abc"),
    lambda: rt.sample_from(3),
])
def test_wrong_types_are_rejected(make):
    with pytest.raises(TypeError):
        make()


def test_samples_stay_in_bounds_and_respect_types():
    rng = np.random.default_rng(0)
    doms = {"u": rt.uniform(-2, 3), "lu": rt.loguniform(1e-4, 1e-1), "ri": rt.randint(3, 7),
            "lri": rt.lograndint(1, 1000), "q": rt.quniform(0, 1, 0.25),
            "c": rt.choice(["a", "b"])}
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
@given(low=st.integers(1, 1000), width=st.integers(1, 1000), log=st.booleans(),
       u=st.floats(0, 1))
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


def test_nested_space_encode_decode():
    space = Space({"opt": {"lr": rt.loguniform(1e-3, 1.0), "mom": rt.uniform(0, 1)},
                   "layers": [rt.randint(1, 5), rt.choice(["a", "b"])], "name": "const"})
    assert space.keys == ["opt/lr", "opt/mom", "layers/0", "layers/1"]
    cfg = space.sample(np.random.default_rng(0))
    assert cfg["name"] == "const" and isinstance(cfg["layers"], list)
    back = space.decode(space.encode(cfg), np.random.default_rng(1))
    assert back["layers"] == cfg["layers"]
    assert math.isclose(back["opt"]["lr"], cfg["opt"]["lr"], rel_tol=1e-9)
    json.dumps(space.to_json())


def test_conditional_values_see_the_sampled_config():
    space = Space({"n": rt.randint(1, 10), "double": rt.sample_from(lambda c: 2 * c["n"]),
                   "upto": rt.sample_from(lambda c: rt.randint(0, c["n"]))})
    rng = np.random.default_rng(3)
    for _ in range(50):
        cfg = space.sample(rng)
        assert cfg["double"] == 2 * cfg["n"]
        assert 0 <= cfg["upto"] < cfg["n"]


def test_choice_of_sub_spaces_samples_the_nested_domains():
    space = Space({"model": rt.choice([{"kind": "a", "x": rt.uniform(0, 1)},
                                       {"kind": "b", "k": rt.randint(1, 3)}])})
    rng = np.random.default_rng(4)
    kinds = set()
    for _ in range(40):
        m = space.sample(rng)["model"]
        kinds.add(m["kind"])
        assert isinstance(m.get("x", m.get("k")), (float, int))
    assert kinds == {"a", "b"}


def test_grid_points_are_the_cartesian_product():
    space = Space({"a": rt.grid([1, 2, 3]), "b": {"c": rt.grid(["x", "y"])},
                   "r": rt.uniform(0, 1)})
    points = list(space.grid_points())
    assert space.grid_size == 6 and len(points) == 6
    combos = {(p[("a",)], p[("b", "c")]) for p in points}
    assert combos == {(a, c) for a in (1, 2, 3) for c in ("x", "y")}


def test_same_seed_same_samples():
    space = Space({"a": rt.uniform(0, 1), "b": rt.choice([1, 2, 3])})
    s1 = [space.sample(np.random.default_rng(7)) for _ in range(3)]
    s2 = [space.sample(np.random.default_rng(7)) for _ in range(3)]
    assert s1 == s2


def test_complete_fills_missing_values_and_rejects_bad_points():
    space = Space({"a": rt.uniform(0, 1), "b": rt.randint(0, 5), "k": 3,
                   "twice": rt.sample_from(lambda c: 2 * c["b"])})
    cfg = space.complete({"b": 4}, np.random.default_rng(0))
    assert cfg["b"] == 4 and cfg["twice"] == 8 and cfg["k"] == 3 and 0 <= cfg["a"] <= 1
    with pytest.raises(ValueError, match="outside"):
        space.complete({"a": 7.0}, np.random.default_rng(0))
    with pytest.raises(ValueError, match="not in the param_space"):
        space.complete({"zzz": 1}, np.random.default_rng(0))


def test_bad_param_space_types():
    with pytest.raises(TypeError, match="param_space must be a dict"):
        Space([1, 2])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="keys must be strings"):
        Space({1: rt.uniform(0, 1)})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="may not contain '/'"):
        Space({"a/b": 1})


def test_flatten_names_columns_by_path():
    assert flatten({"a": {"b": 1}, "c": [2, 3]}, prefix="config/") == {
        "config/a/b": 1, "config/c/0": 2, "config/c/1": 3}
