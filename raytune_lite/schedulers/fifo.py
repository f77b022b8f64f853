"""FIFO: every trial runs to its end (or to the ``stop`` criteria)."""

from __future__ import annotations

from typing import Any

from raytune_lite.schedulers.base import Decision, Scheduler
from raytune_lite.trial import TrialSnapshot


class FIFO(Scheduler):
    """Runs every trial to completion; the default scheduler.

    Example:
        >>> import raytune_lite as rt
        >>> rt.schedulers.FIFO().sync_policy().never
        True
    """

    requires_metric = False

    def on_result(self, trial: TrialSnapshot, row: dict[str, Any]) -> Decision:
        return Decision.CONTINUE
