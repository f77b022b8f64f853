"""Which hyperparameters matter: permutation importance on a random-forest surrogate.

The method: a random forest (scikit-learn's ``RandomForestRegressor``, 100 trees) is fitted
to predict a trial's final metric from its config (numbers as they are, log-spread ones in
log10, categories as codes); then each parameter's column is shuffled in turn and the rise of
the forest's mean squared error is measured (averaged over ``repeats`` shuffles). A parameter
the metric does not depend on barely moves the error. The rises are scaled to sum to 1. The
forest is scored on the trials it was fitted to, so with few trials read it as a ranking,
not as exact shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from raytune_lite.plot._common import (
    AxisKind,
    ParamAxis,
    Trials,
    check_metric,
    check_param,
    column,
    load,
    metric_of,
    new_axes,
)
from raytune_lite.results_base import ResultsBase as ResultGrid  # the data part
from raytune_lite.trial import TrialStatus

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["importance", "param_importance"]

METHOD = "permutation importance, random-forest surrogate"
#: at most this many trials (a seeded sample of them) fit the surrogate
MAX_TRIALS = 2000


def _forest(seed: int) -> Any:
    try:
        from sklearn.ensemble import RandomForestRegressor
    except ImportError:
        raise ImportError(
            "plot.importance needs scikit-learn: pip install 'raytune_lite[plot]'"
        ) from None
    return RandomForestRegressor(n_estimators=100, min_samples_leaf=1, random_state=seed)


def _features(trials: Trials, names: list[str], rows: np.ndarray) -> np.ndarray:
    cols = []
    for p in names:
        values = column(trials, p)
        axis = ParamAxis.of(p, values)
        pos = axis.positions(values)
        if axis.kind is AxisKind.LOG:
            pos = np.log10(pos)
        finite = pos[np.isfinite(pos)]
        fill = (finite.min() - 1 - (finite.max() - finite.min())) if len(finite) else 0.0
        cols.append(np.where(np.isfinite(pos), pos, fill))  # absent (conditional): its own value
    return np.column_stack(cols)[rows]


def param_importance(
    results: ResultGrid | str,
    metric: str | None = None,
    params: Sequence[str] | None = None,
    repeats: int = 10,
    seed: int = 0,
) -> dict[str, float]:
    """Each hyperparameter's share of importance for the final metric (see the module's
    docstring for the method), largest first. Same seed, same result.

    Complete trials are used when there are at least 4 (trials stopped early report values of
    a shorter run); otherwise every trial with a finite value that did not fail; at most
    :data:`MAX_TRIALS` of them (a seeded sample).

    Args:
        results: a ResultGrid, or the path of an experiment folder.
        metric: the reported key (default: the experiment's metric).
        params: the config keys to rate (default: every key whose value varies).
        repeats: shuffles per parameter.
        seed: seeds the forest and the shuffles.

    Returns:
        ``{param: share}``, shares >= 0 summing to 1 (all 0 when nothing matters).
    """
    grid = load(results)
    key = metric_of(grid, metric)
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1; got {repeats=}")
    trials = Trials.of(grid, key)
    check_metric(trials, key)
    names = list(params) if params is not None else trials.params()
    if not names:
        raise ValueError("no config key varies between trials: nothing to rate")
    for p in names:
        check_param(trials, p)
    finite = np.isfinite(trials.values)
    status = np.array([s.value for s in trials.status])
    complete = finite & (status == TrialStatus.TERMINATED.value)
    rows = complete if complete.sum() >= 4 else finite & (status != TrialStatus.ERROR.value)
    if rows.sum() < 2:
        raise ValueError(f"importance needs at least 2 trials with a value of {key!r}")
    x, y = _features(trials, names, rows), trials.values[rows]
    rng = np.random.default_rng(seed)
    if len(y) > MAX_TRIALS:  # a sample says as much, and the forest stays quick
        keep = np.sort(rng.choice(len(y), MAX_TRIALS, replace=False))
        x, y = x[keep], y[keep]
    forest = _forest(seed).fit(x, y)
    base = float(np.mean((forest.predict(x) - y) ** 2))
    rise = np.zeros(len(names))
    for j in range(len(names)):
        for _ in range(repeats):
            shuffled = x.copy()
            shuffled[:, j] = rng.permutation(shuffled[:, j])
            rise[j] += float(np.mean((forest.predict(shuffled) - y) ** 2)) - base
    rise = np.clip(rise / repeats, 0.0, None)
    share = rise / rise.sum() if rise.sum() > 0 else rise
    order = np.argsort(-share, kind="stable")
    return {names[i]: float(share[i]) for i in order}


def importance(
    results: ResultGrid | str,
    metric: str | None = None,
    params: Sequence[str] | None = None,
    seed: int = 0,
    ax: Axes | None = None,
) -> Axes:
    """A bar per hyperparameter: its share of importance for the final metric, computed by
    :func:`param_importance` (permutation importance on a random-forest surrogate).

    Args:
        results: a ResultGrid, or the path of an experiment folder.
        metric: the reported key (default: the experiment's metric).
        params: the config keys to rate (default: every key whose value varies).
        seed: seeds the forest and the shuffles.
        ax: the matplotlib Axes to draw on (default: a new figure).

    Returns:
        The Axes drawn on.
    """
    grid = load(results)
    key = metric_of(grid, metric)
    shares = param_importance(grid, key, params, seed=seed)
    ax = new_axes(ax, (6.5, 0.8 + 0.45 * len(shares)))
    names = list(shares)[::-1]  # the largest on top
    vals = [shares[n] for n in names]
    bars = ax.barh(names, vals, color="tab:blue")
    for bar, v in zip(bars, vals, strict=True):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {v:.2f}", va="center")
    ax.set_xlim(0, max([*vals, 0.01]) * 1.18)
    ax.set_xlabel(f"share of importance for {key}")
    ax.set_title(f"Hyperparameter importance ({METHOD})", fontsize="medium")
    return ax
