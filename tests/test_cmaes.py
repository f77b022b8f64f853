"""Tests of the CMA-ES searcher (pure logic, no Ray)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from pinning import assert_same, replay

from raytune_lite.search.base import FINISHED, Searcher
from raytune_lite.search.basic import BasicSearch
from raytune_lite.search.cmaes import CMAES
from raytune_lite.space import Space, choice, grid, randint, uniform
from raytune_lite.testing import check_searcher

CENTER = np.array([0.3, -0.2, 0.45, 0.1, -0.35])
SPACE5 = Space({f"x{i}": uniform(-1.0, 1.0) for i in range(5)})


def ellipsoid(cfg: dict[str, Any]) -> float:
    x = np.array([cfg[f"x{i}"] for i in range(5)]) - CENTER
    return float(np.sum(10.0 ** (np.arange(5) / 2) * x**2))


def drive(
    s: Searcher,
    f: Callable[[dict[str, Any]], float],
    n: int,
    *,
    pending: int = 4,
    seed: int = 0,
    fail: float = 0.0,
) -> list[float]:
    """Runs ``n`` trials with ``pending`` outstanding, finishing in random order; a share
    ``fail`` of them fail (half as errors, half with a NaN metric). Returns finished values."""
    rng = np.random.default_rng(seed)
    out: list[tuple[str, dict[str, Any]]] = []
    values: list[float] = []
    started = 0
    while started < n or out:
        while started < n and len(out) < pending:
            cfg = s.suggest(str(started))
            assert isinstance(cfg, dict), "CMAES must never block a free worker"
            out.append((str(started), cfg))
            started += 1
        tid, cfg = out.pop(int(rng.integers(len(out))))
        r = rng.random()
        if r < fail / 2:
            s.on_complete(tid, None, True)
        elif r < fail:
            s.on_complete(tid, {"loss": math.nan}, False)
        else:
            values.append(f(cfg))
            s.on_complete(tid, {"loss": values[-1]}, False)
    return values


def test_conformance() -> None:
    check_searcher(lambda: CMAES())
    check_searcher(lambda: CMAES(popsize=3, sigma0=0.5, max_restarts=1))


def test_converges_on_ellipsoid_and_beats_random() -> None:
    regrets, randoms = [], []
    for seed in range(3):
        s = CMAES()
        s.setup(SPACE5, "loss", "min", seed=seed)
        regrets.append(min(drive(s, ellipsoid, 400, seed=seed)))
        r = BasicSearch()
        r.setup(SPACE5, "loss", "min", seed=seed, num_samples=400)
        randoms.append(min(drive(r, ellipsoid, 400, seed=seed)))
    assert max(regrets) < 1e-2, regrets
    assert float(np.median(regrets)) < float(np.median(randoms)) / 50, (regrets, randoms)
    assert max(regrets) < min(randoms) / 10, (regrets, randoms)


def test_out_of_order_and_failures_do_not_break_it() -> None:
    s = CMAES()
    s.setup(SPACE5, "loss", "max", seed=1)
    values = drive(s, lambda c: -ellipsoid(c), 500, pending=12, seed=1, fail=0.3)
    r = BasicSearch()
    r.setup(SPACE5, "loss", "max", seed=1, num_samples=500)
    random_values = drive(r, lambda c: -ellipsoid(c), 500, pending=12, seed=1, fail=0.3)
    # maximizing -ellipsoid, with 30% failures and 12 in flight
    assert -max(values) < 0.05 and -max(values) < -max(random_values) / 20
    assert s._gen > 10  # generations were completed despite the failures


def test_all_failures_keep_suggesting() -> None:
    s = CMAES()
    s.setup(SPACE5, "loss", "min", seed=0)
    drive(s, ellipsoid, 60, fail=1.0)
    assert isinstance(s.suggest("next"), dict)
    assert np.allclose(s._dist.mean, 0.5)  # nothing learnt from failures alone


def test_seeding() -> None:
    def run(seed: int) -> list[float]:
        s = CMAES()
        s.setup(SPACE5, "loss", "min", seed=seed)
        return drive(s, ellipsoid, 80, seed=0)

    assert run(4) == run(4)
    assert run(4) != run(5)


def test_state_round_trip_continues_identically() -> None:
    a = CMAES()
    a.setup(SPACE5, "loss", "min", seed=2)
    drive(a, ellipsoid, 57, pending=5, seed=2)
    pend = [a.suggest(f"p{i}") for i in range(3)]  # outstanding samples are part of the state
    saved = json.loads(json.dumps(a.state()))
    b = CMAES()
    b.setup(SPACE5, "loss", "min", seed=99)
    b.load_state(saved)
    for s in (a, b):
        for i, cfg in enumerate(pend):
            assert isinstance(cfg, dict)
            s.on_complete(f"p{i}", {"loss": ellipsoid(cfg)}, False)
    assert drive(a, ellipsoid, 60, seed=3) == drive(b, ellipsoid, 60, seed=3)


def test_x0_and_sigma0() -> None:
    s = CMAES(x0={"x0": 0.5, "x3": -0.5}, sigma0=0.01)
    s.setup(SPACE5, "loss", "min", seed=0)
    cfgs = [s.suggest(str(i)) for i in range(20)]
    for cfg in cfgs:
        assert isinstance(cfg, dict)
        assert abs(cfg["x0"] - 0.5) < 0.1 and abs(cfg["x3"] + 0.5) < 0.1 and abs(cfg["x1"]) < 0.1


def test_integer_dims_keep_a_margin_and_are_found() -> None:
    space = Space({"n": randint(0, 10), "x": uniform(-1, 1), "act": choice(["a", "b", "c"])})
    s = CMAES(min_std_cells=0.25, max_restarts=0)
    s.setup(space, "loss", "min", seed=0)
    f: Callable[[dict[str, Any]], float] = lambda c: (  # noqa: E731
        (c["n"] - 3) ** 2 + (c["x"] - 0.2) ** 2 + (c["act"] != "b")
    )
    values = drive(s, f, 300, seed=0)
    assert min(values) < 1e-3
    std = s._dist.sigma * np.sqrt(s._dist.C.diagonal())
    assert std[0] >= 0.25 / 10 - 1e-12 and std[2] >= 0.25 / 3 - 1e-12
    assert std[1] < 0.01  # the continuous dimension converges freely


def test_restarts_grow_the_population() -> None:
    space = Space({"x": uniform(-1, 1), "y": uniform(-1, 1)})
    s = CMAES(tol_sigma=1e-3)
    s.setup(space, "loss", "min", seed=0)
    lam0 = s._dist.lam
    drive(s, lambda c: c["x"] ** 2 + c["y"] ** 2, 400)
    assert s._restarts >= 1 and s._dist.lam == lam0 * 2**s._restarts

    t = CMAES(tol_sigma=1e-3, max_restarts=0)
    t.setup(space, "loss", "min", seed=0)
    ended = False
    for i in range(400):
        cfg = t.suggest(str(i))
        if cfg is FINISHED:
            ended = True
            break
        assert isinstance(cfg, dict)
        t.on_complete(str(i), {"loss": cfg["x"] ** 2 + cfg["y"] ** 2}, False)
    assert ended, "with max_restarts=0 the search must finish once converged"


def test_add_trial_is_learnt_from() -> None:
    s = CMAES(popsize=4)
    s.setup(SPACE5, "loss", "min", seed=0)
    good = {f"x{i}": float(CENTER[i]) for i in range(5)}
    for i in range(4):
        s.add_trial(f"w{i}", good)
        s.on_complete(f"w{i}", {"loss": 0.0}, False)
    assert s._gen == 1
    assert np.linalg.norm(s._dist.mean - SPACE5.encode(good)) < np.linalg.norm(
        0.5 - SPACE5.encode(good)
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"sigma0": 0}, "sigma0"),
        ({"sigma0": 2.0}, "sigma0"),
        ({"popsize": 1}, "popsize"),
        ({"max_restarts": -1}, "max_restarts"),
        ({"popsize_multiplier": 0.5}, "popsize_multiplier"),
        ({"min_std_cells": 2}, "min_std_cells"),
        ({"tol_sigma": -1}, "tol_sigma"),
        ({"x0": [0.5]}, "x0"),
    ],
)
def test_validation(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        CMAES(**kwargs)


def test_bad_x0_value_and_missing_metric() -> None:
    s = CMAES(x0={"act": "nope"})
    with pytest.raises(ValueError, match="x0 value 'nope'"):
        s.setup(Space({"act": choice(["a", "b"])}), "loss", "min", seed=0)
    with pytest.raises(ValueError, match="metric"):
        CMAES().setup(SPACE5, None, "min", seed=0)


def test_space_without_searchable_dimensions() -> None:
    s = CMAES()
    s.setup(Space({"bs": grid([16, 32]), "c": 1}), "loss", "min", seed=0)
    cfgs = [s.suggest(str(i)) for i in range(10)]
    assert all(isinstance(c, dict) and c["c"] == 1 and c["bs"] in (16, 32) for c in cfgs)
    assert {c["bs"] for c in cfgs if isinstance(c, dict)} == {16, 32}


# -- the same suggestions as before the helpers were split out (tests/pinning.py) -------
PINNED = [
    (1.3606127475901215, 0.00016678903053510554, 6, "tanh"),
    (0.5883593116376558, 0.006168435218553617, 6, "tanh"),
    (-1.3561115156289518, 0.001103450182929497, 7, "gelu"),
    (-0.0029428217479783303, 0.01278739005315841, 7, "tanh"),
    (1.1732841892721693, 0.0074315418976314065, 8, "relu"),
    (0.5687388495500905, 0.0019802035040240506, 5, "tanh"),
    (-0.42924235702667257, 0.0010463642747783762, 4, "relu"),
    (0.3814314337764273, 0.014230288474140557, 2, "tanh"),
    (-0.040897422427207175, 0.029504378825679658, 4, "tanh"),
    (1.1526082728778304, 0.0043769532972197924, 6, "gelu"),
    (1.5178068408640213, 0.011732227138336148, 6, "gelu"),
    (-0.48244807175619564, 0.04658875590579642, 7, "tanh"),
    (-0.7483901113740243, 0.011912416512889113, 6, "tanh"),
    (-1.0365672334372507, 0.013130574788955272, 1, "tanh"),
    (0.4824605998431535, 0.006767989085848686, 5, "tanh"),
    (0.7813885605349755, 0.04529426091315787, 3, "tanh"),
    (0.15837575751258948, 0.02064206534642354, 3, "gelu"),
    (-0.17027694416284422, 0.021009732932690206, 2, "tanh"),
    (-0.9052169027940329, 0.00853802071322785, 5, "tanh"),
    (-1.234072841906964, 0.002945369144422361, 6, "tanh"),
    (-0.8435866027376375, 0.05919213746692448, 4, "tanh"),
    (-1.4812416892353073, 0.002053102232796662, 10, "tanh"),
    (-1.5628682991446707, 0.0037286613455760386, 4, "tanh"),
    (-0.3324251354096661, 0.005659557094825187, 5, "tanh"),
    (-1.3589438209064753, 0.011558758337775529, 4, "relu"),
    (-0.14686200792723003, 0.049205516665255626, 3, "gelu"),
    (0.4513069475684608, 0.005163335631796956, 3, "tanh"),
    (-0.3419620528167364, 0.014923224587829569, 5, "gelu"),
    (-0.44141936305705776, 0.018957470690902128, 7, "gelu"),
    (-0.25321355099935117, 0.012767823545232398, 2, "gelu"),
    (0.11382345978285269, 0.004313949057470317, 6, "tanh"),
    (-0.7903998226855466, 0.021832578542625287, 0, "gelu"),
    (-0.389561543873304, 0.006671781250092507, 2, "gelu"),
    (-0.9526688160565135, 0.0036865408869653405, 5, "gelu"),
    (-0.5294429175932414, 0.022922210420312256, 2, "gelu"),
    (-0.40457836397211167, 0.0033553001246518816, 5, "gelu"),
    (-0.18274637083990686, 0.06188859164216236, 5, "tanh"),
    (-1.0114505249230967, 0.004918898521856746, 4, "gelu"),
    (-0.22972371873666075, 0.005804039391569065, 4, "gelu"),
    (0.07952374024741449, 0.012930612163708008, 3, "gelu"),
    (-0.6978958626916836, 0.0021179509343268324, 7, "gelu"),
    (0.3145399617963984, 0.005744001355263496, 3, "gelu"),
]


def test_cmaes_gives_the_recorded_suggestions() -> None:
    assert_same(replay(lambda: CMAES(popsize=6), 3, 40), PINNED)
