"""Inside a running trial: ``report()`` and friends.

``report`` hands the row to a per-trial *outbox*: a background thread that sends rows to the
controller in batches (one call in flight at a time; rows that arrive meanwhile ride the next
call). The training function only waits for the controller when a decision is needed at this
step (the scheduler's :class:`~raytune_lite.schedulers.base.SyncPolicy`) or when the row
carries a checkpoint. Rows still in the outbox when the function ends travel back with the
task's return value, so no row is lost and a short trial costs no extra round trip.

A session is bound to its attempt (trial id and attempt number travel with every batch).
Worker processes are reused between trials, so a thread that a finished trial left running
must never report into the next trial on the same worker: the attempt's own thread finds its
session in a context variable, and every other thread is attributed to the attempt during
which it was started (:func:`bind` / :func:`unbind`). A report from an attempt that has ended
raises in the thread that made it; it never becomes a row of another trial.
"""

from __future__ import annotations

import contextvars
import logging
import os
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Mapping
from typing import Any

from raytune_lite import transfer
from raytune_lite.attempt import (
    AttemptEnd,
    TrialContext,
    TrialInterrupt,
)
from raytune_lite.checkpoint import Checkpoint
from raytune_lite.outbox import Outbox, controller_handle, ended_message
from raytune_lite.schedulers.base import Action
from raytune_lite.spec import missing_stop_keys, stop_reached
from raytune_lite.store import REWIND_KEY, checkpoint_dir

#: row keys raytune_lite writes itself; a metric of one of these names is refused
RESERVED_KEYS = ("training_iteration", "timestamp", "time_this_iter_s", "time_total_s", REWIND_KEY)
#: the prefix of the config columns of ``ResultGrid.dataframe()``; refused in metric names
CONFIG_PREFIX = "config/"

logger = logging.getLogger("raytune_lite")


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
        self.outbox = Outbox(ctx)
        self._fetched: Checkpoint | None = None
        self._scratch: str | None = None
        #: set once the attempt is told to end: every later report() raises it again
        self.interrupt: TrialInterrupt | None = None
        self.ended = False
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

    def report(
        self, metrics: Mapping[str, Any], checkpoint: Checkpoint | None, final: bool = False
    ) -> None:
        """One row (see :func:`report`); ``final``: the function's last row (a define-by-run
        objective's return value), sent without waiting at the scheduler's sync points."""
        if self.ended:
            raise RuntimeError(ended_message(self.ctx))
        if self.interrupt is not None:
            # told to stop already (a broad except swallowed it): stop again, send nothing
            raise TrialInterrupt(self.interrupt.end, self.interrupt.reason)
        if not isinstance(metrics, Mapping):
            raise TypeError(
                f"report() needs a dict of metrics; got {type(metrics).__name__}: {metrics!r}"
            )
        reserved = [
            k
            for k in metrics
            if isinstance(k, str) and (k in RESERVED_KEYS or k.startswith(CONFIG_PREFIX))
        ]
        if reserved:
            raise ValueError(
                f"report(): the metric name(s) {reserved} are reserved: raytune_lite sets "
                "training_iteration, timestamp, time_this_iter_s and time_total_s itself, "
                f"{REWIND_KEY!r} marks restarts in result.jsonl and {CONFIG_PREFIX!r}... names "
                "the config columns of results.dataframe(); rename them"
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
        wait = saved is not None or (not final and self._needs_sync(row))
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
        return transfer.depot_for(controller_handle(self.ctx.controller), self.ctx.controller)

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


#: the attempt running in this thread's context (set by the runner for the attempt's thread)
_context: contextvars.ContextVar[_Session | None] = contextvars.ContextVar(
    "raytune_lite_session", default=None
)
#: the attempt running in this worker process now
_active: _Session | None = None
#: threads seen at an attempt's start or end -> the attempt they belong to (None: not a
#: trial's, e.g. Ray's own threads, there before any attempt)
_owners: weakref.WeakKeyDictionary[threading.Thread, _Session | None] = weakref.WeakKeyDictionary()
_owners_lock = threading.Lock()


def bind(sess: _Session) -> contextvars.Token[_Session | None]:
    """Makes ``sess`` the attempt of the calling thread and of the threads it starts."""
    global _active
    with _owners_lock:
        for t in threading.enumerate():
            _owners.setdefault(t, None)  # there before this attempt: not its threads
        _active = sess
    return _context.set(sess)


def unbind(sess: _Session, token: contextvars.Token[_Session | None]) -> None:
    """Ends ``sess``: threads started during it stay its own, and their reports raise."""
    global _active
    with _owners_lock:
        sess.ended = True
        for t in threading.enumerate():
            if t not in _owners:
                _owners[t] = sess
        if _active is sess:
            _active = None
    _context.reset(token)


def _current() -> _Session | None:
    sess = _context.get()
    if sess is not None:
        return sess
    with _owners_lock:
        thread = threading.current_thread()
        if thread in _owners and _owners[thread] is not None:
            return _owners[thread]  # started by an earlier attempt (ended: report raises)
        return _active


def _session(fn: str) -> _Session:
    sess = _current()
    if sess is None:
        raise RuntimeError(
            f"raytune_lite.{fn}() was called outside a trial: call it from the "
            "training function that you pass to raytune_lite.Tuner"
        )
    if sess.ended:
        raise RuntimeError(ended_message(sess.ctx))
    return sess


def report(metrics: Mapping[str, Any], checkpoint: Checkpoint | None = None) -> None:
    """Reports one row of metrics (and optionally a checkpoint) from inside a trial.

    Adds ``training_iteration`` (1, 2, ...), ``timestamp``, ``time_this_iter_s`` and
    ``time_total_s``; metrics of those names, ``__rewind__`` or ``config/...`` are refused
    (``ValueError``). Ends the function (by raising a BaseException) when a stop criterion is
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
    """Whether the caller runs inside a trial (an attempt that has not ended)."""
    sess = _current()
    return sess is not None and not sess.ended
