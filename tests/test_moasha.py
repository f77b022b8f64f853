"""MO-ASHA: the scheduler contract and promotion by non-dominated rank, then crowding (no Ray)."""

from __future__ import annotations

from types import MappingProxyType

from raytune_lite.multiobjective import Objectives
from raytune_lite.schedulers import MOASHA
from raytune_lite.schedulers.base import Action
from raytune_lite.testing import check_scheduler
from raytune_lite.trial import Mode, TrialSnapshot, TrialStatus


def snap(tid: str) -> TrialSnapshot:
    return TrialSnapshot(
        trial_id=tid, config=MappingProxyType({}), status=TrialStatus.RUNNING, num_results=0,
        last_result=None, checkpoint=None, attempts=1, resources=MappingProxyType({"cpu": 1.0}),
    )  # fmt: skip


def make(eta: float = 2, min_samples: int = 1) -> MOASHA:
    s = MOASHA(max_t=9, grace_period=1, reduction_factor=eta, min_samples_required=min_samples)
    s.setup("loss", "min", seed=0)
    s.objectives = Objectives(("loss", "size"), (Mode.MIN, Mode.MAX))
    return s


def test_conformance() -> None:
    check_scheduler(lambda: MOASHA(max_t=27, grace_period=1, reduction_factor=3))
    check_scheduler(lambda: MOASHA(max_t=27, grace_period=1, reduction_factor=2, brackets=3))


def test_a_trade_off_goes_on_where_a_dominated_trial_stops() -> None:
    s = make()
    rows = {"a": (0.1, 1), "b": (0.9, 9), "c": (0.5, 5), "d": (0.95, 0.5)}  # size: max
    got = {
        t: s.on_result(snap(t), {"loss": ls, "size": sz, "training_iteration": 1}).action
        for t, (ls, sz) in rows.items()
    }
    # a and b are each on the front when they arrive; d is dominated by every one before it
    assert got["a"] is got["b"] is Action.CONTINUE
    assert got["d"] is Action.STOP


def test_crowding_breaks_ties_within_a_front() -> None:
    s = make(eta=3)
    front = [(0.0, 10.0), (1.0, 11.0), (0.5, 10.5), (0.9, 10.9), (0.45, 10.45)]
    acts = [
        s.on_result(snap(str(i)), {"loss": ls, "size": sz, "training_iteration": 1}).action
        for i, (ls, sz) in enumerate(front)
    ]
    # the fifth is on the front too, but the two ends (infinite crowding) are ahead of it:
    # 2 ahead of 5 with eta=3 is not in the first third
    assert acts[:2] == [Action.CONTINUE, Action.CONTINUE] and acts[4] is Action.STOP


def test_without_objectives_it_is_asha_on_the_metric() -> None:
    s = MOASHA(max_t=9, grace_period=1, reduction_factor=2, min_samples_required=1)
    s.setup("loss", "min", seed=0)
    assert s.on_result(snap("a"), {"loss": 0.1, "training_iteration": 1}).action is Action.CONTINUE
    assert s.on_result(snap("b"), {"loss": 0.5, "training_iteration": 1}).action is Action.STOP


def test_a_rung_stops_no_complete_trial_until_it_holds_min_samples_required() -> None:
    s = make(min_samples=3)
    assert s.min_samples_required == 3
    acts = [
        s.on_result(snap(str(i)), {"loss": ls, "size": sz, "training_iteration": 1}).action
        for i, (ls, sz) in enumerate([(0.1, 9.0), (0.2, 8.0), (0.3, 7.0)])
    ]
    # each is dominated by the first (size: max), yet with 0, 1 and 2 peers all go on
    assert acts == [Action.CONTINUE] * 3
    row = {"loss": 0.95, "size": 0.5, "training_iteration": 1}
    assert s.on_result(snap("late"), row).action is Action.STOP  # 3 peers: now judged
    # with min_samples_required=1 the second, dominated by the first, stops at once
    s1 = make(min_samples=1)
    assert s1.on_result(snap("a"), {"loss": 0.1, "size": 9, "training_iteration": 1}).action is (
        Action.CONTINUE
    )
    assert s1.on_result(snap("b"), {"loss": 0.2, "size": 8, "training_iteration": 1}).action is (
        Action.STOP
    )
    # a trial missing an objective loses to a complete peer even below min_samples_required
    s2 = make(min_samples=3)
    s2.on_result(snap("a"), {"loss": 0.5, "size": 5, "training_iteration": 1})
    assert s2.on_result(
        snap("nan"), {"loss": float("nan"), "size": 5, "training_iteration": 1}
    ).action is (Action.STOP)
