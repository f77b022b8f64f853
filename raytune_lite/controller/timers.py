"""The controller's timers: periodic calls (snapshots, cluster recounts) and the time budget.

Plain asyncio, no Ray: what the time budget cancels, and how, is passed in.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

logger = logging.getLogger("raytune_lite")

#: what the budget's reason for stopping reads
TIME_BUDGET = "time budget"


async def every(seconds: float, fn: Callable[[], None]) -> None:
    """Calls ``fn`` every ``seconds`` until cancelled; an error is logged, not raised.

    Args:
        seconds: the pause before each call.
        fn: what to call.
    """
    while True:
        await asyncio.sleep(seconds)
        try:
            fn()
        except Exception:
            logger.exception("raytune_lite: periodic task %s failed", getattr(fn, "__name__", fn))


async def enforce_time_budget(
    seconds: float,
    stop: Callable[[str], None],
    running: Callable[[], Mapping[str, Any]],
    cancel: Callable[[str, Any, bool], None],
    grace_s: float,
) -> None:
    """Ends the experiment once the budget is spent, escalating for trials that hang on.

    First ``stop(TIME_BUDGET)`` (running trials stop at their next report); ``grace_s``
    later, every attempt still running is interrupted (``cancel(trial_id, ref, False)``);
    ``grace_s`` after that, its worker is killed (``cancel(trial_id, ref, True)``): a
    function blocked in C code never sees the interrupt.

    Args:
        seconds: seconds left of the budget (<= 0: now).
        stop: stops the experiment, given the reason.
        running: the attempts running now, ``{trial_id: ref}``.
        cancel: cancels one attempt: ``(trial_id, ref, force)``.
        grace_s: the pause before each escalation.
    """
    await asyncio.sleep(max(0.0, seconds))
    stop(TIME_BUDGET)
    for force in (False, True):
        await asyncio.sleep(grace_s)
        for tid, ref in list(running().items()):
            cancel(tid, ref, force)
