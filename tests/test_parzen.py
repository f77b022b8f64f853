"""Tests of the Parzen estimators behind TPE (raytune_lite.search._tpe.parzen)."""

from __future__ import annotations

import numpy as np
import pytest

from raytune_lite.search._tpe.parzen import Dim, ParzenConfig, ParzenEstimator, default_weights


def test_default_weights() -> None:
    w = default_weights(40)
    assert len(w) == 40 and np.all(np.diff(w) >= 0) and w[-25:].min() == 1 and w[0] < 0.1


def test_parzen_discrete_density_is_a_probability_mass() -> None:
    edges = np.linspace(0, 1, 6)  # 5 values
    pe = ParzenEstimator(
        np.array([[0.1], [0.3], [0.35]]), np.ones(3), [Dim(edges=edges)], ParzenConfig()
    )
    centres = (edges[:-1] + edges[1:])[:, None] / 2
    assert np.exp(pe.log_pdf(centres)).sum() == pytest.approx(1.0, abs=1e-9)
    cat = ParzenEstimator(np.full((5, 1), 2.0), np.ones(5), [Dim(n_choices=3)], ParzenConfig())
    p = np.exp(cat.log_pdf(np.array([[0.0], [1.0], [2.0]])))
    assert p.sum() == pytest.approx(1.0) and p[2] > 0.6
    draws = cat.sample(np.random.default_rng(0), 400)[:, 0]
    assert set(np.unique(draws)) <= {0.0, 1.0, 2.0} and np.mean(draws == 2) > 0.6


def test_parzen_continuous_density_integrates_to_one() -> None:
    for multivariate in (True, False):
        pe = ParzenEstimator(
            np.array([[0.02], [0.5], [0.97]]),
            np.ones(3),
            [Dim()],
            ParzenConfig(multivariate=multivariate),
        )
        grid = np.linspace(0, 1, 20001)[:, None]
        dens = np.exp(pe.log_pdf(grid)).ravel()
        assert np.trapezoid(dens, grid[:, 0]) == pytest.approx(1.0, abs=1e-3)
        x = pe.sample(np.random.default_rng(0), 500)
        assert x.min() >= 0 and x.max() <= 1
