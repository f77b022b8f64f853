"""TPE over a space known only as trials run: a define-by-run objective's parameters.

Each value is asked for on its own (``trial.suggest_*`` inside the trial), so each parameter
is modelled on its own, as Optuna's default (independent) TPE does with a dynamic space:

* the finished trials are split once, by their loss, into the good ``gamma(n)`` and the rest
  (failed trials, and running ones with ``constant_liar``, join the rest);
* for the parameter asked, only the trials that have a value for it *inside the asked
  distribution* count (a conditional parameter is learnt from the trials that took its
  branch; a range that changed keeps the old values that still fit it);
* a one-dimensional Parzen estimator per group scores ``n_ei_candidates`` draws from the good
  one by ``log l(x) - log g(x)``; before ``n_startup_trials`` trials have finished, and for a
  parameter no finished trial has yet, the value is drawn at random.

Plain numpy over the searcher's observations, no Ray.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np

from raytune_lite.define_by_run.distributions import (
    CategoricalDistribution,
    Distribution,
    sample,
)
from raytune_lite.search._observations import Observation
from raytune_lite.search._tpe.parzen import Dim, ParzenEstimator

if TYPE_CHECKING:
    from raytune_lite.search.tpe import TPE

__all__ = ["suggest_value"]


def _split(obs: list[Observation], gamma: int) -> tuple[set[int], set[int]]:
    """Indices of the good and the bad observations (oldest first in ``obs``)."""
    finite = sorted(
        (i for i, o in enumerate(obs) if o.done and o.loss is not None),
        key=lambda i: (obs[i].loss, i),
    )
    good = set(finite[:gamma])
    bad = {i for i in finite[gamma:]}
    bad |= {i for i, o in enumerate(obs) if o.done and o.loss is None}
    return good, bad


def suggest_value(tpe: TPE, obs: list[Observation], name: str, dist: Distribution) -> Any:
    """A value of parameter ``name`` from ``dist`` for a new trial, given ``tpe``'s
    observations (its settings, rng, ``gamma`` and ``weights``)."""
    n_done = sum(o.done for o in obs)
    if n_done < tpe.n_startup_trials:
        return sample(dist, tpe.rng)
    n_finite = sum(o.done and o.loss is not None for o in obs)
    good, bad = _split(obs, tpe._gamma(n_finite))
    if tpe.constant_liar:
        bad |= {i for i, o in enumerate(obs) if not o.done}
    below: list[float] = []
    above: list[float] = []
    for i, o in enumerate(obs):
        if name not in o.config or not dist.contains(o.config[name]):
            continue
        if i in good:
            below.append(dist.to_unit(o.config[name]))
        elif i in bad:
            above.append(dist.to_unit(o.config[name]))
    if not below and not above:  # nothing known of this parameter yet
        return sample(dist, tpe.rng)
    if isinstance(dist, CategoricalDistribution):
        dims = [Dim(n_choices=len(dist.choices))]
    else:
        dims = [Dim(edges=dist.edges())]
    cfg = dataclasses.replace(tpe.parzen, multivariate=True)  # one dimension: one mixture
    lx = ParzenEstimator(_column(below), tpe._weights(len(below)), dims, cfg)
    gx = ParzenEstimator(_column(above), tpe._weights(len(above)), dims, cfg)
    cand = lx.sample(tpe.rng, tpe.n_ei_candidates)
    score = lx.log_pdf(cand) - gx.log_pdf(cand)
    return dist.from_unit(float(cand[int(np.argmax(score)), 0]))


def _column(values: list[float]) -> np.ndarray:
    return np.array(values, dtype=float).reshape(len(values), 1)
