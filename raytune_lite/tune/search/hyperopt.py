"""``HyperOptSearch``: Ray Tune's name for HyperOpt's TPE, run by raytune_lite's own TPE.

HyperOpt is not imported; ``n_initial_points`` and ``gamma`` map onto
:class:`raytune_lite.search.TPE`'s ``n_startup_trials`` and ``gamma``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from raytune_lite.search.tpe import TPE
from raytune_lite.tune.search._common import RaySearcher

__all__ = ["HyperOptSearch"]


class HyperOptSearch(RaySearcher, TPE):
    """Ray Tune's ``HyperOptSearch`` on raytune_lite's TPE.

    Args:
        space: a dict of tune domains (instead of param_space); metric, mode,
            points_to_evaluate: as in Ray Tune. n_initial_points: random trials first (20).
        random_state_seed: the seed. gamma: the share of trials in TPE's good group (0.25).

    Example:
        >>> HyperOptSearch().n_startup_trials
        20
    """

    def __init__(
        self,
        space: Mapping[str, Any] | None = None,
        metric: str | None = None,
        mode: str | None = None,
        points_to_evaluate: list[dict[str, Any]] | None = None,
        n_initial_points: int = 20,
        random_state_seed: int | None = None,
        gamma: float = 0.25,
    ):
        super().__init__(n_startup_trials=n_initial_points, gamma=gamma)
        self._request(space, metric, mode, points_to_evaluate, random_state_seed)
