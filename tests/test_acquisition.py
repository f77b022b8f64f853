"""Tests of the acquisition functions and their optimiser (raytune_lite.search._bo.acquisition)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats

from raytune_lite.search._bo.acquisition import (
    Acquisition,
    Layout,
    acquisition_value,
    log_ei,
    log_h,
    optimize,
)
from raytune_lite.search._bo.gp import GaussianProcess


def _naive_ei(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    z = (best - mean) / std
    return std * (z * scipy.stats.norm.cdf(z) + scipy.stats.norm.pdf(z))


def test_log_ei_matches_the_naive_formula_where_it_is_finite():
    z = np.linspace(-30, 30, 601)
    std = np.full_like(z, 0.7)
    mean = 0.1 - z * std
    naive = _naive_ei(mean, std, 0.1)
    ok = naive > 1e-250
    assert ok.sum() > 500
    assert np.allclose(log_ei(mean, std, 0.1)[ok], np.log(naive[ok]), rtol=1e-8, atol=1e-9)


def test_log_h_is_finite_and_accurate_where_naive_ei_underflows():
    z = -np.logspace(1.6, 12, 50)  # from z = -40 (naive EI ~ 1e-350 = 0) to -1e12
    assert np.all(_naive_ei(-z, np.ones_like(z), 0.0)[z < -39] == 0.0)
    lh = log_h(z)
    assert np.all(np.isfinite(lh))
    assert np.all(np.diff(lh) < 0)  # still ordered: worse z, smaller log EI
    # asymptotic expansion: log h(z) = -z^2/2 - log(2 pi)/2 - 2 log|z| + O(1/z^2)
    asym = -0.5 * z * z - 0.5 * math.log(2 * math.pi) - 2 * np.log(-z)
    assert np.allclose(lh, asym, rtol=1e-6, atol=1e-2)


def test_log_h_is_continuous_at_the_branch_points():
    for z0 in (-1.0, -1.0 / math.sqrt(np.finfo(float).eps)):
        z = np.array([z0 * (1 + 1e-9), z0 * (1 - 1e-9)])
        a, b = log_h(z)
        assert abs(a - b) <= 1e-6 * max(1.0, abs(a))


def _gp() -> GaussianProcess:
    rng = np.random.default_rng(0)
    x = rng.random((12, 2))
    y = np.sin(5 * x[:, 0]) + x[:, 1]
    return GaussianProcess(
        x, (y - y.mean()) / y.std(), np.array([math.log(0.3), math.log(0.5), 0.0, math.log(1e-4)])
    )


@pytest.mark.parametrize("kind", list(Acquisition))
def test_acquisition_gradient_matches_finite_differences(kind: Acquisition):
    gp = _gp()
    best = float(gp.y.min())
    xq = np.random.default_rng(1).random((5, 2)) * 0.8 + 0.1
    m, v, dm, dv = gp.predict_grad(xq)
    val, grad = acquisition_value(kind, m, v, best, 2.0, dm, dv)
    assert grad is not None
    eps = 1e-6
    for d in range(2):
        xp = xq.copy()
        xp[:, d] += eps
        mp, vp = gp.predict(xp)
        vp_val, _ = acquisition_value(kind, mp, vp, best, 2.0)
        assert np.allclose((vp_val - val) / eps, grad[:, d], rtol=1e-3, atol=1e-3)


def test_ucb_prefers_uncertainty_and_low_mean():
    mean = np.array([0.0, 0.0, -1.0])
    var = np.array([0.01, 1.0, 0.01])
    val, _ = acquisition_value(Acquisition.UCB, mean, var, 0.0, 2.0)
    assert val[1] > val[0] and val[2] > val[0]


def test_parse_names_the_bad_value():
    assert Acquisition.parse("ucb") is Acquisition.UCB
    with pytest.raises(ValueError, match="'pi'"):
        Acquisition.parse("pi")


def _layout() -> Layout:
    levels = np.array([0.125, 0.375, 0.625, 0.875])
    return Layout(
        dim=5,
        continuous=[0],
        discrete=[(1, levels, np.array([0.25, 0.5, 0.75]))],
        onehot=[[2, 3, 4]],
    )


def test_snap_moves_discrete_columns_to_levels_and_one_hot_to_argmax():
    x = np.array([[0.3, 0.3, 0.1, 0.7, 0.2], [0.9, 0.99, 0.5, 0.1, 0.6]])
    s = _layout().snap(x)
    assert s[:, 0].tolist() == [0.3, 0.9]
    assert s[:, 1].tolist() == [0.375, 0.875]
    assert s[:, 2:].tolist() == [[0, 1, 0], [0, 0, 1]]


def test_random_perturb_and_neighbours_stay_in_the_domain():
    lay = _layout()
    rng = np.random.default_rng(0)
    pts = np.vstack([lay.random(rng, 50), lay.perturb(rng, lay.random(rng, 3), 50, 0.3)])
    assert np.all((pts >= 0) & (pts <= 1))
    assert np.all(np.isin(pts[:, 1], [0.125, 0.375, 0.625, 0.875]))
    assert np.all(pts[:, 2:].sum(1) == 1)
    nb = lay.neighbours(lay.snap(np.array([[0.5, 0.1, 1, 0, 0]]))[0])
    assert len(nb) == 1 + 2  # one discrete step up (none down from the lowest), 2 categories


def test_optimize_finds_the_maximum_of_a_mixed_function():
    lay = _layout()

    def score(x: np.ndarray, grad: bool):
        # best: x0 = 0.3, discrete level 0.625, category 2 (column 4)
        val = -((x[:, 0] - 0.3) ** 2) - (x[:, 1] - 0.625) ** 2 + 0.5 * x[:, 4]
        g = np.zeros_like(x)
        g[:, 0] = -2 * (x[:, 0] - 0.3)
        g[:, 1] = -2 * (x[:, 1] - 0.625)
        g[:, 4] = 0.5
        return val, (g if grad else None)

    cand, vals = optimize(
        score, lay, np.random.default_rng(0), np.zeros((0, 5)), n_random=64, n_local=0
    )
    best = cand[0]
    assert abs(best[0] - 0.3) < 1e-4
    assert best[1] == 0.625 and best[4] == 1.0
    assert np.all(np.diff(vals) <= 0)
