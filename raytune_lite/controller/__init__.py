"""The controller's wing: the actor that runs one experiment, and its rules.

``actor.py`` is the dispatcher (the one module here that imports Ray); the rules it applies
are plain modules, each testable without Ray:

- ``supply.py``: where new trials come from (points_to_evaluate, then the searcher);
- ``outcome.py``: what an ended attempt becomes (retry, pause, exploit, finished);
- ``recovery.py``: the trial table and plugin state taken up on resume;
- ``retention.py``: which checkpoints a trial keeps, and an exploiter's own copy;
- ``table.py``: the trial table, the best so far, what the progress table shows;
- ``timers.py``: periodic snapshots and the time budget;
- ``failing.py``: first failures, fail_fast and systematic stops, crash messages, the grace of
  a swallowed stop, the wait for a node that can run the trials.

``Controller`` is imported lazily, so that importing a rule module does not import Ray.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from raytune_lite.controller.actor import Controller

__all__ = ["Controller"]


def __getattr__(name: str) -> Any:
    if name == "Controller":
        from raytune_lite.controller.actor import Controller

        return Controller
    raise AttributeError(f"module 'raytune_lite.controller' has no attribute {name!r}")
