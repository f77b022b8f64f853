"""Ray Tune's search algorithm names (``tune.search``), on raytune_lite's searchers.

``OptunaSearch``, ``HyperOptSearch`` and ``BayesOptSearch`` need neither Optuna, HyperOpt nor
bayesian-optimization: they run raytune_lite's TPE / BayesOpt, loaded on first use (as in Ray
Tune, also importable from ``raytune_lite.tune.search.optuna`` etc.). The space must be a
dict of tune domains, in ``param_space`` or in the searcher's ``space`` argument.

Not mirrored: Ray Tune's ``Searcher`` base class API (write a
:class:`raytune_lite.search.Searcher` instead), ``Repeater``, ``create_searcher``, and the
other libraries' searchers (Ax, BOHB, HEBO, Nevergrad, ZOOpt).

Example:
    >>> from raytune_lite.tune.search import ConcurrencyLimiter, OptunaSearch
    >>> ConcurrencyLimiter(OptunaSearch(), max_concurrent=4).max_pending
    4
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from raytune_lite._lazy import lazy_exports
from raytune_lite.search.base import Searcher
from raytune_lite.tune.search._common import BasicVariantGenerator, ConcurrencyLimiter

if TYPE_CHECKING:
    from raytune_lite.tune.search.bayesopt import BayesOptSearch
    from raytune_lite.tune.search.hyperopt import HyperOptSearch
    from raytune_lite.tune.search.optuna import OptunaSearch

_LAZY = {
    "BayesOptSearch": "raytune_lite.tune.search.bayesopt",
    "HyperOptSearch": "raytune_lite.tune.search.hyperopt",
    "OptunaSearch": "raytune_lite.tune.search.optuna",
}

__all__ = [
    "BasicVariantGenerator",
    "BayesOptSearch",
    "ConcurrencyLimiter",
    "HyperOptSearch",
    "OptunaSearch",
    "Searcher",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals(), __all__)
