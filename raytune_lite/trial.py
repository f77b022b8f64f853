"""Trials: their statuses, the controller's mutable record, and the frozen snapshot plugins see."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any

from raytune_lite.checkpoint import Checkpoint


class TrialStatus(str, Enum):
    """Where a trial is in its life."""

    PENDING = "PENDING"            #: created, not launched yet
    RUNNING = "RUNNING"            #: an attempt is launched (maybe queued by Ray for resources)
    PAUSED = "PAUSED"              #: ended by the scheduler, to be resumed from its checkpoint
    TERMINATED = "TERMINATED"      #: finished: the function returned or a stop criterion hit
    STOPPED_EARLY = "STOPPED_EARLY"  #: stopped by the scheduler or the time budget
    ERROR = "ERROR"                #: failed more than ``max_failures`` times

    @property
    def is_finished(self) -> bool:
        return self in (TrialStatus.TERMINATED, TrialStatus.STOPPED_EARLY, TrialStatus.ERROR)


class Mode(str, Enum):
    """Whether the metric is minimized or maximized."""

    MIN = "min"
    MAX = "max"

    @classmethod
    def parse(cls, mode: str | Mode) -> Mode:
        try:
            return cls(mode)
        except ValueError:
            raise ValueError(f"mode must be 'min' or 'max'; got {mode=}") from None

    def better(self, a: float, b: float) -> bool:
        """Whether ``a`` is strictly better than ``b``."""
        return a < b if self is Mode.MIN else a > b

    def sign(self) -> float:
        """+1 for min, -1 for max: ``sign * value`` is always to be minimized."""
        return 1.0 if self is Mode.MIN else -1.0


def metric_value(row: dict[str, Any] | None, metric: str | None) -> float | None:
    """The row's finite numeric value of ``metric``, else None (NaN, inf, strings, missing)."""
    if row is None or metric is None:
        return None
    v = row.get(metric)
    if isinstance(v, bool) or v is None:
        return None
    if not isinstance(v, (int, float)):
        try:
            v = float(v)  # numpy scalars
        except (TypeError, ValueError):
            return None
    v = float(v)
    return v if math.isfinite(v) else None


@dataclass(frozen=True)
class TrialSnapshot:
    """A read-only view of a trial, handed to searchers, schedulers and callbacks."""

    trial_id: str
    config: MappingProxyType[str, Any]
    status: TrialStatus
    num_results: int
    last_result: MappingProxyType[str, Any] | None
    checkpoint: Checkpoint | None
    attempts: int
    resources: MappingProxyType[str, float]


@dataclass
class Trial:
    """The controller's record of one trial: a summary, never its rows (those live on disk)."""

    trial_id: str
    config: dict[str, Any]
    resources: dict[str, float]
    status: TrialStatus = TrialStatus.PENDING
    num_results: int = 0
    last_result: dict[str, Any] | None = None
    best_value: float | None = None
    metric_seen: bool = False
    checkpoint: Checkpoint | None = None
    #: training_iteration at which ``checkpoint`` was reported (0: none)
    checkpoint_iteration: int = 0
    attempts: int = 0
    failures: int = 0
    error: str | None = None
    stop_reason: str | None = None
    from_searcher: bool = True
    #: (training_iteration, config) each time the config changed (PBT exploit)
    config_history: list[dict[str, Any]] = field(default_factory=list)
    start_time: float | None = None
    end_time: float | None = None
    _config_view: MappingProxyType[str, Any] | None = field(
        default=None, init=False, repr=False, compare=False)

    def __deepcopy__(self, memo: dict[int, Any]) -> Trial:
        new = object.__new__(Trial)
        new.__dict__.update({k: copy.deepcopy(v, memo) for k, v in self.__dict__.items()
                             if k != "_config_view"})
        new._config_view = None
        return new

    def set_config(self, config: dict[str, Any]) -> None:
        """Replaces the config (PBT exploit); snapshots show the new one."""
        self.config = config
        self._config_view = None

    def snapshot(self) -> TrialSnapshot:
        """A frozen view for plugins (the config copy is made once per config)."""
        if self._config_view is None:
            self._config_view = MappingProxyType(copy.deepcopy(self.config))
        return TrialSnapshot(
            trial_id=self.trial_id,
            config=self._config_view,
            status=self.status,
            num_results=self.num_results,
            last_result=None if self.last_result is None
            else MappingProxyType(dict(self.last_result)),
            checkpoint=self.checkpoint,
            attempts=self.attempts,
            resources=MappingProxyType(dict(self.resources)),
        )

    def observe(self, row: dict[str, Any], metric: str | None, mode: Mode) -> None:
        """Updates the summary with one reported row."""
        self.num_results += 1
        self.last_result = row
        value = metric_value(row, metric)
        if metric is not None and metric in row:
            self.metric_seen = True
        if value is not None and (self.best_value is None or mode.better(value, self.best_value)):
            self.best_value = value

    def to_json(self) -> dict[str, Any]:
        return {
            "trial_id": self.trial_id,
            "config": self.config,
            "resources": self.resources,
            "status": self.status.value,
            "num_results": self.num_results,
            "last_result": self.last_result,
            "best_value": self.best_value,
            "metric_seen": self.metric_seen,
            "checkpoint": None if self.checkpoint is None else self.checkpoint.path,
            "checkpoint_iteration": self.checkpoint_iteration,
            "attempts": self.attempts,
            "failures": self.failures,
            "error": self.error,
            "stop_reason": self.stop_reason,
            "from_searcher": self.from_searcher,
            "config_history": self.config_history,
            "start_time": self.start_time,
            "end_time": self.end_time,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Trial:
        ckpt = d.get("checkpoint")
        return cls(
            trial_id=d["trial_id"], config=d["config"], resources=d.get("resources", {}),
            status=TrialStatus(d["status"]), num_results=d.get("num_results", 0),
            last_result=d.get("last_result"), best_value=d.get("best_value"),
            metric_seen=d.get("metric_seen", False),
            checkpoint=None if ckpt is None else Checkpoint(ckpt),
            checkpoint_iteration=d.get("checkpoint_iteration", 0),
            attempts=d.get("attempts", 0), failures=d.get("failures", 0),
            error=d.get("error"), stop_reason=d.get("stop_reason"),
            from_searcher=d.get("from_searcher", True),
            config_history=d.get("config_history", []),
            start_time=d.get("start_time"), end_time=d.get("end_time"),
        )
