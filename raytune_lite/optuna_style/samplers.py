"""Optuna's sampler names over raytune_lite's searchers: ``TPESampler`` -> TPE,
``RandomSampler`` -> random search (``BasicSearch``). Other samplers are not mirrored (they
need the space up front, which a define-by-run objective does not give).

Example:
    >>> import raytune_lite.optuna_style as optuna
    >>> sampler = optuna.samplers.TPESampler(seed=0, n_startup_trials=5)
    >>> type(sampler.searcher()).__name__, sampler.seed
    ('TPE', 0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from raytune_lite.search.base import Searcher

__all__ = ["BaseSampler", "RandomSampler", "TPESampler"]

_NOT_MIRRORED = {
    "CmaEsSampler",
    "GPSampler",
    "GridSampler",
    "NSGAIISampler",
    "NSGAIIISampler",
    "QMCSampler",
    "BruteForceSampler",
    "PartialFixedSampler",
}


class BaseSampler:
    """A sampler: the seed and a factory of the searcher each ``study.optimize`` runs with."""

    seed: int | None = None

    def searcher(self) -> Searcher:
        raise NotImplementedError


class TPESampler(BaseSampler):
    """Optuna's ``TPESampler`` as :class:`raytune_lite.search.TPE`, with Optuna's defaults
    (``constant_liar=False``, ``multivariate=False``: each parameter on its own;
    ``multivariate=True`` draws the parameters every trial has jointly). ``group`` and
    ``constraints_func`` are not mirrored; ``warn_independent_sampling`` has no effect."""

    def __init__(
        self,
        *,
        consider_prior: bool = True,
        prior_weight: float = 1.0,
        consider_magic_clip: bool = True,
        consider_endpoints: bool = False,
        n_startup_trials: int = 10,
        n_ei_candidates: int = 24,
        gamma: Callable[[int], int] | None = None,
        weights: Callable[[int], Any] | None = None,
        seed: int | None = None,
        multivariate: bool = False,
        group: bool = False,
        warn_independent_sampling: bool = True,
        constant_liar: bool = False,
        constraints_func: Any = None,
    ) -> None:
        if group or constraints_func is not None:
            raise ValueError(
                "TPESampler(group=True) and constraints_func are not mirrored by "
                "raytune_lite.optuna_style; got "
                f"{group=}, constraints_func={constraints_func!r}"
            )
        self.seed = seed
        self._args: dict[str, Any] = dict(
            n_startup_trials=n_startup_trials,
            n_ei_candidates=n_ei_candidates,
            gamma=gamma,
            prior_weight=prior_weight,
            consider_prior=consider_prior,
            consider_magic_clip=consider_magic_clip,
            consider_endpoints=consider_endpoints,
            multivariate=multivariate,
            constant_liar=constant_liar,
            weights=weights,
        )
        self.searcher()  # a bad argument is an error now, naming it

    def searcher(self) -> Searcher:
        from raytune_lite.search.tpe import TPE

        return TPE(**self._args)


class RandomSampler(BaseSampler):
    """Optuna's ``RandomSampler``: :class:`raytune_lite.search.BasicSearch`."""

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed

    def searcher(self) -> Searcher:
        from raytune_lite.search.basic import BasicSearch

        return BasicSearch()


def __getattr__(name: str) -> Any:
    if name in _NOT_MIRRORED:
        raise AttributeError(
            f"optuna.samplers.{name} is not mirrored by raytune_lite.optuna_style: use "
            "TPESampler or RandomSampler, or declare the space in a param_space and use "
            "rt.Tuner with the searcher you want (rt.search.CMAES, BayesOpt, NSGA2, ...)"
        )
    raise AttributeError(f"module 'raytune_lite.optuna_style.samplers' has no attribute {name!r}")
