"""The central controller: one async Ray actor that runs an experiment.

It is a small dispatcher over the trial table, the experiment store and the plugins: it fills
free slots (retries and exploits first, then paused trials the scheduler resumes, then new
configs from ``points_to_evaluate`` and the searcher), launches each attempt as a Ray task,
awaits the task refs with asyncio, takes the rows trials report (on disk first, then the
summary, the searcher and the scheduler), and applies the scheduler's decisions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from typing import Any

import ray

from raytune_lite.attempt import AttemptEnd, AttemptResult, Message
from raytune_lite.autoscaling import Growth
from raytune_lite.controller.define_by_run import ObjectiveCalls
from raytune_lite.controller.driver_calls import CANCEL_GRACE_S, DriverCalls
from raytune_lite.controller.failing import (
    Escalation,
    FailureLog,
    NodeWait,
)
from raytune_lite.controller.launching import Launching
from raytune_lite.controller.outcome import Next, attempt_outcome
from raytune_lite.controller.persistence import ExperimentOnDisk
from raytune_lite.controller.retention import CheckpointRetention, own_copy
from raytune_lite.controller.supply import TrialSupply
from raytune_lite.controller.table import TrialTable
from raytune_lite.controller.timers import enforce_time_budget, every
from raytune_lite.events import EventKind, EventLog
from raytune_lite.multiobjective import feasible, parse_constraints
from raytune_lite.schedulers.base import Action, Decision, Scheduler
from raytune_lite.search.base import Searcher
from raytune_lite.space import Space
from raytune_lite.spec import ExperimentSpec
from raytune_lite.storage import open_lock, open_store
from raytune_lite.store import (
    ExperimentStatus,
    StaleWriter,
    checkpoint_iteration,
)
from raytune_lite.trial import Trial, TrialStatus

logger = logging.getLogger("raytune_lite")

SNAPSHOT_EVERY_S = 2.0
CAPACITY_EVERY_S = 5.0
STOP_GRACE_S = 5.0  # a trial told to end that goes on reporting is cancelled after this
#: the experiment's stop reason after Ctrl-C in the driver


class Controller(ExperimentOnDisk, DriverCalls, Launching, ObjectiveCalls):
    """Runs one experiment (constructed by :class:`~raytune_lite.tuner.Tuner` as an actor)."""

    def __init__(
        self,
        spec: ExperimentSpec,
        param_space: dict[str, Any],
        searcher: Searcher,
        scheduler: Scheduler,
        trainable: list[Any],
        resume: bool = False,
        events: bool = False,
        autoscaler_config: dict[str, Any] | None = None,
    ) -> None:
        self.spec = spec
        #: what happened to the trials, for the driver's callbacks (None: no callbacks)
        self.events: EventLog | None = EventLog() if events else None
        self.space = Space(param_space)
        self.constraints = parse_constraints(
            None if isinstance(spec.constraints, str) else spec.constraints
        )
        self.searcher = searcher
        self.scheduler = scheduler
        self.trainable = trainable[0]  # an ObjectRef: put once, resolved by every task
        self.task_name = str(trainable[1]) if len(trainable) > 1 else "run_attempt"
        self.store = open_store(spec.path)  # a folder, or a working copy of a remote
        self.trials = TrialTable(spec.metric, spec.mode)
        self.queue: deque[str] = deque()  # retries and exploits, launched first
        self.running: dict[str, asyncio.Task[None]] = {}
        self.refs: dict[str, ray.ObjectRef] = {}
        self.decided: dict[str, Decision] = {}  # decisions not yet carried out
        self.cancelled: set[str] = set()  # attempts the controller cancelled
        self.resume_asked: set[str] = set()  # resumed before their pause took effect
        self.supply = TrialSupply(
            searcher,
            spec.points_to_evaluate,
            spec.num_samples * spec.repeats,  # each config runs `repeats` times
            self.space.grid_size,
        )
        self.retention = CheckpointRetention(
            spec.num_to_keep,
            spec.checkpoint_score,
            spec.metric,
            spec.mode,
            remove=self.store.remove_checkpoint,
        )
        self.stopping: str | None = None  # why the experiment stops early
        self.crash: str | None = None  # what broke the controller's own work
        self.failing = FailureLog(spec.fail_fast, spec.systematic_failures, self.store.trial_dir)
        self.nodes = NodeWait(spec.wait_for_nodes_s)
        self.unrunnable: dict[str, str] = {}  # attempts cancelled as no node can run them
        self.told = Escalation(self._cancel, lambda t: self.refs.get(t), STOP_GRACE_S)
        self.growth = Growth.from_config(autoscaler_config)
        fits, self.dead_nodes = self._count_nodes()
        self.capacity = spec.max_concurrent or max(1, fits)
        self.started = time.time()
        self.wake: asyncio.Event | None = None
        self.dirty = True
        self.sync = scheduler.sync_policy()
        self._tasks: dict[tuple[tuple[str, float], ...], Any] = {}
        self._depot: Any = None
        self.resume = resume
        self.lock = open_lock(spec.path, self.store)
        self.interrupted = False  # Ctrl-C in the driver: running trials end INTERRUPTED
        self.by_interrupt: set[str] = set()  # attempts ended by the interrupt itself
        self._interrupt_timer: asyncio.Future[None] | None = None

    # -- the main loop ---------------------------------------------------------------------
    async def run(self) -> dict[str, Any]:
        """Runs the experiment to its end; returns the final counts."""
        self.wake = asyncio.Event()
        self.name = ray.get_runtime_context().get_actor_name() or ""
        self.node_id = ray.get_runtime_context().get_node_id()
        timers = [asyncio.ensure_future(every(SNAPSHOT_EVERY_S, self._snapshot))]
        recount_s = min(CAPACITY_EVERY_S, max(0.2, (self.spec.wait_for_nodes_s or 60.0) / 4))
        timers.append(asyncio.ensure_future(every(recount_s, self._recount)))
        if self.spec.time_budget_s is not None:
            left = self.spec.time_budget_s - (time.time() - self.started)
            timers.append(
                asyncio.ensure_future(
                    enforce_time_budget(
                        left, self.stop_experiment, lambda: self.refs, self._cancel, CANCEL_GRACE_S
                    )
                )
            )
        self._write_experiment(ExperimentStatus.RUNNING)
        idle_asks = 0
        while True:
            self._fill()
            if not self.running:
                self._fill()  # a second ask: a scheduler may resume trials once idle
                if self.running:
                    continue
                if self.stopping or self.supply.exhausted:
                    break
                idle_asks += 1  # the searcher said "not now" with nothing pending
                if idle_asks > 50:
                    logger.warning("the searcher suggests nothing while no trial runs; ending")
                    break
            else:
                idle_asks = 0
            self.wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=0.2)
        for t in timers:
            t.cancel()
        try:
            for trial in self.trials:
                if self.interrupted:
                    break  # paused and pending trials stay so: resume takes them up
                if trial.status is TrialStatus.PENDING and self.nodes.gave_up:  # unrunnable
                    trial.error = self.nodes.gave_up
                    self.store.write_error(trial.trial_id, trial.attempts, trial.error)
                    self._finish(trial, TrialStatus.ERROR, reason=self.stopping)
                elif trial.status in (TrialStatus.PAUSED, TrialStatus.PENDING):
                    reason = self.stopping or "paused, never resumed"
                    self._finish(trial, TrialStatus.STOPPED_EARLY, reason=reason)
            if self.crash:
                status = ExperimentStatus.FAILED
            elif self.interrupted:
                status = ExperimentStatus.INTERRUPTED
            else:
                status = ExperimentStatus.FINISHED
            self._write_experiment(status)
            self.store.close()
        except Exception as e:
            self._crashed(e)
        finally:
            self.lock.release()
        return self.progress()

    def _fill(self) -> None:
        created = self.supply.created
        try:
            self._fill_slots()
            if self.supply.created != created:  # the searcher moved on: keep its state on disk
                self._write_experiment(ExperimentStatus.RUNNING)
        except Exception as e:  # the searcher, the scheduler or the store raised
            self._crashed(e)

    def _tell_capacity(self) -> None:
        s = self.supply
        self.scheduler.set_capacity(self.capacity, 0 if s.exhausted else s.budget - s.created)

    def _fill_slots(self) -> None:
        while len(self.running) < self.capacity and not self.stopping:
            self._tell_capacity()
            if self.queue:
                self._launch(self.trials[self.queue.popleft()])
            elif (rid := self.scheduler.next_to_resume()) is not None:
                trial = self.trials.get(rid)
                if trial is not None and trial.status is TrialStatus.PAUSED:
                    self._resume(trial)
                    self._launch(trial)
                elif trial is not None and self.decided.get(rid) == Decision.PAUSE:
                    self.resume_asked.add(rid)  # its attempt is still ending: resume it then
                else:
                    logger.error(
                        "raytune_lite: %s.next_to_resume() returned %r, which is not "
                        "a paused trial; ignored",
                        type(self.scheduler).__name__,
                        rid,
                    )
            elif not self._new_trial():
                break
        self._tell_capacity()

    def _new_trial(self) -> bool:
        new = self.supply.next()
        if new is None:
            return False
        tid, config = new.trial_id, new.config
        trial = Trial(tid, config, dict(self.spec.resources), from_searcher=new.from_searcher)
        trial.info = dict(self.searcher.trial_info(tid)) if new.from_searcher else {}
        trial.config_history.append({"training_iteration": 0, "config": config})
        self.trials.add(trial)
        self.store.add_trial(tid, config)
        self.scheduler.on_add(trial.snapshot())
        self._launch(trial)
        return True

    # -- rows from trials ------------------------------------------------------------------
    async def report(self, trial_id: str, attempt: int, messages: list[Message]) -> Decision | None:
        """Called by trials (batched rows); returns a decision that is not CONTINUE, or None."""
        trial = self.trials.get(trial_id)
        if trial is None or attempt != trial.attempts or trial_id not in self.running:
            logger.warning(
                "raytune_lite: rows of ended attempt %s of %s refused", attempt, trial_id
            )
            return Decision.STOP  # a stale attempt: its trial has moved on
        try:
            self._ingest(trial, messages, attempt)
        except StaleWriter as e:
            logger.warning("raytune_lite: %s", e)
            return Decision.STOP
        except Exception as e:  # the store, the searcher or the scheduler raised
            self._crashed(e)
        if self.stopping and trial_id not in self.decided:
            self.decided[trial_id] = Decision.STOP
            if self.interrupted:
                self.by_interrupt.add(trial_id)
        decision = self.decided.get(trial_id)
        if decision is not None:  # told to end: cancelled if it goes on past a grace
            self.told.told(trial_id, self.refs.get(trial_id))
        return decision

    def _ingest(self, trial: Trial, messages: list[Message], attempt: int) -> None:
        tid = trial.trial_id
        # on disk before anything; refused if this attempt is not the running one
        self.store.append_rows(tid, [row for row, _ in messages], attempt)
        metric, mode = self.spec.metric, self.spec.mode
        for row, ckpt in messages:
            trial.observe(row, metric, mode, checkpoint=ckpt)
            self._event(EventKind.TRIAL_RESULT, tid, row=row, checkpoint=ckpt)
            if ckpt is not None:
                self.store.saved_checkpoint(ckpt)  # a remote store uploads it
                self.retention.add(tid, row, ckpt)
            self.trials.offer(row, tid)
            self.searcher.on_result(tid, row)
            if tid not in self.decided:
                d = self.scheduler.on_result(trial.snapshot(), row)
                if d.action is Action.EXPLOIT and d.checkpoint is not None:
                    # copied once this attempt has ended; protected from retention until then
                    self.retention.protect(d.checkpoint.path)
                if d.action is not Action.CONTINUE:
                    self.decided[tid] = d
        self.dirty = True

    def _end_attempt(self, trial: Trial, result: AttemptResult, attempt: int) -> None:
        if result.messages:
            self._ingest(trial, result.messages, attempt)
        decision = self.decided.pop(trial.trial_id, None)
        self.store.close_trial(trial.trial_id)
        if result.end is AttemptEnd.FAILED:
            trial.failures += 1
            trial.error = result.error
            self.store.write_error(trial.trial_id, trial.attempts, result.error or "")
            if (
                self.failing.failed(trial.trial_id, trial.failures, result.error, result.exception)
                and not self.crash
            ):
                self.stop_experiment(self.failing.fatal.reason if self.failing.fatal else "")
        elif result.end is not AttemptEnd.NODE_LOST and not self.stopping:
            self.failing.succeeded()
        out = attempt_outcome(
            result,
            decision,
            trial,
            max_failures=self.spec.max_failures,
            metric=self.spec.metric,
            stopping=self.stopping,
            interrupted=self.interrupted,
            by_interrupt=trial.trial_id in self.by_interrupt,
        )
        if out.next is Next.FINISH:
            if out.error is not None:  # it returned, but cannot be ranked
                trial.error = out.error
                self.store.write_error(trial.trial_id, trial.attempts, out.error)
            self._finish(trial, out.status, reason=out.reason)
        elif out.next is Next.EXPLOIT and decision is not None:
            trial.status = out.status
            self._exploit(trial, decision)
            self.queue.appendleft(trial.trial_id)
        else:  # RETRY (launched again first), PAUSE (until the scheduler resumes it),
            # INTERRUPT (Ctrl-C: continued from its checkpoint on resume)
            trial.status = out.status
            if out.next is Next.PAUSE and trial.trial_id in self.resume_asked:
                self._resume(trial)
            if out.next is Next.RETRY or trial.trial_id in self.resume_asked:
                self.resume_asked.discard(trial.trial_id)
                self.queue.append(trial.trial_id)
            self.store.write_trial(trial.trial_id, trial.to_json())
        if decision is not None and decision.action is Action.EXPLOIT and decision.checkpoint:
            self.retention.release(decision.checkpoint.path)

    def _resume(self, trial: Trial) -> None:
        """A paused trial starts again: the scheduler may have it exploit a donor instead."""
        d = self.scheduler.on_resume(trial.snapshot())
        if d.action is Action.EXPLOIT and d.checkpoint is not None:
            self._exploit(trial, d)

    def _exploit(self, trial: Trial, decision: Decision) -> None:
        """Restarts ``trial`` (not running) from its own copy of the donor's checkpoint with
        the decision's config; where the copy fails it keeps its own state (logged)."""
        if decision.checkpoint is not None:
            decision = own_copy(decision, self.store.trial_dir(trial.trial_id), trial.trial_id)
            if decision.action is not Action.EXPLOIT:
                return
        assert decision.config is not None
        ckpt = decision.checkpoint
        iteration = checkpoint_iteration(ckpt.path if ckpt else None)
        trial.adopt(decision.config, ckpt, iteration, decision.donor)
        if ckpt is not None:
            self.store.saved_checkpoint(ckpt.path)
            self.retention.adopt(trial.trial_id, ckpt.path, iteration)
        self.store.write_trial(trial.trial_id, trial.to_json())

    def _finish(self, trial: Trial, status: TrialStatus, reason: str | None = None) -> None:
        if not trial.status.is_finished:
            self.supply.finished(trial.from_searcher)
        self.resume_asked.discard(trial.trial_id)
        trial.finish(status, reason, time.time())  # drops the cached config view
        self.retention.forget(trial.trial_id)
        self.store.close_trial(trial.trial_id)
        self.store.write_trial(trial.trial_id, trial.to_json())
        self.scheduler.on_complete(trial.snapshot())
        # an infeasible trial (constraints=...) is learnt as failed: never a best to move to
        failed = status is TrialStatus.ERROR or not feasible(trial.last_result, self.constraints)
        self.searcher.on_complete(trial.trial_id, trial.last_result, failed)
        kind = EventKind.TRIAL_ERROR if status is TrialStatus.ERROR else EventKind.TRIAL_COMPLETE
        self._event(kind, trial.trial_id, status=status.value, error=trial.error, reason=reason)
        self.dirty = True
