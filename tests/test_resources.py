"""Resource requests (pure, no Ray)."""

from __future__ import annotations

import pytest

from raytune_lite.resources import Placement, fits_on_node, normalize, ray_options


def test_normalize_and_options():
    r = normalize({"CPU": 2, "gpu": 0.5, "custom": 1, "memory": 1e9})
    assert r == {"cpu": 2.0, "gpu": 0.5, "custom": 1.0, "memory": 1e9}
    assert ray_options(r) == {
        "num_cpus": 2.0,
        "num_gpus": 0.5,
        "memory": 1e9,
        "resources": {"custom": 1.0},
    }
    assert normalize(None) == {"cpu": 1.0}
    assert normalize({"gpu": 1}) == {"gpu": 1.0, "cpu": 1.0}


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"cpu": -1}, "must be a number >= 0"),
        ({"cpu": "one"}, "must be a number >= 0"),
        ({"gpu": 1.5}, "fractional GPU"),
        ({"cpu": 0}, "some resource"),
        ([1], "must be a dict"),
    ],
)
def test_bad_requests(bad, message):
    with pytest.raises((ValueError, TypeError), match=message):
        normalize(bad)


def test_fits_on_node():
    node = {"CPU": 8.0, "GPU": 2.0, "custom": 3.0}
    assert fits_on_node({"cpu": 1.0}, node) == 8
    assert fits_on_node({"cpu": 1.0, "gpu": 0.5}, node) == 4
    assert fits_on_node({"cpu": 1.0, "custom": 1.0}, node) == 3
    assert fits_on_node({"cpu": 1.0, "tpu": 1.0}, node) == 0


def test_spread_placement_asks_ray_to_spread():
    assert "scheduling_strategy" not in ray_options({"cpu": 1.0})
    assert ray_options({"cpu": 1.0}, Placement.SPREAD)["scheduling_strategy"] == "SPREAD"
    assert Placement.parse("pack") is Placement.PACK
    with pytest.raises(ValueError, match=r"must be 'pack' or 'spread'; got placement='x'"):
        Placement.parse("x")
