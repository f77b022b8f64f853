"""Trials: their statuses, the controller's mutable record, and the frozen snapshot plugins see."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any, Literal

from raytune_lite.checkpoint import Checkpoint


class TrialStatus(str, Enum):
    """Where a trial is in its life."""

    PENDING = "PENDING"  #: created, not launched yet
    RUNNING = "RUNNING"  #: an attempt is launched (maybe queued by Ray for resources)
    PAUSED = "PAUSED"  #: ended by the scheduler, to be resumed from its checkpoint
    #: ended by Ctrl-C in the driver: continues from its last checkpoint on resume
    INTERRUPTED = "INTERRUPTED"
    TERMINATED = "TERMINATED"  #: finished: the function returned or a stop criterion hit
    STOPPED_EARLY = "STOPPED_EARLY"  #: stopped by the scheduler or the time budget
    ERROR = "ERROR"  #: failed more than ``max_failures`` times

    @property
    def is_finished(self) -> bool:
        return self in (TrialStatus.TERMINATED, TrialStatus.STOPPED_EARLY, TrialStatus.ERROR)


#: The strings a user may pass for a mode (``Tuner(mode=...)``, ``get_best(mode=...)``).
ModeName = Literal["min", "max"]


class Mode(str, Enum):
    """Whether the metric is minimized or maximized.

    Example:
        >>> Mode.parse("max").better(2.0, 1.0)
        True
    """

    MIN = "min"
    MAX = "max"

    @classmethod
    def parse(cls, mode: Mode | str) -> Mode:
        """``mode`` as a Mode; a string other than ``"min"``/``"max"`` is a ValueError."""
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
    #: what the searcher recorded about the trial (``Searcher.trial_info``, e.g. its stage)
    info: dict[str, Any] = field(default_factory=dict)
    start_time: float | None = None
    end_time: float | None = None
    _config_view: MappingProxyType[str, Any] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __deepcopy__(self, memo: dict[int, Any]) -> Trial:
        new = object.__new__(Trial)
        new.__dict__.update(
            {k: copy.deepcopy(v, memo) for k, v in self.__dict__.items() if k != "_config_view"}
        )
        new._config_view = None
        return new

    def set_config(self, config: dict[str, Any]) -> None:
        """Replaces the config (PBT exploit); snapshots show the new one."""
        self.config = config
        self._config_view = None

    def snapshot(self) -> TrialSnapshot:
        """A frozen view for plugins.

        A live trial makes its config copy once per config and reuses it; a finished trial
        makes a fresh one each time and keeps none (the controller holds every finished trial
        for the whole experiment, so it keeps only their summaries).
        """
        view = self._config_view
        if view is None:
            view = MappingProxyType(copy.deepcopy(self.config))
            if not self.status.is_finished:
                self._config_view = view
        return TrialSnapshot(
            trial_id=self.trial_id,
            config=view,
            status=self.status,
            num_results=self.num_results,
            last_result=None
            if self.last_result is None
            else MappingProxyType(dict(self.last_result)),
            checkpoint=self.checkpoint,
            attempts=self.attempts,
            resources=MappingProxyType(dict(self.resources)),
        )

    def observe(
        self, row: dict[str, Any], metric: str | None, mode: Mode, checkpoint: str | None = None
    ) -> None:
        """Updates the summary with one reported row.

        Only the last row is kept (every row is on disk): the summary stays the same size
        however many rows a trial reports.

        Args:
            row: the reported row.
            metric: the experiment's metric (None: no best value is tracked).
            mode: the experiment's mode.
            checkpoint: the folder of the checkpoint saved with the row, if any: it becomes
                the trial's checkpoint, at the row's ``training_iteration``.
        """
        self.num_results += 1
        self.last_result = row
        value = metric_value(row, metric)
        if metric is not None and metric in row:
            self.metric_seen = True
        if value is not None and (self.best_value is None or mode.better(value, self.best_value)):
            self.best_value = value
        if checkpoint is not None:
            self.checkpoint = Checkpoint(checkpoint)
            self.checkpoint_iteration = int(row.get("training_iteration", 0))

    def adopt(
        self,
        config: dict[str, Any],
        checkpoint: Checkpoint | None,
        checkpoint_iteration: int,
        donor: str | None,
    ) -> None:
        """Takes another trial's config and checkpoint (PBT exploit), to restart from them.

        The change is recorded in ``config_history`` at the current iteration and the trial
        becomes PENDING.

        Args:
            config: the new config.
            checkpoint: the checkpoint to restart from (the trial's own copy), or None.
            checkpoint_iteration: the iteration at which ``checkpoint`` was saved.
            donor: the trial the config and checkpoint came from.
        """
        it = int((self.last_result or {}).get("training_iteration", 0))
        self.set_config(config)
        self.checkpoint = checkpoint
        self.checkpoint_iteration = checkpoint_iteration
        self.config_history.append({"training_iteration": it, "config": config, "donor": donor})
        self.status = TrialStatus.PENDING

    def finish(self, status: TrialStatus, reason: str | None, end_time: float) -> None:
        """Ends the trial for good and drops what only a live trial needs (the cached view).

        Args:
            status: a finished status (TERMINATED, STOPPED_EARLY or ERROR).
            reason: why it stopped, if it did not simply end.
            end_time: when it ended (epoch seconds).

        Raises:
            ValueError: when ``status`` is not a finished one.
        """
        if not status.is_finished:
            raise ValueError(f"finish needs a finished status; got {status}")
        self.status = status
        self.stop_reason = reason
        self.end_time = end_time
        self._config_view = None

    def final_metric_problem(self, metric: str | None) -> str | None:
        """Why a trial whose function returned normally cannot be ranked, or None.

        Args:
            metric: the experiment's metric (None: any trial can be taken).

        Returns:
            A message when ``metric`` was never reported, or its last reported value is not a
            finite number; None otherwise.
        """
        if metric is not None and not self.metric_seen:
            got = sorted(k for k in (self.last_result or {}) if k not in _AUTO_KEYS)
            return f"the metric {metric!r} was never reported" + (
                f"; the trial reported {got}"
                if self.last_result
                else ": the training function never called raytune_lite.report()"
            )
        last_row = self.last_result or {}
        if metric is not None and metric in last_row and metric_value(last_row, metric) is None:
            return (
                f"the metric {metric!r} was {last_row[metric]!r} at its last report "
                f"(iteration {last_row.get('training_iteration')}): a finite number is "
                "needed to rank the trial"
            )
        return None

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
            "info": self.info,
            "start_time": self.start_time,
            "end_time": self.end_time,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Trial:
        ckpt = d.get("checkpoint")
        return cls(
            trial_id=d["trial_id"],
            config=d["config"],
            resources=d.get("resources", {}),
            status=TrialStatus(d["status"]),
            num_results=d.get("num_results", 0),
            last_result=d.get("last_result"),
            best_value=d.get("best_value"),
            metric_seen=d.get("metric_seen", False),
            checkpoint=None if ckpt is None else Checkpoint(ckpt),
            checkpoint_iteration=d.get("checkpoint_iteration", 0),
            attempts=d.get("attempts", 0),
            failures=d.get("failures", 0),
            error=d.get("error"),
            stop_reason=d.get("stop_reason"),
            from_searcher=d.get("from_searcher", True),
            config_history=d.get("config_history", []),
            info=d.get("info") or {},
            start_time=d.get("start_time"),
            end_time=d.get("end_time"),
        )


#: row keys every report gets, whatever the function reported
_AUTO_KEYS = frozenset({"training_iteration", "timestamp", "time_this_iter_s", "time_total_s"})
