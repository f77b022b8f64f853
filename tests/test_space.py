"""Search space: nested spaces, conditionals, grid expansion, [0, 1] encoding, validation of
points (pure, no Ray, except the Tuner test marked ``ray``)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import raytune_lite as rt
from raytune_lite import domains
from raytune_lite import space as space_module
from raytune_lite.space import Space, flatten


def test_nested_space_encode_decode():
    space = Space(
        {
            "opt": {"lr": rt.loguniform(1e-3, 1.0), "mom": rt.uniform(0, 1)},
            "layers": [rt.randint(1, 5), rt.choice(["a", "b"])],
            "name": "const",
        }
    )
    assert space.keys == ["opt/lr", "opt/mom", "layers/0", "layers/1"]
    cfg = space.sample(np.random.default_rng(0))
    assert cfg["name"] == "const" and isinstance(cfg["layers"], list)
    back = space.decode(space.encode(cfg), np.random.default_rng(1))
    assert back["layers"] == cfg["layers"]
    assert math.isclose(back["opt"]["lr"], cfg["opt"]["lr"], rel_tol=1e-9)
    json.dumps(space.to_json())


def test_conditional_values_see_the_sampled_config():
    space = Space(
        {
            "n": rt.randint(1, 10),
            "double": rt.sample_from(lambda c: 2 * c["n"]),
            "upto": rt.sample_from(lambda c: rt.randint(0, c["n"])),
        }
    )
    rng = np.random.default_rng(3)
    for _ in range(50):
        cfg = space.sample(rng)
        assert cfg["double"] == 2 * cfg["n"]
        assert 0 <= cfg["upto"] < cfg["n"]


def test_choice_of_sub_spaces_samples_the_nested_domains():
    space = Space(
        {
            "model": rt.choice(
                [{"kind": "a", "x": rt.uniform(0, 1)}, {"kind": "b", "k": rt.randint(1, 3)}]
            )
        }
    )
    rng = np.random.default_rng(4)
    kinds = set()
    for _ in range(40):
        m = space.sample(rng)["model"]
        kinds.add(m["kind"])
        assert isinstance(m.get("x", m.get("k")), (float, int))
    assert kinds == {"a", "b"}


def test_grid_points_are_the_cartesian_product():
    space = Space({"a": rt.grid([1, 2, 3]), "b": {"c": rt.grid(["x", "y"])}, "r": rt.uniform(0, 1)})
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
    space = Space(
        {
            "a": rt.uniform(0, 1),
            "b": rt.randint(0, 5),
            "k": 3,
            "twice": rt.sample_from(lambda c: 2 * c["b"]),
        }
    )
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
        "config/a/b": 1,
        "config/c/0": 2,
        "config/c/1": 3,
    }


def test_space_module_re_exports_the_domains():
    for name in domains.__all__:
        assert getattr(space_module, name) is getattr(domains, name)
        assert name in space_module.__all__
    for name in space_module.__all__:
        assert hasattr(space_module, name)


# -- choices of nested spaces: sampled values are points of the space --------------------------


def nested_space() -> Space:
    return Space(
        {
            "model": rt.choice(
                [
                    {
                        "opt": "sgd",
                        "lr": rt.loguniform(1e-4, 1e-1),
                        "layers": [rt.randint(1, 4), 8],
                    },
                    {
                        "opt": "adam",
                        "beta": rt.uniform(0.8, 0.99),
                        "act": rt.choice(
                            ["relu", {"kind": "leaky", "slope": rt.uniform(0.0, 0.3)}]
                        ),
                    },
                ]
            ),
            "bs": rt.grid([{"size": 16}, {"size": rt.randint(32, 65)}]),
            "x": rt.uniform(0, 1),
            "k": 3,
            "twice": rt.sample_from(lambda c: 2 * c["x"]),
        }
    )


def test_sampled_nested_options_are_contained_and_encodable():
    space, rng = nested_space(), np.random.default_rng(0)
    opts, acts = set(), set()
    for _ in range(60):
        cfg = space.sample(rng)
        assert space.contains(cfg) == []
        assert space.contains(json.loads(json.dumps(cfg))) == []
        u = space.encode(cfg)
        assert u.shape == (2,) and u[0] == (0.25 if cfg["model"]["opt"] == "sgd" else 0.75)
        opts.add(cfg["model"]["opt"])
        act = cfg["model"].get("act")
        acts.add(act["kind"] if isinstance(act, dict) else act)
    assert opts == {"sgd", "adam"} and len(acts) == 3


@pytest.mark.parametrize(
    "model",
    [
        {"opt": "sgd", "beta": 0.9},  # sgd with adam's keys
        {"opt": "sgd", "lr": 0.01, "layers": [2, 8], "beta": 0.9},  # an extra key
        {"opt": "sgd", "lr": 5.0, "layers": [2, 8]},  # lr out of bounds
        {"opt": "sgd", "lr": 0.01, "layers": [2, 9]},  # constant differs
        {"opt": "sgd", "lr": 0.01, "layers": [2]},  # list too short
        {"opt": "adam", "beta": 0.9, "act": {"kind": "leaky", "slope": 1.0}},  # nested choice
        "sgd",
    ],
)
def test_mismatched_nested_structures_are_reported(model):
    space = nested_space()
    cfg = space.sample(np.random.default_rng(1))
    cfg["model"] = model
    problems = space.contains(cfg)
    assert len(problems) == 1 and problems[0].startswith(f"model={model!r} is not one of")
    with pytest.raises(ValueError, match="does not fit the param_space"):
        space.complete({"model": model}, np.random.default_rng(0))


def test_complete_keeps_a_concrete_nested_option_and_fills_the_rest():
    space = nested_space()
    model = {"opt": "adam", "beta": 0.9, "act": {"kind": "leaky", "slope": 0.2}}
    cfg = space.complete({"model": model, "bs": {"size": 40}}, np.random.default_rng(0))
    assert cfg["model"] == model and cfg["bs"] == {"size": 40}
    assert cfg["k"] == 3 and 0 <= cfg["x"] <= 1 and cfg["twice"] == 2 * cfg["x"]
    cfg = space.complete({"x": 0.5}, np.random.default_rng(0))
    assert cfg["x"] == 0.5 and space.contains(cfg) == []
    with pytest.raises(ValueError, match=r"bs=\{'size': 99\} is not one of"):
        space.complete({"bs": {"size": 99}}, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"x=\{'a': 1\} is outside uniform"):
        space.complete({"x": {"a": 1}}, np.random.default_rng(0))
    with pytest.raises(ValueError, match="not in the param_space"):
        space.complete({"model2": model}, np.random.default_rng(0))


def nested_train(config):
    m = config["model"]
    rt.report({"loss": m["lr"] if m["opt"] == "sgd" else m["beta"]})


@pytest.mark.ray
@pytest.mark.parametrize("searcher", [None, "tpe"])
def test_tuner_runs_a_point_with_a_concrete_nested_option(ray_local, storage, searcher):
    point = {"model": {"opt": "sgd", "lr": 0.003, "layers": [2, 8]}}
    space = {"model": nested_space().param_space["model"], "x": rt.uniform(0, 1)}
    results = rt.Tuner(
        nested_train,
        space,
        metric="loss",
        mode="min",
        num_samples=3,
        seed=0,
        points_to_evaluate=[point],
        searcher=rt.search.TPE(n_startup_trials=1) if searcher else None,
        storage_path=storage,
        verbose=0,
        max_concurrent=1,
    ).fit()
    assert len(results) == 3 and results.num_errors == 0
    assert results[0].config["model"] == point["model"]
    assert results[0].metrics["loss"] == pytest.approx(0.003)
    assert all(Space(space).contains(r.config) == [] for r in results)


def test_stepped_integers_survive_the_experiment_json_round_trip() -> None:
    space = rt.Space(
        {"k": rt.randint(0, 10, step=4), "w": {"width": rt.qlograndint(8, 512, 8)}, "n": 3}
    )
    back = rt.Space.from_json(json.loads(json.dumps(space.to_json())))
    assert back.to_json() == space.to_json()
    assert repr(back.param_space["k"]) == "randint(0, 10, step=4)"
    rng_a, rng_b = np.random.default_rng(4), np.random.default_rng(4)
    assert [space.sample(rng_a) for _ in range(20)] == [back.sample(rng_b) for _ in range(20)]
