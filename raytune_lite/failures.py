"""Failures the user sees: the one-line form of a trial's error, the watch that stops an
experiment whose trials all fail the same way, the errors ``fit()`` raises, and the
end-of-fit summary of errors grouped by exception type.

Plain logic, no Ray.

Example:
    >>> watch = FailureWatch(limit=2)
    >>> tb = "Traceback (most recent call last):\\n  ...\\nNameError: name 'x' is not defined"
    >>> watch.failed("00000", tb), watch.failed("00001", tb)
    (False, True)
    >>> error_line(tb), error_type(tb)
    ("NameError: name 'x' is not defined", 'NameError')
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from raytune_lite.store import EXPERIMENT_FILE

#: ``systematic_failures`` default: stop when the first this many trials fail the same way.
SYSTEMATIC_FAILURES = 5


class ExperimentError(RuntimeError):
    """The experiment could not go on (its controller died, or its store, searcher or
    scheduler raised); the message names the value or the path."""


class TrialError(RuntimeError):
    """A trial's failure that ended the experiment (``fail_fast``, or the first trials all
    failing the same way); the trial's traceback is in the message.

    Attributes:
        trial_id: the trial that failed.
        traceback: its traceback, as the trial printed it.
    """

    def __init__(self, message: str, trial_id: str = "", traceback: str = "") -> None:
        super().__init__(message)
        self.trial_id = trial_id
        self.traceback = traceback


def error_line(text: str | None) -> str:
    """The last non-empty line of a traceback (``"NameError: name 'x' is not defined"``)."""
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "unknown error"


def error_type(text: str | None) -> str:
    """The exception's type name from a traceback's last line (the line when it has none)."""
    line = error_line(text)
    head, sep, _ = line.partition(":")
    return head.strip() if sep and head.strip() and " " not in head.strip() else line


class FailureWatch:
    """Says when the first ``limit`` trials to fail all failed the same way and no attempt has
    succeeded: the experiment would spend its whole budget on one bug.

    Args:
        limit: how many trials (None or 0: never stop).

    Attributes:
        disarmed: an attempt succeeded, or two trials failed differently: never fires again.
    """

    def __init__(self, limit: int | None = SYSTEMATIC_FAILURES) -> None:
        self.limit = limit or 0
        self.disarmed = not self.limit
        self._line: str | None = None
        self._trials: list[str] = []

    def succeeded(self) -> None:
        """An attempt ended otherwise than by failing."""
        self.disarmed = True

    def failed(self, trial_id: str, traceback: str | None) -> bool:
        """Records a failed attempt; True when the failures are systematic (once)."""
        if self.disarmed:
            return False
        line = error_line(traceback)
        if self._line is None:
            self._line = line
        elif line != self._line:
            self.disarmed = True
            return False
        if trial_id not in self._trials:
            self._trials.append(trial_id)
        if len(self._trials) >= self.limit:
            self.disarmed = True
            return True
        return False

    @property
    def trials(self) -> list[str]:
        """The trials that failed the same way so far."""
        return list(self._trials)


@dataclass(frozen=True)
class Fatal:
    """A trial failure that ends the experiment, as the controller hands it to the driver.

    Attributes:
        trial_id: the trial.
        reason: why the experiment ends on it (``fail_fast``, systematic failures).
        traceback: the trial's traceback text.
        exception: the exception, pickled in the trial (None: it could not be).
    """

    trial_id: str
    reason: str
    traceback: str
    exception: bytes | None = None

    def to_error(self) -> BaseException:
        """The exception to raise: the trial's own (its traceback in the message of the
        :class:`TrialError` it is raised from), or a TrialError when it cannot be rebuilt."""
        message = f"{self.reason}\n\ntrial {self.trial_id}'s traceback:\n{self.traceback.rstrip()}"
        wrapper = TrialError(message, self.trial_id, self.traceback)
        if self.exception is not None:
            try:
                error = pickle.loads(self.exception)
            except Exception:  # its class cannot be imported here
                return wrapper
            if isinstance(error, BaseException):
                error.__cause__ = wrapper
                return error
        return wrapper


def raise_if_ended_badly(progress: Mapping[str, Any]) -> None:
    """Raises what ended an experiment early (a fatal trial failure or a crash), if any."""
    fatal = progress.get("fatal")
    if fatal is not None:
        raise Fatal(**fatal).to_error()
    crash = progress.get("crash")
    if crash is not None:
        raise ExperimentError(crash)


def controller_lost(error: BaseException, path: str) -> str:
    """The message of a controller actor that died or stopped answering: how to resume,
    or that nothing was written when the experiment never started."""
    started = os.path.exists(os.path.join(path, EXPERIMENT_FILE))
    then = (
        f"every reported row is on disk in {path!r}: resume with "
        f"rt.Tuner.restore({path!r}, trainable)"
        if started
        else "the experiment never started (nothing was written)"
    )
    return f"the experiment's controller actor died or stopped answering ({error}); {then}"


def error_summary(errors: Mapping[str, str], total: int, limit: int = 5) -> list[str]:
    """Lines summing up the trials that ended in ERROR, grouped by exception type.

    Args:
        errors: ``{trial_id: error text}`` of the trials that ended in ERROR.
        total: how many trials the experiment had.
        limit: at most this many trial ids named per group.

    Example:
        >>> error_summary({"00000": "KeyError: 'lr'", "00002": "KeyError: 'lr'"}, 4)
        ['2 of 4 trials ended in ERROR:', "  2 KeyError (trials 00000, 00002): KeyError: 'lr'"]
    """
    if not errors:
        return []
    groups: dict[str, list[str]] = {}
    for tid, text in errors.items():
        groups.setdefault(error_type(text), []).append(tid)
    lines = [f"{len(errors)} of {total} trials ended in ERROR:"]
    for kind, tids in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        named = ", ".join(tids[:limit]) + (", ..." if len(tids) > limit else "")
        example = error_line(errors[tids[0]])
        lines.append(f"  {len(tids)} {kind} (trials {named}): {example[:200]}")
    return lines
