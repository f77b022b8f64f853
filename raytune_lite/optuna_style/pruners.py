"""Optuna's pruner names over raytune_lite's schedulers, judging by the ``step`` that
``trial.report(value, step)`` gives:

* ``MedianPruner`` -> :class:`~raytune_lite.schedulers.MedianStopping` (``n_warmup_steps``
  as the grace period; a trial is judged once ``max(n_startup_trials, n_min_trials)`` others
  reached its step);
* ``SuccessiveHalvingPruner`` -> :class:`~raytune_lite.schedulers.ASHA` (rungs from
  ``min_resource * reduction_factor ** min_early_stopping_rate``; ``"auto"``: 1);
* ``HyperbandPruner`` -> ASHA with brackets (``max_resource="auto"``: 4 brackets);
* ``NopPruner`` -> FIFO (never prunes).

Neither ASHA here ends a trial at a maximum: a trial that is not pruned runs its loop out.

Example:
    >>> import raytune_lite.optuna_style as optuna
    >>> type(optuna.pruners.MedianPruner(n_warmup_steps=2).scheduler()).__name__
    'MedianStopping'
"""

from __future__ import annotations

import math
from typing import Any

from raytune_lite._checks import check_int
from raytune_lite.define_by_run.trial import STEP_KEY
from raytune_lite.schedulers.base import Scheduler

__all__ = ["BasePruner", "HyperbandPruner", "MedianPruner", "NopPruner", "SuccessiveHalvingPruner"]

#: the step no ASHA rung reaches: trials that are not pruned end by themselves
_NO_MAX = 10**9

_NOT_MIRRORED = {"PercentilePruner", "PatientPruner", "ThresholdPruner", "WilcoxonPruner"}


class BasePruner:
    """A pruner: a factory of the scheduler each ``study.optimize`` runs with."""

    def scheduler(self) -> Scheduler:
        raise NotImplementedError


class NopPruner(BasePruner):
    """Never prunes (FIFO)."""

    def scheduler(self) -> Scheduler:
        from raytune_lite.schedulers.fifo import FIFO

        return FIFO()


class MedianPruner(BasePruner):
    """Prunes a trial whose best value so far is worse than the median of the others at the
    same step (Optuna's arguments; see the module)."""

    def __init__(
        self,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        *,
        n_min_trials: int = 1,
    ) -> None:
        self.n_startup_trials = check_int("n_startup_trials", n_startup_trials, 0)
        self.n_warmup_steps = check_int("n_warmup_steps", n_warmup_steps, 0)
        self.interval_steps = check_int("interval_steps", interval_steps, 1)
        self.n_min_trials = check_int("n_min_trials", n_min_trials, 1)

    def scheduler(self) -> Scheduler:
        from raytune_lite.schedulers.median import MedianStopping

        return MedianStopping(
            time_attr=STEP_KEY,
            grace_period=self.n_warmup_steps,
            min_samples_required=max(self.n_startup_trials, self.n_min_trials),
            interval=None if self.interval_steps == 1 else self.interval_steps,
        )


def _resource(name: str, value: Any) -> int | None:
    if value == "auto":
        return None
    return check_int(name, value, 1, extra=" (or 'auto')")


class SuccessiveHalvingPruner(BasePruner):
    """Asynchronous successive halving (ASHA; Optuna's arguments, see the module)."""

    def __init__(
        self,
        min_resource: str | int = "auto",
        reduction_factor: int = 4,
        min_early_stopping_rate: int = 0,
        bootstrap_count: int = 0,
    ) -> None:
        self.min_resource = _resource("min_resource", min_resource) or 1
        self.reduction_factor = check_int("reduction_factor", reduction_factor, 2)
        self.min_early_stopping_rate = check_int(
            "min_early_stopping_rate", min_early_stopping_rate, 0
        )
        if check_int("bootstrap_count", bootstrap_count, 0):
            raise ValueError(f"bootstrap_count is not mirrored; got {bootstrap_count=}")

    def scheduler(self) -> Scheduler:
        from raytune_lite.schedulers.asha import ASHA

        grace = self.min_resource * self.reduction_factor**self.min_early_stopping_rate
        return ASHA(
            time_attr=STEP_KEY,
            max_t=_NO_MAX,
            grace_period=grace,
            reduction_factor=self.reduction_factor,
        )


class HyperbandPruner(BasePruner):
    """Hyperband as ASHA with several brackets (Optuna's arguments, see the module)."""

    def __init__(
        self,
        min_resource: int = 1,
        max_resource: str | int = "auto",
        reduction_factor: int = 3,
        bootstrap_count: int = 0,
    ) -> None:
        self.min_resource = check_int("min_resource", min_resource, 1)
        self.max_resource = _resource("max_resource", max_resource)
        self.reduction_factor = check_int("reduction_factor", reduction_factor, 2)
        if self.max_resource is not None and self.max_resource <= self.min_resource:
            raise ValueError(
                f"max_resource must be > min_resource; got {max_resource=}, {min_resource=}"
            )
        if check_int("bootstrap_count", bootstrap_count, 0):
            raise ValueError(f"bootstrap_count is not mirrored; got {bootstrap_count=}")

    def scheduler(self) -> Scheduler:
        from raytune_lite.schedulers.asha import ASHA

        if self.max_resource is None:
            brackets = 4
        else:
            ratio = self.max_resource / self.min_resource
            brackets = math.floor(math.log(ratio, self.reduction_factor) + 1e-9) + 1
        return ASHA(
            time_attr=STEP_KEY,
            max_t=_NO_MAX,
            grace_period=self.min_resource,
            reduction_factor=self.reduction_factor,
            brackets=brackets,
        )


def __getattr__(name: str) -> Any:
    if name in _NOT_MIRRORED:
        raise AttributeError(
            f"optuna.pruners.{name} is not mirrored by raytune_lite.optuna_style: use "
            "MedianPruner, SuccessiveHalvingPruner, HyperbandPruner or NopPruner"
        )
    raise AttributeError(f"module 'raytune_lite.optuna_style.pruners' has no attribute {name!r}")
