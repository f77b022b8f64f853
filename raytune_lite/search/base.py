"""The searcher interface: what configuration to try next.

A searcher is a plain class, usable and testable without Ray. The controller calls
:meth:`Searcher.setup` once, then :meth:`Searcher.suggest` whenever a slot is free, and tells it
about results. Several trials are pending at once: a searcher must stay sensible when
``suggest`` is called again before earlier suggestions have completed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import Enum
from typing import Any

import numpy as np

from raytune_lite._plugin_args import RecordsArgs
from raytune_lite.space import Space
from raytune_lite.trial import Mode, ModeName


class SearchStatus(Enum):
    """What a searcher says instead of a config."""

    FINISHED = "FINISHED"  #: no more suggestions, ever


FINISHED = SearchStatus.FINISHED

#: ``suggest`` returns a config, None (nothing right now: ask again later) or FINISHED.
Suggestion = dict[str, Any] | None | SearchStatus


class Searcher(RecordsArgs, ABC):
    """Base class of searchers.

    Subclasses implement :meth:`suggest`; every other hook does nothing by default.

    Args:
        max_pending: at most this many of this searcher's suggestions are evaluated at once
            (None: as many as the Tuner's ``max_concurrent`` allows). Model-based searchers
            use it to avoid suggesting blind while results are outstanding.
    """

    def __init__(self, *, max_pending: int | None = None):
        if max_pending is not None and (
            isinstance(max_pending, bool) or not isinstance(max_pending, int) or max_pending < 1
        ):
            raise ValueError(f"max_pending must be a positive int or None; got {max_pending=}")
        self.max_pending = max_pending
        self.space: Space = Space({})
        self.metric: str | None = None
        self.mode: Mode = Mode.MIN
        self.rng: np.random.Generator = np.random.default_rng()
        self.num_samples: int = 1

    #: True when the searcher needs ``metric`` to be set (model-based ones do).
    requires_metric: bool = False

    #: True when the searcher ranks trials by several objectives (``Tuner(metric=[...])``).
    #: The Tuner sets :attr:`objectives` (a :class:`~raytune_lite.multiobjective.Objectives`)
    #: and :attr:`constraints` after :meth:`setup`; single-objective searchers see the first
    #: metric as ``metric``.
    supports_multi_objective: bool = False
    objectives: Any = None
    constraints: Any = None

    def setup(
        self,
        space: Space,
        metric: str | None,
        mode: Mode | ModeName,
        seed: int | None,
        num_samples: int = 1,
    ) -> None:
        """Called once by the Tuner before the first suggestion.

        ``num_samples`` is the Tuner's budget (-1: unlimited); most searchers ignore it.
        """
        if self.requires_metric and metric is None:
            raise ValueError(
                f"{type(self).__name__} needs a metric to optimize; "
                "pass metric=... (and mode='min' or 'max') to the Tuner"
            )
        self.space = space
        self.metric = metric
        self.mode = Mode.parse(mode)
        self.rng = np.random.default_rng(seed)
        self.num_samples = num_samples

    @abstractmethod
    def suggest(self, trial_id: str) -> Suggestion:
        """A config for a new trial, None (nothing now, ask later) or FINISHED."""

    def add_trial(self, trial_id: str, config: dict[str, Any]) -> None:
        """A trial this searcher did not suggest is being evaluated with ``config``
        (``points_to_evaluate``, a warm start, a restored trial)."""

    def on_result(self, trial_id: str, row: dict[str, Any]) -> None:
        """An intermediate row of a trial (most searchers ignore these)."""

    def trial_info(self, trial_id: str) -> dict[str, Any]:
        """What the searcher records about a trial it just suggested (JSON-able; e.g. the
        stage of a staged search): kept in the trial's summary and shown as columns of
        ``results.dataframe()``. Default: nothing."""
        return {}

    def on_complete(self, trial_id: str, row: dict[str, Any] | None, error: bool) -> None:
        """A trial ended: ``row`` is its last row (None if it reported none); ``error`` says
        whether it failed. A row whose metric is NaN/inf/missing must not count as a best."""

    def state(self) -> dict[str, Any]:
        """JSON-able state for resuming an experiment."""
        return {"rng": self.rng.bit_generator.state}

    def load_state(self, state: dict[str, Any]) -> None:
        """Restores :meth:`state`'s output (after :meth:`setup`)."""
        if "rng" in state:
            self.rng.bit_generator.state = state["rng"]
