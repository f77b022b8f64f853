"""Tests of the GP searcher's encoding (raytune_lite.search._bo.encoding)."""

from __future__ import annotations

import numpy as np
import pytest

import raytune_lite as rt
from raytune_lite.search._bo.encoding import MAX_LEVELS, Encoding
from raytune_lite.testing.searcher_conformance import CONFORMANCE_SPACE

SPACE = {**CONFORMANCE_SPACE, "bs": rt.grid([16, 32, 64]), "ql": rt.qloguniform(1.0, 100.0, 5.0)}


def test_columns_continuous_discrete_and_one_hot():
    enc = Encoding(rt.Space(SPACE))
    lay = enc.layout
    # x, lr, momentum continuous; q, n, width, ql discrete; act (3) and bs (3) one-hot
    assert len(lay.continuous) == 3
    assert len(lay.discrete) == 4
    assert [len(c) for c in lay.onehot] == [3, 3]
    assert enc.dim == 3 + 4 + 6 and enc.n_params == 9


def test_encode_decode_round_trip_on_random_configs():
    space = rt.Space(SPACE)
    enc = Encoding(space)
    rng = np.random.default_rng(0)
    for _ in range(200):
        cfg = space.sample(rng)
        x = enc.encode(cfg)
        assert x is not None
        back = enc.decode(x, rng)
        assert back == cfg
        assert not space.contains(back)


def test_snapping_agrees_with_the_domains_own_decoding():
    space = rt.Space(SPACE)
    enc = Encoding(space)
    rng = np.random.default_rng(1)
    raw = rng.random((300, enc.n_params))
    x = enc.from_raw(raw)
    for p in enc.params:
        if p.categorical:
            assert np.all(x[:, list(p.cols)].sum(1) == 1)
            continue
        i = enc.params.index(p)
        col = p.cols[0]
        # decoding the snapped column gives the same value as decoding the raw one
        assert all(
            p.domain.from_unit(a) == p.domain.from_unit(b)
            for a, b in zip(raw[:, i], x[:, col], strict=True)
        )


def test_invalid_configs_encode_to_none():
    enc = Encoding(rt.Space(SPACE))
    good = rt.Space(SPACE).sample(np.random.default_rng(2))
    assert enc.encode(good) is not None
    assert enc.encode({**good, "act": "swish"}) is None
    assert enc.encode({k: v for k, v in good.items() if k != "x"}) is None
    assert enc.encode({**good, "x": float("nan")}) is None


def test_huge_integer_ranges_are_modelled_as_continuous():
    enc = Encoding(rt.Space({"n": rt.randint(0, MAX_LEVELS * 10), "m": rt.randint(0, 10)}))
    assert enc.layout.continuous == [0]
    assert [c for c, _, _ in enc.layout.discrete] == [1]
    cfg = enc.decode(np.array([0.5, 0.5]), np.random.default_rng(0))
    assert isinstance(cfg["n"], int) and cfg["n"] == MAX_LEVELS * 5


@pytest.mark.parametrize("log", [False, True])
def test_a_stepped_integer_is_modelled_by_the_levels_of_its_grid(log: bool) -> None:
    d = rt.lograndint(2, 23, step=4) if log else rt.randint(1, 23, step=4)
    enc = Encoding(rt.Space({"k": d}))
    ((_, levels, thresholds),) = enc.layout.discrete
    values = list(range(d.low, d.last + 1, d.step))
    assert [d.from_unit(u) for u in levels] == values
    assert len(thresholds) == len(values) - 1  # the cell edges between neighbouring values
    for t, below, above in zip(thresholds, values[:-1], values[1:], strict=True):
        assert d.from_unit(t - 1e-9) == below and d.from_unit(t + 1e-9) == above
    rng = np.random.default_rng(0)
    for u in np.linspace(0, 1, 41):
        assert enc.decode(np.array([u]), rng)["k"] in values
