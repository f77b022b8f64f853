"""The scheduler interface: early stopping, pausing and exploiting running trials.

A scheduler sees every reported row of every trial (as frozen snapshots) and answers with a
:class:`Decision`. It is a plain class, usable and testable without Ray.

Reports are sent to the controller without waiting for its answer, except at the steps the
scheduler's :class:`SyncPolicy` names: there the trial waits for the decision, so a STOP or
PAUSE takes effect at exactly that step. A decision made at any other step takes effect at the
trial's next report.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar

from raytune_lite._plugin_args import RecordsArgs
from raytune_lite.checkpoint import Checkpoint
from raytune_lite.trial import Mode, ModeName, TrialSnapshot


class Action(Enum):
    """What happens to a trial after a report."""

    CONTINUE = "CONTINUE"
    STOP = "STOP"  #: end the trial now (STOPPED_EARLY)
    COMPLETE = "COMPLETE"  #: end the trial now: it had its full budget (TERMINATED)
    PAUSE = "PAUSE"  #: end this attempt; resume later from the last checkpoint
    EXPLOIT = "EXPLOIT"  #: restart from another trial's checkpoint with a new config (PBT)


@dataclass(frozen=True)
class Decision:
    """A scheduler's answer to one reported row.

    Use the constants ``Decision.CONTINUE``, ``Decision.STOP``, ``Decision.COMPLETE``,
    ``Decision.PAUSE`` or ``Decision.exploit(config, checkpoint, donor)``.
    """

    action: Action
    config: dict[str, Any] | None = None
    checkpoint: Checkpoint | None = None
    donor: str | None = None

    CONTINUE: ClassVar[Decision]
    STOP: ClassVar[Decision]
    COMPLETE: ClassVar[Decision]
    PAUSE: ClassVar[Decision]

    @classmethod
    def exploit(cls, config: dict[str, Any], checkpoint: Checkpoint | None, donor: str) -> Decision:
        """Restart the trial with ``config`` from ``donor``'s ``checkpoint``."""
        return cls(Action.EXPLOIT, config=config, checkpoint=checkpoint, donor=donor)


Decision.CONTINUE = Decision(Action.CONTINUE)
Decision.STOP = Decision(Action.STOP)
Decision.COMPLETE = Decision(Action.COMPLETE)
Decision.PAUSE = Decision(Action.PAUSE)


@dataclass(frozen=True)
class SyncPolicy:
    """At which reports a trial waits for the controller's decision.

    Args:
        time_attr: the row key that measures training progress.
        milestones: wait at the first report whose ``time_attr`` reaches each of these.
        interval: wait each time ``time_attr`` has grown by this much since the last wait.
        every_report: wait at every report (simplest, slowest).
    """

    time_attr: str = "training_iteration"
    milestones: tuple[float, ...] = ()
    interval: float | None = None
    every_report: bool = False

    NEVER: ClassVar[SyncPolicy]

    @property
    def never(self) -> bool:
        return not (self.milestones or self.interval or self.every_report)


SyncPolicy.NEVER = SyncPolicy()


class Scheduler(RecordsArgs, ABC):
    """Base class of trial schedulers.

    Subclasses implement :meth:`on_result`; every other hook does nothing by default
    (:meth:`on_resume` resumes the trial as it was).
    """

    #: True when the scheduler pauses or exploits trials and so needs their checkpoints.
    needs_checkpoints: bool = False

    def __init__(self) -> None:
        self.metric: str | None = None
        self.mode: Mode = Mode.MIN

    #: True when the scheduler needs ``metric`` to be set.
    requires_metric: bool = True

    def setup(self, metric: str | None, mode: Mode | ModeName, seed: int | None = None) -> None:
        """Called once by the Tuner with the experiment's metric and mode."""
        if self.requires_metric and metric is None:
            raise ValueError(
                f"{type(self).__name__} needs a metric; pass metric=... "
                "(and mode='min' or 'max') to the Tuner"
            )
        self.metric = metric
        self.mode = Mode.parse(mode)

    def sync_policy(self) -> SyncPolicy:
        """When trials must wait for this scheduler's decision (default: never)."""
        return SyncPolicy.NEVER

    def on_add(self, trial: TrialSnapshot) -> None:
        """A trial was created."""

    @abstractmethod
    def on_result(self, trial: TrialSnapshot, row: dict[str, Any]) -> Decision:
        """A trial reported ``row``; what should it do?"""

    def on_complete(self, trial: TrialSnapshot) -> None:
        """A trial ended for good (terminated, stopped or errored)."""

    def set_capacity(self, slots: int, to_come: float) -> None:
        """The controller tells how many trials run at once and how many are still to come.

        Optional; does nothing by default. Called before the controller fills free slots.
        A scheduler that time-shares the slots (PBT) pauses trials when more are waiting
        than fit.

        Args:
            slots: how many trials may run at once now (``max_concurrent`` or what the
                cluster fits).
            to_come: how many trials the experiment may still create (``math.inf`` without
                a ``num_samples`` limit; 0 once the searcher is done).
        """

    def next_to_resume(self) -> str | None:
        """The id of a PAUSED trial to resume now, or None. Called when a slot is free.

        A trial this scheduler has just decided to PAUSE may be named before its attempt has
        ended: it is resumed as soon as the pause takes effect. Any other id is a bug of the
        scheduler's, logged and ignored. Trials still paused when nothing else is left to
        run end as STOPPED_EARLY.
        """
        return None

    def on_resume(self, trial: TrialSnapshot) -> Decision:
        """A paused trial named by :meth:`next_to_resume` is about to start again.

        Optional; the default resumes it (``Decision.CONTINUE``: from its own checkpoint,
        with its config). ``Decision.exploit(config, checkpoint, donor)`` restarts it from
        another trial's checkpoint instead (PBT judges time-shared trials here, once the
        others have caught up). Any other decision is treated as CONTINUE.
        """
        return Decision.CONTINUE

    def state(self) -> dict[str, Any]:
        """JSON-able state for resuming an experiment."""
        return {}

    def load_state(self, state: dict[str, Any]) -> None:
        """Restores :meth:`state`'s output (after :meth:`setup`)."""
