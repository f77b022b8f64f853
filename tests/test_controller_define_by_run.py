"""The controller's suggest_param (controller/define_by_run.py), without Ray: the value is
the searcher's, recorded in the trial's config and trial.json before it is answered."""

from __future__ import annotations

import asyncio
import json
import os

import raytune_lite as rt
from raytune_lite.controller.define_by_run import ObjectiveCalls
from raytune_lite.controller.table import TrialTable
from raytune_lite.define_by_run.distributions import float_distribution, int_distribution
from raytune_lite.search.basic import BasicSearch
from raytune_lite.search.tpe import TPE
from raytune_lite.store import ExperimentStore
from raytune_lite.trial import Mode, Trial, TrialStatus


class Calls(ObjectiveCalls):
    """The part of the Controller suggest_param uses."""

    def __init__(self, path, searcher):
        self.searcher = searcher
        self.searcher.setup(rt.Space({}), "loss", "min", 0, 10)
        self.store = ExperimentStore(path)
        self.trials = TrialTable("loss", Mode.MIN)
        self.running = {}
        self.stopping = None
        self.dirty = False
        self.crashes = []

    def _crashed(self, e):
        self.crashes.append(e)
        self.stopping = f"crashed: {e}"

    def start(self, tid):
        config = self.searcher.suggest(tid)
        trial = Trial(tid, config, {}, status=TrialStatus.RUNNING, attempts=1)
        trial.config_history.append({"training_iteration": 0, "config": config})
        self.trials.add(trial)
        self.store.add_trial(tid, config)
        self.running[tid] = object()
        return trial

    def ask(self, tid, name, dist, attempt=1):
        return asyncio.run(self.suggest_param(tid, attempt, name, dist.to_json()))


def test_the_value_is_recorded_before_it_is_answered(tmp_path):
    calls = Calls(str(tmp_path), TPE(n_startup_trials=2))
    trial = calls.start("00000")
    x = calls.ask("00000", "x", float_distribution("x", -1, 1))
    n = calls.ask("00000", "n", int_distribution("n", 1, 3))
    assert x.refused is None and -1 <= x.value <= 1 and n.value in (1, 2, 3)
    assert trial.config == {"x": x.value, "n": n.value}
    assert trial.config_history[0]["config"] == trial.config
    with open(os.path.join(calls.store.trial_dir("00000"), "trial.json")) as f:
        assert json.load(f)["config"] == trial.config  # on disk: a resume replays it
    assert calls.dirty
    # asked again (a race with a retry): the recorded value, the searcher not asked
    assert calls.ask("00000", "x", float_distribution("x", -1, 1)).value == x.value


def test_an_ended_attempt_is_refused(tmp_path):
    calls = Calls(str(tmp_path), BasicSearch())
    trial = calls.start("00000")
    stale = calls.ask("00000", "x", float_distribution("x", 0, 1), attempt=2)
    assert stale.refused is not None and "has ended" in stale.refused
    assert calls.ask("00009", "x", float_distribution("x", 0, 1)).refused is not None
    del calls.running["00000"]
    assert calls.ask("00000", "x", float_distribution("x", 0, 1)).refused is not None
    assert trial.config == {}


class Outside(BasicSearch):
    def suggest_param(self, trial_id, name, distribution, params):
        return 99.0


def test_a_searcher_error_stops_the_experiment_with_words(tmp_path):
    calls = Calls(str(tmp_path), Outside())
    calls.start("00000")
    answer = calls.ask("00000", "x", float_distribution("x", 0, 1))
    assert answer.refused is not None and "crashed" in answer.refused
    assert "returned 99.0, outside" in str(calls.crashes[0])
