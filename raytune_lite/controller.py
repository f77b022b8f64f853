"""The central controller: one async Ray actor that runs an experiment.

It is a small dispatcher over the trial table, the experiment store and the plugins: it fills
free slots (retries and exploits first, then paused trials the scheduler resumes, then new
configs from ``points_to_evaluate`` and the searcher), launches each attempt as a Ray task,
awaits the task refs with asyncio, takes the rows trials report (on disk first, then the
summary, the searcher and the scheduler), and applies the scheduler's decisions.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import re
import shutil
import time
from collections import deque
from dataclasses import replace
from typing import Any

import ray

from raytune_lite import resources as res
from raytune_lite.checkpoint import Checkpoint, CheckpointError
from raytune_lite.runner import AttemptEnd, AttemptResult, run_trial
from raytune_lite.schedulers.base import Action, Decision, Scheduler
from raytune_lite.search.base import FINISHED, Searcher
from raytune_lite.session import Message, TrialContext
from raytune_lite.space import Space
from raytune_lite.spec import ExperimentSpec
from raytune_lite.store import ExperimentStore, read_rows, saved_checkpoints
from raytune_lite.trial import Mode, Trial, TrialStatus, metric_value

logger = logging.getLogger("raytune_lite")

SNAPSHOT_EVERY_S = 2.0
CAPACITY_EVERY_S = 5.0
CANCEL_GRACE_S = 2.0
SYSTEM_FAILURE_GRACE_S = 1.5


def _iteration_of(checkpoint: Checkpoint | None) -> int:
    m = re.search(r"checkpoint_(\d+)$", checkpoint.path) if checkpoint else None
    return int(m.group(1)) if m else 0


class Controller:
    """Runs one experiment (constructed by :class:`~raytune_lite.tuner.Tuner` as an actor)."""

    def __init__(self, spec: ExperimentSpec, param_space: dict[str, Any], searcher: Searcher,
                 scheduler: Scheduler, trainable: list[Any], restored: dict[str, Any] | None = None):
        self.spec = spec
        self.space = Space(param_space)
        self.searcher = searcher
        self.scheduler = scheduler
        self.trainable = trainable[0]  # an ObjectRef: put once, resolved by every task
        self.store = ExperimentStore(spec.path)
        self.trials: dict[str, Trial] = {}
        self.queue: deque[str] = deque()          # retries and exploits, launched first
        self.running: dict[str, asyncio.Task[None]] = {}
        self.refs: dict[str, ray.ObjectRef] = {}
        self.decided: dict[str, Decision] = {}    # decisions not yet carried out
        self.cancelled: set[str] = set()          # attempts the controller cancelled
        self.searcher_pending = 0                 # the searcher's trials not finished yet
        self.kept: dict[str, list[tuple[float, int, str]]] = {}  # checkpoints kept per trial
        self.points = deque(spec.points_to_evaluate)
        self.budget = (spec.num_samples * self.space.grid_size if spec.num_samples > 0
                       else float("inf"))
        self.budget = max(self.budget, len(self.points))
        self.created = 0
        self.searcher_done = False
        self.stopping: str | None = None          # why the experiment stops early
        self.best: tuple[float, str] | None = None
        self.capacity = spec.max_concurrent or max(1, res.cluster_fits(spec.resources))
        self.started = time.time()
        self.wake: asyncio.Event | None = None
        self.dirty = True
        self.sync = scheduler.sync_policy()
        self._tasks: dict[tuple[tuple[str, float], ...], Any] = {}
        if restored:
            self._restore(restored)

    # -- the main loop ---------------------------------------------------------------------
    async def run(self) -> dict[str, Any]:
        """Runs the experiment to its end; returns the final counts."""
        self.wake = asyncio.Event()
        self.name = ray.get_runtime_context().get_actor_name() or ""
        self.node_id = ray.get_runtime_context().get_node_id()
        timers = [asyncio.ensure_future(self._every(SNAPSHOT_EVERY_S, self._snapshot))]
        if self.spec.max_concurrent is None:
            timers.append(asyncio.ensure_future(self._every(CAPACITY_EVERY_S, self._recount)))
        if self.spec.time_budget_s is not None:
            left = self.spec.time_budget_s - (time.time() - self.started)
            timers.append(asyncio.ensure_future(self._budget(left)))
        self._write_experiment("running")
        idle_asks = 0
        while True:
            self._fill()
            if not self.running:
                self._fill()  # a second ask: a scheduler may resume trials once idle
                if self.running:
                    continue
                if self.stopping or self.searcher_done or self.created >= self.budget:
                    break
                idle_asks += 1  # the searcher said "not now" with nothing pending
                if idle_asks > 50:
                    logger.warning("the searcher suggests nothing while no trial runs; ending")
                    break
            else:
                idle_asks = 0
            self.wake.clear()
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=0.2)
            except asyncio.TimeoutError:
                pass
        for t in timers:
            t.cancel()
        for trial in self.trials.values():
            if trial.status in (TrialStatus.PAUSED, TrialStatus.PENDING):
                self._finish(trial, TrialStatus.STOPPED_EARLY,
                             reason=self.stopping or "paused, never resumed")
        self._write_experiment("finished")
        self.store.close()
        return self.progress()

    def _fill(self) -> None:
        created = self.created
        self._fill_slots()
        if self.created != created:  # the searcher moved on: keep its state in step on disk
            self._write_experiment("running")

    def _fill_slots(self) -> None:
        while len(self.running) < self.capacity and not self.stopping:
            if self.queue:
                self._launch(self.trials[self.queue.popleft()])
            elif (rid := self.scheduler.next_to_resume()) is not None:
                trial = self.trials.get(rid)
                if trial is None or trial.status is not TrialStatus.PAUSED:
                    raise RuntimeError(f"{type(self.scheduler).__name__}.next_to_resume() "
                                       f"returned {rid!r}, which is not a paused trial")
                self._launch(trial)
            elif not self._new_trial():
                break

    def _new_trial(self) -> bool:
        if self.created >= self.budget:
            return False
        tid = f"{self.created:05d}"
        if self.points:
            config, from_searcher = self.points.popleft(), False
            self.searcher.add_trial(tid, config)
        else:
            limit = self.searcher.max_pending
            if self.searcher_done or (limit is not None and self.searcher_pending >= limit):
                return False
            config = self.searcher.suggest(tid)
            if config is FINISHED:
                self.searcher_done = True
                return False
            if config is None:
                return False
            from_searcher = True
        trial = Trial(tid, config, dict(self.spec.resources), from_searcher=from_searcher)
        self.searcher_pending += from_searcher
        trial.config_history.append({"training_iteration": 0, "config": config})
        self.trials[tid] = trial
        self.created += 1
        self.store.add_trial(tid, config)
        self.scheduler.on_add(trial.snapshot())
        self._launch(trial)
        return True

    def _launch(self, trial: Trial) -> None:
        start = trial.checkpoint_iteration if trial.checkpoint else 0
        if trial.attempts and trial.num_results:
            self.store.rewind(trial.trial_id, start)
        trial.attempts += 1
        trial.status = TrialStatus.RUNNING
        trial.start_time = trial.start_time or time.time()
        ctx = TrialContext(trial.trial_id, trial.attempts, self.store.trial_dir(trial.trial_id),
                           trial.config, trial.checkpoint, start, self.sync, self.spec.stop,
                           self.name)
        ref = self._task(trial.resources).remote(self.trainable, ctx, self.spec.metric)
        self.refs[trial.trial_id] = ref
        self.running[trial.trial_id] = asyncio.ensure_future(self._await(trial, ref))
        self.dirty = True

    def _own_node_died(self, e: Exception) -> bool:
        if isinstance(e, ray.exceptions.LocalRayletDiedError):
            return True
        m = re.search(r"node ID: ([0-9a-f]+)", str(e))
        return isinstance(e, ray.exceptions.NodeDiedError) and m is not None and \
            m.group(1) == self.node_id

    def _task(self, resources: dict[str, float]) -> Any:
        key = tuple(sorted(resources.items()))
        task = self._tasks.get(key)
        if task is None:
            task = self._tasks[key] = run_trial.options(**res.ray_options(resources))
        return task

    async def _await(self, trial: Trial, ref: ray.ObjectRef) -> None:
        try:
            result: AttemptResult = await ref
        except ray.exceptions.TaskCancelledError:
            result = AttemptResult(AttemptEnd.INTERRUPTED, [], action=Action.STOP)
        except ray.exceptions.RayError as e:  # the worker or its node died
            if self._own_node_died(e):
                return  # the whole experiment is going down: resuming will rerun the trial
            result = AttemptResult(AttemptEnd.FAILED, [], error=f"{type(e).__name__}: {e}")
            if trial.trial_id in self.cancelled:  # we killed it
                result = AttemptResult(AttemptEnd.INTERRUPTED, [], action=Action.STOP)
            else:
                # A dying driver or head node fails its tasks before the controller notices:
                # wait a little so that the controller goes first and the trial is not blamed.
                await asyncio.sleep(SYSTEM_FAILURE_GRACE_S)
        except Exception as e:  # noqa: BLE001 - e.g. the result could not be deserialized
            result = AttemptResult(AttemptEnd.FAILED, [], error=f"{type(e).__name__}: {e}")
        self.running.pop(trial.trial_id, None)
        self.refs.pop(trial.trial_id, None)
        try:
            self._end_attempt(trial, result)
        except Exception:
            logger.exception("raytune_lite: error while ending trial %s", trial.trial_id)
        if self.wake is not None:
            self.wake.set()

    # -- rows from trials ------------------------------------------------------------------
    async def report(self, trial_id: str, attempt: int, messages: list[Message]) -> Decision | None:
        """Called by trials (batched rows); returns a decision that is not CONTINUE, or None."""
        trial = self.trials.get(trial_id)
        if trial is None or attempt != trial.attempts:
            return Decision.STOP  # a stale attempt: its trial has moved on
        self._ingest(trial, messages)
        if self.stopping and trial_id not in self.decided:
            self.decided[trial_id] = Decision.STOP
        return self.decided.get(trial_id)

    def _ingest(self, trial: Trial, messages: list[Message]) -> None:
        tid = trial.trial_id
        self.store.append_rows(tid, [row for row, _ in messages])  # on disk before anything
        metric, mode = self.spec.metric, self.spec.mode
        for row, ckpt in messages:
            trial.observe(row, metric, mode)
            if ckpt is not None:
                trial.checkpoint = Checkpoint(ckpt)
                trial.checkpoint_iteration = int(row.get("training_iteration", 0))
                if self.spec.num_to_keep is not None:
                    self._retain(trial, row, ckpt)
            value = metric_value(row, metric)
            if value is not None and (self.best is None or mode.better(value, self.best[0])):
                self.best = (value, tid)
            self.searcher.on_result(tid, row)
            if tid not in self.decided:
                d = self.scheduler.on_result(trial.snapshot(), row)
                if d.action is Action.EXPLOIT and d.checkpoint is not None:
                    d = self._own_copy(trial, d)
                if d.action is not Action.CONTINUE:
                    self.decided[tid] = d
        self.dirty = True

    def _end_attempt(self, trial: Trial, result: AttemptResult) -> None:
        if result.messages:
            self._ingest(trial, result.messages)
        decision = self.decided.pop(trial.trial_id, None)
        self.store.close_trial(trial.trial_id)
        if result.end is AttemptEnd.FAILED:
            trial.failures += 1
            trial.error = result.error
            self.store.write_error(trial.trial_id, trial.attempts, result.error or "")
            if trial.failures <= self.spec.max_failures and not self.stopping:
                trial.status = TrialStatus.PENDING
                self.queue.append(trial.trial_id)
                self.store.write_trial(trial.trial_id, trial.to_json())
            else:
                self._finish(trial, TrialStatus.ERROR)
            return
        if result.end is AttemptEnd.INTERRUPTED:
            action = decision.action if decision else result.action
            if action is Action.PAUSE and not self.stopping:
                trial.status = TrialStatus.PAUSED
                self.store.write_trial(trial.trial_id, trial.to_json())
            elif action is Action.EXPLOIT and decision is not None and not self.stopping:
                self._exploit(trial, decision)
            else:
                reason = "scheduler" if decision is not None else (self.stopping or "stopped")
                self._finish(trial, TrialStatus.STOPPED_EARLY, reason=reason)
            return
        if self.spec.metric is not None and not trial.metric_seen:
            got = sorted(k for k in (trial.last_result or {}) if k not in _AUTO_KEYS)
            trial.error = (f"the metric {self.spec.metric!r} was never reported" +
                           (f"; the trial reported {got}" if trial.last_result else
                            ": the training function never called raytune_lite.report()"))
            self.store.write_error(trial.trial_id, trial.attempts, trial.error)
            self._finish(trial, TrialStatus.ERROR)
            return
        last_row = trial.last_result or {}
        if self.spec.metric in last_row and metric_value(last_row, self.spec.metric) is None:
            trial.error = (f"the metric {self.spec.metric!r} was {last_row[self.spec.metric]!r} "
                           f"at its last report (iteration {last_row.get('training_iteration')})"
                           ": a finite number is needed to rank the trial")
            self.store.write_error(trial.trial_id, trial.attempts, trial.error)
            self._finish(trial, TrialStatus.ERROR)
            return
        self._finish(trial, TrialStatus.TERMINATED,
                     reason="stop criterion" if result.end is AttemptEnd.STOP_CRITERION else None)

    def _own_copy(self, trial: Trial, d: Decision) -> Decision:
        """Copies the donor's checkpoint into the exploiting trial's folder at once, so that
        the donor may delete or replace its own while this trial restarts."""
        assert d.checkpoint is not None
        dest = os.path.join(self.store.trial_dir(trial.trial_id), "checkpoints",
                            f"checkpoint_{_iteration_of(d.checkpoint):06d}")
        try:
            return replace(d, checkpoint=d.checkpoint.persist(dest))
        except CheckpointError:
            logger.exception("raytune_lite: exploit of trial %s skipped", trial.trial_id)
            return Decision.CONTINUE

    def _retain(self, trial: Trial, row: dict[str, Any], path: str) -> None:
        """Deletes checkpoints beyond ``num_to_keep`` (the worst by ``checkpoint_score``, or
        the oldest); the newest one is always kept, for retries and resuming."""
        score_key = self.spec.checkpoint_score
        it = int(row.get("training_iteration", 0))
        if score_key is None:
            score = float(it)  # keep the latest
        else:
            v = metric_value(row, score_key)
            better_high = score_key != self.spec.metric or self.spec.mode is Mode.MAX
            score = -math.inf if v is None else (v if better_high else -v)
        kept = self.kept.setdefault(trial.trial_id, [])
        kept.append((score, it, path))
        assert self.spec.num_to_keep is not None
        while len(kept) > self.spec.num_to_keep:
            victim = min(kept[:-1], key=lambda k: (k[0], k[1]))
            kept.remove(victim)
            shutil.rmtree(victim[2], ignore_errors=True)

    def _exploit(self, trial: Trial, decision: Decision) -> None:
        assert decision.config is not None
        it = int((trial.last_result or {}).get("training_iteration", 0))
        trial.set_config(decision.config)
        trial.checkpoint = decision.checkpoint
        trial.checkpoint_iteration = _iteration_of(decision.checkpoint)
        trial.config_history.append({"training_iteration": it, "config": decision.config,
                                     "donor": decision.donor})
        trial.status = TrialStatus.PENDING
        self.queue.appendleft(trial.trial_id)
        self.store.write_trial(trial.trial_id, trial.to_json())

    def _finish(self, trial: Trial, status: TrialStatus, reason: str | None = None) -> None:
        if trial.from_searcher and not trial.status.is_finished:
            self.searcher_pending -= 1
        trial.status = status
        trial.stop_reason = reason
        trial.end_time = time.time()
        self.store.close_trial(trial.trial_id)
        self.store.write_trial(trial.trial_id, trial.to_json())
        snap = trial.snapshot()
        self.scheduler.on_complete(snap)
        self.searcher.on_complete(trial.trial_id, trial.last_result,
                                  status is TrialStatus.ERROR)
        self.dirty = True

    # -- timers ------------------------------------------------------------------------------
    async def _every(self, seconds: float, fn: Any) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                fn()
            except Exception:
                logger.exception("raytune_lite: periodic task %s failed", fn.__name__)

    def _snapshot(self) -> None:
        if self.dirty:
            self._write_experiment("running")

    def _recount(self) -> None:
        fits = res.cluster_fits(self.spec.resources)
        if fits == 0:
            logger.warning("raytune_lite: %s", res.unsatisfiable_message(self.spec.resources))
        self.capacity = max(1, fits)
        if self.wake is not None:
            self.wake.set()

    async def _budget(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))
        self.stop_experiment("time budget")
        # trials that did not report since: interrupt them, then kill their workers (a
        # function blocked in C code never sees the interrupt)
        for force in (False, True):
            await asyncio.sleep(CANCEL_GRACE_S)
            for tid, ref in list(self.refs.items()):
                self.cancelled.add(tid)
                ray.cancel(ref, force=force)

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
    def _write_experiment(self, status: str) -> None:
        self.dirty = False
        self.store.write_experiment({
            "status": status, "spec": self.spec.to_json(), "space": self.space.to_json(),
            "searcher": {"class": type(self.searcher).__name__, "state": self.searcher.state()},
            "scheduler": {"class": type(self.scheduler).__name__,
                          "state": self.scheduler.state()},
            "created": self.created, "points_left": list(self.points),
            "searcher_done": self.searcher_done, "started": self.started,
            "updated": time.time(),
        })

    def _restore(self, restored: dict[str, Any]) -> None:
        """Takes up an interrupted experiment (trial summaries and plugin state)."""
        exp = restored["experiment"]
        self.searcher.load_state(exp.get("searcher", {}).get("state", {}))
        self.scheduler.load_state(exp.get("scheduler", {}).get("state", {}))
        self.created = int(exp.get("created", 0))
        self.points = deque(exp.get("points_left", []))
        self.searcher_done = bool(exp.get("searcher_done", False))
        for d in restored["trials"]:
            trial = Trial.from_json(d)
            self.trials[trial.trial_id] = trial
            self.created = max(self.created, int(trial.trial_id) + 1)
            if not trial.status.is_finished:
                self._recover(trial)
            if trial.status in (TrialStatus.RUNNING, TrialStatus.PENDING):
                trial.status = TrialStatus.PENDING
                self.queue.append(trial.trial_id)
            v = trial.best_value
            if v is not None and (self.best is None or self.spec.mode.better(v, self.best[0])):
                self.best = (v, trial.trial_id)

    def _recover(self, trial: Trial) -> None:
        """Rebuilds an unfinished trial's summary from its rows on disk (its trial.json is
        only rewritten at status changes) and picks the last checkpoint whose row made it."""
        rows = read_rows(self.store.path, trial.trial_id)
        trial.num_results, trial.last_result, trial.best_value = 0, None, None
        for row in rows:
            trial.observe(row, self.spec.metric, self.spec.mode)
        reported = {int(r.get("training_iteration", 0)) for r in rows}
        saved = saved_checkpoints(self.store.trial_dir(trial.trial_id))
        usable = [it for it in saved if it in reported]
        if usable:
            trial.checkpoint_iteration = max(usable)
            trial.checkpoint = Checkpoint(saved[trial.checkpoint_iteration])
        elif trial.checkpoint is None or not os.path.isdir(trial.checkpoint.path):
            trial.checkpoint, trial.checkpoint_iteration = None, 0

    def progress(self) -> dict[str, Any]:
        """Counts, best so far and the running trials, for the live table."""
        counts = {s.value: 0 for s in TrialStatus}
        for t in self.trials.values():
            counts[t.status.value] += 1
        metric = self.spec.metric
        running = [(tid, int((t.last_result or {}).get("training_iteration", 0)),
                    metric_value(t.last_result, metric))
                   for tid, t in self.trials.items() if t.status is TrialStatus.RUNNING][:12]
        best = None
        if self.best is not None:
            value, tid = self.best
            best = {"trial_id": tid, "value": value, "config": self.trials[tid].config}
        return {"counts": counts, "created": self.created, "budget": self.budget,
                "running": running, "best": best, "elapsed": time.time() - self.started,
                "metric": metric, "stopping": self.stopping, "pid": os.getpid()}


_AUTO_KEYS = {"training_iteration", "timestamp", "time_this_iter_s", "time_total_s"}
