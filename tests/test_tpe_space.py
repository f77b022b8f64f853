"""Tests of TPE's tree view of a space (raytune_lite.search._tpe.space)."""

from __future__ import annotations

import numpy as np
import pytest

import raytune_lite as rt
from raytune_lite.search._tpe.space import TreeSpace

NESTED_SPACE = {
    "model": rt.choice(
        [
            {"type": "svm", "C": rt.loguniform(1e-3, 1e3)},
            {"type": "tree", "depth": rt.randint(1, 20)},
        ]
    ),
    "seed": 0,
}


def test_tree_space_round_trip_and_groups() -> None:
    space = rt.Space({**NESTED_SPACE, "k": rt.choice([1, rt.uniform(2, 3)]), "g": rt.grid([4, 5])})
    tree = TreeSpace(space)
    assert [p.key for p in tree.params] == [
        "model",
        "model[0]/C",
        "model[1]/depth",
        "k",
        "k[1]",
        "g",
    ]
    assert tree.groups == [(), ((0, 0),), ((0, 1),), ((3, 1),)]
    rng = np.random.default_rng(1)
    for _ in range(20):
        cfg = space.sample(rng)
        v = tree.extract(cfg)
        assert np.isnan(v[1]) == (cfg["model"]["type"] != "svm")
        back = tree.assemble(v, rng)
        assert (
            back["model"]["type"] == cfg["model"]["type"]
            and back["k"] == pytest.approx(cfg["k"])
            and back["g"] == cfg["g"]
            and back["seed"] == 0
        )


@pytest.mark.parametrize("log", [False, True])
def test_a_stepped_integer_has_one_cell_per_value_of_its_grid(log: bool) -> None:
    d = rt.lograndint(2, 23, step=4) if log else rt.randint(1, 23, step=4)
    tree = TreeSpace(rt.Space({"k": d}))
    (param,) = tree.params
    values = list(range(d.low, d.last + 1, d.step))
    assert param.points is not None and param.edges is not None
    assert len(param.points) == len(values) and len(param.edges) == len(values) + 1
    for v, p, a, b in zip(values, param.points, param.edges[:-1], param.edges[1:], strict=True):
        assert a < p < b  # each value's point lies in its own cell, which decodes to it
        assert d.from_unit(p) == d.from_unit(a + 1e-9) == d.from_unit(b - 1e-9) == v
