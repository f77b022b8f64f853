"""The controller's timers: periodic calls and the time budget's escalation (asyncio, no Ray)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from raytune_lite.controller.timers import TIME_BUDGET, enforce_time_budget, every


def test_every_calls_on_after_an_error_until_cancelled(caplog):
    calls: list[int] = []

    def tick() -> None:
        calls.append(len(calls))
        if len(calls) == 2:
            raise RuntimeError("boom")

    async def main() -> None:
        task = asyncio.ensure_future(every(0.01, tick))
        while len(calls) < 4:
            await asyncio.sleep(0.01)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task  # the cancellation has landed
        n = len(calls)
        await asyncio.sleep(0.05)  # five periods: a loop still alive would have ticked
        assert len(calls) == n

    with caplog.at_level(logging.ERROR, logger="raytune_lite"):
        asyncio.run(main())
    assert "periodic task tick failed" in caplog.text


def test_the_time_budget_stops_then_interrupts_then_kills_what_still_runs():
    events: list[tuple] = []
    running = {"00000": "ref0", "00001": "ref1"}

    def stop(reason: str) -> None:
        events.append(("stop", reason))
        running.pop("00000")  # it stopped at its next report

    def cancel(tid: str, ref: str, force: bool) -> None:
        events.append(("cancel", tid, ref, force))

    async def main() -> None:
        task = asyncio.ensure_future(
            enforce_time_budget(0.05, stop, lambda: running, cancel, grace_s=0.05)
        )
        await asyncio.sleep(0.02)
        assert events == []  # the budget is not spent yet
        await task

    asyncio.run(main())
    assert events == [
        ("stop", TIME_BUDGET),
        ("cancel", "00001", "ref1", False),
        ("cancel", "00001", "ref1", True),
    ]
    assert TIME_BUDGET == "time budget"


def test_a_spent_budget_stops_at_once():
    events: list[str] = []

    async def main() -> None:
        await asyncio.wait_for(enforce_time_budget(-5.0, events.append, dict, print, 0.0), 1.0)

    asyncio.run(main())
    assert events == [TIME_BUDGET]
