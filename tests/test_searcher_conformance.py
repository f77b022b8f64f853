"""The shared searcher checks, run over every searcher: stepped integers stay on their grid
(no Ray)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from raytune_lite.search import (
    CMAES,
    NSGA2,
    TPE,
    BasicSearch,
    BayesOpt,
    GeneticSearch,
    LocalSearch,
    ParticleSwarm,
    Searcher,
    Staged,
)
from raytune_lite.testing import check_step_grid

SEARCHERS: dict[str, Callable[[], Searcher]] = {
    "basic": BasicSearch,
    "bayes": lambda: BayesOpt(n_initial_points=4, n_candidates=64),
    "tpe": lambda: TPE(n_startup_trials=4),
    "tpe-multivariate": lambda: TPE(n_startup_trials=4, multivariate=True),
    "cmaes": lambda: CMAES(popsize=4),
    "genetic": lambda: GeneticSearch(population_size=4, tournament_size=2),
    "pso": lambda: ParticleSwarm(n_particles=4),
    "local": LocalSearch,
    "nsga2": lambda: NSGA2(population_size=4),
    "staged": lambda: Staged([(BasicSearch(), 6), (TPE(n_startup_trials=2), 14)]),
}


@pytest.mark.parametrize("name", list(SEARCHERS))
def test_every_searcher_keeps_stepped_integers_on_their_grid(name: str) -> None:
    check_step_grid(SEARCHERS[name])
