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

With ``multivariate=True`` (TPE's default; Optuna's ``multivariate=True``) the parameters
that every finished trial has, with a value inside the distribution they were last asked
with (the *intersection* space: the unconditional ones, typically), are drawn jointly, once
per trial, at its first ask (:class:`DynamicSpace` keeps that plan until the trial ends);
the others are drawn one by one as above.

Plain numpy over the searcher's observations, no Ray.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np

from raytune_lite.define_by_run.distributions import (
    CategoricalDistribution,
    Distribution,
    distribution_from_json,
    sample,
)
from raytune_lite.search._observations import Observation
from raytune_lite.search._tpe.parzen import Dim, ParzenEstimator

if TYPE_CHECKING:
    from raytune_lite.search.tpe import TPE

__all__ = ["DynamicSpace", "suggest_value"]


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
    best = _best(tpe, _column(below), _column(above), [dist])
    return dist.from_unit(float(best[0]))


def _dim(dist: Distribution) -> Dim:
    if isinstance(dist, CategoricalDistribution):
        return Dim(n_choices=len(dist.choices))
    return Dim(edges=dist.edges())


def _best(tpe: TPE, below: np.ndarray, above: np.ndarray, dists: list[Distribution]) -> np.ndarray:
    """The candidate (unit values, one per distribution) with the best ``l / g``."""
    dims = [_dim(d) for d in dists]
    cfg = dataclasses.replace(tpe.parzen, multivariate=True)  # a joint mixture
    lx = ParzenEstimator(below, tpe._weights(len(below)), dims, cfg)
    gx = ParzenEstimator(above, tpe._weights(len(above)), dims, cfg)
    cand = lx.sample(tpe.rng, tpe.n_ei_candidates)
    score = lx.log_pdf(cand) - gx.log_pdf(cand)
    return np.asarray(cand[int(np.argmax(score))])


def _column(values: list[float]) -> np.ndarray:
    return np.array(values, dtype=float).reshape(len(values), 1)


def joint_plan(tpe: TPE, obs: list[Observation], dists: dict[str, Distribution]) -> dict[str, Any]:
    """Values drawn jointly for the intersection space (see the module), or ``{}`` when it
    has fewer than two parameters or the startup trials are not done."""
    finished = [o for o in obs if o.done]
    if len(finished) < max(tpe.n_startup_trials, 1):
        return {}
    names = [
        k
        for k, d in dists.items()
        if all(k in o.config and d.contains(o.config[k]) for o in finished)
    ]
    if len(names) < 2:
        return {}
    n_finite = sum(o.done and o.loss is not None for o in obs)
    good, bad = _split(obs, tpe._gamma(n_finite))
    if tpe.constant_liar:
        bad |= {i for i, o in enumerate(obs) if not o.done}
    below, above = [], []
    for i, o in enumerate(obs):
        if not all(k in o.config and dists[k].contains(o.config[k]) for k in names):
            continue
        x = [dists[k].to_unit(o.config[k]) for k in names]
        if i in good:
            below.append(x)
        elif i in bad:
            above.append(x)
    shape = (-1, len(names))
    best = _best(
        tpe,
        np.array(below, dtype=float).reshape(shape),
        np.array(above, dtype=float).reshape(shape),
        [dists[k] for k in names],
    )
    return {k: dists[k].from_unit(float(u)) for k, u in zip(names, best, strict=True)}


class DynamicSpace:
    """What TPE keeps of a define-by-run space: the distribution each name was last asked
    with, and (multivariate) each running trial's joint plan with the distributions it used.

    Example:
        >>> space = DynamicSpace()
        >>> DynamicSpace.from_state(space.state()).plans
        {}
    """

    def __init__(self) -> None:
        self.dists: dict[str, Distribution] = {}
        self.plans: dict[str, dict[str, tuple[Any, Distribution]]] = {}

    def suggest(
        self, tpe: TPE, obs: list[Observation], trial_id: str, name: str, dist: Distribution
    ) -> Any:
        """The value of ``name`` for ``trial_id``: from its joint plan where the plan has it
        (drawn from the same distribution), else on its own."""
        if tpe.parzen.multivariate:
            plan = self.plans.get(trial_id)
            if plan is None:
                drawn = joint_plan(tpe, obs, {**self.dists, name: dist})
                plan = self.plans[trial_id] = {
                    k: (v, {**self.dists, name: dist}[k]) for k, v in drawn.items()
                }
            if name in plan and plan[name][1] == dist:
                self.dists[name] = dist
                return plan[name][0]
        self.dists[name] = dist
        return suggest_value(tpe, obs, name, dist)

    def ended(self, trial_id: str) -> None:
        self.plans.pop(trial_id, None)

    def state(self) -> dict[str, Any]:
        return {
            "dists": {k: d.to_json() for k, d in self.dists.items()},
            "plans": {
                t: {k: [v, d.to_json()] for k, (v, d) in plan.items()}
                for t, plan in self.plans.items()
            },
        }

    @classmethod
    def from_state(cls, state: Any) -> DynamicSpace:
        out = cls()
        if not isinstance(state, dict):
            return out
        out.dists = {k: distribution_from_json(d) for k, d in state.get("dists", {}).items()}
        out.plans = {
            t: {k: (v, distribution_from_json(d)) for k, (v, d) in plan.items()}
            for t, plan in state.get("plans", {}).items()
        }
        return out
