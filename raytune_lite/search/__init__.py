"""Searchers: what configuration to try next."""

from raytune_lite.search.base import FINISHED, Searcher, SearchStatus, Suggestion
from raytune_lite.search.basic import BasicSearch
from raytune_lite.search.bayes import BayesOpt, Pending
from raytune_lite.search.cmaes import CMAES
from raytune_lite.search.evolution import GeneticSearch
from raytune_lite.search.local import LocalSearch, Restart
from raytune_lite.search.pso import Bounds, ParticleSwarm
from raytune_lite.search.tpe import TPE

__all__ = ["CMAES", "FINISHED", "TPE", "BasicSearch", "BayesOpt", "Bounds", "GeneticSearch",
           "LocalSearch", "ParticleSwarm", "Pending", "Restart", "SearchStatus", "Searcher",
           "Suggestion"]
