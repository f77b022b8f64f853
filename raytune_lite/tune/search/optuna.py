"""``OptunaSearch``: Ray Tune's name for Optuna's TPE, run by raytune_lite's own TPE.

Optuna is not imported: the search runs on :class:`raytune_lite.search.TPE` (multivariate,
with the constant liar for concurrent trials), which follows Optuna's TPE.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from raytune_lite.search.tpe import TPE
from raytune_lite.tune.search._common import RaySearcher, unsupported

__all__ = ["OptunaSearch"]


class OptunaSearch(RaySearcher, TPE):
    """Ray Tune's ``OptunaSearch`` on raytune_lite's TPE.

    Args:
        space: a dict of tune domains (instead of param_space); metric, mode,
            points_to_evaluate, seed: as in Ray Tune.
        sampler: only None (TPE). evaluated_rewards: only None.

    Example:
        >>> OptunaSearch(metric="loss", mode="min", seed=1).requested_seed
        1
    """

    def __init__(
        self,
        space: Mapping[str, Any] | None = None,
        metric: str | None = None,
        mode: str | None = None,
        points_to_evaluate: list[dict[str, Any]] | None = None,
        sampler: Any = None,
        seed: int | None = None,
        evaluated_rewards: list[Any] | None = None,
    ):
        unsupported(
            "OptunaSearch", sampler=(sampler, None), evaluated_rewards=(evaluated_rewards, None)
        )
        super().__init__()
        self._request(space, metric, mode, points_to_evaluate, seed)
