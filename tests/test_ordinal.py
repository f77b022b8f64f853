"""Tests of ordinal choices (raytune_lite.search._ordinal) and of how the model-based
searchers and the genetic search use them."""

from __future__ import annotations

import numpy as np
import pytest

import raytune_lite as rt
from raytune_lite.search._bo.encoding import Encoding
from raytune_lite.search._ordinal import Ordinal, as_modelled, ordinal
from raytune_lite.search._tpe.space import TreeSpace
from raytune_lite.search.evolution import GeneticSearch
from raytune_lite.search.tpe import TPE
from raytune_lite.testing import drive


@pytest.mark.parametrize(
    ("choices", "expected"),
    [
        ([1, 2, 4], True),
        ([0.001, 0.01, 0.1, 1.0], True),
        ([-3, 0, 2.5, 7], True),
        ([1, 2], False),  # two values: nothing between them to order
        ([3, 1, 2], False),  # not sorted
        ([1, 1, 2], False),  # not strictly
        ([True, False, True], False),
        (["a", "b", "c"], False),
        ([1, "2", 3], False),
        ([1, float("nan"), 3], False),
    ],
)
def test_which_choices_are_ordinal(choices: list, expected: bool) -> None:
    assert ordinal(rt.choice(choices)) is expected
    assert isinstance(as_modelled(rt.choice(choices)), Ordinal) is expected


def test_the_ordinal_domain_round_trips_every_choice() -> None:
    o = Ordinal([16, 32, 64, 128, 256])
    for v in o.choices:
        assert o.from_unit(o.to_unit(v)) == v
    assert o.from_unit(0.0) == 16 and o.from_unit(1.0) == 256
    with pytest.raises(ValueError, match="48"):
        o.to_unit(48)
    assert o.sample(np.random.default_rng(0)) in o.choices


def test_bayes_opt_models_an_ordinal_choice_as_one_ordered_column() -> None:
    enc = Encoding(rt.Space({"w": rt.choice([8, 16, 32, 64]), "act": rt.choice(["a", "b"])}))
    assert enc.dim == 3 and len(enc.layout.discrete) == 1 and len(enc.layout.onehot) == 1
    xs = [enc.encode({"w": w, "act": "a"}) for w in (8, 16, 32, 64)]
    assert all(x is not None for x in xs)
    cols = [float(x[0]) for x in xs if x is not None]
    assert cols == sorted(cols) and len(set(cols)) == 4
    rng = np.random.default_rng(0)
    for w, x in zip((8, 16, 32, 64), xs, strict=True):
        assert x is not None and enc.decode(x, rng) == {"w": w, "act": "a"}


def test_tpe_models_an_ordinal_choice_as_a_discrete_number() -> None:
    tree = TreeSpace(rt.Space({"w": rt.choice([8, 16, 32, 64]), "act": rt.choice(["a", "b"])}))
    w, act = tree.params
    assert not w.categorical and w.points is not None and act.categorical
    values = tree.extract({"w": 32, "act": "b"})
    assert tree.assemble(values, np.random.default_rng(0)) == {"w": 32, "act": "b"}


def test_tpe_finds_the_best_of_an_ordered_grid() -> None:
    sizes = [2**k for k in range(12)]  # 1 .. 2048, best at 64: a smooth valley in rank

    def loss(c: dict) -> float:
        return abs(np.log2(c["w"]) - 6) + abs(np.log10(c["lr"]) + 2)

    space = {"w": rt.choice(sizes), "lr": rt.choice([1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0])}
    out = drive(TPE(n_startup_trials=5), space, loss, 30, seed=0)
    assert min(v for _, v in out) <= 1.0


def test_genetic_mutation_steps_an_ordinal_choice_to_a_nearby_value() -> None:
    ga = GeneticSearch(mutation_sigma=0.1)
    ga.setup(rt.Space({"w": rt.choice(list(range(0, 100, 5)))}), "loss", "min", seed=0)
    steps = [abs(ga._mutate(0, 50) - 50) for _ in range(200)]
    assert min(steps) == 5 and max(steps) <= 45 and np.median(steps) <= 10  # std: 2 ranks
    ga.setup(rt.Space({"k": rt.choice(["a", "b", "c"])}), "loss", "min", seed=0)
    assert {ga._mutate(0, "a") for _ in range(50)} == {"b", "c"}  # categories: any other
