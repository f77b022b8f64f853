"""Optuna's API over raytune_lite: ``import raytune_lite.optuna_style as optuna``.

Scripts written for Optuna's common API (``create_study``, ``study.optimize``, the
``trial.suggest_*`` objective with ``report``/``should_prune``/``TrialPruned``, ``best_*``,
``trials_dataframe()``, ``TPESampler``/``RandomSampler``, ``MedianPruner``/
``SuccessiveHalvingPruner``/``HyperbandPruner``) run with only that import changed, their
trials in parallel on Ray (``n_jobs``). What is not mirrored is listed in the README
("Coming from Optuna"): RDB storages, ask/tell, study callbacks, the other samplers and
pruners, ``optuna.visualization`` (use ``rt.ResultGrid.to_optuna_study``).

Example:
    >>> import raytune_lite.optuna_style as optuna
    >>> def objective(trial):
    ...     x = trial.suggest_float("x", -10, 10)
    ...     return (x - 2) ** 2
    >>> study = optuna.create_study(direction="minimize")  # doctest: +SKIP
    >>> study.optimize(objective, n_trials=30, n_jobs=4)  # doctest: +SKIP
"""

from raytune_lite.define_by_run.trial import ObjectiveTrial as Trial
from raytune_lite.define_by_run.trial import TrialPruned
from raytune_lite.optuna_style import exceptions, logging, pruners, samplers, trial
from raytune_lite.optuna_style.study import Study, StudyDirection, create_study, load_study
from raytune_lite.optuna_style.trial import FrozenTrial, TrialState

__all__ = [
    "FrozenTrial",
    "Study",
    "StudyDirection",
    "Trial",
    "TrialPruned",
    "TrialState",
    "create_study",
    "exceptions",
    "load_study",
    "logging",
    "pruners",
    "samplers",
    "trial",
]
