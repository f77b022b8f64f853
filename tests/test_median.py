"""Tests of the median stopping rule (pure logic, no Ray)."""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any

import pytest

from raytune_lite.schedulers.base import Action
from raytune_lite.schedulers.median import MedianStatistic, MedianStopping
from raytune_lite.testing import check_scheduler, crossing_losses, run_on_curves
from raytune_lite.trial import TrialSnapshot, TrialStatus


def snap(tid: str) -> TrialSnapshot:
    return TrialSnapshot(
        trial_id=tid,
        config=MappingProxyType({}),
        status=TrialStatus.RUNNING,
        num_results=0,
        last_result=None,
        checkpoint=None,
        attempts=1,
        resources=MappingProxyType({"cpu": 1.0}),
    )


def make(mode: str = "min", **kw: Any) -> MedianStopping:
    args: dict[str, Any] = {"grace_period": 3, "min_samples_required": 3}
    s = MedianStopping(**{**args, **kw})
    s.setup("loss", mode, seed=0)
    return s


def report(s: MedianStopping, tid: str, t: float, loss: Any) -> Action:
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


def feed(s: MedianStopping, curves: dict[str, list[float]]) -> None:
    """Reports whole curves (t = 1, 2, ...) of finished reference trials."""
    for tid, curve in curves.items():
        for t, v in enumerate(curve, start=1):
            report(s, tid, t, v)


REFERENCE = {
    "r1": [1.0, 0.8, 0.6, 0.5, 0.4],
    "r2": [1.0, 0.9, 0.7, 0.6, 0.5],
    "r3": [1.0, 0.7, 0.5, 0.4, 0.3],
}


def test_conformance() -> None:
    check_scheduler(lambda: MedianStopping(grace_period=2))
    check_scheduler(
        lambda: MedianStopping(
            grace_period=2, statistic="running_average", interval=3, min_samples_required=2
        )
    )


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"grace_period": -1}, "grace_period"),
        ({"grace_period": float("inf")}, "grace_period"),
        ({"min_samples_required": 0}, "min_samples_required"),
        ({"min_samples_required": 2.5}, "min_samples_required"),
        ({"statistic": "mean"}, "statistic must be one of"),
        ({"interval": 0}, "interval"),
        ({"interval": True}, "interval"),
        ({"time_attr": 3}, "time_attr"),
    ],
)
def test_bad_arguments_name_the_value(kwargs: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        MedianStopping(**kwargs)


def test_never_stops_during_the_grace_period() -> None:
    s = make()
    feed(s, REFERENCE)
    assert report(s, "bad", 1, 5.0) is Action.CONTINUE
    assert report(s, "bad", 2, 5.0) is Action.CONTINUE
    assert report(s, "bad", 3, 5.0) is Action.STOP  # past grace: far below the median


def test_waits_for_min_samples_at_the_same_step() -> None:
    s = make()
    feed(s, {"r1": REFERENCE["r1"], "r2": REFERENCE["r2"]})
    feed(s, {"short": [1.0, 0.1]})  # never reached t=3: does not count
    assert report(s, "bad", 3, 5.0) is Action.CONTINUE  # only 2 others reached t=3
    feed(s, {"r3": REFERENCE["r3"]})
    assert report(s, "bad", 4, 5.0) is Action.STOP


def test_stops_only_trials_worse_than_the_median() -> None:
    s = make()
    feed(s, REFERENCE)
    # medians of the best so far: t=3 -> 0.6, t=4 -> 0.5
    assert report(s, "tie", 3, 0.6) is Action.CONTINUE  # not strictly worse
    assert report(s, "good", 3, 0.55) is Action.CONTINUE  # median of 0.6, 0.7, 0.5, 0.6
    assert report(s, "good", 4, 0.45) is Action.CONTINUE  # median of r* at 4: 0.5
    assert report(s, "good", 5, 0.6) is Action.STOP  # best 0.45 > median 0.4


def test_running_average_differs_from_best() -> None:
    curves = {"r1": [1.0, 1.0, 1.0, 0.2], "r2": [1.0, 1.0, 1.0, 0.3], "r3": [1.0, 1.0, 1.0, 0.4]}
    # the others are slow starters with a good last value; the newcomers are steady
    best, avg = make(), make(statistic=MedianStatistic.RUNNING_AVERAGE)
    for s in (best, avg):
        feed(s, curves)
        for t in (1, 2, 3):
            report(s, "n", t, 0.9)
    # at t=4: best-so-far median is 0.3; n's best is 0.85 -> stop
    # running averages: others (1+1+1+0.3)/4 = 0.825 median; n's (0.9*3+0.85)/4 = 0.8875 -> stop
    assert report(best, "n", 4, 0.85) is Action.STOP
    assert report(avg, "n", 4, 0.85) is Action.STOP
    best2, avg2 = make(), make(statistic="running_average")
    for s in (best2, avg2):
        feed(s, curves)
        for t in (1, 2, 3):
            report(s, "m", t, 0.7)
    # m: best 0.7 > median best 0.3 -> stop; running average 0.7 < 0.825 -> continue
    assert report(best2, "m", 4, 0.7) is Action.STOP
    assert report(avg2, "m", 4, 0.7) is Action.CONTINUE


def test_max_mode() -> None:
    s = make(mode="max")
    feed(s, {k: [-v for v in c] for k, c in REFERENCE.items()})
    assert report(s, "hi", 3, -0.1) is Action.CONTINUE
    assert report(s, "lo", 3, -0.9) is Action.STOP


def test_nan_is_worst_and_missing_metric_is_skipped() -> None:
    s = make()
    feed(s, REFERENCE)
    assert report(s, "n", 3, 0.1) is Action.CONTINUE
    assert s.on_result(snap("n"), {"training_iteration": 4}).action is Action.CONTINUE
    assert report(s, "n", 4, float("nan")) is Action.STOP
    assert report(s, "s", 3, "oops") is Action.STOP


def test_interval_judges_only_at_the_sync_points() -> None:
    s = make(grace_period=2, interval=2)
    assert s.sync_policy().milestones == (2.0,) and s.sync_policy().interval == 2.0
    assert make().sync_policy().every_report
    feed(s, REFERENCE)
    assert report(s, "bad", 1, 5.0) is Action.CONTINUE
    assert report(s, "bad", 2, 5.0) is Action.STOP  # the grace milestone
    assert report(s, "b2", 2, 0.1) is Action.CONTINUE
    nan = float("nan")
    assert report(s, "b2", 3, nan) is Action.CONTINUE  # not a sync point (2 + 2 = 4)
    assert report(s, "b2", 4, nan) is Action.STOP


def test_restart_from_an_earlier_point_rewrites_history() -> None:
    s = make()
    feed(s, {"x": [0.5, 0.4, 0.3, 0.2]})
    report(s, "x", 2, 0.9)  # restarted (e.g. retried from a checkpoint at t=1)
    assert s._hist["x"].times == [1.0, 2.0]
    assert s._hist["x"].stats == [0.5, 0.5]


def test_same_events_same_decisions_and_state_round_trip() -> None:
    a, b = make(interval=1), make(interval=1)
    feed(a, REFERENCE)
    feed(b, REFERENCE)
    assert [report(a, "q", t, 1 / t) for t in (1, 2, 3)] == [
        report(b, "q", t, 1 / t) for t in (1, 2, 3)
    ]
    twin = make(interval=1)
    twin.load_state(json.loads(json.dumps(a.state())))
    assert twin.state() == a.state()
    for t, v in ((4, 0.45), (5, 0.45), (6, 0.1)):
        assert report(a, "q", t, v) is report(twin, "q", t, v)


def test_on_crossing_curves_keeps_a_winner_with_a_quarter_of_the_steps() -> None:
    steps, gaps = crossing_gaps(lambda: MedianStopping(grace_period=5, min_samples_required=3))
    assert sum(g <= 0.02 for g in gaps) >= 7
    assert sorted(steps)[4] <= 0.25 * 81 * 81
