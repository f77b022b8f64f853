"""PBT's explore step on stepped integers: perturbations stay on the grid and within the
bounds (pure, no Ray)."""

from __future__ import annotations

import numpy as np
import pytest

import raytune_lite as rt
from raytune_lite.schedulers._explore import Bounds, Explorer, flatten_mutations

STEPPED = {
    "even": rt.randint(0, 21, step=2),
    "thirds": rt.randint(1, 21, step=3),
    "width": rt.qlograndint(8, 512, 8),
}


@pytest.mark.parametrize("bounds", [Bounds.REFLECT, Bounds.CLIP])
@pytest.mark.parametrize("factor", [0.5, 0.8, 1.2, 2.0])
def test_perturbations_stay_on_the_grid_within_bounds(bounds: Bounds, factor: float) -> None:
    ex = Explorer(flatten_mutations(STEPPED), 0.0, [factor], bounds)
    rng = np.random.default_rng(0)
    for key, d in STEPPED.items():
        for v in range(d.low, d.last + 1, d.step):
            new = ex.explore({key: v}, rng)[key]
            assert type(new) is int and d.contains(new), (key, v, factor, new)
            if bounds is Bounds.REFLECT:  # always moves; in the factor's direction if the
                assert new != v  # product stays inside (else it is mirrored at the bound)
                if d.low <= v * factor <= d.last and d.low < v < d.last:
                    assert (new > v) == (factor > 1), (key, v, factor, new)


def test_small_values_move_one_step_of_the_grid() -> None:
    d = rt.randint(0, 101, step=10)
    ex_up = Explorer(flatten_mutations({"k": d}), 0.0, [1.2], Bounds.REFLECT)
    ex_down = Explorer(flatten_mutations({"k": d}), 0.0, [0.8], Bounds.REFLECT)
    rng = np.random.default_rng(1)
    assert ex_up.explore({"k": 20}, rng)["k"] == 30  # 24 is nearest 20: at least one step
    assert ex_down.explore({"k": 20}, rng)["k"] == 10
    assert ex_up.explore({"k": 50}, rng)["k"] == 60
    assert ex_down.explore({"k": 0}, rng)["k"] == 10  # reflected at the low bound
    assert ex_up.explore({"k": 100}, rng)["k"] == 80  # and at the high one: 120 -> 100 - 20


def test_clip_keeps_a_bound_value_and_resampling_draws_from_the_grid() -> None:
    d = rt.randint(1, 21, step=3)  # 1, 4, ..., 19
    clip = Explorer(flatten_mutations({"k": d}), 0.0, [2.0], Bounds.CLIP)
    rng = np.random.default_rng(2)
    assert clip.explore({"k": 19}, rng)["k"] == 19
    assert clip.explore({"k": 13}, rng)["k"] == 19  # 26 clipped to the last value
    resample = Explorer(flatten_mutations({"k": d}), 1.0, [2.0], Bounds.REFLECT)
    drawn = {resample.explore({"k": 1}, rng)["k"] for _ in range(300)}
    assert drawn == set(range(1, 20, 3))


def test_an_off_grid_value_is_moved_onto_the_grid() -> None:
    d = rt.randint(0, 21, step=5)
    ex = Explorer(flatten_mutations({"k": d}), 0.0, [1.2], Bounds.REFLECT)
    assert ex.explore({"k": 7}, np.random.default_rng(3))["k"] in (10, 15)
