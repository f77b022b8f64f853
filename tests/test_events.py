"""The controller's event log (no Ray)."""

from __future__ import annotations

import pytest

from raytune_lite.events import EventKind, EventLog


def test_drain_returns_events_in_order_once():
    log = EventLog()
    log.add(EventKind.TRIAL_START, "a", {"attempt": 1})
    log.add(EventKind.TRIAL_RESULT, "a", {"row": {"x": 1}})
    events, dropped = log.drain()
    assert [(e.seq, e.kind) for e in events] == [
        (1, EventKind.TRIAL_START),
        (2, EventKind.TRIAL_RESULT),
    ]
    assert dropped == 0 and log.drain() == ([], 0)
    log.add(EventKind.TRIAL_COMPLETE, "a", {})
    assert [e.seq for e in log.drain()[0]] == [3]  # numbering goes on


def test_a_full_log_drops_the_oldest_and_says_how_many():
    log = EventLog(maxlen=3)
    for i in range(5):
        log.add(EventKind.TRIAL_RESULT, "a", {"row": {"i": i}})
    events, dropped = log.drain()
    assert [e.data["row"]["i"] for e in events] == [2, 3, 4] and dropped == 2
    with pytest.raises(ValueError, match="maxlen must be an int >= 1; got maxlen=0"):
        EventLog(maxlen=0)
