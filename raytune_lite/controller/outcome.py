"""What becomes of a trial when one of its attempts ends: retried, paused, restarted from a
donor (exploit), or finished with a status and a reason.

Plain decision logic, no Ray: the controller carries the outcome out.

Example:
    >>> from raytune_lite.attempt import AttemptEnd, AttemptResult
    >>> from raytune_lite.trial import Trial
    >>> t = Trial("00000", {}, {}, failures=1)
    >>> failed = AttemptResult(AttemptEnd.FAILED, error="boom")
    >>> attempt_outcome(failed, None, t, max_failures=1, metric=None, stopping=None).next
    <Next.RETRY: 'RETRY'>
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from raytune_lite.attempt import AttemptEnd, AttemptResult
from raytune_lite.schedulers.base import Action, Decision
from raytune_lite.trial import Trial, TrialStatus


class Next(Enum):
    """What the controller does with a trial whose attempt ended."""

    RETRY = "RETRY"  #: failed within ``max_failures``: pending, launched again first
    PAUSE = "PAUSE"  #: paused, until the scheduler resumes it
    EXPLOIT = "EXPLOIT"  #: restarted from the decision's donor checkpoint and config
    FINISH = "FINISH"  #: ended for good with ``Outcome.status``
    INTERRUPT = "INTERRUPT"  #: Ctrl-C: INTERRUPTED, continued from its checkpoint on resume


@dataclass(frozen=True)
class Outcome:
    """The fate of a trial after an attempt.

    Attributes:
        next: what happens to the trial.
        status: the trial's status from now on (PENDING to retry or exploit, PAUSED, or the
            finished status).
        reason: why it stopped (the trial's ``stop_reason``), with ``Next.FINISH``.
        error: why a trial whose function returned is nonetheless an ERROR (to record).
    """

    next: Next
    status: TrialStatus
    reason: str | None = None
    error: str | None = None


def attempt_outcome(
    result: AttemptResult,
    decision: Decision | None,
    trial: Trial,
    *,
    max_failures: int,
    metric: str | None,
    stopping: str | None,
    interrupted: bool = False,
    by_interrupt: bool = False,
) -> Outcome:
    """Decides a trial's fate after one attempt.

    Args:
        result: how the attempt ended.
        decision: the controller's decision carried out by ending the attempt, if any: the
            one source of truth for why an INTERRUPTED attempt ended (none: it was stopped).
        trial: the trial, its rows taken in, ``failures`` counting this attempt's failure.
        max_failures: how many failures a trial may have and still be retried.
        metric: the experiment's metric (a returned trial must have reported it, finite).
        stopping: why the experiment stops early, or None while it runs on.
        interrupted: the driver was interrupted (Ctrl-C): see :func:`interrupted_outcome`.
        by_interrupt: the attempt was ended by that interrupt (not by its scheduler).

    Returns:
        The outcome. Nothing is retried, paused or exploited while the experiment stops.
    """
    if interrupted:
        out = interrupted_outcome(result, decision, trial, max_failures, by_interrupt)
        if out is not None:
            return out
    if result.end is AttemptEnd.NODE_LOST:  # not the trial's fault: not counted
        if not stopping:
            return Outcome(Next.RETRY, TrialStatus.PENDING)
        return Outcome(Next.FINISH, TrialStatus.STOPPED_EARLY, reason=stopping)
    if result.end is AttemptEnd.FAILED:
        if trial.failures <= max_failures and not stopping:
            return Outcome(Next.RETRY, TrialStatus.PENDING)
        return Outcome(Next.FINISH, TrialStatus.ERROR)
    complete = False
    if result.end is AttemptEnd.INTERRUPTED:
        action = decision.action if decision is not None else Action.STOP
        if action is Action.PAUSE and not stopping:
            return Outcome(Next.PAUSE, TrialStatus.PAUSED)
        if action is Action.EXPLOIT and decision is not None and not stopping:
            return Outcome(Next.EXPLOIT, TrialStatus.PENDING)
        if action is not Action.COMPLETE:
            reason = "scheduler" if decision is not None else (stopping or "stopped")
            return Outcome(Next.FINISH, TrialStatus.STOPPED_EARLY, reason=reason)
        complete = True  # ended at its full budget: judged like a trial that returned
    problem = trial.final_metric_problem(metric)
    if problem is not None:
        return Outcome(Next.FINISH, TrialStatus.ERROR, error=problem)
    if complete:
        return Outcome(Next.FINISH, TrialStatus.TERMINATED, reason="scheduler: full budget")
    ended = "stop criterion" if result.end is AttemptEnd.STOP_CRITERION else None
    return Outcome(Next.FINISH, TrialStatus.TERMINATED, reason=ended)


def interrupted_outcome(
    result: AttemptResult,
    decision: Decision | None,
    trial: Trial,
    max_failures: int,
    by_interrupt: bool,
) -> Outcome | None:
    """The fate of an attempt that ended after Ctrl-C in the driver, or None where the
    interrupt changes nothing (the function returned, met its stop criterion, or its
    scheduler stopped or completed it).

    An attempt ended by the interrupt, or failed within ``max_failures``, becomes INTERRUPTED
    (continued from its last checkpoint on resume); one its scheduler paused stays PAUSED;
    an exploit is carried out (the trial waits, PENDING, for the resume).

    Example:
        >>> from raytune_lite.trial import Trial
        >>> cut = AttemptResult(AttemptEnd.INTERRUPTED)
        >>> interrupted_outcome(cut, Decision.STOP, Trial("0", {}, {}), 0, True).status.name
        'INTERRUPTED'
    """
    if result.end is AttemptEnd.NODE_LOST:
        return Outcome(Next.INTERRUPT, TrialStatus.INTERRUPTED)
    if result.end is AttemptEnd.FAILED:
        if trial.failures <= max_failures:
            return Outcome(Next.INTERRUPT, TrialStatus.INTERRUPTED)
        return None
    if result.end is not AttemptEnd.INTERRUPTED:
        return None
    if by_interrupt or decision is None:
        return Outcome(Next.INTERRUPT, TrialStatus.INTERRUPTED)
    if decision.action is Action.PAUSE:
        return Outcome(Next.PAUSE, TrialStatus.PAUSED)
    if decision.action is Action.EXPLOIT:
        return Outcome(Next.EXPLOIT, TrialStatus.PENDING)
    return None
