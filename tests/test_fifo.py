"""FIFO and the scheduler interface's value types (pure, no Ray)."""

from __future__ import annotations

import pytest

from raytune_lite.checkpoint import Checkpoint
from raytune_lite.schedulers import FIFO, Action, Decision, SyncPolicy
from raytune_lite.testing import check_scheduler
from raytune_lite.trial import Trial


def test_fifo_conforms():
    check_scheduler(FIFO)


def test_fifo_always_continues_and_never_syncs():
    s = FIFO()
    s.setup(None, "min")
    snap = Trial("00000", {"a": 1}, {"cpu": 1}).snapshot()
    assert s.on_result(snap, {"loss": 1.0}) is Decision.CONTINUE
    assert s.sync_policy().never and s.next_to_resume() is None


def test_decisions_are_values():
    d = Decision.exploit({"lr": 0.1}, Checkpoint("/x"), donor="00003")
    assert d.action is Action.EXPLOIT and d.donor == "00003" and d.config == {"lr": 0.1}
    assert Decision.STOP.action is Action.STOP and Decision.PAUSE.action is Action.PAUSE
    with pytest.raises(AttributeError):
        Decision.STOP.action = Action.CONTINUE  # type: ignore[misc]


def test_sync_policy():
    assert SyncPolicy.NEVER.never
    assert not SyncPolicy(milestones=(1, 3)).never
    assert not SyncPolicy(interval=5).never


def test_scheduler_that_needs_a_metric_says_so():
    from raytune_lite.schedulers.base import Scheduler

    class NeedsMetric(Scheduler):
        def on_result(self, trial, row):
            return Decision.CONTINUE

    with pytest.raises(ValueError, match="needs a metric"):
        NeedsMetric().setup(None, "min")
    with pytest.raises(ValueError, match="mode must be 'min' or 'max'"):
        NeedsMetric().setup("loss", "minimize")
