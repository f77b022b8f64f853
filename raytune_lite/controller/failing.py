"""What the controller does with failures: the first-failure line of each trial, the stop of
an experiment on ``fail_fast`` or on systematic failures, the message of an experiment that
its store, searcher or scheduler crashed, and the bounded wait for nodes that can run trials.

Plain logic, no Ray.

Example:
    >>> log = FailureLog(fail_fast=False, systematic_failures=2, trial_dir=lambda t: f"/x/{t}")
    >>> log.failed("00000", 1, "ValueError: bad", None) is None
    True
    >>> log.lines[0]
    'trial 00000 failed: ValueError: bad (error file: /x/00000/error.txt)'
    >>> log.failed("00001", 1, "ValueError: bad", None).reason  # doctest: +ELLIPSIS
    'the first 2 trials to fail (00000, 00001) all failed with ValueError: bad and none...'
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from raytune_lite.failures import FailureWatch, Fatal, error_line
from raytune_lite.store import ERROR_FILE

logger = logging.getLogger("raytune_lite")

#: longest first-failure line kept (the error file has the whole traceback)
LINE_CHARS = 300


class FailureLog:
    """Failed attempts, as the user sees them, and whether they end the experiment.

    Args:
        fail_fast: end the experiment at the first failure (Ray Tune's ``fail_fast``).
        systematic_failures: end it when this many first trials fail the same way and none
            succeeded (None/0: never).
        trial_dir: the folder of a trial.

    Attributes:
        lines: one line per trial that failed, at its first failure, in order.
        fatal: the failure that ends the experiment, once there is one.
    """

    def __init__(
        self,
        fail_fast: bool | str,
        systematic_failures: int | None,
        trial_dir: Callable[[str], str],
    ) -> None:
        self.fail_fast = bool(fail_fast)
        self.watch = FailureWatch(systematic_failures)
        self.trial_dir = trial_dir
        self.lines: list[str] = []
        self.fatal: Fatal | None = None

    def succeeded(self) -> None:
        """An attempt ended otherwise than by failing."""
        self.watch.succeeded()

    def failed(
        self, trial_id: str, failures: int, text: str | None, exception: bytes | None
    ) -> Fatal | None:
        """Records a failed attempt (``failures``: the trial's count, this one included).

        Returns:
            The fatal failure when this one ends the experiment (once), else None.
        """
        if failures == 1:
            path = os.path.join(self.trial_dir(trial_id), ERROR_FILE)
            line = error_line(text)[:LINE_CHARS]
            self.lines.append(f"trial {trial_id} failed: {line} (error file: {path})")
        systematic = self.watch.failed(trial_id, text)
        if self.fatal is not None or not (self.fail_fast or systematic):
            return None
        if self.fail_fast:
            reason = f"fail_fast=True: trial {trial_id} failed with {error_line(text)}"
        else:
            trials = self.watch.trials
            reason = (
                f"the first {len(trials)} trials to fail ({', '.join(trials)}) all failed with "
                f"{error_line(text)} and none succeeded: stopped the experiment instead of "
                "spending its budget on the same error (fix the training function; "
                "systematic_failures=None turns this check off)"
            )
        self.fatal = Fatal(trial_id, reason, text or "", exception)
        return self.fatal

    def progress(self, since: int) -> dict[str, Any]:
        """The lines from number ``since`` on, and the fatal failure, for the driver."""
        return {
            "failures": self.lines[since:],
            "failures_from": min(since, len(self.lines)),
            "fatal": None if self.fatal is None else asdict(self.fatal),
        }


def crash_message(e: BaseException, path: str, searcher: str, scheduler: str) -> str:
    """What to tell the user when the controller's own work raised ``e``.

    Names what raised (the searcher, the scheduler, the experiment folder at ``path``, the
    param space) from the traceback, and where.
    """
    frames = traceback.extract_tb(e.__traceback__)
    culprit = ""
    for f in reversed(frames):
        name, line = f.filename.replace(os.sep, "/"), f.line or ""
        if "/raytune_lite/search/" in name or "searcher" in line or "supply" in line:
            culprit = f"the searcher {searcher}"
        elif "/raytune_lite/schedulers/" in name or "scheduler" in line:
            culprit = f"the scheduler {scheduler}"
        elif name.endswith(("/raytune_lite/space.py", "/raytune_lite/domains.py")):
            culprit = "sampling the param_space"
        elif name.endswith("/raytune_lite/store.py") or "store" in line:
            culprit = f"writing the experiment folder {path!r}"
        if culprit:
            break
    if isinstance(e, OSError):
        culprit = f"writing the experiment folder {path!r}"
        if e.filename is None:
            e = OSError(e.errno, f"{e.strerror} (in {path!r})")
    at = f" (at {frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name})" if frames else ""
    return (
        f"the experiment stopped: {culprit or 'the controller'} raised {type(e).__name__}: {e}{at}"
    )


class NodeWait:
    """How long no node of the cluster has been able to run a trial.

    Args:
        wait_s: how long to wait for such a node before giving up (None: forever).

    Example:
        >>> w = NodeWait(60.0)
        >>> w.update(0, lambda: "no node", now=100.0), w.update(0, lambda: "no node", now=161.0)
        (None, 'no node (waited wait_for_nodes_s=60 s for one)')
    """

    def __init__(self, wait_s: float | None) -> None:
        self.wait_s = wait_s
        self.since: float | None = None
        #: the error of the trials once the wait is over (None until then)
        self.gave_up: str | None = None

    def update(self, fits: int, message: Callable[[], str], now: float | None = None) -> str | None:
        """Records a count of the trials the cluster fits (``message``: why none fits).

        Returns:
            The error for the trials once the wait is over, else None (a warning is logged
            when the wait starts).
        """
        now = time.monotonic() if now is None else now
        if fits > 0:
            self.since = None
            return None
        if self.since is None:
            self.since = now
            logger.warning("raytune_lite: %s; waiting for a node", message())
        if self.wait_s is None or now - self.since < self.wait_s:
            return None
        self.gave_up = f"{message()} (waited wait_for_nodes_s={self.wait_s:g} s for one)"
        return self.gave_up


class Escalation:
    """Cancels attempts that go on after being told to end (a broad ``except`` around
    ``report()`` swallowed the stop): interrupted ``grace_s`` after the first telling, their
    worker killed ``grace_s`` after that.

    Args:
        cancel: ``cancel(trial_id, ref, force)``.
        ref_of: the running attempt's ref of a trial (None once it ended).
        grace_s: the pause before each step.
    """

    def __init__(
        self,
        cancel: Callable[[str, Any, bool], None],
        ref_of: Callable[[str], Any],
        grace_s: float,
    ) -> None:
        self.cancel = cancel
        self.ref_of = ref_of
        self.grace_s = grace_s
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def told(self, trial_id: str, ref: Any) -> None:
        """The attempt ``ref`` of the trial was told to end (from the second time: nothing)."""
        if ref is not None and trial_id not in self._tasks:
            self._tasks[trial_id] = asyncio.ensure_future(self._escalate(trial_id, ref))

    def ended(self, trial_id: str) -> None:
        """The trial's attempt ended."""
        task = self._tasks.pop(trial_id, None)
        if task is not None:
            task.cancel()

    async def _escalate(self, trial_id: str, ref: Any) -> None:
        for force in (False, True):
            await asyncio.sleep(self.grace_s)
            if self.ref_of(trial_id) is not ref:
                return
            self.cancel(trial_id, ref, force)


def node_of(error: BaseException) -> str | None:
    """The node id a Ray NodeDiedError's message names, if any."""
    m = re.search(r"node ID: ([0-9a-f]+)", str(error))
    return None if m is None else m.group(1)
