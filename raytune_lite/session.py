"""Inside a running trial: ``report()`` and friends.

``report`` hands the row to a per-trial *outbox*: a background thread that sends rows to the
controller in batches (one call in flight at a time; rows that arrive meanwhile ride the next
call). The training function only waits for the controller when a decision is needed at this
step (the scheduler's :class:`~raytune_lite.schedulers.base.SyncPolicy`) or when the row
carries a checkpoint. Rows still in the outbox when the function ends travel back with the
task's return value, so no row is lost and a short trial costs no extra round trip.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Mapping
from typing import Any

from raytune_lite import transfer
from raytune_lite.attempt import (
    CONTROLLER_NAMESPACE,
    AttemptEnd,
    Message,
    TrialContext,
    TrialInterrupt,
)
from raytune_lite.checkpoint import Checkpoint
from raytune_lite.schedulers.base import Action, Decision
from raytune_lite.spec import missing_stop_keys, stop_reached
from raytune_lite.store import checkpoint_dir

logger = logging.getLogger("raytune_lite")

#: How long the outbox waits for more rows before sending a batch (seconds).
LINGER_S = 0.02


_handles: dict[str, Any] = {}


def _controller(name: str) -> Any:
    """The controller's actor handle, looked up once per worker process and experiment
    (sending the handle with every task costs more than the task itself)."""
    handle = _handles.get(name)
    if handle is None:
        import ray

        handle = _handles[name] = ray.get_actor(name, namespace=CONTROLLER_NAMESPACE)
    return handle


class _Outbox:
    """Batches rows to the controller from a background thread."""

    def __init__(self, ctx: TrialContext):
        self._ctx = ctx
        self._cv = threading.Condition()
        self._buf: list[Message] = []
        self._queued = 0
        self._acked = 0
        self._flush = False
        self._closed = False
        self._first_at = 0.0
        self._decision: Decision | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def put(self, msg: Message, wait: bool) -> Decision | None:
        """Queues ``msg``; with ``wait``, returns only once the controller has it on disk."""
        with self._cv:
            if self._error is not None:
                raise RuntimeError(
                    "raytune_lite lost its connection to the controller"
                ) from self._error
            if not self._buf:
                self._first_at = time.monotonic()
            self._buf.append(msg)
            self._queued += 1
            seq = self._queued
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, daemon=True, name=f"rtl-outbox-{self._ctx.trial_id}"
                )
                self._thread.start()
            if wait:
                self._flush = True
            self._cv.notify_all()
            while wait and self._acked < seq and self._error is None:
                self._cv.wait()
            if self._error is not None:
                raise RuntimeError(
                    "raytune_lite lost its connection to the controller"
                ) from self._error
            return self._decision

    def _loop(self) -> None:
        ctx = self._ctx
        while True:
            with self._cv:
                while not self._buf and not self._closed:
                    self._cv.wait()
                if self._closed:
                    return  # close() takes what is left
                while not self._flush and not self._closed:
                    left = self._first_at + LINGER_S - time.monotonic()
                    if left <= 0:
                        break
                    self._cv.wait(left)
                if self._closed:
                    return
                batch, self._buf, self._flush = self._buf, [], False
            try:
                import ray

                handle = _controller(ctx.controller)
                decision = ray.get(handle.report.remote(ctx.trial_id, ctx.attempt, batch))
            except BaseException as e:  # the controller is gone: report() raises
                with self._cv:
                    self._error = e
                    self._cv.notify_all()
                return
            with self._cv:
                self._acked += len(batch)
                if decision is not None and self._decision is None:
                    self._decision = decision
                self._cv.notify_all()

    def close(self) -> list[Message]:
        """Stops the thread (after its call in flight) and returns the rows never sent."""
        with self._cv:
            self._closed = True
            self._cv.notify_all()
        if self._thread is not None:
            self._thread.join()
        with self._cv:
            rest, self._buf = self._buf, []
        return rest

    @property
    def decision(self) -> Decision | None:
        return self._decision


def _clean_value(key: str, v: Any) -> Any:
    if v is None or type(v) in (str, bool, int, float):
        return v
    for plain in (bool, int, float, str):  # subclasses (np.float64, IntEnum) as plain values
        if isinstance(v, plain):
            return plain(v)
    item = getattr(v, "item", None)  # numpy scalars and 0-d arrays
    if callable(item) and getattr(v, "ndim", 0) == 0:
        return item()
    if isinstance(v, (list, tuple)):
        return [_clean_value(key, x) for x in v]
    if isinstance(v, Mapping):
        return {str(k): _clean_value(key, x) for k, x in v.items()}
    raise TypeError(
        f"report(): the value of {key!r} must be a number, string, bool, None "
        f"or a list/dict of those; got {type(v).__name__}: {v!r}"
    )


class _Session:
    def __init__(self, ctx: TrialContext):
        self.ctx = ctx
        self.iteration = ctx.start_iteration
        self.started = time.time()
        self.last = self.started
        self.outbox = _Outbox(ctx)
        self._fetched: Checkpoint | None = None
        self._scratch: str | None = None
        #: set once the attempt is told to end: every later report() raises it again
        self.interrupt: TrialInterrupt | None = None
        self._next_milestone = 0
        self._last_sync = float(ctx.start_iteration)
        ms = ctx.sync.milestones
        while self._next_milestone < len(ms) and ms[self._next_milestone] <= ctx.start_iteration:
            self._next_milestone += 1

    def _needs_sync(self, row: dict[str, Any]) -> bool:
        policy = self.ctx.sync
        if policy.every_report:
            return True
        t = row.get(policy.time_attr)
        if not isinstance(t, (int, float)):
            return False
        due = False
        ms = policy.milestones
        while self._next_milestone < len(ms) and t >= ms[self._next_milestone]:
            self._next_milestone += 1
            due = True
        if policy.interval and t - self._last_sync >= policy.interval:
            self._last_sync = t
            due = True
        return due

    def _stop_reached(self, row: dict[str, Any]) -> bool:
        stop = self.ctx.stop
        if stop is None:
            return False
        if callable(stop):
            return bool(stop(self.ctx.trial_id, row))
        if self.iteration == self.ctx.start_iteration + 1:  # the first row: are the keys there?
            problem = missing_stop_keys(stop, row)
            if problem is not None:
                raise ValueError(problem)
        return stop_reached(stop, row)

    def report(self, metrics: Mapping[str, Any], checkpoint: Checkpoint | None) -> None:
        if self.interrupt is not None:
            # told to stop already (a broad except swallowed it): stop again, send nothing
            raise TrialInterrupt(self.interrupt.end, self.interrupt.reason)
        if not isinstance(metrics, Mapping):
            raise TypeError(
                f"report() needs a dict of metrics; got {type(metrics).__name__}: {metrics!r}"
            )
        row: dict[str, Any] = {}
        for k, v in metrics.items():
            if not isinstance(k, str):
                raise TypeError(f"report(): metric names must be strings; got {k!r}")
            row[k] = _clean_value(k, v)
        now = time.time()
        self.iteration += 1
        row["training_iteration"] = self.iteration
        row["timestamp"] = now
        row["time_this_iter_s"] = now - self.last
        row["time_total_s"] = now - self.started
        self.last = now
        saved: str | None = None
        if checkpoint is not None:
            saved = self._save_checkpoint(checkpoint)
        wait = saved is not None or self._needs_sync(row)
        stop = self._stop_reached(row)  # before the row goes: a bad stop key fails first
        decision = self.outbox.put((row, saved), wait)
        if stop:
            self.interrupt = TrialInterrupt(AttemptEnd.STOP_CRITERION, "stop criterion reached")
        elif decision is not None and decision.action is not Action.CONTINUE:
            self.interrupt = TrialInterrupt(
                AttemptEnd.INTERRUPTED, f"the scheduler decided {decision.action.name}"
            )
        if self.interrupt is not None:
            raise self.interrupt

    def _save_checkpoint(self, checkpoint: Checkpoint) -> str:
        """Saves the checkpoint into the trial's folder: a copy on the folder's node, or
        streamed there through Ray from any other node (:mod:`raytune_lite.transfer`)."""
        if not isinstance(checkpoint, Checkpoint):
            raise TypeError(
                f"report(checkpoint=...) needs a raytune_lite.Checkpoint; got "
                f"{type(checkpoint).__name__}"
            )
        dest = checkpoint_dir(self.ctx.trial_dir, self.iteration)
        if transfer.on_storage_node(self.ctx.storage_node):
            saved = checkpoint.persist(dest).path
        else:
            saved = transfer.upload(self._depot(), checkpoint.path, dest)
        src = os.path.abspath(checkpoint.path)
        if os.path.dirname(src) == os.path.abspath(tempfile.gettempdir()) and os.path.basename(
            src
        ).startswith("rtl_ckpt_"):
            shutil.rmtree(src, ignore_errors=True)  # a from_dict temp dir: now saved
        return saved

    def _depot(self) -> Any:
        return transfer.depot_for(_controller(self.ctx.controller), self.ctx.controller)

    def checkpoint(self) -> Checkpoint | None:
        """The checkpoint to start from, fetched to this node first where the experiment
        folder is on another one."""
        ckpt = self.ctx.checkpoint
        if ckpt is None or transfer.on_storage_node(self.ctx.storage_node):
            return ckpt
        if self._fetched is None:
            self._fetched = Checkpoint(transfer.fetch(self._depot(), ckpt.path))
        return self._fetched

    def trial_dir(self) -> str:
        """The trial's folder; on a node other than the folder's, a local folder whose files
        are added to the trial's folder when the attempt ends."""
        if transfer.on_storage_node(self.ctx.storage_node):
            return self.ctx.trial_dir
        if self._scratch is None:
            self._scratch = tempfile.mkdtemp(prefix="rtl_trial_files_")
        return self._scratch

    def release(self) -> None:
        """Sends the files the trial wrote on another node to its folder, and removes what
        this attempt fetched or wrote there (called when the attempt ends)."""
        if self._fetched is not None:
            shutil.rmtree(self._fetched.path, ignore_errors=True)
            self._fetched = None
        scratch, self._scratch = self._scratch, None
        if scratch is None:
            return
        try:
            if os.listdir(scratch):
                transfer.upload(self._depot(), scratch, self.ctx.trial_dir, merge=True)
        except Exception:
            logger.exception("raytune_lite: files of trial %s not saved", self.ctx.trial_id)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


_current: _Session | None = None


def _session(fn: str) -> _Session:
    if _current is None:
        raise RuntimeError(
            f"raytune_lite.{fn}() was called outside a trial: call it from the "
            "training function that you pass to raytune_lite.Tuner"
        )
    return _current


def report(metrics: Mapping[str, Any], checkpoint: Checkpoint | None = None) -> None:
    """Reports one row of metrics (and optionally a checkpoint) from inside a trial.

    Adds ``training_iteration`` (1, 2, ...), ``timestamp``, ``time_this_iter_s`` and
    ``time_total_s``. Ends the function (by raising a BaseException) when a stop criterion is
    met or the scheduler stops, pauses or exploits the trial.

    Example:
        >>> import raytune_lite as rt
        >>> def train(config):
        ...     for epoch in range(3):
        ...         rt.report({"loss": config["lr"] / (epoch + 1)})
    """
    _session("report").report(metrics, checkpoint)


def get_checkpoint() -> Checkpoint | None:
    """The checkpoint to resume from (retry, resume, PBT exploit), or None."""
    return _session("get_checkpoint").checkpoint()


def get_trial_id() -> str:
    """The running trial's id."""
    return _session("get_trial_id").ctx.trial_id


def get_trial_dir() -> str:
    """The running trial's folder in the experiment directory, for files of its own.

    On a node other than the experiment folder's, a local folder instead: what the trial
    writes there is added to its folder in the experiment when the attempt ends (a file
    named like one of the controller's — ``result.jsonl``, ``trial.json``, ... — is not).
    """
    return _session("get_trial_dir").trial_dir()


def get_seed() -> int | None:
    """The running trial's seed: ``config["seed"]`` (set by ``Tuner(repeats=...)``), else None.

    Example:
        >>> import raytune_lite as rt
        >>> import numpy as np
        >>> def train(config):
        ...     rng = np.random.default_rng(rt.get_seed())  # the same seed for every config
    """
    seed = _session("get_seed").ctx.config.get("seed")
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else None


def in_trial() -> bool:
    """Whether the caller runs inside a trial."""
    return _current is not None
