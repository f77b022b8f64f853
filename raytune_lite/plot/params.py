"""Figures of hyperparameters against the metric: one parameter, every parameter (slice), two
(contour), all at once (parallel coordinates)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from raytune_lite.plot._common import (
    BEST_COLOUR,
    STATUS_COLOURS,
    STATUS_LABELS,
    AxisKind,
    ParamAxis,
    Trials,
    check_metric,
    check_param,
    column,
    jitter,
    legend,
    load,
    metric_of,
    new_axes,
    pyplot,
    spans_decades,
)
from raytune_lite.results_base import ResultsBase as ResultGrid  # the data part
from raytune_lite.trial import Mode

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["contour", "metric_vs_param", "parallel_coordinates", "slice"]


def _goal(mode: Mode) -> str:
    return "lower is better" if mode is Mode.MIN else "higher is better"


def _points(
    trials: Trials, param: str, spread: bool = True
) -> tuple[ParamAxis, np.ndarray, np.ndarray]:
    """The axis of ``param`` and each trial's position on it (categories jittered); a mask of
    the trials drawn (the parameter present, the metric finite)."""
    values = column(trials, param)
    axis = ParamAxis.of(param, values)
    pos = axis.positions(values)
    if spread and axis.kind is AxisKind.CATEGORICAL:
        pos = pos + jitter(len(pos))
    return axis, pos, np.isfinite(pos) & np.isfinite(trials.values)


def _mark_best(ax: Axes, trials: Trials, mode: Mode, x: np.ndarray, y: np.ndarray) -> None:
    b = trials.best_index(mode)
    if b is not None and math.isfinite(x[b]) and math.isfinite(y[b]):
        ax.scatter(
            [x[b]], [y[b]], marker="*", s=160, color=BEST_COLOUR, ec="white", zorder=4, label="best"
        )


def metric_vs_param(
    results: ResultGrid | str, param: str, metric: str | None = None, ax: Axes | None = None
) -> Axes:
    """The final metric of every trial against one hyperparameter, coloured by how the trial
    ended, the best starred. Numbers go on a linear axis (log when they span more than two
    decades); strings, booleans and ``None`` (also in a numeric choice) on a categorical axis,
    points spread a little sideways so that they do not hide one another.

    Args:
        results: a ResultGrid, or the path of an experiment folder.
        param: the config key, nested keys joined by ``/`` (as in ``dataframe()``'s
            ``config/...`` columns, without the prefix).
        metric: the reported key (default: the experiment's metric).
        ax: the matplotlib Axes to draw on (default: a new figure).

    Returns:
        The Axes drawn on.
    """
    grid, ax = load(results), new_axes(ax)
    key = metric_of(grid, metric)
    trials = Trials.of(grid, key)
    check_param(trials, param)
    check_metric(trials, key)
    axis, x, drawn = _points(trials, param)
    status = np.array([s.value for s in trials.status])
    for st, colour in STATUS_COLOURS.items():
        mask = drawn & (status == st.value)
        if mask.any():
            ax.scatter(
                x[mask],
                trials.values[mask],
                s=18,
                alpha=0.75,
                color=colour,
                label=f"{STATUS_LABELS[st]} ({int(mask.sum())})",
            )
    _mark_best(ax, trials, grid.mode, x, trials.values)
    axis.decorate(ax, "x")
    if spans_decades(trials.values[drawn]):
        ax.set_yscale("log")
    ax.set_ylabel(f"{key} (final)")
    ax.set_title(f"{key} against {param} ({_goal(grid.mode)}), {int(drawn.sum())} trials")
    legend(ax, int(drawn.sum()))
    return ax


def slice(
    results: ResultGrid | str,
    params: Sequence[str] | None = None,
    metric: str | None = None,
    columns: int = 3,
) -> list[Axes]:
    """Every hyperparameter against the metric, one panel each (shared y axis), points
    coloured by trial number: where the good values lie, and where the search went over time.

    Args:
        results: a ResultGrid, or the path of an experiment folder.
        params: the config keys to draw (default: every key whose value varies).
        metric: the reported key (default: the experiment's metric).
        columns: panels per row.

    Returns:
        The Axes of the panels, in the order of ``params``.
    """
    grid = load(results)
    key = metric_of(grid, metric)
    trials = Trials.of(grid, key)
    check_metric(trials, key)
    names = list(params) if params is not None else trials.params()
    if not names:
        raise ValueError("no config key varies between trials: nothing to slice")
    for p in names:
        check_param(trials, p)
    if columns < 1:
        raise ValueError(f"columns must be >= 1; got {columns=}")
    cols = min(columns, len(names))
    rows = math.ceil(len(names) / cols)
    plt = pyplot()
    fig, grid_axes = plt.subplots(
        rows,
        cols,
        figsize=(4.2 * cols, 3.4 * rows),
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    flat = list(grid_axes.ravel())
    order = np.arange(1, len(trials.ids) + 1)
    art = None
    for ax, p in zip(flat, names, strict=False):
        axis, x, drawn = _points(trials, p)
        art = ax.scatter(
            x[drawn],
            trials.values[drawn],
            c=order[drawn],
            cmap="viridis",
            s=16,
            alpha=0.85,
            vmin=1,
            vmax=max(2, len(order)),
        )
        _mark_best(ax, trials, grid.mode, x, trials.values)
        axis.decorate(ax, "x")
        ax.set_title(p, fontsize="medium")
    for ax in flat[len(names) :]:
        ax.set_visible(False)
    for r in range(rows):
        grid_axes[r][0].set_ylabel(key)
    if spans_decades(trials.values):
        flat[0].set_yscale("log")
    fig.suptitle(f"{key} against each hyperparameter ({_goal(grid.mode)})")
    if art is not None:
        fig.colorbar(art, ax=flat[: len(names)], label="trial number", shrink=0.9)
    return flat[: len(names)]


def _grid_axis(axis: ParamAxis, pos: np.ndarray, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Sample points along an axis in the space it is drawn in (log10 for log axes), and
    the points' coordinates in that space."""
    coord = np.log10(pos) if axis.kind is AxisKind.LOG else pos
    lo, hi = np.nanmin(coord), np.nanmax(coord)
    return np.linspace(lo, hi, n), coord


def contour(
    results: ResultGrid | str,
    x: str | None = None,
    y: str | None = None,
    metric: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """The metric over two hyperparameters: filled contours interpolated (linearly, inside
    the trials' convex hull) from the trials' final values, the trials on top, the best
    starred. Shows how two parameters interact (e.g. learning rate and batch size).

    Args:
        results: a ResultGrid, or the path of an experiment folder.
        x: the config key on the horizontal axis (default: the first that varies).
        y: the config key on the vertical axis (default: the next one that varies).
        metric: the reported key (default: the experiment's metric).
        ax: the matplotlib Axes to draw on (default: a new figure).

    Returns:
        The Axes drawn on.
    """
    grid = load(results)
    key = metric_of(grid, metric)
    trials = Trials.of(grid, key)
    check_metric(trials, key)
    varying = trials.params()
    x = x or next(iter(varying), None)
    y = y or next((p for p in varying if p != x), None)
    if x is None or y is None:
        raise ValueError(f"contour needs two config keys that vary; got {varying}")
    if x == y:
        raise ValueError(f"contour needs two different config keys; got {x=} and {y=}")
    check_param(trials, x)
    check_param(trials, y)
    ax = new_axes(ax, (6.5, 5))
    ax_x, px, ok_x = _points(trials, x, spread=False)
    ax_y, py, ok_y = _points(trials, y, spread=False)
    ok = ok_x & ok_y
    vals = trials.values[ok]
    log_z = spans_decades(vals)
    z = np.log10(vals) if log_z else vals
    filled = None
    gx, cx = _grid_axis(ax_x, px[ok])
    gy, cy = _grid_axis(ax_y, py[ok])
    if ok.sum() >= 3:
        from scipy.interpolate import griddata

        mx, my = np.meshgrid(gx, gy)
        try:
            gz = griddata(np.column_stack([cx, cy]), z, (mx, my), method="linear")
        except Exception:  # points on a line: no triangulation, the points alone are drawn
            gz = None
        if gz is not None and np.isfinite(gz).any():
            ux = 10**mx if ax_x.kind is AxisKind.LOG else mx
            uy = 10**my if ax_y.kind is AxisKind.LOG else my
            filled = ax.contourf(ux, uy, gz, levels=14, cmap="viridis", alpha=0.85)
    pts = ax.scatter(
        px[ok],
        py[ok],
        c=z,
        cmap="viridis",
        s=22,
        ec="black",
        lw=0.5,
        zorder=3,
        label="trial",
    )
    _mark_best(ax, trials, grid.mode, px, py)
    ax_x.decorate(ax, "x")
    ax_y.decorate(ax, "y")
    bar = ax.figure.colorbar(filled if filled is not None else pts, ax=ax)
    bar.set_label(f"{'log10 ' if log_z else ''}{key} ({_goal(grid.mode)})")
    ax.set_title(f"{key} over {x} and {y}, {int(ok.sum())} trials")
    ax.legend(fontsize="small", loc="upper right")
    return ax


def parallel_coordinates(
    results: ResultGrid | str,
    params: Sequence[str] | None = None,
    metric: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Every trial as a line through one vertical axis per hyperparameter and a last one for
    the metric, coloured by the metric; the best trial is drawn thick. Shows at a glance which
    ranges and combinations the good trials share. Each axis is scaled to the trials' range
    (log axes in log10), with its values written beside it.

    Args:
        results: a ResultGrid, or the path of an experiment folder.
        params: the config keys, in axis order (default: every key whose value varies).
        metric: the reported key (default: the experiment's metric).
        ax: the matplotlib Axes to draw on (default: a new figure).

    Returns:
        The Axes drawn on.
    """
    from matplotlib.collections import LineCollection

    grid = load(results)
    key = metric_of(grid, metric)
    trials = Trials.of(grid, key)
    check_metric(trials, key)
    names = list(params) if params is not None else trials.params()
    for p in names:
        check_param(trials, p)
    keep = np.isfinite(trials.values)
    axes = [ParamAxis.of(p, column(trials, p)) for p in names]
    cols = [a.unit(column(trials, p)) for a, p in zip(axes, names, strict=True)]
    metric_axis = ParamAxis.of(key, list(trials.values[keep]))
    cols.append(metric_axis.unit(list(trials.values)))
    units = np.column_stack(cols)[keep]  # (trials, axes)
    k = units.shape[1]
    ax = new_axes(ax, (max(6.0, 1.6 * k + 2), 4.8))
    xs = np.arange(k, dtype=float)
    seg = np.stack(
        [
            np.stack([np.broadcast_to(xs[:-1], units[:, :-1].shape), units[:, :-1]], -1),
            np.stack([np.broadcast_to(xs[1:], units[:, 1:].shape), units[:, 1:]], -1),
        ],
        axis=2,
    )
    colour = np.repeat(trials.values[keep][:, None], k - 1, axis=1)
    fine = np.isfinite(seg).all(axis=(2, 3))
    lines = LineCollection(list(seg[fine]), cmap="viridis", lw=1.0, alpha=0.6)
    lines.set_array(colour[fine])
    ax.add_collection(lines)
    b = trials.best_index(grid.mode)
    if b is not None:
        row = np.column_stack(cols)[b]
        ax.plot(xs, row, color=BEST_COLOUR, lw=2.6, zorder=3)
    for i, a in enumerate([*axes, metric_axis]):
        ax.axvline(i, color="black", lw=0.8, zorder=2)
        raw = column(trials, names[i]) if i < len(names) else list(trials.values)
        for u, text in _axis_labels(a, raw):
            ax.text(
                i + 0.03,
                u,
                text,
                fontsize=7,
                va="center",
                zorder=4,
                bbox={"fc": "white", "ec": "none", "alpha": 0.75, "pad": 1},
            )
    ax.set_xticks(xs, [*names, f"{key}\n({_goal(grid.mode)})"])
    ax.set_xlim(-0.2, k - 0.6)
    ax.set_ylim(-0.05, 1.05)
    ax.set_yticks([])
    ax.figure.colorbar(lines, ax=ax, label=key)
    best = f", black: the best ({trials.ids[b]})" if b is not None else ""
    ax.set_title(f"Parallel coordinates, {int(keep.sum())} trials{best}")
    return ax


def _axis_labels(axis: ParamAxis, raw: list[Any]) -> list[tuple[float, str]]:
    """``(position in [0, 1], text)`` for the tick labels written beside a vertical axis."""
    if axis.kind is AxisKind.CATEGORICAL:
        n = len(axis.labels)
        return [((j / (n - 1)) if n > 1 else 0.5, lab) for j, lab in enumerate(axis.labels)]
    nums = np.array([float(v) for v in raw if isinstance(v, (int, float)) and np.isfinite(v)])
    if not len(nums):
        return []
    lo, hi = nums.min(), nums.max()
    if hi == lo:
        return [(0.5, f"{lo:.3g}")]
    if axis.integer and axis.kind is AxisKind.LINEAR:  # whole numbers only: each, or 5 of them
        ticks = np.unique(np.round(np.linspace(lo, hi, min(int(hi - lo) + 1, 6))))
        return [((t - lo) / (hi - lo), f"{int(t)}") for t in ticks]
    if axis.kind is AxisKind.LOG:
        return [(u, f"{10 ** (np.log10(lo) + u * np.log10(hi / lo)):.3g}") for u in (0, 0.5, 1)]
    return [(u, f"{lo + u * (hi - lo):.3g}") for u in (0, 0.25, 0.5, 0.75, 1)]
