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


def make(eta: float = 2) -> MOASHA:
    s = MOASHA(max_t=9, grace_period=1, reduction_factor=eta)
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
    s = MOASHA(max_t=9, grace_period=1, reduction_factor=2)
    s.setup("loss", "min", seed=0)
    assert s.on_result(snap("a"), {"loss": 0.1, "training_iteration": 1}).action is Action.CONTINUE
    assert s.on_result(snap("b"), {"loss": 0.5, "training_iteration": 1}).action is Action.STOP
