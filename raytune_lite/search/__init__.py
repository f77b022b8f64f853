"""Searchers: what configuration to try next."""

from raytune_lite.search.base import FINISHED, Searcher, SearchStatus, Suggestion
from raytune_lite.search.basic import BasicSearch

__all__ = ["FINISHED", "BasicSearch", "SearchStatus", "Searcher", "Suggestion"]
