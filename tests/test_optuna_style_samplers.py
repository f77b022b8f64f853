"""Optuna's sampler names onto raytune_lite's searchers (no Ray)."""

from __future__ import annotations

import pytest

import raytune_lite.optuna_style as optuna
from raytune_lite.search.basic import BasicSearch
from raytune_lite.search.tpe import TPE


def test_tpe_sampler_keeps_optunas_defaults_and_arguments():
    sampler = optuna.samplers.TPESampler(n_startup_trials=3, n_ei_candidates=7, seed=5)
    tpe = sampler.searcher()
    assert isinstance(tpe, TPE) and sampler.seed == 5
    assert (tpe.n_startup_trials, tpe.n_ei_candidates) == (3, 7)
    assert tpe.constant_liar is False and tpe.parzen.multivariate is False  # Optuna's defaults
    assert sampler.searcher() is not tpe  # a fresh searcher per optimize()


def test_bad_arguments_fail_at_once():
    with pytest.raises(ValueError, match="n_startup_trials"):
        optuna.samplers.TPESampler(n_startup_trials=-1)
    with pytest.raises(ValueError, match="not mirrored"):
        optuna.samplers.TPESampler(group=True)


def test_random_sampler_and_what_is_not_mirrored():
    assert isinstance(optuna.samplers.RandomSampler(seed=1).searcher(), BasicSearch)
    with pytest.raises(AttributeError, match="not mirrored"):
        optuna.samplers.CmaEsSampler  # noqa: B018
