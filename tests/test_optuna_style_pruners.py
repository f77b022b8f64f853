"""Optuna's pruner names onto raytune_lite's schedulers (no Ray)."""

from __future__ import annotations

import pytest

import raytune_lite.optuna_style as optuna
from raytune_lite.schedulers.asha import ASHA
from raytune_lite.schedulers.fifo import FIFO
from raytune_lite.schedulers.median import MedianStopping


def test_median_pruner_judges_by_step_after_the_warmup():
    s = optuna.pruners.MedianPruner(
        n_startup_trials=4, n_warmup_steps=3, interval_steps=2
    ).scheduler()
    assert isinstance(s, MedianStopping)
    assert (s.time_attr, s.grace_period, s.min_samples_required, s.interval) == ("step", 3.0, 4, 2)
    assert optuna.pruners.MedianPruner(n_min_trials=7).scheduler().min_samples_required == 7


def test_successive_halving_is_asha_without_a_maximum():
    s = optuna.pruners.SuccessiveHalvingPruner(
        min_resource=2, reduction_factor=3, min_early_stopping_rate=1
    ).scheduler()
    assert isinstance(s, ASHA)
    assert (s.time_attr, s.grace_period, s.reduction_factor) == ("step", 6, 3)
    assert s.max_t >= 10**9
    assert optuna.pruners.SuccessiveHalvingPruner().scheduler().grace_period == 1  # "auto"


def test_hyperband_brackets():
    s = optuna.pruners.HyperbandPruner(min_resource=1, max_resource=27, reduction_factor=3)
    asha = s.scheduler()
    assert isinstance(asha, ASHA) and asha.brackets == 4 and asha.reduction_factor == 3
    with pytest.raises(ValueError, match="max_resource must be > min_resource"):
        optuna.pruners.HyperbandPruner(min_resource=5, max_resource=5)


def test_nop_and_what_is_not_mirrored():
    assert isinstance(optuna.pruners.NopPruner().scheduler(), FIFO)
    with pytest.raises(AttributeError, match="not mirrored"):
        optuna.pruners.PercentilePruner  # noqa: B018
    with pytest.raises(ValueError, match="bootstrap_count"):
        optuna.pruners.SuccessiveHalvingPruner(bootstrap_count=2)
    with pytest.raises(ValueError, match="reduction_factor"):
        optuna.pruners.SuccessiveHalvingPruner(reduction_factor=1)
