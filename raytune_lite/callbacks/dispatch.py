"""The driver's side of callbacks: turns the controller's events into hook calls."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

from raytune_lite.callbacks.base import Callback, TrialView
from raytune_lite.events import Event, EventKind
from raytune_lite.store import TRIALS_DIR
from raytune_lite.trial import TrialStatus

logger = logging.getLogger("raytune_lite")

__all__ = ["Dispatcher", "check_callbacks"]


def check_callbacks(callbacks: Sequence[Any] | None) -> list[Callback]:
    """The callbacks as a list; each must be a :class:`Callback`."""
    if callbacks is None:
        return []
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"callbacks must be a list of rt.callbacks.Callback; got {callbacks!r}")
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(
                f"each callback must be an rt.callbacks.Callback (subclass it); got {cb!r}"
            )
    return list(callbacks)


class Dispatcher:
    """Keeps each trial's latest state and calls the callbacks' hooks, event by event.

    Args:
        callbacks: the Tuner's callbacks; experiment_path: the experiment's folder.
    """

    def __init__(self, callbacks: Sequence[Callback], experiment_path: str):
        self.callbacks = list(callbacks)
        self.path = experiment_path
        self.trials: dict[str, dict[str, Any]] = {}
        self.last_seq = 0
        for cb in self.callbacks:
            self._call(cb, "setup", experiment_path)

    def _call(self, cb: Callback, hook: str, *args: Any) -> None:
        try:
            getattr(cb, hook)(*args)
        except Exception:  # a logger's failure must not end the experiment
            logger.exception("raytune_lite: %s.%s failed", type(cb).__name__, hook)

    def _view(self, tid: str) -> TrialView:
        t = self.trials[tid]
        last = t["last_result"]
        return TrialView(
            trial_id=tid,
            config=TrialView.frozen(t["config"]),
            status=t["status"],
            attempt=t["attempt"],
            num_results=t["num_results"],
            last_result=None if last is None else TrialView.frozen(last),
            checkpoint=t["checkpoint"],
            error=t["error"],
            path=os.path.join(self.path, TRIALS_DIR, tid),
        )

    def handle(self, events: Sequence[Event], dropped: int = 0) -> None:
        """Calls the hooks for ``events`` (in order); warns about dropped ones."""
        if dropped:
            logger.warning(
                "raytune_lite: %d events were dropped before the callbacks saw them (the "
                "driver polled too slowly); every row is still on disk",
                dropped,
            )
        for e in events:
            args: tuple[Any, ...] = ()
            self.last_seq = e.seq
            t = self.trials.setdefault(
                e.trial_id,
                {
                    "config": {},
                    "status": TrialStatus.PENDING,
                    "attempt": 0,
                    "num_results": 0,
                    "last_result": None,
                    "checkpoint": None,
                    "error": None,
                },
            )
            if e.kind is EventKind.TRIAL_START:
                t.update(config=e.data["config"], attempt=e.data["attempt"])
                t["status"] = TrialStatus.RUNNING
                hook = "on_trial_start"
            elif e.kind is EventKind.TRIAL_RESULT:
                t["num_results"] += 1
                t["last_result"] = e.data["row"]
                t["checkpoint"] = e.data.get("checkpoint") or t["checkpoint"]
                hook, args = "on_trial_result", (TrialView.frozen(e.data["row"]),)
            else:
                t["status"] = TrialStatus(e.data["status"])
                t["error"] = e.data.get("error")
                error = e.kind is EventKind.TRIAL_ERROR
                hook = "on_trial_error" if error else "on_trial_complete"
            view = self._view(e.trial_id)
            for cb in self.callbacks:
                self._call(cb, hook, view, *args)

    def drain(self, controller: Any, timeout: float = 30) -> None:
        """Takes the controller's new events and handles them."""
        import ray

        events, dropped = ray.get(controller.drain_events.remote(), timeout=timeout)
        self.handle(events, dropped)

    def end(self) -> None:
        """Calls ``on_experiment_end`` with every trial seen."""
        views = [self._view(tid) for tid in sorted(self.trials)]
        for cb in self.callbacks:
            self._call(cb, "on_experiment_end", views)
