"""Optuna's ``optuna.trial`` names: ``Trial`` (what the objective gets), ``TrialState`` and
``FrozenTrial`` (a finished trial, as ``study.trials`` lists them).

A raytune_lite trial's status maps as TERMINATED -> COMPLETE, STOPPED_EARLY -> PRUNED,
ERROR -> FAIL (also a trial that returned without a finite value), PENDING -> WAITING, the
others -> RUNNING.

Example:
    >>> from raytune_lite.trial import TrialStatus
    >>> state_of(TrialStatus.STOPPED_EARLY), TrialState.PRUNED.is_finished()
    (<TrialState.PRUNED: 2>, True)
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from dataclasses import dataclass, field
from typing import Any

from raytune_lite.define_by_run.distributions import Distribution
from raytune_lite.define_by_run.trial import ObjectiveTrial as Trial
from raytune_lite.trial import TrialStatus

__all__ = ["FrozenTrial", "Trial", "TrialState", "state_of"]


class TrialState(enum.IntEnum):
    """A trial's state, with Optuna's names and numbers."""

    RUNNING = 0
    COMPLETE = 1
    PRUNED = 2
    FAIL = 3
    WAITING = 4

    def __repr__(self) -> str:
        return f"<TrialState.{self.name}: {self.value}>"

    def is_finished(self) -> bool:
        return self in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


_STATES = {
    TrialStatus.TERMINATED: TrialState.COMPLETE,
    TrialStatus.STOPPED_EARLY: TrialState.PRUNED,
    TrialStatus.ERROR: TrialState.FAIL,
    TrialStatus.PENDING: TrialState.WAITING,
}


def state_of(status: TrialStatus) -> TrialState:
    """The Optuna state of a raytune_lite trial status."""
    return _STATES.get(status, TrialState.RUNNING)


@dataclass
class FrozenTrial:
    """A trial of a study, as Optuna shows it.

    Attributes:
        number: its number in the study (0, 1, ...).
        state: how it ended.
        values: its objective values (None where it has none: failed, or pruned before any
            report).
        params: the parameters it suggested.
        distributions: the distribution of each parameter.
        user_attrs: what it kept with ``trial.set_user_attr``.
        intermediate_values: what it reported with ``trial.report``, by step.
        datetime_start: when it started; datetime_complete: when it ended.
        trial_id: raytune_lite's trial id; path: its folder.
    """

    number: int
    state: TrialState
    values: list[float] | None
    params: dict[str, Any]
    distributions: dict[str, Distribution] = field(default_factory=dict)
    user_attrs: dict[str, Any] = field(default_factory=dict)
    intermediate_values: dict[int, float] = field(default_factory=dict)
    datetime_start: dt.datetime | None = None
    datetime_complete: dt.datetime | None = None
    trial_id: str = ""
    path: str = ""

    @property
    def value(self) -> float | None:
        """The objective value (one objective)."""
        if self.values is not None and len(self.values) > 1:
            raise RuntimeError(
                "this trial has several values: read trial.values (a multi-objective study)"
            )
        return None if self.values is None else self.values[0]

    @property
    def duration(self) -> dt.timedelta | None:
        if self.datetime_start is None or self.datetime_complete is None:
            return None
        return self.datetime_complete - self.datetime_start

    @property
    def last_step(self) -> int | None:
        return max(self.intermediate_values) if self.intermediate_values else None

    def _feasible(self) -> bool:
        return self.values is not None and all(math.isfinite(v) for v in self.values)
