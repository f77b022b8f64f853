"""Tests of the synchronous Hyperband scheduler (pure logic, no Ray)."""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any

import pytest

from raytune_lite.checkpoint import Checkpoint
from raytune_lite.schedulers.base import Action
from raytune_lite.schedulers.hyperband import Hyperband
from raytune_lite.testing import check_scheduler, crossing_losses, run_on_curves
from raytune_lite.trial import TrialSnapshot, TrialStatus


def snap(tid: str, ckpt: bool = True) -> TrialSnapshot:
    return TrialSnapshot(
        trial_id=tid,
        config=MappingProxyType({}),
        status=TrialStatus.RUNNING,
        num_results=0,
        last_result=None,
        checkpoint=Checkpoint(f"/ckpt/{tid}") if ckpt else None,
        attempts=1,
        resources=MappingProxyType({"cpu": 1.0}),
    )


def make(mode: str = "min", **kw: Any) -> Hyperband:
    args: dict[str, Any] = {"max_t": 9, "grace_period": 1, "reduction_factor": 3, "brackets": 1}
    s = Hyperband(**{**args, **kw})
    s.setup("loss", mode, seed=0)
    return s


def report(s: Hyperband, tid: str, t: float, loss: Any) -> Action:
    return s.on_result(snap(tid), {"loss": loss, "training_iteration": t}).action


def crossing_gaps(make_s: Any, seeds: int = 8) -> tuple[list[int], list[float]]:
    """Steps trained and the best complete trial's gap to the best final loss, per seed, on
    81 x 81 curves that cross (the final winner is mediocre at the first rungs), 4 at once."""
    steps, gaps = [], []
    for seed in range(seeds):
        _, losses = crossing_losses(81, 81, seed)
        run = run_on_curves(make_s, losses, concurrency=4, seed=seed)
        steps.append(run.steps)
        gaps.append(min(run.finals.values()) / float(losses[:, -1].min()) - 1)
    return steps, gaps


def add(s: Hyperband, n: int, start: int = 0) -> list[str]:
    ids = [str(i) for i in range(start, start + n)]
    for tid in ids:
        s.on_add(snap(tid))
    return ids


def test_conformance() -> None:
    check_scheduler(lambda: Hyperband(max_t=27, grace_period=1))
    check_scheduler(lambda: Hyperband(max_t=27, grace_period=1, brackets=1))
    check_scheduler(lambda: Hyperband(max_t=9, grace_period=1, reduction_factor=2), n_trials=30)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"max_t": -3}, "max_t"),
        ({"max_t": 2, "grace_period": 2}, "must be > grace_period"),
        ({"max_t": 2, "grace_period": 1}, "at least one rung"),
        ({"grace_period": 0}, "grace_period"),
        ({"reduction_factor": 0.5}, "reduction_factor"),
        ({"brackets": 0}, "brackets"),
        ({"brackets": 6}, "brackets must be <= 5"),
        ({"time_attr": None}, "time_attr"),
    ],
)
def test_bad_arguments_name_the_value(kwargs: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        Hyperband(**{"max_t": 81, **kwargs})


def test_brackets_follow_li_et_al() -> None:
    hb = Hyperband(max_t=81, grace_period=1, reduction_factor=3)
    assert hb.bracket_sizes() == [
        (81, [1.0, 3.0, 9.0, 27.0]),
        (34, [3.0, 9.0, 27.0]),
        (15, [9.0, 27.0]),
        (8, [27.0]),
        (5, []),
    ]
    assert hb.sync_policy().milestones == (1.0, 3.0, 9.0, 27.0, 81.0)
    assert hb.needs_checkpoints


def test_pauses_at_rungs_and_resumes_the_best_third() -> None:
    s = make()
    ids = add(s, 9)
    losses = {tid: (int(tid) * 4) % 9 / 10 for tid in ids}  # a permutation of 0.0 .. 0.8
    for tid in ids:
        assert report(s, tid, 0.5, 0.0) is Action.CONTINUE  # before the rung
    assert s.next_to_resume() is None  # others still running: the rung waits
    actions = [report(s, tid, 1, losses[tid]) for tid in ids]
    assert actions == [Action.PAUSE] * 9  # the last one completed the rung but lost
    best3 = sorted(ids, key=losses.__getitem__)[:3]
    resumed = [s.next_to_resume() for _ in range(3)]
    assert resumed == best3 and s.next_to_resume() is None
    # next rung: 3 -> 1; the best (arriving last) is promoted at once, without a pause
    assert report(s, best3[1], 3, 0.5) is Action.PAUSE
    assert report(s, best3[2], 3, 0.6) is Action.PAUSE
    assert report(s, best3[0], 3, 0.1) is Action.CONTINUE
    assert s.next_to_resume() is None  # the losers are never resumed
    assert report(s, best3[0], 9, 0.05) is Action.COMPLETE  # max_t


def test_max_mode_promotes_the_highest() -> None:
    s = make(mode="max")
    ids = add(s, 9)
    actions = [report(s, tid, 1, float(tid)) for tid in ids]
    assert actions[-1] is Action.CONTINUE  # 8 completes the rung as its best: goes straight on
    assert [s.next_to_resume() for _ in range(3)] == ["7", "6", None]


def test_nan_is_worst_and_missing_metric_uses_last_value() -> None:
    s = make()
    ids = add(s, 9)
    report(s, "0", 0.5, 0.0)  # 0's rung row lacks the metric: its last value, 0.0, counts
    assert s.on_result(snap("0"), {"training_iteration": 1}).action is Action.PAUSE
    actions = [
        report(s, tid, 1, float("nan") if tid in "12" else 1.0 - int(tid) / 10) for tid in ids[1:]
    ]
    assert actions[:2] == [Action.PAUSE, Action.PAUSE]
    assert actions[-1] is Action.CONTINUE  # 8 (loss 0.2) is 2nd best: promoted at once
    assert [s.next_to_resume() for _ in range(3)] == ["0", "7", None]


def test_a_trial_ending_before_its_rung_does_not_block_the_rung() -> None:
    s = make()
    ids = add(s, 9)
    for tid in ids[:7]:
        report(s, tid, 1, int(tid) / 10)
    report(s, "7", 0.5, 0.0)
    s.on_complete(snap("7"))  # errored before the rung
    assert s.next_to_resume() is None  # "8" still runs
    assert report(s, "8", 1, 0.9) is Action.PAUSE  # the rung completes: 8 arrived, 8 // 3
    assert [s.next_to_resume() for _ in range(3)] == ["0", "1", None]
    # a promoted trial that dies: the next rung goes on with the other one
    s.on_complete(snap("0"))
    assert report(s, "1", 3, 0.3) is Action.CONTINUE  # alone at the rung: promoted at once
    assert report(s, "1", 9, 0.3) is Action.COMPLETE


def test_a_queued_trial_that_ends_leaves_the_queue() -> None:
    s = make()
    ids = add(s, 9)
    for tid in ids:
        report(s, tid, 1, int(tid) / 10)
    s.on_complete(snap("0"))
    assert [s.next_to_resume() for _ in range(3)] == ["1", "2", None]


def test_a_short_bracket_is_judged_when_no_new_trial_comes() -> None:
    s = make()
    ids = add(s, 4)  # quota 9, but the searcher ran dry after 4
    for tid in ids:
        assert report(s, tid, 1, int(tid) / 10) is Action.PAUSE
    assert s.next_to_resume() is None  # maybe a new trial comes for the free slot...
    assert s.next_to_resume() == "0"  # ...none did: the bracket closes with 4, 4 // 3 = 1
    assert s.next_to_resume() is None
    # a new iteration; 4 of its trials pause while "8" still runs
    ids = add(s, 5, start=4)
    assert [(len(b.members), b.closed) for b in s._brackets] == [(4, True), (5, False)]
    for tid in ids[:4]:
        assert report(s, tid, 1, int(tid) / 10) is Action.PAUSE
    assert s.next_to_resume() is None  # maybe a new trial comes for the free slot...
    add(s, 1, start=9)  # ...it does: it joins the open bracket
    assert s.next_to_resume() is None
    assert not s._brackets[1].closed
    assert s.next_to_resume() is None  # called again with no trial added: it closes
    assert s._brackets[1].closed and len(s._brackets[1].members) == 6
    assert report(s, "8", 1, 0.0) is Action.PAUSE  # "9" still runs
    assert report(s, "9", 1, 0.9) is Action.PAUSE  # completes the rung; loses
    assert [s.next_to_resume() for _ in range(3)] == ["8", "4", None]  # 6 // 3 = 2


def test_new_trials_spread_over_brackets_by_quota() -> None:
    s = make(max_t=27, brackets=None)
    assert [q for q, _ in s.bracket_sizes()] == [27, 12, 6, 4]
    add(s, 20)
    fill = [len(b.members) / b.capacity for b in s._brackets]
    assert len(fill) == 4 and max(fill) - min(fill) <= 1 / 4 + 1e-9
    add(s, 29, start=20)
    assert [(len(b.members), b.closed) for b in s._brackets] == [
        (27, True),
        (12, True),
        (6, True),
        (4, True),
    ]
    add(s, 1, start=49)  # a new iteration starts with its most aggressive bracket
    assert [len(b.members) for b in s._brackets[4:]] == [1, 0, 0, 0]
    # a trial of the s=1 bracket pauses only at 9, not at 1 or 3; one of s=0 never pauses
    tid = s._brackets[2].members[0]
    assert report(s, tid, 1, 0.1) is Action.CONTINUE
    assert report(s, tid, 3, 0.1) is Action.CONTINUE
    assert report(s, tid, 9, 0.1) is Action.PAUSE
    tid0 = s._brackets[3].members[0]
    assert all(report(s, tid0, t, 0.1) is Action.CONTINUE for t in range(1, 27))
    assert report(s, tid0, 27, 0.1) is Action.COMPLETE


def test_warns_once_when_pausing_a_trial_without_checkpoint() -> None:
    s = make()
    add(s, 9)
    with pytest.warns(RuntimeWarning, match="restarts from scratch"):
        s.on_result(snap("0", ckpt=False), {"loss": 1.0, "training_iteration": 1})
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.on_result(snap("1", ckpt=False), {"loss": 1.0, "training_iteration": 1})


def test_same_events_same_decisions_and_state_round_trip() -> None:
    def drive(s: Hyperband, ids: list[str]) -> list[Any]:
        out: list[Any] = []
        for tid in ids:
            out.append(report(s, tid, 1, (int(tid) * 5) % 9 / 10).value)
        out.append([s.next_to_resume() for _ in range(2)])
        return out

    a, b = make(), make()
    ids = add(a, 9)
    add(b, 9)
    assert drive(a, ids) == drive(b, ids)
    saved = json.loads(json.dumps(a.state()))
    twin = make()
    twin.load_state(saved)
    assert twin.state() == a.state()
    assert [a.next_to_resume(), a.next_to_resume()] == [
        twin.next_to_resume(),
        twin.next_to_resume(),
    ]


def test_on_crossing_curves_within_2_percent_of_the_best_with_15_percent_of_the_steps() -> None:
    # all five brackets of 81 trials (46, 19, 8, 5, 3): the conservative ones hedge against
    # the aggressive one stopping the slow starters
    steps, gaps = crossing_gaps(lambda: Hyperband(max_t=81, reduction_factor=3))
    assert set(steps) == {981}  # 15.0% of 81 x 81
    assert sum(g <= 0.02 for g in gaps) >= 7
