"""``ray.get`` for code inside a trial that keeps the trial's resources while it waits.

A plain ``ray.get`` in a task's main thread tells the raylet that the task is blocked, and
the raylet lends the task's CPUs to a queued task until the get returns: a trial that waits
for the controller (a checkpoint upload, an ask of a define-by-run objective) would let
another trial start, so that more trials ran than the cluster's slots or ``max_concurrent``
allow. Waiting on the ref's future does not notify the raylet (checked with Ray 2.60).

Example:
    >>> import ray
    >>> ray.init(num_cpus=1, address="local", include_dashboard=False)  # doctest: +SKIP
    >>> hold_get(ray.put(3))  # doctest: +SKIP
    3
"""

from __future__ import annotations

from typing import Any


def hold_get(ref: Any, timeout: float | None = None) -> Any:
    """The value of ``ref`` (an ObjectRef), waited for without releasing the caller's
    resources; raises what ``ray.get`` would (the task's error, ``GetTimeoutError``)."""
    import concurrent.futures

    import ray

    try:
        return ref.future().result(timeout)
    except concurrent.futures.TimeoutError:
        raise ray.exceptions.GetTimeoutError(
            f"waited {timeout} s for {ref} (raytune_lite.hold_get)"
        ) from None


def hold_get_all(refs: list[Any], timeout: float | None = None) -> list[Any]:
    """:func:`hold_get` of each ref, in order."""
    return [hold_get(r, timeout) for r in refs]


__all__ = ["hold_get", "hold_get_all"]
