"""Figures over wall-clock time and over training: the attempts' timeline, the PBT schedule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from raytune_lite._spans import Ending
from raytune_lite.plot._common import (
    BEST_COLOUR,
    AxisKind,
    ParamAxis,
    Trials,
    integer_ticks,
    load,
    metric_of,
    new_axes,
    pyplot,
)
from raytune_lite.results_base import ResultsBase as ResultGrid  # the data part
from raytune_lite.space import flatten

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["ENDING_COLOURS", "pbt_schedule", "timeline"]

#: the colour of an attempt's bar, by how it ended
ENDING_COLOURS: dict[Ending, str] = {
    Ending.COMPLETE: "tab:blue",
    Ending.STOPPED_EARLY: "tab:orange",
    Ending.ERROR: "tab:red",
    Ending.RETRIED: "tab:pink",
    Ending.EXPLOITED: "tab:cyan",
    Ending.PAUSED: "tab:purple",
    Ending.RUNNING: "tab:green",
}


def _unit(seconds: float) -> tuple[float, str]:
    if seconds >= 3 * 3600:
        return 3600.0, "h"
    if seconds >= 5 * 60:
        return 60.0, "min"
    return 1.0, "s"


def timeline(results: ResultGrid | str, ax: Axes | None = None, labels: int = 60) -> Axes:
    """One row per slot (a lane of concurrency), one bar per attempt of a trial from when its
    function started to its last report (or the trial's end), coloured by how it ended. Gaps
    are idle slots; long bars are stragglers; short orange ones ASHA's stops; cyan and purple
    ones PBT's exploits and pauses. The title gives how busy the slots were.

    Args:
        results: a ResultGrid, or the path of an experiment folder.
        ax: the matplotlib Axes to draw on (default: a new figure).
        labels: write the trial id on the bars when there are at most this many attempts.

    Returns:
        The Axes drawn on.
    """
    from matplotlib.collections import PolyCollection

    grid = load(results)
    att = grid.attempts()
    if att.empty:
        raise ValueError(f"no attempt of any trial reported a result in {grid.path!r}")
    t0 = float(att["start"].min())
    span = float(att["end"].max()) - t0
    scale, unit = _unit(span)
    slots = int(att["slot"].max()) + 1
    ax = new_axes(ax, (9, max(2.6, 0.8 + 0.32 * slots)))
    left = (att["start"].to_numpy() - t0) / scale
    right = (att["end"].to_numpy() - t0) / scale
    right = np.maximum(right, left + span / scale * 0.002)  # a visible sliver at least
    y = att["slot"].to_numpy()
    for ending, colour in ENDING_COLOURS.items():
        m = (att["ending"] == ending.value).to_numpy()
        if not m.any():
            continue
        boxes = [
            [(a, s - 0.4), (b, s - 0.4), (b, s + 0.4), (a, s + 0.4)]
            for a, b, s in zip(left[m], right[m], y[m], strict=True)
        ]
        ax.add_collection(
            PolyCollection(
                boxes,
                facecolors=colour,
                edgecolors="white",
                linewidths=0.4,
                label=f"{ending.value} ({int(m.sum())})",
            )
        )
    if len(att) <= labels:  # on the bars wide enough to hold them
        for a, b, s, tid in zip(left, right, y, att["trial_id"], strict=True):
            if (b - a) * scale > 0.06 * span:
                ax.text((a + b) / 2, s, str(tid), ha="center", va="center", fontsize=7, c="white")
    ax.set_xlim(0, span / scale * 1.01 or 1)
    ax.set_ylim(slots - 0.5, -0.5)
    integer_ticks(ax.yaxis)
    ax.set_xlabel(f"time since the first attempt started ({unit})")
    ax.set_ylabel("slot")
    busy = float((att["end"] - att["start"]).sum()) / (slots * span) if span > 0 else 1.0
    ax.set_title(
        f"Timeline: {len(att)} attempts of {att['trial_id'].nunique()} trials on {slots} "
        f"slots, slots busy {busy:.0%}"
    )
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


def pbt_schedule(
    results: ResultGrid | str,
    params: Sequence[str] | None = None,
    metric: str | None = None,
) -> list[Axes]:
    """Each trial's config over training, one panel per hyperparameter: a step line per
    trial from the iteration each config took effect to the trial's last iteration, a dot at
    each PBT exploit; the best trial is thick and black. The schedule PBT found.

    Args:
        results: a ResultGrid, or the path of an experiment folder.
        params: the config keys to draw (default: those that changed during a trial, or, if
            none did, those that differ between trials).
        metric: the metric that picks the best trial (default: the experiment's).

    Returns:
        The Axes of the panels, in the order of ``params``.
    """
    grid = load(results)
    key = metric_of(grid, metric)
    trials = Trials.of(grid, key)
    best_i = trials.best_index(grid.mode)
    best = trials.ids[best_i] if best_i is not None else None
    histories = {
        r.trial_id: (
            [
                (int(h.get("training_iteration", 0)), flatten(h.get("config", {})))
                for h in r.config_history
            ]
            or [(0, flatten(r.config))],
            int(r.metrics.get("training_iteration", 0) or 0),
        )
        for r in grid
    }
    if params is None:
        changed = {
            k
            for hist, _ in histories.values()
            for _, c in hist[1:]
            for k in c
            if c[k] != hist[0][1].get(k)
        }
        names = [p for p in trials.params() if p in changed] or trials.params()
    else:
        names = list(params)
    if not names:
        raise ValueError("no config key varies: there is no schedule to draw")
    plt = pyplot()
    fig, axes = plt.subplots(
        len(names), 1, figsize=(8, 2.8 * len(names) + 0.6), squeeze=False, layout="constrained"
    )
    flat = [a for (a,) in axes]
    exploits = sum(len(h) - 1 for h, _ in histories.values())
    for ax, p in zip(flat, names, strict=True):
        values = [c.get(p) for hist, _ in histories.values() for _, c in hist]
        if all(v is None for v in values):
            raise ValueError(f"no config key {p!r} in any trial's config history")
        axis = ParamAxis.of(p, values)
        for n, (tid, (hist, last)) in enumerate(histories.items()):
            xs = [it for it, _ in hist] + [max(last, hist[-1][0])]
            ys = list(axis.positions([c.get(p) for _, c in hist]))
            ys.append(ys[-1])
            is_best = tid == best
            ax.step(
                xs,
                ys,
                where="post",
                lw=2.4 if is_best else 1.0,
                color=BEST_COLOUR if is_best else f"C{n % 10}",
                alpha=1.0 if is_best else 0.6,
                zorder=3 if is_best else 1,
                label=f"best ({tid})" if is_best else None,
            )
            if len(hist) > 1:
                ax.plot(xs[1:-1], ys[1:-1], "o", ms=4, color="black", zorder=4)
        axis.decorate(ax, "y")
        if axis.kind is AxisKind.LOG:
            ax.set_yscale("log")
        integer_ticks(ax.xaxis)
        ax.set_xlabel("training_iteration")
        ax.set_title(f"{p} over training", fontsize="medium")
        if best is not None:
            ax.legend(fontsize="small")
    fig.suptitle(
        f"PBT schedule: {len(histories)} trials, {exploits} exploits (dots)"
        if exploits
        else f"Configs over training: {len(histories)} trials, no exploit"
    )
    return flat
