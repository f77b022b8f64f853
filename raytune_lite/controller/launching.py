"""Launching an attempt of a trial as a Ray task, and awaiting its end (a part of
:class:`~raytune_lite.controller.actor.Controller`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

import ray

from raytune_lite import resources as res
from raytune_lite.attempt import AttemptEnd, AttemptResult, TrialContext
from raytune_lite.autoscaling import node_lost
from raytune_lite.controller.failing import Escalation, node_of
from raytune_lite.controller.recovery import needs_rewind
from raytune_lite.events import EventKind
from raytune_lite.runner import run_trial
from raytune_lite.schedulers.base import SyncPolicy
from raytune_lite.spec import ExperimentSpec
from raytune_lite.store import ExperimentStore
from raytune_lite.trial import Trial, TrialStatus

logger = logging.getLogger("raytune_lite")

#: a task failure waits this long before it is blamed on the trial: a dying driver or head
#: node fails its tasks before the controller itself notices
SYSTEM_FAILURE_GRACE_S = 1.5


class Launching:
    """Starts attempts (``run_trial`` with the trial's resources) and awaits their refs."""

    spec: ExperimentSpec
    store: ExperimentStore
    sync: SyncPolicy
    name: str
    node_id: str
    task_name: str
    trainable: Any
    refs: dict[str, ray.ObjectRef]
    running: dict[str, asyncio.Task[None]]
    cancelled: set[str]
    unrunnable: dict[str, str]
    told: Escalation
    dirty: bool
    dead_nodes: int
    wake: asyncio.Event | None
    _tasks: dict[tuple[tuple[str, float], ...], Any]

    if TYPE_CHECKING:  # the other parts of the Controller

        def _event(self, kind: EventKind, trial_id: str, **data: Any) -> None: ...
        def _crashed(self, e: BaseException) -> None: ...
        def _end_attempt(self, trial: Trial, result: AttemptResult, attempt: int) -> None: ...

    def _launch(self, trial: Trial) -> None:
        start = trial.checkpoint_iteration if trial.checkpoint else 0
        self.store.open_attempt(trial.trial_id, trial.attempts + 1)
        if needs_rewind(trial):  # rows on disk, whatever the attempt count says
            self.store.rewind(trial.trial_id, start)
        trial.attempts += 1
        trial.status = TrialStatus.RUNNING
        trial.start_time = trial.start_time or time.time()
        ctx = TrialContext(
            trial.trial_id,
            trial.attempts,
            self.store.trial_dir(trial.trial_id),
            trial.config,
            trial.checkpoint,
            start,
            self.sync,
            self.spec.stop,
            self.name,
            storage_node=self.node_id,
        )
        ref = self._task(trial.resources).remote(self.trainable, ctx, self.spec.metric)
        self._event(
            EventKind.TRIAL_START, trial.trial_id, config=trial.config, attempt=trial.attempts
        )
        self.refs[trial.trial_id] = ref
        self.running[trial.trial_id] = asyncio.ensure_future(
            self._await(trial, ref, trial.attempts)
        )
        self.dirty = True

    def _own_node_died(self, e: Exception) -> bool:
        if isinstance(e, ray.exceptions.LocalRayletDiedError):
            return True
        return isinstance(e, ray.exceptions.NodeDiedError) and node_of(e) == self.node_id

    def _task(self, resources: dict[str, float]) -> Any:
        key = tuple(sorted(resources.items()))
        task = self._tasks.get(key)
        if task is None:
            task = self._tasks[key] = run_trial.options(
                **res.ray_options(resources, self.spec.placement), name=self.task_name
            )
        return task

    def _a_node_died(self, before: int) -> bool:
        """Whether a node died since there were ``before`` dead ones (a worker that crashed
        meanwhile was most likely on it)."""
        return sum(1 for n in ray.nodes() if not n.get("Alive")) > before

    async def _await(self, trial: Trial, ref: ray.ObjectRef, attempt: int) -> None:
        dead = self.dead_nodes  # as of the last recount
        try:
            result: AttemptResult = await ref
        except ray.exceptions.TaskCancelledError:
            result = AttemptResult(AttemptEnd.INTERRUPTED)
        except ray.exceptions.RayError as e:  # the worker or its node died
            if self._own_node_died(e):
                return  # the whole experiment is going down: resuming will rerun the trial
            result = AttemptResult(AttemptEnd.FAILED, error=f"{type(e).__name__}: {e}")
            if trial.trial_id in self.cancelled:  # we killed it
                result = AttemptResult(AttemptEnd.INTERRUPTED)
            else:
                # A dying driver or head node fails its tasks before the controller notices:
                # wait a little so that the controller goes first and the trial is not blamed.
                await asyncio.sleep(SYSTEM_FAILURE_GRACE_S)
                if node_lost(e) or (
                    isinstance(e, ray.exceptions.WorkerCrashedError) and self._a_node_died(dead)
                ):
                    logger.warning(
                        "raytune_lite: trial %s lost its node (%s: %s); retried, not counted "
                        "against max_failures",
                        trial.trial_id,
                        type(e).__name__,
                        e,
                    )
                    result = AttemptResult(AttemptEnd.NODE_LOST, error=result.error)
        except Exception as e:  # e.g. the result could not be deserialized
            result = AttemptResult(AttemptEnd.FAILED, error=f"{type(e).__name__}: {e}")
        if trial.trial_id in self.unrunnable:  # no node could run it: ERROR, not stopped
            result = AttemptResult(AttemptEnd.FAILED, error=self.unrunnable.pop(trial.trial_id))
        self.running.pop(trial.trial_id, None)
        self.refs.pop(trial.trial_id, None)
        self.cancelled.discard(trial.trial_id)
        self.told.ended(trial.trial_id)
        try:
            self._end_attempt(trial, result, attempt)
        except Exception as e:
            self._crashed(e)
        if self.wake is not None:
            self.wake.set()
