"""MOTPE: how :class:`~raytune_lite.search.tpe.TPE` splits trials into a good and a bad group
when there are several objectives (Ozaki et al. 2020; the rule of Optuna's multi-objective
``TPESampler``).

The trials that count (finished, finite objectives, constraints met) are sorted into
non-dominated fronts. Whole fronts join the good group while they fit in its size
(:func:`mo_gamma`, 10 % of the finished trials, rounded up); the front that does not fit
whole is cut by *greedy hypervolume subset selection*: one at a time, the member that adds
the most hypervolume to those already picked (the front's worst point pushed out by 10 % of
its spread is the reference). The hypervolume gains are estimated on a fixed quasi-random
(Halton) sample of the box between the front's best point and the reference, so the cost
stays at milliseconds in any number of objectives, and the choice is deterministic.

Everything else is in the bad group: the rest of the trials that count, the failed and the
*infeasible* ones (never good, however good their objectives look, so the searcher prefers
feasible regions), and, with ``constant_liar``, the trials still running.

Example:
    >>> import numpy as np
    >>> losses = np.array([[1.0, 4.0], [1.2, 3.8], [4.0, 1.0], [3.0, 3.0], [0.5, 0.5]])
    >>> ok = np.array([True, True, True, True, False])  # the last one is infeasible
    >>> mo_split(losses, ok, n_below=2).tolist()  # the two of the front that add the most
    [1, 3]
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.stats import qmc

from raytune_lite.multiobjective import non_dominated_ranks

__all__ = ["greedy_hypervolume_subset", "mo_gamma", "mo_split"]

#: points of the quasi-random sample that estimates hypervolume gains
HV_SAMPLES = 4096


def mo_gamma(n: int) -> int:
    """The good group's size with several objectives: 10 % of ``n`` rounded up (no cap, as in
    Optuna: a front needs room)."""
    return math.ceil(0.1 * n)


@lru_cache(maxsize=8)
def _halton(k: int) -> np.ndarray:
    return np.asarray(qmc.Halton(k, scramble=False).random(HV_SAMPLES + 1)[1:])


def greedy_hypervolume_subset(points: np.ndarray, size: int) -> np.ndarray:
    """Indices of ``size`` rows of ``points`` (a front, lower is better) picked one at a time
    by the largest estimated hypervolume gain; the first one is the row with the largest box
    to the reference."""
    n, k = points.shape
    if size >= n:
        return np.arange(n)
    lo, hi = points.min(axis=0), points.max(axis=0)
    spread = np.where(hi - lo > 0, hi - lo, np.maximum(np.abs(hi), 1.0))
    ref = hi + 0.1 * spread
    sample = lo + _halton(k) * (ref - lo)
    covers = (points[None, :, :] <= sample[:, None, :]).all(axis=2)  # sample x point
    box = np.prod(ref - points, axis=1)  # tie-break: the larger box
    box = box / max(float(box.max()), 1e-300)
    covered = np.zeros(len(sample), dtype=bool)
    left = np.ones(n, dtype=bool)
    picked: list[int] = []
    for _ in range(size):
        gain = (covers & ~covered[:, None]).sum(axis=0) + 0.5 * box
        gain[~left] = -1.0
        i = int(np.argmax(gain))
        picked.append(i)
        left[i] = False
        covered |= covers[:, i]
    return np.array(sorted(picked), dtype=int)


def mo_split(losses: np.ndarray, ok: np.ndarray, n_below: int) -> np.ndarray:
    """Indices of the good group among rows of ``losses`` (trials x objectives, lower is
    better) whose ``ok`` is True: whole non-dominated fronts, the last one cut by
    :func:`greedy_hypervolume_subset`. At most ``n_below``; rows not ok are never in it."""
    idx = np.flatnonzero(ok)
    n_below = min(n_below, len(idx))
    if n_below <= 0:
        return np.zeros(0, dtype=int)
    ranks = non_dominated_ranks(losses[idx])
    below: list[int] = []
    for r in range(int(ranks.max()) + 1):
        front = idx[ranks == r]
        room = n_below - len(below)
        if len(front) <= room:
            below.extend(front.tolist())
        else:
            below.extend(front[greedy_hypervolume_subset(losses[front], room)].tolist())
        if len(below) >= n_below:
            break
    return np.array(sorted(below), dtype=int)
