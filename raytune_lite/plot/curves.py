"""Figures over training and over the search: learning curves, best so far, the EDF."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from raytune_lite.plot._common import (
    BEST_COLOUR,
    STATUS_COLOURS,
    STATUS_LABELS,
    Trials,
    check_metric,
    integer_ticks,
    legend,
    load,
    metric_of,
    new_axes,
    spans_decades,
)
from raytune_lite.results_base import ResultsBase as ResultGrid  # the data part
from raytune_lite.trial import Mode, TrialStatus

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["best_so_far", "edf", "learning_curves"]


def learning_curves(
    results: ResultGrid | str,
    metric: str | None = None,
    x: str = "training_iteration",
    max_trials: int = 200,
    ax: Axes | None = None,
) -> Axes:
    """One line per trial: ``metric`` against ``x`` over training, coloured by how the trial
    ended; the best trial is drawn thick and black.

    A trial with a single row is drawn as a dot; a trial stopped early (ASHA, median rule)
    ends in a cross, and a dotted vertical line marks each step at which trials were stopped
    (ASHA's rungs); a triangle marks each PBT exploit (the config changed there). The y axis
    is logarithmic when the values span more than two decades.

    Args:
        results: a ResultGrid, or the path of an experiment folder.
        metric: the reported key to draw (default: the experiment's metric).
        x: the reported key on the horizontal axis.
        max_trials: draw at most this many trials (the best ones by final metric).
        ax: the matplotlib Axes to draw on (default: a new figure).

    Returns:
        The Axes drawn on.
    """
    grid, ax = load(results), new_axes(ax)
    key = metric_of(grid, metric)
    if max_trials < 1:
        raise ValueError(f"max_trials must be >= 1; got {max_trials=}")
    trials = Trials.of(grid, key)
    signed = np.where(np.isfinite(trials.values), grid.mode.sign() * trials.values, np.inf)
    order = [trials.ids[i] for i in np.argsort(signed, kind="stable")]
    keep = order[:max_trials]
    history = grid.history(keep)
    if history.empty or key not in history.columns:
        raise ValueError(
            f"no trial reported {key!r}; reported keys: "
            f"{sorted(history.columns) if not history.empty else []}"
        )
    if x not in history.columns:
        raise ValueError(f"no trial reported {x!r} (the x axis); reported: {sorted(history)}")
    best_i = trials.best_index(grid.mode)
    best = trials.ids[best_i] if best_i is not None else None
    status = dict(zip(trials.ids, trials.status, strict=True))
    exploits = {r.trial_id: r.config_history[1:] for r in grid if len(r.config_history) > 1}
    stops: set[float] = set()
    seen: set[TrialStatus] = set()
    history = history.dropna(subset=[key])
    for tid, rows in history.groupby("trial_id", sort=False):
        st = status[str(tid)]
        is_best = tid == best
        colour = BEST_COLOUR if is_best else STATUS_COLOURS[st]
        xs, ys = rows[x].to_numpy(), rows[key].to_numpy()
        ax.plot(
            xs,
            ys,
            lw=2.4 if is_best else 0.9,
            alpha=1.0 if is_best else 0.5,
            color=colour,
            marker="o" if len(rows) == 1 else None,
            ms=4,
            label=f"best ({tid})" if is_best else None,
            zorder=3 if is_best else 1,
        )
        seen.add(st)
        if st is TrialStatus.STOPPED_EARLY and len(xs):
            ax.plot(xs[-1:], ys[-1:], "x", color=colour, ms=6, zorder=2)
            stops.add(float(xs[-1]))
        if x == "training_iteration" and len(xs):
            for h in exploits.get(str(tid), []):
                at = int(np.argmin(np.abs(xs - h.get("training_iteration", 0))))
                ax.plot(xs[at], ys[at], "^", color=colour, ms=6, mec="black", mew=0.5, zorder=2)
    for s in sorted(stops):
        ax.axvline(s, color="tab:orange", ls=":", lw=0.8, alpha=0.7, zorder=0)
    for st in sorted(seen, key=list(STATUS_COLOURS).index):
        ax.plot([], [], color=STATUS_COLOURS[st], label=STATUS_LABELS[st])
    if exploits:
        ax.plot([], [], "^", color="white", mec="black", label="PBT exploit")
    if spans_decades(history[key].to_numpy(dtype=float)):
        ax.set_yscale("log")
    xs_all = history[x].to_numpy(dtype=float)
    if x == "training_iteration":
        integer_ticks(ax.xaxis)
        if len(xs_all) and xs_all.max() - xs_all.min() < 2:
            ax.set_xlim(xs_all.min() - 0.5, xs_all.max() + 0.5)
    ax.set_xlabel(x)
    ax.set_ylabel(key)
    shown = history["trial_id"].nunique()
    one_row = bool(len(history)) and len(history) == shown
    ax.set_title(
        f"{key} over training ({shown} of {len(trials.ids)} trials"
        + (", one report each: see best_so_far)" if one_row else ")")
    )
    legend(ax, len(history))
    return ax


def best_so_far(
    results: ResultGrid | str, metric: str | None = None, ax: Axes | None = None
) -> Axes:
    """Each trial's final metric in the order trials were created, coloured by how it ended,
    and the best value so far among complete trials: how the search converged.

    Trials stopped early (their value is from a shorter run) are drawn but do not count
    towards the best so far, unless no trial completed; failed trials with no value are
    crosses along the bottom edge.

    Args:
        results: a ResultGrid, or the path of an experiment folder.
        metric: the reported key (default: the experiment's metric).
        ax: the matplotlib Axes to draw on (default: a new figure).

    Returns:
        The Axes drawn on.
    """
    grid, ax = load(results), new_axes(ax)
    key = metric_of(grid, metric)
    trials = Trials.of(grid, key)
    check_metric(trials, key)
    n = np.arange(1, len(trials.ids) + 1)
    status = np.array([s.value for s in trials.status])
    finite = np.isfinite(trials.values)
    complete = finite & (status == TrialStatus.TERMINATED.value)
    counted = complete if complete.any() else finite & (status != TrialStatus.ERROR.value)
    for st in STATUS_COLOURS:
        mask = (status == st.value) & finite
        if mask.any():
            ax.scatter(
                n[mask],
                trials.values[mask],
                s=16,
                alpha=0.7,
                color=STATUS_COLOURS[st],
                label=f"{STATUS_LABELS[st]} ({int(mask.sum())})",
            )
    failed = (status == TrialStatus.ERROR.value) & ~finite
    if failed.any():
        ax.scatter(
            n[failed],
            np.zeros(int(failed.sum())),
            marker="x",
            color=STATUS_COLOURS[TrialStatus.ERROR],
            transform=ax.get_xaxis_transform(),
            clip_on=False,
            label=f"error, no value ({int(failed.sum())})",
        )
    signed = np.where(counted, grid.mode.sign() * trials.values, np.inf)
    running = np.minimum.accumulate(signed) * grid.mode.sign()
    shown = np.isfinite(running)
    ax.step(n[shown], running[shown], where="post", color=BEST_COLOUR, lw=2, label="best so far")
    if spans_decades(trials.values):
        ax.set_yscale("log")
    integer_ticks(ax.xaxis)
    ax.set_xlabel("trial number (in order of creation)")
    ax.set_ylabel(f"{key} (final)")
    goal = "lower" if grid.mode is Mode.MIN else "higher"
    ax.set_title(f"Best {key} so far ({goal} is better), {len(trials.ids)} trials")
    legend(ax, len(trials.ids))
    return ax


def edf(
    results: ResultGrid | str | Sequence[ResultGrid | str] | Mapping[str, ResultGrid | str],
    metric: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """The empirical distribution function of the final metric of complete trials: for each
    value, the fraction of trials that reached at most that value. Give several experiments
    (a list, or ``{label: experiment}``) to compare how good their trials typically are.

    Args:
        results: one experiment (a ResultGrid or its path), or several.
        metric: the reported key (default: each experiment's metric).
        ax: the matplotlib Axes to draw on (default: a new figure).

    Returns:
        The Axes drawn on.
    """
    items = [results] if isinstance(results, (ResultGrid, str)) else results
    named: dict[str, ResultGrid] = {}
    if isinstance(items, Mapping):
        named = {str(k): load(v) for k, v in items.items()}
    else:
        for i, r in enumerate(items):
            g = load(r)
            label = "" if len(items) == 1 else g.experiment.get("spec", {}).get("name") or g.path
            named[label if label not in named else f"{label} ({i + 1})"] = g
    if not named:
        raise ValueError("edf needs at least one experiment; got none")
    ax = new_axes(ax)
    everything: list[float] = []
    key = ""
    for label, grid in named.items():
        key = metric_of(grid, metric)
        trials = Trials.of(grid, key)
        done = np.array([s is TrialStatus.TERMINATED for s in trials.status], dtype=bool)
        vals = np.sort(trials.values[done & np.isfinite(trials.values)])
        if not len(vals):
            raise ValueError(f"no complete trial reported {key!r} in {grid.path!r}")
        frac = np.arange(1, len(vals) + 1) / len(vals)
        ax.step(vals, frac, where="post", lw=1.8, label=f"{label} ({len(vals)} trials)".strip())
        everything.extend(vals.tolist())
    if spans_decades(everything):
        ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"{key} (final, complete trials)")
    ax.set_ylabel("fraction of trials ≤ value")
    ax.set_title(f"Empirical distribution of {key}")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return ax
