"""Parzen estimators on the unit cube: the density models behind
:class:`~raytune_lite.search.tpe.TPE`.

A :class:`ParzenEstimator` is a weighted mixture with one kernel per observation plus an
optional *prior* kernel. Numeric dimensions use Gaussians truncated to ``[0, 1]``; discrete
numeric ones (integers, quantized floats) integrate that Gaussian over the cell of each value,
so their density is a probability mass; categorical dimensions use a per-observation
distribution over the choices (the observed choice plus ``prior_weight / kernels`` on every
choice, so the smoothing fades as observations accumulate, as in Optuna). Bandwidths of numeric
kernels are the larger gap to a neighbouring observation (Bergstra et al. 2011), clipped below
by ``1 / min(100, 1 + kernels)`` of the range (the "magic clip"). In the *multivariate* form a
kernel is a product over dimensions, so the mixture models dependencies between them (Falkner
et al. 2018); in the *univariate* form every dimension is a mixture of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp, ndtr, ndtri

_LOG_TINY = -700.0  # log of a mass that rounds to 0


@dataclass(frozen=True)
class Dim:
    """How one dimension is modelled: ``n_choices > 0`` for categorical, ``edges`` for discrete
    numeric (cell boundaries in ``[0, 1]``), neither for continuous."""

    n_choices: int = 0
    edges: np.ndarray | None = None


@dataclass(frozen=True)
class ParzenConfig:
    """Shape parameters of the estimators (see :class:`~raytune_lite.search.tpe.TPE`)."""

    prior_weight: float = 1.0
    consider_prior: bool = True
    consider_magic_clip: bool = True
    consider_endpoints: bool = False
    multivariate: bool = True


def default_weights(n: int) -> np.ndarray:
    """Optuna's recency ramp: the last 25 observations weigh 1, older ones less (in order)."""
    if n < 25:
        return np.ones(n)
    return np.concatenate([np.linspace(1.0 / n, 1.0, n - 25), np.ones(25)])


def _log_interval(z_lo: np.ndarray, z_hi: np.ndarray) -> np.ndarray:
    """``log(Phi(z_hi) - Phi(z_lo))`` without cancellation in the upper tail."""
    upper = z_lo > 0
    a = np.where(upper, ndtr(-z_lo) - ndtr(-z_hi), ndtr(z_hi) - ndtr(z_lo))
    with np.errstate(divide="ignore"):
        out = np.log(np.maximum(a, 0.0))
    return np.maximum(out, _LOG_TINY)


class ParzenEstimator:
    """A kernel mixture fitted to observations in ``[0, 1]^d`` (categoricals as indices).

    Args:
        obs: ``(n, d)`` observations; NaN marks an unknown value (that kernel is broad there).
        weights: ``(n,)`` non-negative observation weights.
        dims: how each of the ``d`` dimensions is modelled.
        cfg: prior, bandwidth clipping and univariate/multivariate choices.

    Example:
        >>> import numpy as np
        >>> pe = ParzenEstimator(np.array([[0.2], [0.25]]), np.ones(2), [Dim()], ParzenConfig())
        >>> lp = pe.log_pdf(np.array([[0.22], [0.9]]))
        >>> bool(lp[0] > lp[1])
        True
    """

    def __init__(self, obs: np.ndarray, weights: np.ndarray, dims: list[Dim], cfg: ParzenConfig):
        n, d = obs.shape
        self.dims = dims
        self.cfg = cfg
        use_prior = cfg.consider_prior or n == 0
        w = np.asarray(weights, dtype=float)
        if use_prior:
            w = np.append(w, cfg.prior_weight if n else 1.0)
        self.log_w = np.log(np.maximum(w / w.sum(), 1e-300))
        self.w = np.exp(self.log_w)
        k = len(w)
        self.mus = np.full((k, d), 0.5)
        self.sigmas = np.ones((k, d))
        self.cat_probs: dict[int, np.ndarray] = {}
        num = [j for j, dm in enumerate(dims) if dm.n_choices == 0]
        min_sigma = 1.0 / min(100.0, 1.0 + k) if cfg.consider_magic_clip else 1e-12
        for j in num:
            col = obs[:, j]
            known = ~np.isnan(col)
            self.mus[:n, j] = np.where(known, col, 0.5)
            sig = self._neighbour_sigmas(self.mus[:n, j])
            self.sigmas[:n, j] = np.where(known, np.clip(sig, min_sigma, 1.0), 1.0)
        for j, dm in enumerate(dims):
            if dm.n_choices == 0:
                continue
            m = dm.n_choices
            probs = np.full((k, m), 1.0 / m)
            col = obs[:, j]
            for i in range(n):
                if not math.isnan(col[i]):
                    row = np.full(m, cfg.prior_weight / k)
                    row[int(col[i])] += 1.0
                    probs[i] = row / row.sum()
            self.cat_probs[j] = probs
        self._z_lo = -self.mus / self.sigmas
        self._z_hi = (1.0 - self.mus) / self.sigmas
        self._log_norm = _log_interval(self._z_lo, self._z_hi)

    def _neighbour_sigmas(self, mus: np.ndarray) -> np.ndarray:
        """Bandwidths: the larger gap to a sorted neighbour, the range ends counting as
        neighbours (Bergstra et al. 2011); without ``consider_endpoints`` the outermost
        kernels only look inwards."""
        order = np.argsort(mus, kind="stable")
        padded = np.concatenate([[0.0], mus[order], [1.0]])
        gaps = np.maximum(padded[1:-1] - padded[:-2], padded[2:] - padded[1:-1])
        if not self.cfg.consider_endpoints and len(mus) >= 2:
            gaps[0] = padded[2] - padded[1]
            gaps[-1] = padded[-2] - padded[-3]
        out = np.empty_like(mus)
        out[order] = gaps
        return out

    # -- densities ---------------------------------------------------------------------------
    def _log_kernels(self, x: np.ndarray) -> np.ndarray:
        """``(m, k, d)`` log kernel densities of each component at each point and dimension."""
        m, d = x.shape
        out = np.empty((m, len(self.w), d))
        for j, dm in enumerate(self.dims):
            if dm.n_choices:
                idx = np.clip(x[:, j].astype(int), 0, dm.n_choices - 1)
                out[:, :, j] = np.log(np.maximum(self.cat_probs[j][:, idx].T, 1e-300))
                continue
            mu, sig = self.mus[:, j][None, :], self.sigmas[:, j][None, :]
            if dm.edges is not None:
                cell = np.clip(
                    np.searchsorted(dm.edges, x[:, j], side="right") - 1, 0, len(dm.edges) - 2
                )
                lo, hi = dm.edges[cell][:, None], dm.edges[cell + 1][:, None]
                out[:, :, j] = _log_interval((lo - mu) / sig, (hi - mu) / sig)
            else:
                z = (x[:, j][:, None] - mu) / sig
                out[:, :, j] = -0.5 * z**2 - 0.5 * math.log(2 * math.pi) - np.log(sig)
            out[:, :, j] -= self._log_norm[:, j][None, :]
        return out

    def log_pdf(self, x: np.ndarray) -> np.ndarray:
        """Log density at each row of ``x``: ``(m,)`` (multivariate) or ``(m, d)`` per dim."""
        lk = self._log_kernels(x)
        if self.cfg.multivariate:
            return np.asarray(logsumexp(self.log_w[None, :] + lk.sum(axis=2), axis=1))
        return np.asarray(logsumexp(self.log_w[None, :, None] + lk, axis=1))

    # -- sampling ----------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, m: int) -> np.ndarray:
        """``m`` draws; with the univariate form each dimension picks its own components."""
        d = len(self.dims)
        k = len(self.w)
        if self.cfg.multivariate:
            comp = np.repeat(rng.choice(k, size=m, p=self.w)[:, None], d, axis=1)
        else:
            comp = rng.choice(k, size=(m, d), p=self.w)
        x = np.empty((m, d))
        for j, dm in enumerate(self.dims):
            c = comp[:, j]
            u = rng.random(m)
            if dm.n_choices:
                cum = np.cumsum(self.cat_probs[j][c], axis=1)
                x[:, j] = np.minimum((cum < u[:, None] * cum[:, -1:]).sum(axis=1), dm.n_choices - 1)
                continue
            mu, sig = self.mus[c, j], self.sigmas[c, j]
            p_lo, p_hi = ndtr(self._z_lo[c, j]), ndtr(self._z_hi[c, j])
            p = np.clip(p_lo + u * (p_hi - p_lo), 1e-300, 1 - 1e-16)
            x[:, j] = np.clip(mu + sig * ndtri(p), 0.0, 1.0)
        return x
