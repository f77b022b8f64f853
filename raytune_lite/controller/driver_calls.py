"""What the driver asks of the controller (progress, events, stop, interrupt) and the
controller's watch over the cluster and its own errors (a part of
:class:`~raytune_lite.controller.actor.Controller`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import TYPE_CHECKING, Any

import ray

from raytune_lite import resources as res
from raytune_lite.autoscaling import Growth
from raytune_lite.controller.failing import FailureLog, NodeWait, crash_message
from raytune_lite.controller.supply import TrialSupply
from raytune_lite.controller.table import TrialTable
from raytune_lite.controller.timers import enforce_time_budget
from raytune_lite.events import Event, EventKind, EventLog
from raytune_lite.schedulers.base import Decision, Scheduler
from raytune_lite.search.base import Searcher
from raytune_lite.spec import ExperimentSpec
from raytune_lite.store import ExperimentStatus, ExperimentStore
from raytune_lite.transfer import start_depot

logger = logging.getLogger("raytune_lite")

#: how long trials that ignore the interrupt get before they are cancelled (then killed)
CANCEL_GRACE_S = 2.0
INTERRUPTED_BY_USER = "interrupted by the user"


class DriverCalls:
    """Progress, events, stopping and interrupting, the cluster recount, and crashes."""

    spec: ExperimentSpec
    searcher: Searcher
    scheduler: Scheduler
    store: ExperimentStore
    trials: TrialTable
    supply: TrialSupply
    events: EventLog | None
    failing: FailureLog
    nodes: NodeWait
    refs: dict[str, ray.ObjectRef]
    running: dict[str, asyncio.Task[None]]
    decided: dict[str, Decision]
    cancelled: set[str]
    unrunnable: dict[str, str]
    by_interrupt: set[str]
    stopping: str | None
    crash: str | None
    interrupted: bool
    capacity: int
    dirty: bool
    started: float
    node_id: str
    wake: asyncio.Event | None
    _depot: Any
    growth: Growth
    dead_nodes: int
    _interrupt_timer: asyncio.Future[None] | None

    if TYPE_CHECKING:  # the other parts of the Controller

        def _write_experiment(self, status: ExperimentStatus) -> None: ...

    def _crashed(self, e: BaseException) -> None:
        """The controller's own work raised: stop the experiment, say what and where."""
        logger.error("raytune_lite: controller error", exc_info=e)
        if self.crash is None:
            self.crash = crash_message(
                e, self.spec.path, type(self.searcher).__name__, type(self.scheduler).__name__
            )
        self.stop_experiment(self.crash)
        for tid, ref in list(self.refs.items()):
            self._cancel(tid, ref, force=False)

    # -- timers ------------------------------------------------------------------------------
    def _snapshot(self) -> None:
        if self.dirty:
            self._write_experiment(ExperimentStatus.RUNNING)

    def _count_nodes(self) -> tuple[int, int]:
        """How many trials the alive nodes and those the autoscaler may still add fit, and
        how many nodes are dead."""
        nodes = ray.nodes()
        alive = [dict(n.get("Resources", {})) for n in nodes if n.get("Alive")]
        now = sum(res.fits_on_node(self.spec.resources, node) for node in alive)
        return now + self.growth.fits(self.spec.resources, alive), len(nodes) - len(alive)

    def _recount(self) -> None:
        fits, self.dead_nodes = self._count_nodes()
        message = self.nodes.update(fits, lambda: res.unsatisfiable_message(self.spec.resources))
        if message and not self.stopping:  # waited long enough for a node: give up
            self.stop_experiment(message)
            for tid, ref in list(self.refs.items()):
                self.unrunnable[tid] = message
                self._cancel(tid, ref, force=True)
        if self.spec.max_concurrent is None:
            self.capacity = max(1, fits)
        if self.wake is not None:
            self.wake.set()

    def depot(self) -> Any:
        """This node's checkpoint depot (:mod:`raytune_lite.transfer`), started lazily."""
        if self._depot is None:
            self._depot = start_depot(self.store.path, self.node_id)
        return self._depot

    def _cancel(self, trial_id: str, ref: ray.ObjectRef, force: bool) -> None:
        self.cancelled.add(trial_id)  # its attempt ends as stopped, not failed
        ray.cancel(ref, force=force)

    async def interrupt(self) -> None:
        """Ctrl-C in the driver: launches nothing more; running trials end at their next
        report (interrupted and cancelled after a grace period if they do not report) as
        INTERRUPTED, to continue from their last checkpoint on resume."""
        if self.stopping:
            return
        self.interrupted = True
        self.by_interrupt.update(t for t in self.running if t not in self.decided)
        self.stop_experiment(INTERRUPTED_BY_USER)
        self._interrupt_timer = asyncio.ensure_future(
            enforce_time_budget(
                0.0, lambda _reason: None, lambda: self.refs, self._cancel, CANCEL_GRACE_S
            )
        )

    def stop_experiment(self, reason: str = "stopped by the user") -> None:
        """Launches nothing more; running trials stop at their next report."""
        if self.stopping:
            return
        self.stopping = reason
        for tid in self.running:
            self.decided.setdefault(tid, Decision.STOP)
        if self.wake is not None:
            self.wake.set()

    # -- state -------------------------------------------------------------------------------
    def _event(self, kind: EventKind, trial_id: str, **data: Any) -> None:
        if self.events is not None:  # the trial's dicts are replaced, never changed: no copy
            self.events.add(kind, trial_id, data)

    def drain_events(self) -> tuple[list[Event], int]:
        """The events since the last drain, and how many were dropped (see
        :mod:`raytune_lite.events`)."""
        return self.events.drain() if self.events is not None else ([], 0)

    def progress(self, failures_since: int = 0) -> dict[str, Any]:
        """Counts, best so far and the running trials, for the live table; the first-failure
        lines from number ``failures_since`` on; what ended the experiment early, if any."""
        return {
            **self.trials.summary(),
            **self.failing.progress(failures_since),
            "crash": self.crash,
            "created": self.supply.created,
            "budget": self.supply.budget,
            "elapsed": time.time() - self.started,
            "metric": self.spec.metric,
            "stopping": self.stopping,
            "pid": os.getpid(),
            "store_path": self.store.path,  # a remote experiment's working copy
        }
