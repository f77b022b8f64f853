"""The outbox of a trial attempt: a background thread that sends the rows ``report()`` hands
it to the controller in batches (one call in flight at a time; rows that arrive meanwhile ride
the next call), waiting for the answer only when ``report()`` asks it to.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from raytune_lite._hold import hold_get
from raytune_lite.attempt import CONTROLLER_NAMESPACE, Message, TrialContext
from raytune_lite.schedulers.base import Decision

#: How long the outbox waits for more rows before sending a batch (seconds).
LINGER_S = 0.02


_handles: dict[str, Any] = {}


def ended_message(ctx: TrialContext) -> str:
    """What a report from an attempt that has ended raises."""
    return (
        f"raytune_lite: a report from trial {ctx.trial_id} attempt {ctx.attempt}, which has "
        "ended (a thread the training function left running?): refused. Join your threads "
        "before the training function returns"
    )


def controller_handle(name: str) -> Any:
    """The controller's actor handle, looked up once per worker process and experiment
    (sending the handle with every task costs more than the task itself)."""
    handle = _handles.get(name)
    if handle is None:
        import ray

        handle = _handles[name] = ray.get_actor(name, namespace=CONTROLLER_NAMESPACE)
    return handle


class Outbox:
    """Batches rows to the controller from a background thread."""

    def __init__(self, ctx: TrialContext):
        self._ctx = ctx
        self._cv = threading.Condition()
        self._buf: list[Message] = []
        self._queued = 0
        self._acked = 0
        self._flush = False
        self._closed = False
        self._first_at = 0.0
        self._decision: Decision | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def put(self, msg: Message, wait: bool) -> Decision | None:
        """Queues ``msg``; with ``wait``, returns only once the controller has it on disk."""
        with self._cv:
            if self._closed:
                raise RuntimeError(ended_message(self._ctx))
            if self._error is not None:
                raise RuntimeError(
                    "raytune_lite lost its connection to the controller"
                ) from self._error
            if not self._buf:
                self._first_at = time.monotonic()
            self._buf.append(msg)
            self._queued += 1
            seq = self._queued
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, daemon=True, name=f"rtl-outbox-{self._ctx.trial_id}"
                )
                self._thread.start()
            if wait:
                self._flush = True
            self._cv.notify_all()
            while wait and self._acked < seq and self._error is None:
                self._cv.wait()
            if self._error is not None:
                raise RuntimeError(
                    "raytune_lite lost its connection to the controller"
                ) from self._error
            return self._decision

    def _loop(self) -> None:
        ctx = self._ctx
        while True:
            with self._cv:
                while not self._buf and not self._closed:
                    self._cv.wait()
                if self._closed:
                    return  # close() takes what is left
                while not self._flush and not self._closed:
                    left = self._first_at + LINGER_S - time.monotonic()
                    if left <= 0:
                        break
                    self._cv.wait(left)
                if self._closed:
                    return
                batch, self._buf, self._flush = self._buf, [], False
            try:
                handle = controller_handle(ctx.controller)
                decision = hold_get(handle.report.remote(ctx.trial_id, ctx.attempt, batch))
            except BaseException as e:  # the controller is gone: report() raises
                with self._cv:
                    self._error = e
                    self._cv.notify_all()
                return
            with self._cv:
                self._acked += len(batch)
                if decision is not None and self._decision is None:
                    self._decision = decision
                self._cv.notify_all()

    def close(self) -> list[Message]:
        """Stops the thread (after its call in flight) and returns the rows never sent."""
        with self._cv:
            self._closed = True
            self._cv.notify_all()
        if self._thread is not None:
            self._thread.join()
        with self._cv:
            rest, self._buf = self._buf, []
        return rest

    @property
    def decision(self) -> Decision | None:
        return self._decision


__all__ = ["LINGER_S", "Outbox", "controller_handle", "ended_message"]
