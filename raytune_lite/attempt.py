"""The wire between the controller and one attempt of a trial: what goes out, what comes back.

Plain dataclasses and enums, no Ray, so that the controller's rules (``controller/outcome.py``
and friends) and the code inside a trial (``session.py``, ``runner.py``) share one vocabulary
without either importing the other:

- :class:`TrialContext` goes out with each attempt (the task's argument);
- :data:`Message` is one reported row on its way to the controller;
- :class:`TrialInterrupt` ends the user's function from inside ``report()``;
- :class:`AttemptResult` comes back as the task's return value, saying how the attempt ended
  (:class:`AttemptEnd`). What the scheduler decided is *not* in it: the controller keeps its
  own decision, the one source of truth.

Example:
    >>> result = AttemptResult(AttemptEnd.FAILED, [], error="Traceback ...")
    >>> result.end.name, TrialInterrupt(AttemptEnd.STOP_CRITERION).end.name
    ('FAILED', 'STOP_CRITERION')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from raytune_lite.checkpoint import Checkpoint
from raytune_lite.schedulers.base import SyncPolicy

#: The Ray namespace the controller actors are named in (trials look theirs up by name).
CONTROLLER_NAMESPACE = "raytune_lite"

#: ``stop=``: ``{key: threshold}`` or ``fn(trial_id, row) -> bool``, or None.
StopCriteria = Mapping[str, float] | Callable[[str, dict[str, Any]], bool] | None

#: One message from a trial: the row, and the saved checkpoint's path if the row has one.
Message = tuple[dict[str, Any], str | None]


class AttemptEnd(Enum):
    """How an attempt of a trial ended."""

    RETURNED = "RETURNED"  #: the function returned
    STOP_CRITERION = "STOP_CRITERION"  #: a ``stop=`` criterion was met
    INTERRUPTED = "INTERRUPTED"  #: the controller ended it (its decision says why)
    FAILED = "FAILED"  #: the function raised, or its worker died
    NODE_LOST = "NODE_LOST"  #: its node went away (scale-down, preemption): a free retry


class TrialInterrupt(BaseException):
    """Ends the user's function when the trial must stop, pause or exploit.

    A BaseException, so that a user's ``except Exception`` cannot swallow it.

    Args:
        end: how the attempt ends: ``STOP_CRITERION`` (a ``stop=`` criterion was met, decided
            inside the trial) or ``INTERRUPTED`` (the controller's decision).
        reason: the text shown if the exception escapes.
    """

    def __init__(self, end: AttemptEnd, reason: str = "") -> None:
        if end not in (AttemptEnd.STOP_CRITERION, AttemptEnd.INTERRUPTED):
            raise ValueError(f"a TrialInterrupt ends with STOP_CRITERION or INTERRUPTED; got {end}")
        super().__init__(reason or end.name)
        self.end = end
        self.reason = reason or end.name


@dataclass(frozen=True)
class TrialContext:
    """What the controller hands to one attempt of a trial.

    Attributes:
        trial_id: the trial's id.
        attempt: the attempt's number (1, 2, ...): the controller refuses rows of any other.
        trial_dir: the trial's folder in the experiment directory.
        config: the config to run.
        checkpoint: the checkpoint to start from, if any.
        start_iteration: the ``training_iteration`` the checkpoint was saved at (0: none).
        sync: at which reports the trial waits for the controller's decision.
        stop: the experiment's stop criteria.
        controller: the controller actor's name (never given to plugins).
        storage_node: the Ray node id of the experiment folder's node (the controller's);
            a trial on any other node sends its checkpoints there through Ray
            (:mod:`raytune_lite.transfer`). None: the folder is local to the trial.
    """

    trial_id: str
    attempt: int
    trial_dir: str
    config: dict[str, Any]
    checkpoint: Checkpoint | None
    start_iteration: int
    sync: SyncPolicy
    stop: StopCriteria
    controller: str
    storage_node: str | None = None


@dataclass
class AttemptResult:
    """What an attempt returns to the controller.

    Attributes:
        end: how it ended.
        messages: rows still unsent when the function ended (they ride back here).
        error: the traceback of a failed attempt.
        exception: the exception of a failed attempt, pickled (None where it cannot be):
            bytes, so that the controller never unpickles (imports) the user's code; the
            driver raises it again under ``fail_fast``.
    """

    end: AttemptEnd
    messages: list[Message] = field(default_factory=list)
    error: str | None = None
    exception: bytes | None = None


__all__ = [
    "CONTROLLER_NAMESPACE",
    "AttemptEnd",
    "AttemptResult",
    "Message",
    "StopCriteria",
    "TrialContext",
    "TrialInterrupt",
]
