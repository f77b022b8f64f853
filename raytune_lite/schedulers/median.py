"""The median stopping rule (Golovin et al., 2017, "Google Vizier").

At step ``t`` (past ``grace_period``), a trial is stopped when its statistic so far -- its
best result, or the running average of its results -- is worse than the median of the same
statistic of the other trials at ``t``. Only trials that have themselves reached ``t`` count
as "others", and nothing is stopped until at least ``min_samples_required`` of them have.
"""

from __future__ import annotations

import bisect
import math
from enum import Enum
from typing import Any

import numpy as np

from raytune_lite._checks import check_int
from raytune_lite.schedulers._common import check_time_attr, row_score, row_time
from raytune_lite.schedulers.base import Decision, Scheduler, SyncPolicy
from raytune_lite.trial import Mode, ModeName, TrialSnapshot


class MedianStatistic(str, Enum):
    """Which summary of a trial's results so far is compared with the others'."""

    BEST = "best"  #: the best result so far
    RUNNING_AVERAGE = "running_average"  #: the mean of all results so far (smoother)

    @classmethod
    def parse(cls, value: MedianStatistic | str) -> MedianStatistic:
        try:
            return cls(value)
        except ValueError:
            raise ValueError(
                f"statistic must be one of {[s.value for s in cls]}; got statistic={value!r}"
            ) from None


class _History:
    """One trial's finite scores so far: times and the running statistic at each."""

    __slots__ = ("stats", "times")

    def __init__(self, times: list[float] | None = None, stats: list[float] | None = None):
        self.times: list[float] = times or []
        self.stats: list[float] = stats or []

    def add(self, t: float, score: float, statistic: MedianStatistic) -> None:
        if self.times and t < self.times[-1]:  # the trial restarted from an earlier point
            cut = bisect.bisect_left(self.times, t)
            del self.times[cut:], self.stats[cut:]
        n = len(self.stats)
        if n == 0:
            stat = score
        elif statistic is MedianStatistic.BEST:
            stat = min(self.stats[-1], score)
        else:
            stat = self.stats[-1] + (score - self.stats[-1]) / (n + 1)
        self.times.append(t)
        self.stats.append(stat)

    def at(self, t: float) -> float | None:
        """The statistic at time ``t``, if this trial has reached ``t``."""
        if not self.times or self.times[-1] < t:
            return None
        i = bisect.bisect_right(self.times, t) - 1
        return self.stats[i] if i >= 0 else None


class MedianStopping(Scheduler):
    """Stops trials that do worse than the median of the others at the same step.

    Args:
        time_attr: the reported key that measures training progress (it must grow).
        grace_period: no trial is stopped before ``time_attr`` reaches this (>= 0).
        min_samples_required: decide only when at least this many other trials have
            reached the same step.
        statistic: ``"best"`` (best result so far) or ``"running_average"``; a
            :class:`MedianStatistic` or its value.
        interval: judge a trial every ``interval`` of ``time_attr`` after the grace period
            (None: at every report). Trials wait for the decision at those reports only.

    A row whose metric is NaN or infinite counts as the worst (the trial is stopped once the
    rule applies); a row without the metric is skipped.

    Example:
        >>> from raytune_lite.schedulers.median import MedianStopping
        >>> from raytune_lite.trial import Trial
        >>> med = MedianStopping(grace_period=2, min_samples_required=2)
        >>> med.setup("loss", "min")
        >>> a, b, c = (Trial(i, {}, {}).snapshot() for i in "abc")
        >>> for t in (1, 2):
        ...     for tr, loss in ((a, 0.1), (b, 0.2)):
        ...         _ = med.on_result(tr, {"loss": loss, "training_iteration": t})
        >>> med.on_result(c, {"loss": 0.9, "training_iteration": 1}).action.name  # grace
        'CONTINUE'
        >>> med.on_result(c, {"loss": 0.8, "training_iteration": 2}).action.name
        'STOP'
    """

    def __init__(
        self,
        *,
        time_attr: str = "training_iteration",
        grace_period: float = 1,
        min_samples_required: int = 3,
        statistic: MedianStatistic | str = MedianStatistic.BEST,
        interval: float | None = None,
    ):
        super().__init__()
        self.time_attr = check_time_attr(time_attr)
        if (
            isinstance(grace_period, bool)
            or not isinstance(grace_period, (int, float))
            or not math.isfinite(grace_period)
            or grace_period < 0
        ):
            raise ValueError(f"grace_period must be a finite number >= 0; got {grace_period=}")
        self.grace_period = float(grace_period)
        self.min_samples_required = check_int("min_samples_required", min_samples_required, 1)
        self.statistic = MedianStatistic.parse(statistic)
        if interval is not None and (
            isinstance(interval, bool)
            or not isinstance(interval, (int, float))
            or not math.isfinite(interval)
            or interval <= 0
        ):
            raise ValueError(f"interval must be None or a finite number > 0; got {interval=}")
        self.interval = None if interval is None else float(interval)
        self._hist: dict[str, _History] = {}
        self._clock: dict[str, tuple[float, bool]] = {}  # trial -> (last sync, past grace)

    def setup(self, metric: str | None, mode: Mode | ModeName, seed: int | None = None) -> None:
        super().setup(metric, mode, seed)
        self._hist = {}
        self._clock = {}

    def sync_policy(self) -> SyncPolicy:
        """Every report waits (or, with ``interval``, the grace point and every interval)."""
        if self.interval is None:
            return SyncPolicy(self.time_attr, every_report=True)
        return SyncPolicy(
            self.time_attr,
            milestones=(self.grace_period,) if self.grace_period else (),
            interval=self.interval,
        )

    def median_at(self, t: float, exclude: str | None = None) -> tuple[float | None, int]:
        """The median statistic (lower-is-better score) at ``t`` of the trials that reached
        it, other than ``exclude``, and how many there were."""
        values = [
            v
            for tid, h in self._hist.items()
            if tid != exclude
            for v in (h.at(t),)
            if v is not None
        ]
        if not values:
            return None, 0
        return float(np.median(values)), len(values)

    def on_result(self, trial: TrialSnapshot, row: dict[str, Any]) -> Decision:
        tid = trial.trial_id
        t = row_time(row, self.time_attr)
        if t is None or self.metric not in row:
            return Decision.CONTINUE
        score = row_score(row, self.metric, self.mode)
        hist = self._hist.setdefault(tid, _History())
        if score is not None:
            hist.add(t, score, self.statistic)
        if t < self.grace_period:
            if self.interval is not None:
                self._due(tid, t)  # keeps the interval clock in step with the trial's
            return Decision.CONTINUE
        if self.interval is not None and not self._due(tid, t):
            return Decision.CONTINUE
        median, n = self.median_at(t, exclude=tid)
        if median is None or n < self.min_samples_required:
            return Decision.CONTINUE
        own = None if score is None else hist.stats[-1]
        if own is None or own > median:
            return Decision.STOP
        return Decision.CONTINUE

    def _due(self, tid: str, t: float) -> bool:
        """Mirrors the session's SyncPolicy: whether the trial waits at this row."""
        last, passed = self._clock.get(tid, (0.0, False))
        due = False
        if not passed and t >= self.grace_period:
            passed = True
            due = self.grace_period > 0  # a milestone only when there is a grace period
        if self.interval is not None and t - last >= self.interval:
            last, due = t, True
        self._clock[tid] = (last, passed)
        return due

    def on_complete(self, trial: TrialSnapshot) -> None:
        self._clock.pop(trial.trial_id, None)

    def state(self) -> dict[str, Any]:
        return {
            "hist": {tid: [h.times, h.stats] for tid, h in self._hist.items()},
            "clock": {tid: [last, passed] for tid, (last, passed) in self._clock.items()},
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self._hist = {
            str(tid): _History([float(x) for x in ts], [float(x) for x in ss])
            for tid, (ts, ss) in state.get("hist", {}).items()
        }
        self._clock = {str(k): (float(v[0]), bool(v[1])) for k, v in state.get("clock", {}).items()}
