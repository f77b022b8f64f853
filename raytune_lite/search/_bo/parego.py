"""ParEGO (Knowles 2006): :class:`~raytune_lite.search.bayes.BayesOpt` with several objectives.

Each suggestion draws a weight vector uniformly from the simplex, scalarises every finished
trial's objectives with the *augmented Chebyshev* function of those weights, and lets the one
GP and its acquisition work on that single number as usual:

``s(f) = max_j w_j f'_j + rho * sum_j w_j f'_j``

where ``f'_j`` is objective ``j`` rescaled to ``[0, 1]`` over the trials that count, and
``rho`` (0.05) keeps weakly dominated points from tying with the points that dominate them.
Every point of the Pareto front (convex or not) minimises ``s`` for some weights, so the
random weights spread the suggestions along the front.

Why ParEGO rather than expected hypervolume improvement: it needs one GP fit per suggestion
whatever the number of objectives (EHVI needs a GP per objective and a hypervolume integral
per candidate, costly in 3 or more objectives), and every part of the single-objective
searcher keeps working unchanged: its log-EI, its optimiser, its strategies for trials still
running.

Constraints: an infeasible trial (and a failed one) is given no value here, so the searcher
*penalises* it as it does a failure, with the worst scalarised value seen
(``impute_failures=True``): the model learns that its region is bad.

Example:
    >>> import numpy as np
    >>> losses = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0]])
    >>> ok = np.array([True, True, True, False])
    >>> scalarize(losses, ok, np.array([0.5, 0.5])).round(3).tolist()  # the middle wins
    [0.525, 0.525, 0.275, nan]
"""

from __future__ import annotations

import math

import numpy as np

from raytune_lite.search._mo_losses import MultiLosses
from raytune_lite.search._observations import Observations

__all__ = ["PAREGO_RHO", "random_weights", "scalarize", "scalarize_table"]

#: the augmentation term's weight
PAREGO_RHO = 0.05


def random_weights(rng: np.random.Generator, k: int) -> np.ndarray:
    """A weight vector drawn uniformly from the ``k``-simplex."""
    return np.asarray(rng.dirichlet(np.ones(k)))


def scalarize(
    losses: np.ndarray, ok: np.ndarray, weights: np.ndarray, rho: float = PAREGO_RHO
) -> np.ndarray:
    """The augmented Chebyshev value of each row (lower is better); NaN where not ``ok``.

    Args:
        losses: ``(n, k)`` objectives as losses.
        ok: which rows count (finished, finite, feasible); the rescaling uses only those.
        weights: ``(k,)`` non-negative weights.
        rho: the augmentation's weight.
    """
    out = np.full(len(losses), np.nan)
    if not ok.any():
        return out
    v = losses[ok]
    lo, hi = v.min(axis=0), v.max(axis=0)
    scaled = (v - lo) / np.where(hi - lo > 0, hi - lo, 1.0)
    weighted = scaled * weights[None, :]
    out[ok] = weighted.max(axis=1) + rho * weighted.sum(axis=1)
    return out


def scalarize_table(obs: Observations, table: MultiLosses, rng: np.random.Generator) -> int:
    """Sets every finished trial's loss in ``obs`` to its value under new random weights
    (None, so penalised as a failure, for failed and infeasible trials and for prior results,
    whose objectives are not known); returns how many have a value."""
    ids = [t for t, o in obs.items() if o.done]
    losses, ok = table.matrix(ids)
    if losses.shape[1] == 0:
        return 0
    values = scalarize(losses, ok, random_weights(rng, losses.shape[1]))
    for t, v in zip(ids, values, strict=True):
        obs[t].loss = None if math.isnan(v) else float(v)
    return int(ok.sum())
