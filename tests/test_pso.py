"""Tests of the asynchronous particle swarm (no Ray needed)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from raytune_lite.search.base import Searcher
from raytune_lite.search.basic import BasicSearch
from raytune_lite.search.pso import Bounds, ParticleSwarm
from raytune_lite.space import Space, choice, grid, loguniform, randint, sample_from, uniform
from raytune_lite.testing import CONFORMANCE_SPACE, check_searcher

SHIFT = np.array([0.7, -1.3, 2.1, -0.4, 1.6])
SPHERE = Space({f"x{i}": uniform(-5, 5) for i in range(5)})


def sphere(cfg: dict[str, Any]) -> float:
    return float(sum((cfg[f"x{i}"] - SHIFT[i]) ** 2 for i in range(5)))


def best_of(s: Searcher, seed: int, n: int = 150, pending: int = 4) -> float:
    """Runs ``n`` trials with ``pending`` outstanding, completed in random order."""
    s.setup(SPHERE, "loss", "min", seed=seed, num_samples=n)
    rng = np.random.default_rng(seed + 100)
    out: list[tuple[str, dict[str, Any]]] = []
    best, started = np.inf, 0
    while started < n or out:
        while started < n and len(out) < pending:
            cfg = s.suggest(str(started))
            assert isinstance(cfg, dict)
            out.append((str(started), cfg))
            started += 1
        tid, cfg = out.pop(int(rng.integers(len(out))))
        v = sphere(cfg)
        best = min(best, v)
        s.on_complete(tid, {"loss": v}, False)
    return best


def test_conforms() -> None:
    check_searcher(lambda: ParticleSwarm())
    check_searcher(lambda: ParticleSwarm(n_particles=3, bounds=Bounds.CLIP, v_max=0.5))


def test_conforms_with_a_grid_axis_treated_as_a_categorical() -> None:
    check_searcher(
        lambda: ParticleSwarm(n_particles=3),
        param_space={**CONFORMANCE_SPACE, "g": grid([1, 2, 3])},
    )


def test_beats_random_search_on_shifted_sphere() -> None:
    seeds = range(5)
    pso = np.mean([best_of(ParticleSwarm(), s) for s in seeds])
    rnd = np.mean([best_of(BasicSearch(), s) for s in seeds])
    assert pso < rnd / 4, (pso, rnd)


@pytest.mark.parametrize("bounds", list(Bounds))
def test_positions_stay_in_bounds_and_velocity_is_clamped(bounds: Bounds) -> None:
    space = Space(
        {
            "a": uniform(-1, 1),
            "b": loguniform(1e-4, 1.0),
            "n": randint(0, 5),
            "k": choice(["x", "y", "z"]),
        }
    )
    s = ParticleSwarm(n_particles=5, w=1.0, c1=2.5, c2=2.5, v_max=0.9, bounds=bounds)
    s.setup(space, "loss", "max", seed=1)
    hit_bound = False
    for i in range(200):
        cfg = s.suggest(str(i))
        assert isinstance(cfg, dict)
        assert not space.contains(cfg)
        for p in s.particles:
            assert np.all((p.x >= 0.0) & (p.x <= 1.0)), p.x
            assert np.all(np.abs(p.v) <= 0.9 + 1e-12), p.v
            hit_bound |= bool(np.any((p.x < 0.05) | (p.x > 0.95)))
        # a maximization pulling towards a corner pushes particles into the bounds
        s.on_complete(str(i), {"loss": cfg["a"] + cfg["n"]}, False)
    assert hit_bound


def test_one_outstanding_evaluation_per_particle_extra_when_all_busy() -> None:
    s = ParticleSwarm(n_particles=3)
    s.setup(SPHERE, "loss", "min", seed=0)
    for i in range(5):
        s.suggest(str(i))
    assert len(s.particles) == 5, "all busy: each further suggestion adds a particle"
    assert sorted(p.trial for p in s.particles if p.trial is not None) == [str(i) for i in range(5)]
    s.on_complete("1", {"loss": 1.0}, False)
    s.suggest("5")  # particle 1 is the only idle one: it moves, no new particle
    assert len(s.particles) == 5 and s.particles[1].trial == "5"


def test_particles_are_pulled_towards_the_global_best() -> None:
    space = Space({"x": uniform(0, 1), "y": uniform(0, 1)})
    s = ParticleSwarm(n_particles=6, w=0.5)
    s.setup(space, "loss", "min", seed=2)
    target = np.array([0.8, 0.2])
    for i in range(120):
        cfg = s.suggest(str(i))
        assert isinstance(cfg, dict)
        s.on_complete(str(i), {"loss": float((cfg["x"] - 0.8) ** 2 + (cfg["y"] - 0.2) ** 2)}, False)
    spread = np.mean([np.linalg.norm(p.x - target) for p in s.particles])
    assert spread < 0.1, spread
    assert s.best_score is not None and s.best_score < 1e-3


def test_failed_results_update_no_best_and_external_trials_inform_the_swarm() -> None:
    s = ParticleSwarm(n_particles=2)
    s.setup(SPHERE, "loss", "min", seed=0)
    s.suggest("a")
    s.suggest("b")
    s.on_complete("a", None, True)
    s.on_complete("b", {"loss": float("nan")}, False)
    assert s.best_score is None and all(p.best_f is None for p in s.particles)
    good = {f"x{i}": float(SHIFT[i]) for i in range(5)}
    s.add_trial("ext", good)
    s.on_complete("ext", {"loss": 0.0}, False)
    assert s.best_score == 0.0
    pos = s.best_position
    assert pos is not None and np.allclose(pos, SPHERE.encode(good))


def test_same_seed_same_suggestions_and_state_round_trip() -> None:
    def run(seed: int) -> tuple[ParticleSwarm, list[Any]]:
        s = ParticleSwarm(n_particles=4)
        s.setup(SPHERE, "loss", "min", seed=seed)
        cfgs = []
        for i in range(12):
            cfg = s.suggest(str(i))
            assert isinstance(cfg, dict)
            cfgs.append(cfg)
            if i >= 2:  # keep two outstanding
                s.on_complete(str(i - 2), {"loss": sphere(cfgs[i - 2])}, False)
        return s, cfgs

    (a, ca), (_, cb), (_, cc) = run(5), run(5), run(6)
    assert ca == cb and ca != cc
    c = ParticleSwarm(n_particles=4)
    c.setup(SPHERE, "loss", "min", seed=0)
    c.load_state(json.loads(json.dumps(a.state())))
    for s in (a, c):
        for i in (10, 11):
            s.on_complete(str(i), {"loss": sphere(ca[i])}, False)
    assert [a.suggest(f"n{i}") for i in range(6)] == [c.suggest(f"n{i}") for i in range(6)]


def test_space_of_constants_and_choice_of_subspaces() -> None:
    """Nothing to encode still works; a choice among sub-spaces samples the chosen one."""
    s = ParticleSwarm(n_particles=2)
    s.setup(Space({"c": 1, "d": sample_from(lambda cfg: cfg["c"] + 1)}), "loss", "min", seed=0)
    for i in range(4):
        assert s.suggest(str(i)) == {"c": 1, "d": 2}
        s.on_complete(str(i), {"loss": 1.0}, False)
    sub = Space(
        {"m": choice([{"kind": "a", "v": uniform(0, 1)}, {"kind": "b"}]), "x": uniform(0, 1)}
    )
    s.setup(sub, "loss", "min", seed=0)
    for i in range(12):
        cfg = s.suggest(str(i))
        assert isinstance(cfg, dict)
        assert cfg["m"]["kind"] in ("a", "b")
        assert cfg["m"]["kind"] == "b" or 0 <= cfg["m"]["v"] <= 1
        s.on_complete(str(i), {"loss": cfg["x"]}, False)
        json.dumps(s.state())


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"n_particles": 0}, "n_particles"),
        ({"w": 1.5}, "w"),
        ({"c1": -1.0}, "c1"),
        ({"c2": float("nan")}, "c2"),
        ({"v_max": 0.0}, "v_max"),
        ({"v_max": 2.0}, "v_max"),
        ({"bounds": "wrap"}, "bounds"),
    ],
)
def test_rejects_bad_arguments(kwargs: dict[str, Any], word: str) -> None:
    with pytest.raises(ValueError, match=word):
        ParticleSwarm(**kwargs)
