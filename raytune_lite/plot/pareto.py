"""Two objectives at once: the Pareto front of the trials."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from raytune_lite.multiobjective import pareto_mask as _pareto_mask
from raytune_lite.plot._common import BEST_COLOUR, legend, load, new_axes, spans_decades
from raytune_lite.results_base import ResultsBase as ResultGrid  # the data part
from raytune_lite.trial import Mode, TrialStatus, metric_value

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["pareto_front", "pareto_mask"]


def pareto_mask(values: np.ndarray, modes: Sequence[Mode]) -> np.ndarray:
    """Which rows of ``values`` (trials x objectives) no other row dominates: no other is at
    least as good in every objective and better in one. Rows with a NaN are never on it.

    Example:
        >>> pareto_mask(np.array([[1.0, 3.0], [2.0, 2.0], [2.0, 4.0], [3.0, 1.0]]),
        ...             [Mode.MIN, Mode.MIN]).tolist()
        [True, True, False, True]
    """
    v = np.asarray(values, dtype=float) * np.array([m.sign() for m in modes])
    return _pareto_mask(v)


def pareto_front(
    results: ResultGrid | str,
    metrics: Sequence[str],
    modes: Sequence[str | Mode],
    ax: Axes | None = None,
) -> Axes:
    """Every trial by two reported metrics, the Pareto-optimal ones (no other trial is as good
    in both and better in one) highlighted and joined: the trade-offs worth choosing from.

    The experiment itself tunes one metric; any two keys the trials report can be drawn (the
    last reported value of each, trials that failed left out).

    Args:
        results: a ResultGrid, or the path of an experiment folder.
        metrics: the two reported keys, ``(x axis, y axis)``.
        modes: ``"min"`` or ``"max"`` for each of them.
        ax: the matplotlib Axes to draw on (default: a new figure).

    Returns:
        The Axes drawn on.
    """
    if isinstance(metrics, str) or len(metrics) != 2 or metrics[0] == metrics[1]:
        raise ValueError(f"pareto_front needs two different metric names; got {metrics=}")
    if isinstance(modes, str) or len(modes) != 2:
        raise ValueError(f"pareto_front needs a mode per metric ('min' or 'max'); got {modes=}")
    ms = [Mode.parse(m) for m in modes]
    grid = load(results)
    rs = [r for r in grid if r.status is not TrialStatus.ERROR]
    vals = np.array(
        [[_value(metric_value(r.metrics, k)) for k in metrics] for r in rs], dtype=float
    ).reshape(-1, 2)
    for j, k in enumerate(metrics):
        if not np.isfinite(vals[:, j]).any():
            raise ValueError(f"no trial reported {k!r} (as a finite number)")
    on = pareto_mask(vals, ms)
    ax = new_axes(ax)
    rest = ~on & np.isfinite(vals).all(axis=1)
    ax.scatter(vals[rest, 0], vals[rest, 1], s=18, alpha=0.6, color="tab:blue", label="trial")
    front = vals[on][np.argsort(vals[on, 0])]
    ax.plot(
        front[:, 0],
        front[:, 1],
        "o-",
        color=BEST_COLOUR,
        ms=6,
        lw=1.4,
        label=f"Pareto front ({int(on.sum())})",
    )
    for j, setter in enumerate((ax.set_xscale, ax.set_yscale)):
        if spans_decades(vals[:, j]):
            setter("log")
    ax.set_xlabel(f"{metrics[0]} ({ms[0].value})")
    ax.set_ylabel(f"{metrics[1]} ({ms[1].value})")
    ax.set_title(
        f"Pareto front of {metrics[0]} and {metrics[1]}, {int(np.isfinite(vals).all(1).sum())} "
        "trials"
    )
    legend(ax, len(vals))
    return ax


def _value(v: float | None) -> float:
    return np.nan if v is None else v
