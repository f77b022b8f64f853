"""What happened to the trials, as the controller records it for the driver's callbacks.

Ray-free: the controller appends :class:`Event` s to its :class:`EventLog` (only when the
Tuner has callbacks), the driver drains it with every poll, in order. Events are numbered;
the log keeps at most ``maxlen`` undrained events, and a drain says how many were dropped
before it (none while the driver keeps polling, which it does every second or faster).

Example:
    >>> log = EventLog(maxlen=2)
    >>> for i in range(3):
    ...     log.add(EventKind.TRIAL_RESULT, "t0", {"row": {"i": i}})
    >>> events, dropped = log.drain()
    >>> [e.seq for e in events], dropped
    ([2, 3], 1)
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import Any

__all__ = ["Event", "EventKind", "EventLog"]


class EventKind(Enum):
    """What an event is about."""

    TRIAL_START = "TRIAL_START"  #: an attempt of the trial was launched
    TRIAL_RESULT = "TRIAL_RESULT"  #: the trial reported a row
    TRIAL_COMPLETE = "TRIAL_COMPLETE"  #: the trial ended without an error
    TRIAL_ERROR = "TRIAL_ERROR"  #: the trial ended in ERROR


@dataclass(frozen=True)
class Event:
    """One event: its number (1, 2, ...), kind, trial and plain, picklable data."""

    seq: int
    kind: EventKind
    trial_id: str
    data: dict[str, Any]


class EventLog:
    """A bounded, numbered log of events, drained in order.

    Args:
        maxlen: undrained events kept; older ones are dropped (and counted).
    """

    def __init__(self, maxlen: int = 100_000):
        if isinstance(maxlen, bool) or not isinstance(maxlen, int) or maxlen < 1:
            raise ValueError(f"maxlen must be an int >= 1; got {maxlen=}")
        self._events: deque[Event] = deque(maxlen=maxlen)
        self._seq = 0
        self._dropped = 0

    def add(self, kind: EventKind, trial_id: str, data: dict[str, Any]) -> None:
        """Records one event (the oldest undrained one goes if the log is full)."""
        if len(self._events) == self._events.maxlen:
            self._dropped += 1
        self._seq += 1
        self._events.append(Event(self._seq, kind, trial_id, data))

    def drain(self) -> tuple[list[Event], int]:
        """Every event recorded since the last drain, and how many were dropped meanwhile."""
        events, dropped = list(self._events), self._dropped
        self._events.clear()
        self._dropped = 0
        return events, dropped
