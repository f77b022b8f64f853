"""What the Tuner does differently for a define-by-run objective: its metric, its default
searcher (TPE, as in Optuna), and the checks of what cannot search or schedule it.

Example:
    >>> def objective(trial):
    ...     return trial.suggest_float("x", -1, 1) ** 2
    >>> fn, metric, searcher = objective_setup(objective, None, None, "min", None, None, 1)
    >>> type(fn).__name__, metric, type(searcher).__name__
    ('DefineByRun', 'objective', 'TPE')
    >>> from raytune_lite.search import CMAES
    >>> objective_setup(objective, None, None, "min", CMAES(), None, 1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: CMAES needs the whole search space up front...
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from raytune_lite.define_by_run.objective import DefineByRun, is_objective
from raytune_lite.multiobjective import Objectives
from raytune_lite.space import Space

#: the metric a define-by-run objective's returned value is reported under by default
DEFAULT_METRIC = "objective"
#: the searchers that search a space known only as trials run
ACCEPTED = "rt.search.TPE() (the default) or rt.search.BasicSearch() (random)"


def objective_setup(
    trainable: Callable[..., Any],
    param_space: Mapping[str, Any] | None,
    metric: str | Sequence[str] | None,
    mode: Any,
    searcher: Any,
    scheduler: Any,
    repeats: int,
) -> tuple[Callable[..., Any], str | Sequence[str] | None, Any]:
    """``(trainable, metric, searcher)`` for the Tuner: unchanged for a config function; for a
    define-by-run objective (see :func:`~.objective.is_objective`) the objective wrapped to
    report under the metrics, the metric defaulting to ``"objective"``, and the searcher
    defaulting to TPE (random search with several objectives).

    Raises:
        ValueError: a ``param_space`` with an objective wrapped by ``define_by_run``, a
            searcher that needs the space up front, ``repeats``, or PBT.
    """
    if not is_objective(trainable, param_space):
        return trainable, metric, searcher
    if param_space:
        raise ValueError(
            f"{trainable!r} is a define-by-run objective (it asks for its parameters with "
            "trial.suggest_*), so it takes no param_space; got param_space with keys "
            f"{sorted(param_space)}: declare the parameters in one place"
        )
    metric = DEFAULT_METRIC if metric is None else metric
    objectives = Objectives.parse(metric, mode)
    if searcher is None or searcher == "auto":
        if objectives.multi:
            from raytune_lite.search.basic import BasicSearch

            searcher = BasicSearch()
        else:
            from raytune_lite.search.tpe import TPE

            searcher = TPE()
    elif not callable(getattr(searcher, "suggest_param", None)):
        raise ValueError(
            f"{type(searcher).__name__} needs the whole search space up front, and a "
            "define-by-run objective's space is only known as its trials ask for values: "
            f"use {ACCEPTED}, or declare the space in a param_space and read the values "
            "from the config"
        )
    if repeats != 1:
        raise ValueError(
            f"repeats={repeats} repeats a config, and a define-by-run objective has none up "
            "front: run it with repeats=1 (loop over seeds inside the objective)"
        )
    if type(scheduler).__name__ == "PBT":
        raise ValueError(
            "PBT mutates the values of a param_space, and a define-by-run objective has "
            "none: use ASHA, HyperBand or MedianStopping to prune it"
        )
    objective = trainable if isinstance(trainable, DefineByRun) else DefineByRun(trainable)
    return objective.bound(objectives.metrics), metric, searcher


def complete_points(
    trainable: Any, space: Space, points: list[Any], rng: np.random.Generator
) -> list[dict[str, Any]]:
    """The ``points_to_evaluate`` as the trials' first configs: completed from the space for a
    config function; for a define-by-run objective, the values as given (its asks for them
    get them, the others are asked for as usual: Optuna's ``enqueue_trial``)."""
    if not isinstance(trainable, DefineByRun):
        return [space.complete(p, rng) for p in points]
    out = []
    for p in points:
        if not isinstance(p, Mapping) or not all(isinstance(k, str) for k in p):
            raise TypeError(
                f"a point to evaluate of a define-by-run objective is a dict of parameter "
                f"names to values; got {p!r}"
            )
        out.append(dict(p))
    return out
