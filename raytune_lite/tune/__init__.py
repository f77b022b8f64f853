"""Ray Tune's API on raytune_lite: change ``from ray import tune`` to
``from raytune_lite import tune`` and the script runs here.

Mirrored: ``Tuner`` (``fit``, ``get_results``, ``restore``, ``can_restore``), ``TuneConfig``,
``RunConfig``, ``CheckpointConfig``, ``FailureConfig``, ``with_parameters``,
``with_resources``, the search space functions, ``report``, ``get_checkpoint``,
``get_context``, ``Checkpoint``, ``Trainable``, ``ResultGrid`` / ``Result``,
:mod:`~raytune_lite.tune.schedulers`, :mod:`~raytune_lite.tune.search` and
:mod:`~raytune_lite.tune.integration`. What is not mirrored raises NotImplementedError
naming it; the README's "Coming from Ray Tune" section lists it.

Example:
    >>> from raytune_lite import tune
    >>> def train(config):
    ...     for step in range(5):
    ...         tune.report({"loss": (config["x"] - 2) ** 2 / (step + 1)})
    >>> tuner = tune.Tuner(train, param_space={"x": tune.uniform(0, 4)},
    ...                    tune_config=tune.TuneConfig(metric="loss", mode="min",
    ...                                                num_samples=10))  # doctest: +SKIP
    >>> tuner.fit().get_best_result().config  # doctest: +SKIP
"""

from __future__ import annotations

from raytune_lite.tune import logger, schedulers, search
from raytune_lite.tune.callbacks import Callback
from raytune_lite.tune.config import CheckpointConfig, FailureConfig, RunConfig, TuneConfig
from raytune_lite.tune.domains import (
    choice,
    grid_search,
    lograndint,
    loguniform,
    qlograndint,
    qloguniform,
    qrandint,
    quniform,
    randint,
    randn,
    sample_from,
    uniform,
)
from raytune_lite.tune.result_grid import Result, ResultGrid
from raytune_lite.tune.session import Checkpoint, TuneContext, get_checkpoint, get_context, report
from raytune_lite.tune.trainable import Trainable, with_parameters, with_resources
from raytune_lite.tune.tuner import Tuner

__all__ = [
    "Callback",
    "Checkpoint",
    "CheckpointConfig",
    "FailureConfig",
    "Result",
    "ResultGrid",
    "RunConfig",
    "Trainable",
    "TuneConfig",
    "TuneContext",
    "Tuner",
    "choice",
    "get_checkpoint",
    "get_context",
    "grid_search",
    "logger",
    "lograndint",
    "loguniform",
    "qlograndint",
    "qloguniform",
    "qrandint",
    "quniform",
    "randint",
    "randn",
    "report",
    "sample_from",
    "schedulers",
    "search",
    "uniform",
    "with_parameters",
    "with_resources",
]
