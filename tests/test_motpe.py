"""Tests of MOTPE: TPE with several objectives (raytune_lite.search._tpe.motpe and the
multi-objective mode of raytune_lite.search.tpe)."""

from __future__ import annotations

import itertools

import numpy as np

from raytune_lite.multiobjective import hypervolume, pareto_mask
from raytune_lite.search import TPE, BasicSearch
from raytune_lite.search._tpe.motpe import greedy_hypervolume_subset, mo_gamma, mo_split
from raytune_lite.testing.mo_conformance import (
    MO_OBJECTIVES,
    MO_SPACE,
    check_multi_objective_searcher,
    drive_multi,
    zdt1_row,
)

ZDT1_REF = np.array([1.1, 11.0])


def _hv(rows: list) -> float:
    return hypervolume(np.array([MO_OBJECTIVES.losses(r) for _, r in rows]), ZDT1_REF)


def test_conformance() -> None:
    check_multi_objective_searcher(lambda: TPE(n_startup_trials=5))


def test_whole_fronts_first_then_the_last_front_cut_by_hypervolume() -> None:
    front = np.array([[0.0, 4.0], [1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [4.0, 0.0]])
    behind = front + 1.0  # the second front
    losses = np.vstack([front, behind])
    ok = np.ones(10, dtype=bool)
    assert mo_split(losses, ok, 5).tolist() == [0, 1, 2, 3, 4]
    seven = mo_split(losses, ok, 7)
    assert seven[:5].tolist() == [0, 1, 2, 3, 4] and set(seven[5:]) <= set(range(5, 10))
    assert len(mo_split(losses, ok, 3)) == 3 and set(mo_split(losses, ok, 3)) <= set(range(5))
    assert mo_split(losses, ok, 20).tolist() == list(range(10))


def test_trials_that_do_not_count_are_never_good() -> None:
    losses = np.array([[0.0, 0.0], [1.0, 2.0], [2.0, 1.0], [3.0, 3.0]])
    ok = np.array([False, True, True, True])  # the best-looking one is infeasible
    assert mo_split(losses, ok, 2).tolist() == [1, 2]
    assert mo_split(losses, ok, 4).tolist() == [1, 2, 3]
    assert mo_split(losses, np.zeros(4, dtype=bool), 2).tolist() == []


def test_greedy_subset_is_close_to_the_best_subset() -> None:
    rng = np.random.default_rng(0)
    for k in (2, 3):
        pts = rng.random((40, k))
        pts = pts[pareto_mask(pts)][:8]
        ref = pts.max(axis=0) + 0.1 * (pts.max(axis=0) - pts.min(axis=0))
        size = len(pts) // 2
        best = max(
            hypervolume(pts[list(c)], ref) for c in itertools.combinations(range(len(pts)), size)
        )
        got = hypervolume(pts[greedy_hypervolume_subset(pts, size)], ref)
        assert got >= 0.9 * best, (k, got, best)


def test_the_good_group_is_ten_percent_uncapped() -> None:
    assert [mo_gamma(n) for n in (1, 10, 11, 300, 1000)] == [1, 1, 2, 30, 100]


def test_same_seed_same_run_and_state_continues() -> None:
    a = drive_multi(TPE(n_startup_trials=5), MO_SPACE, zdt1_row, 25, seed=3, pending=2)
    b = drive_multi(TPE(n_startup_trials=5), MO_SPACE, zdt1_row, 25, seed=3, pending=2)
    c = drive_multi(TPE(n_startup_trials=5), MO_SPACE, zdt1_row, 25, seed=4, pending=2)
    assert [x for x, _ in a] == [x for x, _ in b] != [x for x, _ in c]


def test_beats_random_search_on_zdt1() -> None:
    tpe = [_hv(drive_multi(TPE(), MO_SPACE, zdt1_row, 60, seed=s)) for s in range(3)]
    rnd = [_hv(drive_multi(BasicSearch(), MO_SPACE, zdt1_row, 60, seed=s)) for s in range(3)]
    assert np.median(tpe) > np.median(rnd) + 0.2, (tpe, rnd)


def test_prefers_the_feasible_region() -> None:
    def feasible_share(make: type) -> float:  # after the random start, over 3 seeds
        runs = [
            drive_multi(make(), MO_SPACE, zdt1_row, 60, seed=s, constraints=["x0 >= 0.7"])
            for s in range(3)
        ]
        return float(np.mean([r["x0"] >= 0.7 for rows in runs for _, r in rows[20:]]))

    assert feasible_share(TPE) > feasible_share(BasicSearch) + 0.15
