"""Grid and random search (pure, no Ray)."""

from __future__ import annotations

import raytune_lite as rt
from raytune_lite.search import FINISHED, BasicSearch
from raytune_lite.testing import check_searcher


def _setup(space, num_samples, seed=0):
    s = BasicSearch()
    s.setup(rt.Space(space), "loss", "min", seed=seed, num_samples=num_samples)
    return s


def _drain(s):
    out = []
    while (cfg := s.suggest(str(len(out)))) is not FINISHED:
        out.append(cfg)
    return out


def test_grid_times_samples():
    s = _setup({"a": rt.grid([1, 2, 3]), "b": rt.grid(["x", "y"]), "r": rt.uniform(0, 1)}, 4)
    configs = _drain(s)
    assert len(configs) == 3 * 2 * 4
    pairs = [(c["a"], c["b"]) for c in configs]
    for a in (1, 2, 3):
        for b in ("x", "y"):
            assert pairs.count((a, b)) == 4
    assert len({c["r"] for c in configs}) == len(configs)  # fresh draws each repeat


def test_no_grid_gives_num_samples():
    assert len(_drain(_setup({"r": rt.uniform(0, 1)}, 7))) == 7


def test_unlimited_samples_never_finish():
    s = _setup({"r": rt.uniform(0, 1)}, -1)
    assert all(isinstance(s.suggest(str(i)), dict) for i in range(500))


def test_same_seed_same_configs_other_seed_other_configs():
    space = {"r": rt.uniform(0, 1), "c": rt.choice(list(range(100)))}
    assert _drain(_setup(space, 10, seed=1)) == _drain(_setup(space, 10, seed=1))
    assert _drain(_setup(space, 10, seed=1)) != _drain(_setup(space, 10, seed=2))


def test_basic_search_conforms():
    check_searcher(BasicSearch)


def test_max_pending_is_validated():
    import pytest

    with pytest.raises(ValueError, match="max_pending"):
        BasicSearch(max_pending=0)
