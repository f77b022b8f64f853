"""Searchers: what configuration to try next."""

from raytune_lite.search.base import FINISHED, Searcher, SearchStatus, Suggestion
from raytune_lite.search.basic import BasicSearch
from raytune_lite.search.cmaes import CMAES
from raytune_lite.search.evolution import GeneticSearch
from raytune_lite.search.local import LocalSearch, Restart
from raytune_lite.search.pso import Bounds, ParticleSwarm

__all__ = ["CMAES", "FINISHED", "BasicSearch", "Bounds", "GeneticSearch", "LocalSearch", "ParticleSwarm",
           "Restart", "SearchStatus", "Searcher", "Suggestion"]
