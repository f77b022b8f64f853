"""A trial's fate when an attempt ends: retry, pause, exploit, or finish (no Ray)."""

from __future__ import annotations

from typing import Any

import pytest

from raytune_lite.attempt import AttemptEnd, AttemptResult
from raytune_lite.checkpoint import Checkpoint
from raytune_lite.controller.outcome import Next, Outcome, attempt_outcome
from raytune_lite.schedulers.base import Action, Decision
from raytune_lite.trial import Mode, Trial, TrialStatus

EXPLOIT = Decision.exploit({"x": 1}, Checkpoint("/c/checkpoint_000002"), donor="00001")
FAILED = AttemptResult(AttemptEnd.FAILED, [], error="Traceback: boom")


def _trial(*rows: dict[str, Any], failures: int = 0) -> Trial:
    t = Trial("00000", {"x": 0}, {"cpu": 1.0}, failures=failures)
    for row in rows:
        t.observe(row, "loss", Mode.MIN)
    return t


def _interrupted(seen: Action | None = None) -> AttemptResult:
    """An attempt the controller interrupted; ``seen`` is what the trial was told (the
    attempt does not carry it back: the controller's decision is the one source of truth)."""
    return AttemptResult(AttemptEnd.INTERRUPTED, [])


def _outcome(
    result: AttemptResult,
    decision: Decision | None = None,
    trial: Trial | None = None,
    *,
    max_failures: int = 0,
    metric: str | None = "loss",
    stopping: str | None = None,
) -> Outcome:
    return attempt_outcome(
        result,
        decision,
        trial or _trial({"loss": 1.0}),
        max_failures=max_failures,
        metric=metric,
        stopping=stopping,
    )


@pytest.mark.parametrize(
    "failures, max_failures, stopping, expected",
    [
        (1, 1, None, Outcome(Next.RETRY, TrialStatus.PENDING)),
        (3, 3, None, Outcome(Next.RETRY, TrialStatus.PENDING)),
        (2, 1, None, Outcome(Next.FINISH, TrialStatus.ERROR)),
        (1, 0, None, Outcome(Next.FINISH, TrialStatus.ERROR)),
        (1, 5, "time budget", Outcome(Next.FINISH, TrialStatus.ERROR)),
    ],
)
def test_a_failure_is_retried_within_max_failures_unless_stopping(
    failures, max_failures, stopping, expected
):
    trial = _trial(failures=failures)
    assert _outcome(FAILED, None, trial, max_failures=max_failures, stopping=stopping) == expected


@pytest.mark.parametrize(
    "result, decision, stopping, expected",
    [
        (_interrupted(Action.PAUSE), Decision.PAUSE, None, Outcome(Next.PAUSE, TrialStatus.PAUSED)),
        # the decision the controller holds wins over what the attempt saw
        (_interrupted(Action.STOP), Decision.PAUSE, None, Outcome(Next.PAUSE, TrialStatus.PAUSED)),
        # no decision held: the attempt was stopped, whatever it was told
        (
            _interrupted(Action.PAUSE),
            None,
            None,
            Outcome(Next.FINISH, TrialStatus.STOPPED_EARLY, reason="stopped"),
        ),
        (_interrupted(Action.EXPLOIT), EXPLOIT, None, Outcome(Next.EXPLOIT, TrialStatus.PENDING)),
        # an exploit needs the decision (its config and checkpoint)
        (
            _interrupted(Action.EXPLOIT),
            None,
            None,
            Outcome(Next.FINISH, TrialStatus.STOPPED_EARLY, reason="stopped"),
        ),
        (
            _interrupted(Action.STOP),
            Decision.STOP,
            None,
            Outcome(Next.FINISH, TrialStatus.STOPPED_EARLY, reason="scheduler"),
        ),
        (
            _interrupted(Action.STOP),
            None,
            None,
            Outcome(Next.FINISH, TrialStatus.STOPPED_EARLY, reason="stopped"),
        ),
        (
            _interrupted(Action.STOP),
            None,
            "time budget",
            Outcome(Next.FINISH, TrialStatus.STOPPED_EARLY, reason="time budget"),
        ),
        # nothing is paused or exploited while the experiment stops
        (
            _interrupted(Action.PAUSE),
            Decision.PAUSE,
            "time budget",
            Outcome(Next.FINISH, TrialStatus.STOPPED_EARLY, reason="scheduler"),
        ),
        (
            _interrupted(Action.EXPLOIT),
            EXPLOIT,
            "stopped by the user",
            Outcome(Next.FINISH, TrialStatus.STOPPED_EARLY, reason="scheduler"),
        ),
    ],
)
def test_an_interrupted_attempt_follows_the_decision(result, decision, stopping, expected):
    assert _outcome(result, decision, stopping=stopping) == expected


def test_a_returned_trial_terminates_with_its_reason():
    returned = AttemptResult(AttemptEnd.RETURNED, [])
    criterion = AttemptResult(AttemptEnd.STOP_CRITERION, [])
    assert _outcome(returned) == Outcome(Next.FINISH, TrialStatus.TERMINATED)
    assert _outcome(criterion) == Outcome(
        Next.FINISH, TrialStatus.TERMINATED, reason="stop criterion"
    )
    assert _outcome(returned, trial=_trial(), metric=None) == Outcome(
        Next.FINISH, TrialStatus.TERMINATED
    )


def test_a_returned_trial_without_a_finite_last_metric_is_an_error():
    returned = AttemptResult(AttemptEnd.RETURNED, [])
    never = _outcome(returned, trial=_trial())
    assert never.status is TrialStatus.ERROR and never.next is Next.FINISH
    assert never.error == (
        "the metric 'loss' was never reported: the training function "
        "never called raytune_lite.report()"
    )
    other = _outcome(returned, trial=_trial({"acc": 1.0, "training_iteration": 1}))
    assert other.error == "the metric 'loss' was never reported; the trial reported ['acc']"
    nan = _outcome(
        returned,
        trial=_trial(
            {"loss": 1.0, "training_iteration": 1}, {"loss": float("nan"), "training_iteration": 2}
        ),
    )
    assert nan.status is TrialStatus.ERROR
    assert nan.error == (
        "the metric 'loss' was nan at its last report (iteration 2): a finite "
        "number is needed to rank the trial"
    )


def test_a_trial_the_scheduler_ends_at_its_full_budget_is_terminated():
    budget = AttemptResult(AttemptEnd.INTERRUPTED, [])  # ended by Decision.COMPLETE
    assert _outcome(budget, Decision.COMPLETE) == Outcome(
        Next.FINISH, TrialStatus.TERMINATED, reason="scheduler: full budget"
    )
    # it must still have reported the metric, like any trial that ends normally
    out = _outcome(budget, Decision.COMPLETE, _trial({"acc": 1.0}))
    assert out.status is TrialStatus.ERROR and "never reported" in (out.error or "")


@pytest.mark.parametrize(
    "result, decision, by_interrupt, failures, expected",
    [
        (_interrupted(), Decision.STOP, True, 0, Outcome(Next.INTERRUPT, TrialStatus.INTERRUPTED)),
        (_interrupted(), None, False, 0, Outcome(Next.INTERRUPT, TrialStatus.INTERRUPTED)),
        (FAILED, None, False, 1, Outcome(Next.INTERRUPT, TrialStatus.INTERRUPTED)),
        (FAILED, None, False, 2, Outcome(Next.FINISH, TrialStatus.ERROR)),
        (_interrupted(), Decision.PAUSE, False, 0, Outcome(Next.PAUSE, TrialStatus.PAUSED)),
        (_interrupted(), EXPLOIT, False, 0, Outcome(Next.EXPLOIT, TrialStatus.PENDING)),
        (
            _interrupted(),
            Decision.STOP,
            False,
            0,
            Outcome(Next.FINISH, TrialStatus.STOPPED_EARLY, reason="scheduler"),
        ),
        (
            AttemptResult(AttemptEnd.RETURNED),
            None,
            True,
            0,
            Outcome(Next.FINISH, TrialStatus.TERMINATED),
        ),
    ],
)
def test_after_ctrl_c_a_cut_attempt_is_interrupted_not_stopped(
    result, decision, by_interrupt, failures, expected
):
    out = attempt_outcome(
        result,
        decision,
        _trial({"loss": 1.0}, failures=failures),
        max_failures=1,
        metric="loss",
        stopping="interrupted by the user",
        interrupted=True,
        by_interrupt=by_interrupt,
    )
    assert out == expected
