"""A small Gaussian process for Bayesian optimization (numpy/scipy only).

Matérn 5/2 kernel with one length scale per input dimension (ARD), a signal variance and a
Gaussian noise variance. Inputs live in the unit cube (the searcher's encoding); outputs are
standardised by the caller. Hyperparameters are fitted by maximising the log marginal
likelihood plus weak log-normal / gamma priors (a MAP estimate), with analytic gradients and
L-BFGS-B from a warm start and a few random restarts drawn from the prior.

Hyperparameters travel as one vector ``theta = [log l_1 .. log l_D, log s2, log noise]``.

Example:
    >>> import numpy as np
    >>> from raytune_lite.search._bo.gp import GaussianProcess, fit_theta
    >>> rng = np.random.default_rng(0)
    >>> x = rng.random((12, 2)); y = np.sin(6 * x[:, 0]) + x[:, 1]
    >>> y = (y - y.mean()) / y.std()
    >>> gp = GaussianProcess(x, y, fit_theta(x, y, rng))
    >>> bool(np.allclose(gp.predict(x)[0], y, atol=0.1))
    True
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

import numpy as np
import scipy.linalg
import scipy.optimize

__all__ = [
    "GaussianProcess",
    "default_theta",
    "fit_theta",
    "neg_log_posterior",
    "one_blas_thread",
    "standardize",
    "theta_bounds",
]

SQRT5 = math.sqrt(5.0)
JITTER = 1e-8
#: bounds of the log hyperparameters
LOG_LS_BOUNDS = (math.log(1e-2), math.log(50.0))
LOG_SIGNAL_BOUNDS = (math.log(1e-2), math.log(1e2))
LOG_NOISE_BOUNDS = (math.log(1e-6), math.log(2.0))
#: log-normal prior on the signal variance of the standardised outputs
SIGNAL_PRIOR = (0.0, 1.0)
#: gamma(concentration, rate) prior on the noise variance: small noise unless the data insist
NOISE_PRIOR = (1.1, 30.0)
LS_PRIOR_SCALE = 1.0


def _ls_prior_loc(dim: int) -> float:
    """Prior median of the length scales grows like sqrt(dim) (longer in more dimensions)."""
    return math.log(0.35) + 0.5 * math.log(max(dim, 1))


def default_theta(dim: int) -> np.ndarray:
    """The prior's centre: the starting point of a first fit."""
    return np.concatenate([np.full(dim, _ls_prior_loc(dim)), [0.0, math.log(1e-3)]])


def theta_bounds(dim: int) -> list[tuple[float, float]]:
    """L-BFGS-B bounds of ``theta``."""
    return [LOG_LS_BOUNDS] * dim + [LOG_SIGNAL_BOUNDS, LOG_NOISE_BOUNDS]


def _sq_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    return np.maximum(d2, 0.0)


def matern52(a: np.ndarray, b: np.ndarray, lengthscales: np.ndarray, signal: float) -> np.ndarray:
    """The kernel matrix ``k(a_i, b_j)``."""
    r = np.sqrt(_sq_dist(a / lengthscales, b / lengthscales))
    return signal * (1.0 + SQRT5 * r + (5.0 / 3.0) * r * r) * np.exp(-SQRT5 * r)


def _log_prior(theta: np.ndarray) -> tuple[float, np.ndarray]:
    """Log prior density of ``theta`` (up to a constant) and its gradient."""
    dim = len(theta) - 2
    grad = np.zeros_like(theta)
    loc = _ls_prior_loc(dim)
    z = (theta[:dim] - loc) / LS_PRIOR_SCALE
    lp = -0.5 * float(z @ z)
    grad[:dim] = -z / LS_PRIOR_SCALE
    zs = (theta[dim] - SIGNAL_PRIOR[0]) / SIGNAL_PRIOR[1]
    lp += -0.5 * zs * zs
    grad[dim] = -zs / SIGNAL_PRIOR[1]
    a, b = NOISE_PRIOR  # gamma on v = exp(eta), with the Jacobian: a * eta - b * exp(eta)
    lp += a * theta[dim + 1] - b * math.exp(theta[dim + 1])
    grad[dim + 1] = a - b * math.exp(theta[dim + 1])
    return lp, grad


def neg_log_posterior(theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Negative (log marginal likelihood + log prior) and its gradient in ``theta``."""
    n, dim = x.shape
    ls = np.exp(theta[:dim])
    signal, noise = math.exp(theta[dim]), math.exp(theta[dim + 1])
    r = np.sqrt(_sq_dist(x / ls, x / ls))
    e = np.exp(-SQRT5 * r)
    kf = signal * (1.0 + SQRT5 * r + (5.0 / 3.0) * r * r) * e
    k = kf + (noise + JITTER) * np.eye(n)
    try:
        chol = scipy.linalg.cholesky(k, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        return 1e25, np.zeros_like(theta)
    alpha = scipy.linalg.cho_solve((chol, True), y, check_finite=False)
    nll = (
        0.5 * float(y @ alpha)
        + float(np.log(np.diag(chol)).sum())
        + 0.5 * n * math.log(2 * math.pi)
    )
    k_inv = scipy.linalg.cho_solve((chol, True), np.eye(n), check_finite=False)
    w = np.outer(alpha, alpha) - k_inv  # d(ll)/d(theta_j) = 0.5 tr(W dK/d(theta_j))
    grad = np.empty_like(theta)
    # dK/d(log l_d) = signal * 5/3 (1 + sqrt5 r) exp(-sqrt5 r) * (x_id - x_jd)^2 / l_d^2
    m = w * (signal * (5.0 / 3.0) * (1.0 + SQRT5 * r) * e)
    rows = m.sum(1)
    s = 2.0 * ((x * x).T @ rows) - 2.0 * ((m @ x) * x).sum(0)
    grad[:dim] = -0.5 * s / (ls * ls)
    grad[dim] = -0.5 * float((w * kf).sum())
    grad[dim + 1] = -0.5 * noise * float(np.trace(w))
    lp, lp_grad = _log_prior(theta)
    return nll - lp, grad - lp_grad


def _sample_prior(rng: np.random.Generator, dim: int) -> np.ndarray:
    theta = np.concatenate(
        [
            rng.normal(_ls_prior_loc(dim), LS_PRIOR_SCALE, dim),
            [rng.normal(*SIGNAL_PRIOR), math.log(10 ** rng.uniform(-5, -1))],
        ]
    )
    lo, hi = np.array(theta_bounds(dim)).T
    return np.clip(theta, lo, hi)


def fit_theta(
    x: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
    theta0: np.ndarray | None = None,
    restarts: int = 2,
    maxiter: int = 200,
) -> np.ndarray:
    """MAP hyperparameters: L-BFGS-B from ``theta0`` (or the prior's centre) and from
    ``restarts`` draws of the prior; the best end point wins."""
    dim = x.shape[1]
    bounds = theta_bounds(dim)
    lo, hi = np.array(bounds).T
    starts = [np.clip(theta0 if theta0 is not None else default_theta(dim), lo, hi)]
    starts += [_sample_prior(rng, dim) for _ in range(restarts)]
    best, best_val = starts[0], math.inf
    for s in starts:
        try:
            res = scipy.optimize.minimize(
                neg_log_posterior,
                s,
                args=(x, y),
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": maxiter},
            )
        except (ValueError, np.linalg.LinAlgError):  # pragma: no cover - defensive
            continue
        if np.isfinite(res.fun) and res.fun < best_val:
            best, best_val = np.asarray(res.x, dtype=float), float(res.fun)
    return best


class GaussianProcess:
    """A GP posterior with fixed hyperparameters (zero prior mean; standardised ``y``).

    Args:
        x: training inputs, shape ``(n, D)``.
        y: training outputs, shape ``(n,)``.
        theta: ``[log l_1 .. log l_D, log s2, log noise]``.
        extra_noise: per-point noise variance added to the fitted one (shape ``(n,)``):
            fantasised observations that should not be believed exactly.

    Example:
        >>> import numpy as np
        >>> gp = GaussianProcess(np.array([[0.2], [0.8]]), np.array([-1.0, 1.0]),
        ...                      np.array([np.log(0.3), 0.0, np.log(1e-6)]))
        >>> mean, var = gp.predict(np.array([[0.2]]))
        >>> round(float(mean[0]), 3), bool(var[0] < 1e-4)
        (-1.0, True)
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        theta: np.ndarray,
        extra_noise: np.ndarray | None = None,
    ):
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        self.theta = np.asarray(theta, dtype=float)
        dim = self.x.shape[1]
        self.lengthscales = np.exp(self.theta[:dim])
        self.signal = math.exp(self.theta[dim])
        self.noise = math.exp(self.theta[dim + 1])
        k = matern52(self.x, self.x, self.lengthscales, self.signal)
        k[np.diag_indices_from(k)] += self.noise + JITTER
        self.extra_noise = np.zeros(len(self.x)) if extra_noise is None else extra_noise
        k[np.diag_indices_from(k)] += self.extra_noise
        jitter = JITTER
        while True:
            try:
                self.chol = scipy.linalg.cholesky(k, lower=True, check_finite=False)
                break
            except np.linalg.LinAlgError:
                k[np.diag_indices_from(k)] += jitter * 10
                jitter *= 10
                if jitter > 1.0:  # pragma: no cover - defensive
                    raise
        self.alpha = scipy.linalg.cho_solve((self.chol, True), self.y, check_finite=False)

    def condition(
        self, x_new: np.ndarray, y_new: np.ndarray, noise: np.ndarray | None = None
    ) -> GaussianProcess:
        """The posterior with extra (e.g. fantasised) observations, same hyperparameters;
        ``noise``: their extra noise variances (default none)."""
        extra = np.concatenate([self.extra_noise, np.zeros(len(x_new)) if noise is None else noise])
        return GaussianProcess(
            np.vstack([self.x, x_new]), np.concatenate([self.y, y_new]), self.theta, extra
        )

    def predict(self, xq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and variance of the latent function at ``xq`` (shape ``(m, D)``)."""
        ks = matern52(xq, self.x, self.lengthscales, self.signal)
        mean = ks @ self.alpha
        v = scipy.linalg.solve_triangular(self.chol, ks.T, lower=True, check_finite=False)
        var = self.signal - (v * v).sum(0)
        return mean, np.maximum(var, 1e-12)

    def predict_grad(self, xq: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Mean, variance and their gradients in ``xq`` (shapes ``(m,)``, ``(m,)``,
        ``(m, D)``, ``(m, D)``)."""
        ls2 = self.lengthscales**2
        r = np.sqrt(_sq_dist(xq / self.lengthscales, self.x / self.lengthscales))
        e = np.exp(-SQRT5 * r)
        ks = self.signal * (1.0 + SQRT5 * r + (5.0 / 3.0) * r * r) * e
        # dk(x, x_j)/dx_d = -signal * 5/3 (1 + sqrt5 r) exp(-sqrt5 r) (x_d - x_jd) / l_d^2
        g = -self.signal * (5.0 / 3.0) * (1.0 + SQRT5 * r) * e  # (m, n)
        beta = scipy.linalg.cho_solve((self.chol, True), ks.T, check_finite=False)  # (n, m)
        mean = ks @ self.alpha
        var = self.signal - (ks * beta.T).sum(1)
        ga = g * self.alpha[None, :]
        dmean = (ga.sum(1)[:, None] * xq - ga @ self.x) / ls2
        gb = g * beta.T
        dvar = -2.0 * (gb.sum(1)[:, None] * xq - gb @ self.x) / ls2
        small = var < 1e-12
        dvar[small] = 0.0
        return mean, np.maximum(var, 1e-12), dmean, dvar


_BLAS: Any = None


def one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """Limits BLAS to one thread while the GP works, when ``threadpoolctl`` is installed:
    its matrices are small, and threads fighting over busy cores made suggestions ~20x
    slower on a loaded 2-core machine."""
    global _BLAS
    if _BLAS is None:
        try:
            from threadpoolctl import ThreadpoolController

            _BLAS = ThreadpoolController()
        except Exception:  # optional speed-up only
            _BLAS = False
    if _BLAS is False:
        return contextlib.nullcontext()
    return _BLAS.limit(limits=1, user_api="blas")


def standardize(y: np.ndarray) -> np.ndarray:
    """``y`` shifted to mean 0 and scaled to standard deviation 1 (a constant stays 0)."""
    sd = float(y.std())
    return (y - float(y.mean())) / (sd if sd > 1e-12 else 1.0)
