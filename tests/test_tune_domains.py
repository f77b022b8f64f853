"""Ray Tune's search space functions on raytune_lite's domains (no Ray)."""

from __future__ import annotations

import numpy as np
import pytest

from raytune_lite import domains as d
from raytune_lite.space import Space
from raytune_lite.tune import domains as td


def _draws(domain, n=400):
    rng = np.random.default_rng(0)
    return {domain.sample(rng) for _ in range(n)}


def _values(domain: d.Integer) -> set[int]:
    return set(range(domain.low, domain.last + 1, domain.step))


@pytest.mark.parametrize(
    "fn, args",
    [
        ("randint", (1, 4)),
        ("lograndint", (1, 10)),
        ("qrandint", (1, 4)),  # q=1: Ray 2.60 excludes upper
        ("qrandint", (0, 10, 5)),  # q > 1: upper included
        ("qrandint", (1, 10, 3)),  # bounds off the grid: the multiples of q inside
        ("qrandint", (32, 256, 32)),
        ("qlograndint", (1, 10, 1)),
        ("qlograndint", (10, 100, 10)),
        ("qlograndint", (3, 40, 4)),
    ],
)
def test_integer_values_are_ray_tunes(fn, args):
    from ray.tune.search import sample  # Ray's own domains: sampled without starting Ray

    ours = getattr(td, fn)(*args)
    ray_draws = set(getattr(sample, fn)(*args).sample(size=3000, random_state=0))
    assert {int(v) for v in ray_draws} == _values(ours) == _draws(ours, n=3000)


def test_floats_and_log_base():
    assert isinstance(td.loguniform(1e-3, 1, base=2), d.Float) and td.loguniform(1e-3, 1).log
    assert all(v % 0.5 == 0 for v in _draws(td.quniform(0, 3, 0.5)))
    with pytest.raises(ValueError, match="base must be a number > 1; got base=1"):
        td.loguniform(1e-3, 1, base=1)


def test_not_mirrored_domains_say_what_to_use():
    with pytest.raises(NotImplementedError, match=r"tune\.randn"):
        td.randn(0, 1)
    with pytest.raises(ValueError, match="q must be an int >= 1; got q=0"):
        td.qrandint(0, 9, 0)
    with pytest.raises(ValueError, match=r"no multiple of q=5 lies in \[1, 4\]"):
        td.qrandint(1, 4, 5)


def test_grid_search_markers_become_grid_axes():
    space = td.convert_space(
        {
            "a": td.grid_search([1, 2]),
            "nested": {"b": {"grid_search": ["x", "y", "z"]}},  # a literal marker
            "c": td.choice([{"d": {"grid_search": [0]}}, 1]),
        }
    )
    assert isinstance(space["a"], d.Grid) and space["a"].choices == [1, 2]
    assert isinstance(space["nested"]["b"], d.Grid)
    assert isinstance(space["c"].choices[0]["d"], d.Grid)
    assert Space(space).grid_size == 6
    with pytest.raises(TypeError, match="grid_search needs a list"):
        td.grid_search("abc")


def test_sample_from_receives_ray_spec():
    space = Space(
        {
            "x": td.uniform(0, 1),
            "by_attr": td.sample_from(lambda spec: spec.config.x * 2),
            "by_item": td.sample_from(lambda spec: spec["config"]["x"] + 1),
        }
    )
    cfg = space.sample(np.random.default_rng(1))
    assert cfg["by_attr"] == 2 * cfg["x"] and cfg["by_item"] == cfg["x"] + 1
