"""Ray Tune's scheduler names, arguments and defaults (no Ray)."""

from __future__ import annotations

import pytest

from raytune_lite import schedulers as native
from raytune_lite.tune import schedulers as ts
from raytune_lite.tune import uniform


def test_ray_defaults():
    asha = ts.ASHAScheduler()
    assert ts.ASHAScheduler is ts.AsyncHyperBandScheduler and isinstance(asha, native.ASHA)
    assert (asha.time_attr, asha.max_t, asha.grace_period, asha.reduction_factor) == (
        "training_iteration",
        100,
        1,
        4,
    )
    hb = ts.HyperBandScheduler()
    assert (hb.max_t, hb.reduction_factor) == (81, 3) and isinstance(hb, native.Hyperband)
    med = ts.MedianStoppingRule()
    assert (med.time_attr, med.grace_period, med.min_samples_required) == ("time_total_s", 60, 3)
    pbt = ts.PopulationBasedTraining(hyperparam_mutations={"lr": [0.1, 0.2]})
    assert (pbt.time_attr, pbt.perturbation_interval) == ("time_total_s", 60.0)
    assert (pbt.quantile_fraction, pbt.resample_probability) == (0.25, 0.25)
    assert pbt.perturbation_factors == [1.2, 0.8]
    assert isinstance(ts.FIFOScheduler(), native.FIFO)


def test_asha_judges_the_second_trial_at_a_rung_against_the_first_as_ray_does():
    from test_asha import snap

    from raytune_lite.schedulers.base import Action

    def report(s: native.ASHA, tid: str, loss: float) -> Action:
        return s.on_result(snap(tid), {"loss": loss, "training_iteration": 1}).action

    ray_like, ours = ts.ASHAScheduler(max_t=9), native.ASHA(max_t=9, reduction_factor=4)
    for s in (ray_like, ours):
        s.setup("loss", "min", seed=0)
        assert report(s, "a", 0.1) is Action.CONTINUE
    assert ray_like.min_samples_required == 1
    assert report(ray_like, "b", 0.5) is Action.STOP  # worse than the only peer
    assert report(ours, "b", 0.5) is Action.CONTINUE  # ours waits for 3 peers


def test_positional_arguments_in_ray_order():
    asha = ts.AsyncHyperBandScheduler("time_total_s", "loss", "min", 50, 5, 2)
    assert (asha.time_attr, asha.max_t, asha.grace_period, asha.reduction_factor) == (
        "time_total_s",
        50,
        5,
        2,
    )
    assert (asha.requested_metric, asha.requested_mode) == ("loss", "min")


def test_metric_and_mode_wait_for_the_tuner():
    asha = ts.ASHAScheduler(metric="acc", mode="max")
    assert asha.metric is None  # the Tuner calls setup() with the experiment's objective
    asha.setup("acc", "max", seed=0)
    assert asha.metric == "acc" and asha.mode.value == "max"
    with pytest.raises(ValueError, match="mode must be 'min', 'max' or None; got mode='up'"):
        ts.ASHAScheduler(mode="up")


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (lambda: ts.ASHAScheduler(stop_last_trials=False), "stop_last_trials=False"),
        (lambda: ts.HyperBandScheduler(stop_last_trials=False), "stop_last_trials=False"),
        (lambda: ts.MedianStoppingRule(hard_stop=False), "hard_stop=False"),
        (
            lambda: ts.PopulationBasedTraining(burn_in_period=5, hyperparam_mutations={"a": [1]}),
            "burn_in_period=5",
        ),
        (
            lambda: ts.PopulationBasedTraining(
                custom_explore_fn=dict, hyperparam_mutations={"a": [1]}
            ),
            "custom_explore_fn=",
        ),
    ],
)
def test_not_mirrored_arguments_raise(build, name):
    with pytest.raises(NotImplementedError, match=name):
        build()


def test_pbt_takes_ray_mutations():
    pbt = ts.PopulationBasedTraining(
        hyperparam_mutations={"lr": uniform(0, 1), "bs": (16, 32), "opt": {"m": lambda: 0.9}}
    )
    pbt.setup("loss", "min", seed=0)
    assert set(pbt._explorer.mutations) == {("lr",), ("bs",), ("opt", "m")}
