"""Where new trials come from: ``points_to_evaluate`` first, then the searcher, within the
experiment's sample budget and the searcher's ``max_pending``.

Plain logic over a :class:`~raytune_lite.search.base.Searcher`, no Ray.

Example:
    >>> from raytune_lite.search import BasicSearch
    >>> from raytune_lite.space import Space
    >>> searcher = BasicSearch()
    >>> searcher.setup(Space({"x": 1}), None, "min", 0)
    >>> supply = TrialSupply(searcher, [{"x": 2}], num_samples=2, grid_size=1)
    >>> [(t.trial_id, t.config, t.from_searcher) for t in (supply.next(), supply.next())]
    [('00000', {'x': 2}, False), ('00001', {'x': 1}, True)]
    >>> supply.next() is None and supply.exhausted
    True
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from raytune_lite.search.base import Searcher, SearchStatus


@dataclass(frozen=True)
class NewTrial:
    """A trial to create.

    Attributes:
        trial_id: its id, ``f"{n:05d}"`` for the n-th trial of the experiment.
        config: its config.
        from_searcher: False for a point of ``points_to_evaluate``.
    """

    trial_id: str
    config: dict[str, Any]
    from_searcher: bool


class TrialSupply:
    """Hands out new trials and counts them.

    Args:
        searcher: the experiment's searcher (told of ``points_to_evaluate`` with
            ``add_trial``, asked for the rest with ``suggest``).
        points_to_evaluate: configs to run first, in order.
        num_samples: samples per grid point (``<= 0``: no limit).
        grid_size: how many grid points the space has (1 without grid domains).

    Attributes:
        created: how many trials were handed out (the next trial's number).
        budget: how many trials may be created (``inf``: no limit); never fewer than the
            ``points_to_evaluate``.
        points: the ``points_to_evaluate`` not handed out yet.
        searcher_done: whether the searcher said FINISHED.
        pending: the searcher's trials handed out and not finished yet.
    """

    def __init__(
        self,
        searcher: Searcher,
        points_to_evaluate: Iterable[dict[str, Any]],
        num_samples: int,
        grid_size: int,
    ) -> None:
        self.searcher = searcher
        self.points: deque[dict[str, Any]] = deque(points_to_evaluate)
        budget = num_samples * grid_size if num_samples > 0 else math.inf
        self.budget: float = max(budget, len(self.points))
        self.created = 0
        self.searcher_done = False
        self.pending = 0

    @property
    def exhausted(self) -> bool:
        """Whether no trial will ever be handed out again."""
        return self.searcher_done or self.created >= self.budget

    def next(self) -> NewTrial | None:
        """The next trial, or None: the budget is spent, or the searcher has nothing now.

        The searcher is not asked while ``max_pending`` of its trials are unfinished, nor
        after it said FINISHED.
        """
        if self.created >= self.budget:
            return None
        tid = f"{self.created:05d}"
        if self.points:
            config, from_searcher = self.points.popleft(), False
            self.searcher.add_trial(tid, config)
        else:
            limit = self.searcher.max_pending
            if self.searcher_done or (limit is not None and self.pending >= limit):
                return None
            suggestion = self.searcher.suggest(tid)
            if isinstance(suggestion, SearchStatus):  # FINISHED
                self.searcher_done = True
                return None
            if suggestion is None:  # nothing now: ask again later
                return None
            config, from_searcher = suggestion, True
        self.pending += from_searcher
        self.created += 1
        return NewTrial(tid, config, from_searcher)

    def finished(self, from_searcher: bool) -> None:
        """A trial handed out ended for good (counted once per trial)."""
        self.pending -= from_searcher

    def resume(
        self,
        created: int,
        points_left: Iterable[dict[str, Any]],
        searcher_done: bool,
        pending: int = 0,
    ) -> None:
        """Takes up the counts of an interrupted experiment (the budget stays as it was).

        Args:
            created: how many trials it had created.
            points_left: its ``points_to_evaluate`` not handed out yet.
            searcher_done: whether its searcher had said FINISHED.
            pending: its searcher's trials not finished yet (they run again).
        """
        self.created = created
        self.points = deque(points_left)
        self.searcher_done = searcher_done
        self.pending = pending
