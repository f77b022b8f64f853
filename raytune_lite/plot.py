"""Figures of an experiment's results (optional: ``pip install raytune_lite[plot]``).

Each function takes a :class:`~raytune_lite.results.ResultGrid` (or its folder) and returns
the matplotlib ``Axes`` it drew on, so figures compose and can be saved by the caller.

Example:
    >>> import raytune_lite as rt
    >>> from raytune_lite import plot
    >>> results = rt.ResultGrid.from_path("~/raytune_lite_results/my_run")  # doctest: +SKIP
    >>> plot.learning_curves(results).figure.savefig("curves.png")        # doctest: +SKIP
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from raytune_lite.results import ResultGrid
from raytune_lite.trial import Mode

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["best_so_far", "learning_curves", "metric_vs_param", "pyplot"]


def pyplot() -> Any:
    """``matplotlib.pyplot``, or an ImportError that says which extra installs it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "raytune_lite.plot needs matplotlib: pip install 'raytune_lite[plot]'"
        ) from None
    return plt


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    _, new = pyplot().subplots(figsize=(7, 4.5))
    return new


def _grid(results: ResultGrid | str) -> ResultGrid:
    if isinstance(results, ResultGrid):
        return results
    if isinstance(results, str):
        return ResultGrid.from_path(results)
    raise TypeError(f"results must be a ResultGrid or an experiment folder; got {results!r}")


def _metric(grid: ResultGrid, metric: str | None) -> str:
    m = metric or grid.metric
    if not m:
        raise ValueError("the experiment has no metric: pass metric='<reported key>'")
    return m


def learning_curves(
    results: ResultGrid | str,
    metric: str | None = None,
    x: str = "training_iteration",
    max_trials: int = 200,
    ax: Axes | None = None,
) -> Axes:
    """One line per trial: ``metric`` against ``x`` over training; the best trial stands out.

    Args:
        results: a ResultGrid, or the path of an experiment folder.
        metric: the reported key to draw (default: the experiment's metric).
        x: the reported key on the horizontal axis.
        max_trials: draw at most this many trials (the best ones by final metric).
        ax: the matplotlib Axes to draw on (default: a new figure).

    Returns:
        The Axes drawn on.
    """
    grid, ax = _grid(results), _axes(ax)
    key = _metric(grid, metric)
    if max_trials < 1:
        raise ValueError(f"max_trials must be >= 1; got {max_trials=}")
    history = grid.history()
    if history.empty or key not in history.columns:
        raise ValueError(
            f"no trial reported {key!r}; reported keys: "
            f"{sorted(history.columns) if not history.empty else []}"
        )
    ranked = grid.dataframe().dropna(subset=[key]) if key in grid.dataframe() else None
    order = (
        list(ranked.sort_values(key, ascending=grid.mode is Mode.MIN)["trial_id"])
        if ranked is not None
        else []
    )
    keep = order[:max_trials] or list(history["trial_id"].unique())[:max_trials]
    best = order[0] if order else None
    for tid, rows in history[history["trial_id"].isin(keep)].groupby("trial_id"):
        is_best = tid == best
        ax.plot(
            rows[x],
            rows[key],
            lw=2.2 if is_best else 0.8,
            alpha=1.0 if is_best else 0.35,
            color="C3" if is_best else "C0",
            label=f"best ({tid})" if is_best else None,
            zorder=3 if is_best else 1,
        )
    ax.set_xlabel(x)
    ax.set_ylabel(key)
    ax.set_title(f"{key} over training, {len(keep)} trials")
    if best is not None:
        ax.legend()
    return ax


def best_so_far(
    results: ResultGrid | str, metric: str | None = None, ax: Axes | None = None
) -> Axes:
    """Each finished trial's final metric in the order trials were created, and the best so
    far: how the search converged.

    Args:
        results: a ResultGrid, or the path of an experiment folder.
        metric: the reported key (default: the experiment's metric).
        ax: the matplotlib Axes to draw on (default: a new figure).

    Returns:
        The Axes drawn on.
    """
    grid, ax = _grid(results), _axes(ax)
    key = _metric(grid, metric)
    df = grid.dataframe().sort_values("trial_id")
    if key not in df.columns:
        raise ValueError(f"no trial reported {key!r}")
    values = [float(v) if v is not None and math.isfinite(float(v)) else math.nan for v in df[key]]
    better = min if grid.mode is Mode.MIN else max
    best, curve = math.nan, []
    for v in values:
        best = v if math.isnan(best) else (best if math.isnan(v) else better(best, v))
        curve.append(best)
    n = range(1, len(values) + 1)
    ax.scatter(n, values, s=12, alpha=0.5, label="trial")
    ax.plot(n, curve, color="C3", lw=2, label="best so far")
    ax.set_xlabel("trial (in order of creation)")
    ax.set_ylabel(key)
    ax.legend()
    return ax


def metric_vs_param(
    results: ResultGrid | str, param: str, metric: str | None = None, ax: Axes | None = None
) -> Axes:
    """The final metric of every trial against one hyperparameter (log scale when the values
    span more than two decades).

    Args:
        results: a ResultGrid, or the path of an experiment folder.
        param: the config key, nested keys joined by ``/`` (as in ``dataframe()``'s
            ``config/...`` columns, without the prefix).
        metric: the reported key (default: the experiment's metric).
        ax: the matplotlib Axes to draw on (default: a new figure).

    Returns:
        The Axes drawn on.
    """
    grid, ax = _grid(results), _axes(ax)
    key = _metric(grid, metric)
    df = grid.dataframe()
    col = f"config/{param}"
    if col not in df.columns:
        known = sorted(c[len("config/") :] for c in df.columns if c.startswith("config/"))
        raise ValueError(f"no config key {param!r}; known: {known}")
    if key not in df.columns:
        raise ValueError(f"no trial reported {key!r}")
    ax.scatter(df[col], df[key], s=16, alpha=0.7)
    numeric = df[col].dropna()
    if (
        len(numeric)
        and all(isinstance(v, (int, float)) and v > 0 for v in numeric)
        and max(numeric) / min(numeric) > 100
    ):
        ax.set_xscale("log")
    ax.set_xlabel(param)
    ax.set_ylabel(key)
    return ax
