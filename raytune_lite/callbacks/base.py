"""The driver-side callback interface and the frozen view of a trial it receives.

Callbacks run in the driver process (the one calling ``fit()``), never in the controller or
the trials: they may hold files, clients and connections. The Tuner calls them in the order
things happened, from the events the controller records (see :mod:`raytune_lite.events`);
a callback that raises is logged and the experiment goes on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from raytune_lite.trial import TrialStatus

__all__ = ["Callback", "TrialView"]


@dataclass(frozen=True)
class TrialView:
    """A read-only view of one trial, as a callback sees it.

    Attributes:
        trial_id; config; status; attempt (1 for the first run, more after retries,
        pauses or exploits); num_results: rows seen so far; last_result: the last row (or
        None); checkpoint: the path of its last checkpoint (or None); error: the traceback
        text of its failure (or None); path: the trial's folder.
    """

    trial_id: str
    config: Mapping[str, Any]
    status: TrialStatus
    attempt: int
    num_results: int
    last_result: Mapping[str, Any] | None
    checkpoint: str | None
    error: str | None
    path: str

    @staticmethod
    def frozen(d: Mapping[str, Any]) -> Mapping[str, Any]:
        return MappingProxyType(dict(d))


class Callback:
    """Base class of callbacks: override the hooks you need (each does nothing by default).

    Example:
        >>> import raytune_lite as rt
        >>> class Best(rt.callbacks.Callback):
        ...     def __init__(self):
        ...         self.best = None
        ...     def on_trial_result(self, trial, result):
        ...         if self.best is None or result["loss"] < self.best:
        ...             self.best = result["loss"]
        >>> tuner = rt.Tuner(lambda c: {"loss": c["x"]}, {"x": rt.uniform(0, 1)},
        ...                  metric="loss", callbacks=[Best()])  # doctest: +SKIP
    """

    def setup(self, experiment_path: str) -> None:
        """Called once, before the first event, with the experiment's folder."""

    def on_trial_start(self, trial: TrialView) -> None:
        """An attempt of the trial was launched (``trial.attempt`` counts them)."""

    def on_trial_result(self, trial: TrialView, result: Mapping[str, Any]) -> None:
        """The trial reported ``result`` (``trial.last_result`` is the same row)."""

    def on_trial_complete(self, trial: TrialView) -> None:
        """The trial ended without an error (finished, or stopped early)."""

    def on_trial_error(self, trial: TrialView) -> None:
        """The trial ended in ERROR (``trial.error`` holds the traceback)."""

    def on_experiment_end(self, trials: list[TrialView]) -> None:
        """The experiment ended; ``trials``: every trial seen in this run, in id order."""
