"""Tests of ParEGO: BayesOpt with several objectives (raytune_lite.search._bo.parego and the
multi-objective mode of raytune_lite.search.bayes)."""

from __future__ import annotations

import numpy as np

from raytune_lite.multiobjective import hypervolume, pareto_mask
from raytune_lite.search import BasicSearch, BayesOpt
from raytune_lite.search._bo.parego import random_weights, scalarize
from raytune_lite.testing.mo_conformance import (
    MO_OBJECTIVES,
    MO_SPACE,
    check_multi_objective_searcher,
    drive_multi,
    zdt1_row,
)


def test_conformance() -> None:
    check_multi_objective_searcher(lambda: BayesOpt(n_initial_points=4), n=10)


def test_weights_lie_on_the_simplex_and_follow_the_seed() -> None:
    a, b = np.random.default_rng(0), np.random.default_rng(0)
    w = [random_weights(a, 3) for _ in range(20)]
    assert all(abs(x.sum() - 1) < 1e-12 and (x >= 0).all() for x in w)
    assert np.array_equal(w[0], random_weights(b, 3))
    assert len({tuple(x) for x in w}) == 20


def test_the_minimum_of_a_scalarisation_is_always_on_the_pareto_front() -> None:
    rng = np.random.default_rng(1)
    losses = rng.random((60, 2))
    losses[:5] = losses[pareto_mask(losses)][0] + 0.01 * np.array([0, 1])  # weakly dominated
    ok = np.ones(60, dtype=bool)
    front = set(np.flatnonzero(pareto_mask(losses)))
    winners = {int(np.argmin(scalarize(losses, ok, random_weights(rng, 2)))) for _ in range(200)}
    assert winners <= front and len(winners) >= 3  # different weights, different points


def test_trials_that_do_not_count_get_no_value_and_no_say_in_the_scale() -> None:
    losses = np.array([[0.0, 1.0], [1.0, 0.0], [100.0, -50.0]])
    ok = np.array([True, True, False])
    v = scalarize(losses, ok, np.array([0.5, 0.5]))
    assert np.isnan(v[2]) and np.allclose(v[:2], 0.525)
    assert np.isnan(scalarize(losses, np.zeros(3, dtype=bool), np.array([0.5, 0.5]))).all()


def test_same_seed_same_run() -> None:
    def run(seed: int) -> list:
        rows = drive_multi(BayesOpt(n_initial_points=4), MO_SPACE, zdt1_row, 8, seed, pending=2)
        return [c for c, _ in rows]

    assert run(0) == run(0) != run(1)


def test_beats_random_search_on_zdt1() -> None:
    def hv(make: type) -> float:
        rows = drive_multi(make(), MO_SPACE, zdt1_row, 20, seed=0)
        losses = np.array([MO_OBJECTIVES.losses(r) for _, r in rows])
        return hypervolume(losses, np.array([1.1, 11.0]))

    assert hv(BayesOpt) > hv(BasicSearch) + 0.5


def test_infeasible_trials_are_penalised_so_it_stays_feasible() -> None:
    def feasible_share(make: type) -> float:
        rows = drive_multi(make(), MO_SPACE, zdt1_row, 20, seed=2, constraints=["x0 >= 0.7"])
        return float(np.mean([r["x0"] >= 0.7 for _, r in rows[8:]]))

    assert feasible_share(BayesOpt) > feasible_share(BasicSearch) + 0.2
