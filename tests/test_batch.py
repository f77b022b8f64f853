"""Tests of BayesOpt's strategies for trials still running (raytune_lite.search._bo.batch)."""

from __future__ import annotations

import numpy as np
import pytest

from raytune_lite.search._bo.acquisition import Acquisition, acquisition_value
from raytune_lite.search._bo.batch import (
    AUTO_TABLE,
    SOFT_PESSIMISM,
    Pending,
    TrustRegion,
    believe,
    fantasy_average,
    joint,
    penalized,
    resolve,
    thompson,
)
from raytune_lite.search._bo.gp import GaussianProcess, fit_theta


def model(seed: int = 0) -> GaussianProcess:
    rng = np.random.default_rng(seed)
    x = rng.random((15, 2))
    y = np.sin(5 * x[:, 0]) + (x[:, 1] - 0.4) ** 2
    y = (y - y.mean()) / y.std()
    return GaussianProcess(x, y, fit_theta(x, y, rng))


def log_ei(gp: GaussianProcess):  # type: ignore[no-untyped-def]
    best = float(np.min(gp.predict(gp.x)[0]))

    def score(x: np.ndarray, grad: bool):  # type: ignore[no-untyped-def]
        if grad:
            m, v, dm, dv = gp.predict_grad(x)
            return acquisition_value(Acquisition.EI, m, v, best, 2.0, dm, dv)
        m, v = gp.predict(x)
        return acquisition_value(Acquisition.EI, m, v, best, 2.0)

    return score, best


def numeric_grad(score, x: np.ndarray, h: float = 1e-6) -> np.ndarray:  # type: ignore[no-untyped-def]
    g = np.zeros_like(x)
    for d in range(x.shape[1]):
        e = np.zeros_like(x)
        e[:, d] = h
        g[:, d] = (score(x + e, False)[0] - score(x - e, False)[0]) / (2 * h)
    return g


def test_the_penalty_excludes_the_running_points_and_has_the_right_gradient() -> None:
    gp = model()
    score, best = log_ei(gp)
    xp = np.array([[0.7, 0.5], [0.2, 0.9]])
    pen = penalized(score, gp, xp, best, np.random.default_rng(1).random((64, 2)))
    near, far = xp + 1e-4, np.array([[0.45, 0.1], [0.9, 0.05]])
    assert np.all(pen(near, False)[0] < score(near, False)[0] - 1.0)  # heavily penalised
    assert np.all(pen(far, False)[0] <= score(far, False)[0])
    x = np.random.default_rng(2).random((5, 2)) * 0.8 + 0.1
    val, grad = pen(x, True)
    assert val == pytest.approx(pen(x, False)[0])
    assert grad == pytest.approx(numeric_grad(pen, x), rel=1e-3, abs=1e-4)


def test_the_soft_believer_keeps_part_of_the_running_points_variance() -> None:
    gp = model()
    grid = np.random.default_rng(3).random((256, 2))
    xp = grid[np.argsort(-gp.predict(grid)[1])[[0, 10]]]  # uncertain points
    v0 = gp.predict(xp)[1]
    hard, soft = believe(gp, xp, 0.5), believe(gp, xp, 0.5, keep_variance=True)
    v_hard, v_soft = hard.predict(xp)[1], soft.predict(xp)[1]
    assert np.all(v_hard < 0.05 * v0)  # the believer's variance collapses
    assert np.all((v_soft > 0.3 * v0) & (v_soft < 0.8 * v0))  # roughly halved
    # the fantasies stay pessimistic: the mean at a running point goes up, not down
    assert np.all(soft.predict(xp)[0] > gp.predict(xp)[0])
    assert np.allclose(soft.extra_noise[-2:], v0) and not soft.extra_noise[:-2].any()


def test_fantasies_average_the_acquisition_with_the_right_gradient() -> None:
    gp = model()
    xp = np.array([[0.3, 0.4]])
    score = fantasy_average(gp, xp, np.random.default_rng(0), Acquisition.EI, 2.0)
    x = np.random.default_rng(3).random((4, 2)) * 0.8 + 0.1
    val, grad = score(x, True)
    assert val == pytest.approx(score(x, False)[0])
    assert grad == pytest.approx(numeric_grad(score, x), rel=1e-3, abs=1e-4)
    # next to a running point the fantasies agree there is little left to gain
    assert score(xp + 1e-3, False)[0][0] < log_ei(gp)[0](xp + 1e-3, False)[0][0]
    again = fantasy_average(gp, xp, np.random.default_rng(0), Acquisition.EI, 2.0)
    assert np.array_equal(again(x, False)[0], score(x, False)[0])  # seeded


def test_thompson_orders_candidates_by_one_seeded_posterior_sample() -> None:
    gp = model()
    cand = np.random.default_rng(4).random((50, 2))
    a = thompson(gp, cand, np.random.default_rng(5))
    b = thompson(gp, cand, np.random.default_rng(5))
    assert np.array_equal(a, b) and sorted(map(tuple, a)) == sorted(map(tuple, cand))
    _, cov = joint(gp, cand)
    assert cov.shape == (50, 50) and np.allclose(cov, cov.T)
    assert np.allclose(np.diag(cov), gp.predict(cand)[1], atol=1e-8)


def test_the_trust_region_grows_on_successes_and_shrinks_on_failures() -> None:
    tr = TrustRegion()
    tr.observe(1.0, dim=2)  # the first value only sets the best
    for v in (0.5, 0.4, 0.3):
        tr.observe(v, dim=2)
    assert tr.length == pytest.approx(1.6)
    for _ in range(4):
        tr.observe(None, dim=2)  # failures count as no improvement
    assert tr.length == pytest.approx(0.8)
    for _ in range(4 * 7):  # 0.8 halved 7 times is below 0.5 ** 7
        tr.observe(2.0, dim=2)
    assert tr.length == pytest.approx(0.8)  # shrunk below the minimum: reset
    box = tr.candidates(
        np.random.default_rng(0), np.array([0.5, 0.5]), np.array([0.1, 0.4]), [0, 1], 200
    )
    assert np.all((box >= 0) & (box <= 1))
    assert np.ptp(box[:, 0]) < np.ptp(box[:, 1])  # the box follows the length scales
    assert TrustRegion(**tr.state()) == tr


def test_auto_resolves_by_the_number_of_running_trials() -> None:
    for n in (0, 1, 4, 16, 64, 500):
        picked = resolve(Pending.AUTO, n)
        assert picked is not Pending.AUTO
        assert picked is [p for k, p in AUTO_TABLE if n >= k][-1]
    assert resolve(Pending.PENALIZE, 3) is Pending.PENALIZE
    with pytest.raises(ValueError, match="'nope'"):
        Pending.parse("nope")


def test_the_soft_believer_fantasises_at_the_prediction_and_is_auto_at_4_running() -> None:
    gp = model()
    xp = np.random.default_rng(4).random((3, 2))
    soft = believe(gp, xp, SOFT_PESSIMISM, keep_variance=True)
    # the fantasy is the mean itself: conditioning on it leaves the mean there in place
    assert soft.predict(xp)[0] == pytest.approx(gp.predict(xp)[0], abs=1e-6)
    assert soft.predict(xp)[1].min() < gp.predict(xp)[1].min()  # but the variance shrinks
    assert resolve(Pending.AUTO, 4) is Pending.SOFT_BELIEVER
    assert resolve(Pending.AUTO, 16) is Pending.BELIEVER
