"""raytune_lite: asynchronous parallel hyperparameter tuning on Ray.

Example:
    >>> import raytune_lite as rt
    >>> def train(config):
    ...     for step in range(10):
    ...         rt.report({"loss": (config["x"] - 3) ** 2 / (step + 1)})
    >>> results = rt.Tuner(train, {"x": rt.uniform(0, 10)}, metric="loss", mode="min",
    ...                    num_samples=20).fit()  # doctest: +SKIP
    >>> results.best.config  # doctest: +SKIP
"""

from raytune_lite import callbacks, schedulers, search
from raytune_lite.checkpoint import Checkpoint, CheckpointError
from raytune_lite.define_by_run import ObjectiveTrial, TrialPruned
from raytune_lite.define_by_run.objective import define_by_run
from raytune_lite.parameters import with_parameters
from raytune_lite.results import Result, ResultGrid
from raytune_lite.session import (
    get_checkpoint,
    get_seed,
    get_trial_dir,
    get_trial_id,
    in_trial,
    report,
)
from raytune_lite.space import (
    Space,
    choice,
    grid,
    lograndint,
    loguniform,
    qlograndint,
    qloguniform,
    qrandint,
    quniform,
    randint,
    sample_from,
    uniform,
)
from raytune_lite.store import StoreError
from raytune_lite.trial import TrialStatus
from raytune_lite.tuner import ExperimentError, TrialError, Tuner

__version__ = "0.1.0"

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "ExperimentError",
    "ObjectiveTrial",
    "Result",
    "ResultGrid",
    "Space",
    "StoreError",
    "TrialError",
    "TrialPruned",
    "TrialStatus",
    "Tuner",
    "callbacks",
    "choice",
    "define_by_run",
    "get_checkpoint",
    "get_seed",
    "get_trial_dir",
    "get_trial_id",
    "grid",
    "in_trial",
    "lograndint",
    "loguniform",
    "qlograndint",
    "qloguniform",
    "qrandint",
    "quniform",
    "randint",
    "report",
    "sample_from",
    "schedulers",
    "search",
    "uniform",
    "with_parameters",
]
