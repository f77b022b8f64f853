"""Searchers: what configuration to try next.

The model-based searchers (``BayesOpt``, ``TPE``) need scipy, whose import costs about half
a second; they are loaded on first use, so that the processes that never use them (the
trials' workers, and a controller running another searcher) start faster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from raytune_lite._lazy import lazy_exports
from raytune_lite.search.base import FINISHED, Searcher, SearchStatus, Suggestion
from raytune_lite.search.basic import BasicSearch
from raytune_lite.search.cmaes import CMAES
from raytune_lite.search.evolution import GeneticSearch
from raytune_lite.search.local import LocalSearch, Restart
from raytune_lite.search.nsga2 import NSGA2
from raytune_lite.search.pso import Bounds, ParticleSwarm
from raytune_lite.search.repeated import Repeated
from raytune_lite.search.staged import Narrow, Staged

if TYPE_CHECKING:
    from raytune_lite.search.bayes import BayesOpt, Pending
    from raytune_lite.search.tpe import TPE

_LAZY = {
    "BayesOpt": "raytune_lite.search.bayes",
    "Pending": "raytune_lite.search.bayes",
    "TPE": "raytune_lite.search.tpe",
}

__all__ = [
    "CMAES",
    "FINISHED",
    "NSGA2",
    "TPE",
    "BasicSearch",
    "BayesOpt",
    "Bounds",
    "GeneticSearch",
    "LocalSearch",
    "Narrow",
    "ParticleSwarm",
    "Pending",
    "Repeated",
    "Restart",
    "SearchStatus",
    "Searcher",
    "Staged",
    "Suggestion",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals(), __all__)
