"""``BayesOptSearch``: Ray Tune's name for GP Bayesian optimization, run by raytune_lite's
own :class:`raytune_lite.search.BayesOpt` (the ``bayesian-optimization`` package is not
imported)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from raytune_lite.search.bayes import BayesOpt
from raytune_lite.tune.search._common import RaySearcher, unsupported

__all__ = ["BayesOptSearch"]

_KINDS = {"ucb": "ucb", "ei": "ei"}


class BayesOptSearch(RaySearcher, BayesOpt):
    """Ray Tune's ``BayesOptSearch`` on raytune_lite's BayesOpt.

    Args:
        space: a dict of tune domains (instead of param_space); metric, mode,
            points_to_evaluate: as in Ray Tune. utility_kwargs: ``{"kind": "ucb" | "ei",
            "kappa": 2.576, "xi": 0.0}`` (Ray Tune's default; ``xi`` is ignored).
        random_state: the seed (42). random_search_steps: random trials first (10).
        verbose, patience, skip_duplicate: accepted, no effect. analysis: only None.

    Example:
        >>> BayesOptSearch().ucb_kappa, BayesOptSearch().requested_seed
        (2.576, 42)
    """

    def __init__(
        self,
        space: Mapping[str, Any] | None = None,
        metric: str | None = None,
        mode: str | None = None,
        points_to_evaluate: list[dict[str, Any]] | None = None,
        utility_kwargs: Mapping[str, Any] | None = None,
        random_state: int = 42,
        random_search_steps: int = 10,
        verbose: int = 0,
        patience: int = 5,
        skip_duplicate: bool = True,
        analysis: Any = None,
    ):
        unsupported("BayesOptSearch", analysis=(analysis, None))
        utility = {"kind": "ucb", "kappa": 2.576, "xi": 0.0, **(utility_kwargs or {})}
        kind = utility["kind"]
        if kind not in _KINDS:
            raise NotImplementedError(
                f"BayesOptSearch(utility_kwargs={{'kind': {kind!r}}}) is not mirrored; "
                f"use one of {sorted(_KINDS)}"
            )
        super().__init__(
            n_initial_points=random_search_steps,
            acquisition=_KINDS[kind],
            ucb_kappa=utility["kappa"],
        )
        self.verbose, self.patience, self.skip_duplicate = verbose, patience, skip_duplicate
        self._request(space, metric, mode, points_to_evaluate, random_state)
