"""Ray Tune's scheduler names, arguments and defaults, on raytune_lite's schedulers.

Each class *is* a raytune_lite scheduler (a subclass), built from Ray Tune's arguments with
Ray Tune's defaults; ``metric``/``mode`` given here are taken by the Tuner when
``TuneConfig`` does not set them (setting both differently is an error, as in Ray Tune).
Arguments Ray Tune has and raytune_lite cannot honour raise NotImplementedError naming them;
arguments without effect here are accepted and documented.

Example:
    >>> from raytune_lite.tune.schedulers import ASHAScheduler
    >>> asha = ASHAScheduler(metric="loss", mode="min")
    >>> asha.max_t, asha.grace_period, asha.reduction_factor
    (100.0, 1.0, 4.0)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from raytune_lite.schedulers.asha import ASHA
from raytune_lite.schedulers.base import Scheduler
from raytune_lite.schedulers.fifo import FIFO
from raytune_lite.schedulers.hyperband import Hyperband
from raytune_lite.schedulers.median import MedianStatistic, MedianStopping
from raytune_lite.schedulers.pbt import PBT

__all__ = [
    "ASHAScheduler",
    "AsyncHyperBandScheduler",
    "FIFOScheduler",
    "HyperBandScheduler",
    "MedianStoppingRule",
    "PopulationBasedTraining",
    "TrialScheduler",
]

#: Ray Tune's base class name.
TrialScheduler = Scheduler


class _Requested:
    """Keeps the metric and mode a scheduler was given (the Tuner reads them)."""

    requested_metric: str | None = None
    requested_mode: str | None = None

    def _request(self, metric: str | None, mode: str | None) -> None:
        if mode is not None and mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min', 'max' or None; got {mode=}")
        self.requested_metric = metric
        self.requested_mode = mode


def _unsupported(cls: str, **given: Any) -> None:
    for name, (value, default) in given.items():
        if value != default:
            raise NotImplementedError(
                f"{cls}({name}={value!r}) is not mirrored by raytune_lite; leave it at its "
                f"default ({default!r})"
            )


class FIFOScheduler(_Requested, FIFO):
    """Runs every trial to the end (the default): Ray Tune's ``FIFOScheduler``."""

    def __init__(self) -> None:
        super().__init__()


class AsyncHyperBandScheduler(_Requested, ASHA):
    """Asynchronous successive halving, with Ray Tune's defaults (``reduction_factor=4``).

    Ray Tune's rung rule judges a trial against every trial recorded at the rung before it,
    even one: the second trial at a rung is stopped when it is worse than the first. This
    class does the same (``min_samples_required=1``); raytune_lite's own :class:`ASHA`
    waits for 3 (see its docstring).

    Args:
        time_attr, metric, mode, max_t, grace_period, reduction_factor, brackets: as in
            Ray Tune. stop_last_trials: only True (trials reaching ``max_t`` end).
    """

    def __init__(
        self,
        time_attr: str = "training_iteration",
        metric: str | None = None,
        mode: str | None = None,
        max_t: float = 100,
        grace_period: float = 1,
        reduction_factor: float = 4,
        brackets: int = 1,
        stop_last_trials: bool = True,
    ):
        _unsupported(type(self).__name__, stop_last_trials=(stop_last_trials, True))
        super().__init__(
            time_attr=time_attr,
            max_t=max_t,
            grace_period=grace_period,
            reduction_factor=reduction_factor,
            brackets=brackets,
            min_samples_required=1,
        )
        self._request(metric, mode)


#: Ray Tune's alias of :class:`AsyncHyperBandScheduler`.
ASHAScheduler = AsyncHyperBandScheduler


class HyperBandScheduler(_Requested, Hyperband):
    """Synchronous Hyperband with Ray Tune's defaults (``max_t=81``, ``reduction_factor=3``).

    Trials are paused (from their checkpoints) between rungs, so the trainable must report
    checkpoints. stop_last_trials: only True.
    """

    def __init__(
        self,
        time_attr: str = "training_iteration",
        metric: str | None = None,
        mode: str | None = None,
        max_t: float = 81,
        reduction_factor: float = 3,
        stop_last_trials: bool = True,
    ):
        _unsupported(type(self).__name__, stop_last_trials=(stop_last_trials, True))
        super().__init__(time_attr=time_attr, max_t=max_t, reduction_factor=reduction_factor)
        self._request(metric, mode)


class MedianStoppingRule(_Requested, MedianStopping):
    """The median stopping rule with Ray Tune's defaults (``time_attr="time_total_s"``,
    ``grace_period=60.0``, ``min_samples_required=3``).

    A trial is stopped when its best result so far is worse than the median of the other
    trials' best results at the same point (Ray Tune compares with the median of their
    running averages). min_time_slice: accepted, no effect (trials are never paused).
    hard_stop: only True.
    """

    def __init__(
        self,
        time_attr: str = "time_total_s",
        metric: str | None = None,
        mode: str | None = None,
        grace_period: float = 60.0,
        min_samples_required: int = 3,
        min_time_slice: float = 0,
        hard_stop: bool = True,
    ):
        _unsupported(type(self).__name__, hard_stop=(hard_stop, True))
        super().__init__(
            time_attr=time_attr,
            grace_period=grace_period,
            min_samples_required=min_samples_required,
            statistic=MedianStatistic.BEST,
        )
        self.min_time_slice = min_time_slice
        self._request(metric, mode)


class PopulationBasedTraining(_Requested, PBT):
    """Asynchronous PBT with Ray Tune's defaults (``time_attr="time_total_s"``,
    ``perturbation_interval=60.0``, ``quantile_fraction=0.25``, ``resample_probability=0.25``,
    ``perturbation_factors=(1.2, 0.8)``).

    ``hyperparam_mutations`` is taken as Ray Tune takes it: per key a list/tuple of values, a
    domain (``tune.uniform(...)``), a callable returning a value, or a nested dict of those. A
    key that ``param_space`` lacks is added to it (the first config is drawn from the
    mutation), as Ray Tune does. Not mirrored: ``burn_in_period`` other than 0,
    ``custom_explore_fn``, ``synch=True``; ``log_config`` and ``require_attrs`` are accepted
    without effect (the config history is always kept, see ``ResultGrid.config_history``).
    """

    def __init__(
        self,
        time_attr: str = "time_total_s",
        metric: str | None = None,
        mode: str | None = None,
        perturbation_interval: float = 60.0,
        burn_in_period: float = 0.0,
        hyperparam_mutations: Mapping[str, Any] | None = None,
        quantile_fraction: float = 0.25,
        resample_probability: float = 0.25,
        perturbation_factors: tuple[float, float] = (1.2, 0.8),
        custom_explore_fn: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        log_config: bool = True,
        require_attrs: bool = True,
        synch: bool = False,
    ):
        _unsupported(
            type(self).__name__,
            burn_in_period=(burn_in_period, 0.0),
            custom_explore_fn=(custom_explore_fn, None),
            synch=(synch, False),
        )
        super().__init__(
            time_attr=time_attr,
            perturbation_interval=perturbation_interval,
            quantile_fraction=quantile_fraction,
            resample_probability=resample_probability,
            hyperparam_mutations=hyperparam_mutations,
            perturbation_factors=perturbation_factors,
        )
        self.log_config = log_config
        self.require_attrs = require_attrs
        self._request(metric, mode)
