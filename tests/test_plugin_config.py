"""Rebuilding a searcher or scheduler from experiment.json (no Ray)."""

from __future__ import annotations

import pickle

import pytest

import raytune_lite as rt
from raytune_lite.plugin_config import check_same_kind, plugin_state, rebuild
from raytune_lite.schedulers import ASHA, FIFO, PBT, Hyperband, MedianStopping, Scheduler
from raytune_lite.search import (
    CMAES,
    TPE,
    BasicSearch,
    BayesOpt,
    GeneticSearch,
    LocalSearch,
    ParticleSwarm,
)
from raytune_lite.store import PluginState

PLUGINS = [
    ("searcher", BasicSearch(max_pending=2)),
    ("searcher", BayesOpt(n_initial_points=4)),
    ("searcher", TPE(n_startup_trials=3)),
    ("searcher", CMAES()),
    ("searcher", GeneticSearch(population_size=6)),
    ("searcher", ParticleSwarm(n_particles=5)),
    ("searcher", LocalSearch(init_config={"x": 1.0})),
    ("scheduler", FIFO()),
    ("scheduler", ASHA(max_t=27, grace_period=3, reduction_factor=3)),
    ("scheduler", Hyperband(max_t=9)),
    ("scheduler", MedianStopping(grace_period=2)),
    (
        "scheduler",
        PBT(perturbation_interval=2, hyperparam_mutations={"lr": rt.loguniform(1e-4, 1e-1)}),
    ),
]


@pytest.mark.parametrize("role, plugin", PLUGINS, ids=lambda p: type(p).__name__)
def test_every_plugin_is_rebuilt_with_its_arguments(role, plugin):
    saved = PluginState.from_json(plugin_state(plugin).to_json())
    again = rebuild(saved, role)
    assert type(again) is type(plugin)
    assert again.to_config() == plugin.to_config() == saved.config
    assert pickle.loads(pickle.dumps(plugin)).to_config() == plugin.to_config()  # Ray pickles


def test_a_plugin_of_your_own_or_with_a_function_is_asked_for_again():
    class Mine(Scheduler):
        def on_result(self, trial, row):
            raise NotImplementedError

    with pytest.raises(
        ValueError, match=r"from 'test_plugin_config'.*pass scheduler=Mine\(\.\.\.\)"
    ):
        rebuild(plugin_state(Mine()), "scheduler")
    pbt = PBT(perturbation_interval=2, hyperparam_mutations={"lr": lambda: 0.1})
    assert pbt.to_config() is None
    with pytest.raises(ValueError, match=r"cannot be stored .*pass scheduler=PBT\(\.\.\.\)"):
        rebuild(plugin_state(pbt), "scheduler")
    with pytest.raises(ValueError, match=r"from 'os', which is not rebuilt"):
        rebuild(PluginState("system", {}, "os", {"args": ["rm -rf /"], "kwargs": {}}), "searcher")
    assert type(rebuild(PluginState(""), "searcher")) is BasicSearch  # nothing recorded: default


def test_resuming_with_another_class_is_refused_naming_both():
    with pytest.raises(
        ValueError, match="the experiment used searcher TPE; this Tuner has searcher BayesOpt"
    ):
        check_same_kind(plugin_state(TPE()), BayesOpt(), "searcher")
    check_same_kind(plugin_state(TPE(n_startup_trials=2)), TPE(), "searcher")
