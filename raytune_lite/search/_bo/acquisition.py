"""Acquisition functions (log expected improvement, UCB) and their optimiser.

Everything is written for *minimisation* of standardised outputs. ``log_ei`` uses the
``log h`` formulation of Ament et al. (2023, "Unexpected improvements to expected
improvement"): ``EI = sigma * h(z)`` with ``h(z) = phi(z) + z Phi(z)``; for ``z <= -1``,
``log h`` is computed from ``erfcx`` and ``log1mexp`` so that very negative ``z`` give a
finite, accurate value instead of ``log(0)``.

The optimiser works on a :class:`Layout` (which columns are continuous, discrete or one-hot
groups): many candidates (random and near the best points) are scored at once, the best few
are refined together by one L-BFGS-B over their continuous columns (discrete and one-hot
columns held), then discrete neighbours of the winner are tried.

Example:
    >>> import numpy as np
    >>> from raytune_lite.search._bo.acquisition import log_h
    >>> bool(np.isfinite(log_h(np.array([-1e3, -40.0, 0.0, 5.0]))).all())
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import scipy.optimize
import scipy.special

__all__ = ["Acquisition", "Layout", "acquisition_value", "log_ei", "log_h", "optimize"]

_C1 = 0.5 * math.log(2 * math.pi)
_C2 = 0.5 * math.log(math.pi / 2)
_INV_SQRT_EPS = 1.0 / math.sqrt(np.finfo(float).eps)


class Acquisition(str, Enum):
    """Which acquisition function the GP searcher maximises."""

    EI = "ei"  #: log expected improvement
    UCB = "ucb"  #: upper confidence bound (lower, for minimisation): mean - kappa * std

    @classmethod
    def parse(cls, value: str | Acquisition) -> Acquisition:
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"acquisition must be 'ei' or 'ucb'; got {value!r}") from None


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """``log(1 - exp(x))`` for ``x < 0``, accurate on both sides of ``-log 2``."""
    x = np.minimum(x, -1e-300)
    return np.where(x > -math.log(2.0), np.log(-np.expm1(x)), np.log1p(-np.exp(x)))


def log_h(z: np.ndarray) -> np.ndarray:
    """``log(phi(z) + z Phi(z))``, finite for every finite ``z``."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    hi = z > -1.0
    zh = z[hi]
    out[hi] = np.log(np.exp(-0.5 * zh * zh) / math.sqrt(2 * math.pi) + zh * scipy.special.ndtr(zh))
    mid = ~hi & (z > -_INV_SQRT_EPS)
    zm = z[mid]
    out[mid] = (
        -0.5 * zm * zm
        - _C1
        + _log1mexp(np.log(scipy.special.erfcx(-zm / math.sqrt(2.0)) * np.abs(zm)) + _C2)
    )
    lo = ~hi & ~mid
    zl = z[lo]
    out[lo] = -0.5 * zl * zl - _C1 - 2.0 * np.log(np.abs(zl))
    return out


def log_ei(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    """``log E[max(best - f, 0)]`` for ``f ~ N(mean, std^2)`` (minimisation)."""
    z = (best - mean) / std
    return np.log(std) + log_h(z)


def acquisition_value(
    kind: Acquisition,
    mean: np.ndarray,
    var: np.ndarray,
    best: float,
    kappa: float,
    dmean: np.ndarray | None = None,
    dvar: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The acquisition to maximise, and its gradient when ``dmean``/``dvar`` are given."""
    std = np.sqrt(var)
    if kind is Acquisition.UCB:
        val = -(mean - kappa * std)
        if dmean is None or dvar is None:
            return val, None
        return val, -dmean + kappa * (dvar / (2 * std)[:, None])
    z = (best - mean) / std
    lh = log_h(z)
    val = np.log(std) + lh
    if dmean is None or dvar is None:
        return val, None
    dstd = dvar / (2 * std)[:, None]
    ratio = np.exp(scipy.special.log_ndtr(z) - lh)  # h'(z) / h(z) = Phi(z) / h(z)
    dz = (-dmean - z[:, None] * dstd) / std[:, None]
    return val, dstd / std[:, None] + ratio[:, None] * dz


@dataclass
class Layout:
    """The structure of the model's input vectors.

    Args:
        dim: number of columns.
        continuous: indices of the continuous columns (optimised by L-BFGS-B).
        discrete: ``(column, levels, edges)`` for integer/quantized columns: the allowed
            unit values (sorted) and the ``len(levels) - 1`` unit thresholds between them.
        onehot: for each categorical parameter, the indices of its one-hot columns.
    """

    dim: int
    continuous: list[int] = field(default_factory=list)
    discrete: list[tuple[int, np.ndarray, np.ndarray]] = field(default_factory=list)
    onehot: list[list[int]] = field(default_factory=list)

    @property
    def numeric(self) -> list[int]:
        """The continuous and discrete (ordered) columns."""
        return self.continuous + [c for c, _, _ in self.discrete]

    def snap(self, x: np.ndarray) -> np.ndarray:
        """Moves discrete columns to their levels and one-hot groups to their argmax."""
        x = np.array(x, dtype=float)
        for col, levels, edges in self.discrete:
            x[:, col] = levels[np.searchsorted(edges, x[:, col])]
        for cols in self.onehot:
            pick = np.argmax(x[:, cols], axis=1)
            x[:, cols] = 0.0
            x[np.arange(len(x)), np.asarray(cols)[pick]] = 1.0
        return x

    def random(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` uniform random points (snapped)."""
        return self.snap(rng.random((n, self.dim)))

    def perturb(
        self, rng: np.random.Generator, centres: np.ndarray, n: int, scale: float
    ) -> np.ndarray:
        """``n`` points near ``centres``: Gaussian steps in numeric columns, and each
        categorical resampled with probability ``1 / (number of parameters)``."""
        x = centres[rng.integers(len(centres), size=n)].copy()
        numeric = self.continuous + [c for c, _, _ in self.discrete]
        if numeric:
            x[:, numeric] = np.clip(
                x[:, numeric] + rng.normal(0.0, scale, (n, len(numeric))), 0.0, 1.0
            )
        n_params = len(numeric) + len(self.onehot)
        for cols in self.onehot:
            flip = rng.random(n) < 1.0 / max(n_params, 1)
            noise = rng.random((int(flip.sum()), len(cols)))
            x[np.ix_(np.flatnonzero(flip), np.asarray(cols, dtype=int))] = noise
        return self.snap(x)

    def neighbours(self, x: np.ndarray) -> np.ndarray:
        """Points one discrete step or one category away from ``x`` (shape ``(D,)``)."""
        out = []
        for col, levels, _ in self.discrete:
            i = int(np.argmin(np.abs(levels - x[col])))
            for j in (i - 1, i + 1):
                if 0 <= j < len(levels):
                    y = x.copy()
                    y[col] = levels[j]
                    out.append(y)
        for cols in self.onehot:
            for c in cols:
                if x[c] < 0.5:
                    y = x.copy()
                    y[cols] = 0.0
                    y[c] = 1.0
                    out.append(y)
        return np.array(out).reshape(len(out), self.dim)


#: ``score(x, with_grad)`` -> (values to maximise, gradients or None)
Score = Callable[[np.ndarray, bool], tuple[np.ndarray, np.ndarray | None]]


def _refine(score: Score, layout: Layout, starts: np.ndarray, maxiter: int) -> np.ndarray:
    """One L-BFGS-B over the continuous columns of all ``starts`` at once (a separable sum)."""
    cont = layout.continuous
    if not cont:
        return starts
    k, c = len(starts), len(cont)
    base = starts.copy()

    def fun(flat: np.ndarray) -> tuple[float, np.ndarray]:
        x = base.copy()
        x[:, cont] = flat.reshape(k, c)
        val, grad = score(x, True)
        assert grad is not None
        return -float(val.sum()), -grad[:, cont].ravel()

    res = scipy.optimize.minimize(
        fun,
        base[:, cont].ravel(),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, 1.0)] * (k * c),
        options={"maxiter": maxiter},
    )
    out = base.copy()
    out[:, cont] = np.clip(res.x.reshape(k, c), 0.0, 1.0)
    return out


def optimize(
    score: Score,
    layout: Layout,
    rng: np.random.Generator,
    anchors: np.ndarray,
    n_random: int = 512,
    n_local: int = 256,
    n_refine: int = 5,
    maxiter: int = 60,
) -> tuple[np.ndarray, np.ndarray]:
    """Maximises ``score`` over the layout's domain.

    Args:
        anchors: good points seen so far (model vectors); local candidates are drawn near them.

    Returns:
        The candidates, best first (shape ``(m, D)``), and their scores.
    """
    parts = [layout.random(rng, n_random)]
    if len(anchors) and n_local:
        half = n_local // 2
        parts.append(layout.perturb(rng, anchors, half, 0.02))
        parts.append(layout.perturb(rng, anchors, n_local - half, 0.1))
    cand = np.vstack(parts)
    val, _ = score(cand, False)
    top = np.argsort(-val, kind="stable")[:n_refine]
    refined = _refine(score, layout, cand[top], maxiter)
    rval, _ = score(refined, False)
    keep = rval >= val[top]  # L-BFGS-B never makes a start worse, but be safe
    refined[~keep], rval[~keep] = cand[top][~keep], val[top][~keep]
    # discrete coordinate moves from the best refined point
    best_i = int(np.argmax(rval))
    x, fx = refined[best_i], float(rval[best_i])
    for _ in range(3):
        nb = layout.neighbours(x)
        if not len(nb):
            break
        nval, _ = score(nb, False)
        j = int(np.argmax(nval))
        if nval[j] <= fx:
            break
        x, fx = nb[j], float(nval[j])
        if layout.continuous:
            y = _refine(score, layout, x[None, :], maxiter)
            yv = float(score(y, False)[0][0])
            if yv > fx:
                x, fx = y[0], yv
    allx = np.vstack([x[None, :], refined, cand])
    allv = np.concatenate([[fx], rval, val])
    order = np.argsort(-allv, kind="stable")
    return allx[order], allv[order]
