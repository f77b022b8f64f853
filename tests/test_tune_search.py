"""Ray Tune's searcher names on raytune_lite's searchers (no Ray)."""

from __future__ import annotations

import pytest

from raytune_lite.search import TPE, BasicSearch, BayesOpt
from raytune_lite.space import Space
from raytune_lite.tune import search as ts
from raytune_lite.tune import uniform
from raytune_lite.tune.search.basic_variant import BasicVariantGenerator
from raytune_lite.tune.search.bayesopt import BayesOptSearch
from raytune_lite.tune.search.hyperopt import HyperOptSearch
from raytune_lite.tune.search.optuna import OptunaSearch


def test_ray_names_map_onto_our_searchers():
    assert isinstance(ts.OptunaSearch(), TPE) and ts.OptunaSearch is OptunaSearch
    hyperopt = HyperOptSearch(n_initial_points=5, gamma=0.3, random_state_seed=2)
    assert isinstance(hyperopt, TPE) and hyperopt.n_startup_trials == 5
    assert hyperopt.gamma == 0.3 and hyperopt.requested_seed == 2
    bayes = BayesOptSearch(utility_kwargs={"kind": "ei"}, random_search_steps=4)
    assert isinstance(bayes, BayesOpt) and bayes.acquisition.value == "ei"
    assert bayes.n_initial_points == 4 and bayes.requested_seed == 42
    basic = BasicVariantGenerator(points_to_evaluate=[{"x": 1}], max_concurrent=3)
    assert isinstance(basic, BasicSearch) and basic.max_pending == 3
    assert basic.requested_points == [{"x": 1}]
    assert BasicVariantGenerator().max_pending is None


def test_not_mirrored_arguments_raise():
    with pytest.raises(NotImplementedError, match="sampler="):
        OptunaSearch(sampler=object())
    with pytest.raises(NotImplementedError, match="kind': 'poi'"):
        BayesOptSearch(utility_kwargs={"kind": "poi"})
    with pytest.raises(NotImplementedError, match="constant_grid_search=True"):
        BasicVariantGenerator(constant_grid_search=True)
    with pytest.raises(NotImplementedError, match="define-by-run"):
        OptunaSearch(space=lambda trial: None)
    with pytest.raises(NotImplementedError, match="batch=True"):
        ts.ConcurrencyLimiter(BasicSearch(), 2, batch=True)


def test_concurrency_limiter_delegates_and_limits():
    inner = OptunaSearch(metric="loss", mode="min")
    limited = ts.ConcurrencyLimiter(inner, max_concurrent=2)
    assert limited.max_pending == 2 and limited.requires_metric
    limited.setup(Space({"x": uniform(0, 1)}), "loss", "min", seed=0)
    a = limited.suggest("a")
    limited.on_complete("a", {"loss": a["x"]}, False)
    assert [o[0] for o in inner.observations()] == [a]  # the inner searcher saw the result
    assert limited.state() == inner.state()
    assert ts.ConcurrencyLimiter(BasicSearch(max_pending=1), 4).max_pending == 1
    with pytest.raises(TypeError, match="ConcurrencyLimiter needs a searcher"):
        ts.ConcurrencyLimiter("optuna", 2)
