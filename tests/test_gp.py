"""Tests of the Gaussian process (raytune_lite.search._bo.gp)."""

from __future__ import annotations

import math

import numpy as np
import scipy.optimize

from raytune_lite.search._bo.gp import (
    GaussianProcess,
    default_theta,
    fit_theta,
    matern52,
    neg_log_posterior,
    theta_bounds,
)


def _data(n: int, dim: int, seed: int = 0, noise: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((n, dim))
    y = np.sin(6 * x[:, 0]) + 0.5 * x[:, 1] ** 2 + noise * rng.normal(size=n)
    return x, (y - y.mean()) / y.std()


def test_kernel_is_one_at_zero_distance_and_decays():
    x = np.array([[0.0, 0.0], [0.1, 0.0], [0.5, 0.0]])
    k = matern52(x, x, np.array([0.2, 0.2]), 2.0)
    assert np.allclose(np.diag(k), 2.0)
    assert k[0, 0] > k[0, 1] > k[0, 2] > 0
    assert np.allclose(k, k.T)


def test_interpolates_training_points_with_small_noise():
    x, y = _data(15, 2)
    theta = np.array([math.log(0.3), math.log(0.3), 0.0, math.log(1e-6)])
    gp = GaussianProcess(x, y, theta)
    mean, var = gp.predict(x)
    assert np.allclose(mean, y, atol=1e-3)
    assert np.all(var < 1e-4)
    far = gp.predict(np.array([[5.0, 5.0]]))
    assert far[1][0] > 0.9  # prior variance far from the data


def test_fitted_gp_interpolates_a_smooth_function():
    x, y = _data(20, 2, seed=1)
    gp = GaussianProcess(x, y, fit_theta(x, y, np.random.default_rng(0)))
    assert np.allclose(gp.predict(x)[0], y, atol=0.05)
    xt, _ = _data(50, 2, seed=2)
    # held-out points: same function, normalised with the training statistics
    raw_t = np.sin(6 * xt[:, 0]) + 0.5 * xt[:, 1] ** 2
    raw = np.sin(6 * x[:, 0]) + 0.5 * x[:, 1] ** 2
    target = (raw_t - raw.mean()) / raw.std()
    rmse = float(np.sqrt(np.mean((gp.predict(xt)[0] - target) ** 2)))
    assert rmse < 0.3


def test_marginal_likelihood_gradient_matches_finite_differences():
    x, y = _data(25, 3, seed=3)
    for theta in (default_theta(3), np.array([-1.0, 0.5, -2.0, 0.3, -4.0])):
        _, grad = neg_log_posterior(theta, x, y)
        num = scipy.optimize.approx_fprime(theta, lambda t: neg_log_posterior(t, x, y)[0], 1e-6)
        assert np.allclose(grad, num, rtol=1e-3, atol=1e-3)


def test_predictive_gradients_match_finite_differences():
    x, y = _data(20, 3, seed=4)
    gp = GaussianProcess(x, y, np.array([-1.0, -0.5, 0.2, 0.1, -5.0]))
    xq = np.random.default_rng(5).random((6, 3))
    mean, var, dmean, dvar = gp.predict_grad(xq)
    m2, v2 = gp.predict(xq)
    assert np.allclose(mean, m2) and np.allclose(var, v2)
    eps = 1e-6
    for d in range(3):
        xp = xq.copy()
        xp[:, d] += eps
        mp, vp = gp.predict(xp)
        assert np.allclose((mp - m2) / eps, dmean[:, d], atol=1e-4)
        assert np.allclose((vp - v2) / eps, dvar[:, d], atol=1e-4)


def test_fit_improves_the_posterior_and_respects_bounds():
    x, y = _data(30, 2, seed=6)
    theta = fit_theta(x, y, np.random.default_rng(0))
    assert neg_log_posterior(theta, x, y)[0] < neg_log_posterior(default_theta(2), x, y)[0]
    lo, hi = np.array(theta_bounds(2)).T
    assert np.all(theta >= lo - 1e-12) and np.all(theta <= hi + 1e-12)


def test_noise_is_learned_from_noisy_data():
    x, y_clean = _data(40, 2, seed=7)
    _, y_noisy = _data(40, 2, seed=7, noise=0.5)
    rng = np.random.default_rng(0)
    clean = fit_theta(x, y_clean, rng)
    noisy = fit_theta(x, y_noisy, rng)
    assert math.exp(noisy[-1]) > 10 * math.exp(clean[-1])
    assert math.exp(noisy[-1]) > 0.05


def test_irrelevant_dimension_gets_a_longer_length_scale():
    rng = np.random.default_rng(8)
    x = rng.random((40, 2))
    y = np.sin(6 * x[:, 0])
    theta = fit_theta(x, (y - y.mean()) / y.std(), rng)
    assert theta[1] > theta[0] + 1.0


def test_conditioning_on_a_fantasy_shrinks_the_variance_there():
    x, y = _data(10, 2, seed=9)
    gp = GaussianProcess(x, y, default_theta(2))
    p = np.array([[0.55, 0.45]])
    before = gp.predict(p)[1][0]
    after = gp.condition(p, gp.predict(p)[0]).predict(p)[1][0]
    assert after < 0.1 * before
    assert np.isclose(
        gp.condition(p, gp.predict(p)[0]).predict(p)[0][0], gp.predict(p)[0][0], atol=1e-2
    )


def test_duplicate_inputs_do_not_break_the_factorisation():
    x = np.array([[0.2, 0.3]] * 5 + [[0.8, 0.1]])
    y = np.array([0.0, 0.1, -0.1, 0.05, 0.0, 1.0])
    gp = GaussianProcess(x, y, np.array([0.0, 0.0, 0.0, math.log(1e-6)]))
    mean, var = gp.predict(x)
    assert np.all(np.isfinite(mean)) and np.all(np.isfinite(var))
