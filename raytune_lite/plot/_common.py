"""What every figure shares: matplotlib loaded lazily, the trials' values, parameter axes.

Plain logic and numpy; matplotlib is imported only by :func:`pyplot`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

import numpy as np

from raytune_lite.results_base import ResultsBase as ResultGrid  # the data part
from raytune_lite.space import flatten
from raytune_lite.trial import Mode, TrialStatus, metric_value

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: one colour per way a trial ended (matplotlib's tab10 names), used by every figure
STATUS_COLOURS: dict[TrialStatus, str] = {
    TrialStatus.TERMINATED: "tab:blue",
    TrialStatus.STOPPED_EARLY: "tab:orange",
    TrialStatus.ERROR: "tab:red",
    TrialStatus.RUNNING: "tab:green",
    TrialStatus.PAUSED: "tab:purple",
    TrialStatus.PENDING: "tab:gray",
}
STATUS_LABELS: dict[TrialStatus, str] = {
    TrialStatus.TERMINATED: "complete",
    TrialStatus.STOPPED_EARLY: "stopped early",
    TrialStatus.ERROR: "error",
    TrialStatus.RUNNING: "running",
    TrialStatus.PAUSED: "paused",
    TrialStatus.PENDING: "pending",
}
BEST_COLOUR = "black"


def pyplot() -> Any:
    """``matplotlib.pyplot``, or an ImportError that says which extra installs it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "raytune_lite.plot needs matplotlib: pip install 'raytune_lite[plot]'"
        ) from None
    return plt


def new_axes(ax: Axes | None, size: tuple[float, float] = (7, 4.5)) -> Axes:
    """``ax``, or the Axes of a new figure of ``size`` inches."""
    if ax is not None:
        return ax
    _, new = pyplot().subplots(figsize=size, layout="constrained")
    return new


def load(results: ResultGrid | str) -> ResultGrid:
    """A ResultGrid from itself or from an experiment folder's path."""
    if isinstance(results, ResultGrid):
        return results
    if isinstance(results, str):
        return ResultGrid.from_path(results)
    raise TypeError(f"results must be a ResultGrid or an experiment folder; got {results!r}")


def metric_of(grid: ResultGrid, metric: str | None) -> str:
    """``metric``, or the experiment's, or a ValueError saying to pass one."""
    m = metric or grid.metric
    if not m:
        raise ValueError("the experiment has no metric: pass metric='<reported key>'")
    return m


def spans_decades(values: Sequence[float] | np.ndarray, ratio: float = 100.0) -> bool:
    """Whether the finite values are all positive and span more than ``ratio`` (log axis)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return bool(len(v) > 1 and v.min() > 0 and v.max() / v.min() > ratio)


def integer_ticks(axis: Any) -> None:
    """Only whole numbers as ticks on ``axis`` (``ax.xaxis`` or ``ax.yaxis``)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def legend(ax: Axes, points: int, **kw: Any) -> None:
    """A small legend, placed where it hides the least data unless there are so many points
    that searching for that place is slow (then the upper right)."""
    ax.legend(fontsize="small", loc="best" if points <= 2000 else "upper right", **kw)


def has_data(ax: Axes) -> bool:
    """Whether ``ax`` drew something: a line with points, a filled collection or a bar."""
    if any(np.size(line.get_xdata()) for line in ax.lines):
        return True
    from matplotlib.collections import PathCollection

    for c in ax.collections:
        if isinstance(c, PathCollection):  # a scatter: its points are its offsets
            if np.size(c.get_offsets()):
                return True
        elif any(np.size(p.vertices) for p in c.get_paths()):
            return True
    return any(getattr(p, "get_width", lambda: 0)() > 0 for p in ax.patches)


@dataclass(frozen=True)
class Trials:
    """The trials of an experiment as arrays, in creation order.

    Attributes:
        ids: trial ids; status: their statuses; values: the last reported value of the
        metric (NaN when missing or not finite); configs: flat configs with raw values
        (``None`` stays ``None``, unlike in a DataFrame column of numbers).
    """

    ids: list[str]
    status: list[TrialStatus]
    values: np.ndarray
    configs: list[dict[str, Any]]

    @classmethod
    def of(cls, grid: ResultGrid, metric: str) -> Trials:
        rs = sorted(grid, key=lambda r: r.trial_id)
        vals = [metric_value(r.metrics, metric) for r in rs]
        return cls(
            ids=[r.trial_id for r in rs],
            status=[r.status for r in rs],
            values=np.array([math.nan if v is None else v for v in vals], dtype=float),
            configs=[flatten(r.config) for r in rs],
        )

    def best_index(self, mode: Mode) -> int | None:
        """The index of the best finite value among non-error trials, or None."""
        ok = np.isfinite(self.values) & np.array([s is not TrialStatus.ERROR for s in self.status])
        if not ok.any():
            return None
        signed = np.where(ok, mode.sign() * self.values, np.inf)
        return int(np.argmin(signed))

    def params(self) -> list[str]:
        """The config keys whose value differs between trials (constants say nothing)."""
        seen: dict[str, set[str]] = {}
        for c in self.configs:
            for k, v in c.items():
                seen.setdefault(k, set()).add(repr(v))
        return [k for k, vs in seen.items() if len(vs) > 1]


class AxisKind(str, Enum):
    """How a parameter's values are laid out on an axis."""

    LINEAR = "linear"
    LOG = "log"
    CATEGORICAL = "categorical"


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _category_key(label_value: Any) -> tuple[int, float, str]:
    if label_value is None:
        return (2, 0.0, "")
    if _is_number(label_value):
        return (0, float(label_value), "")
    return (1, 0.0, str(label_value))


@dataclass(frozen=True)
class ParamAxis:
    """One parameter as an axis: numbers on a linear or log scale, anything else (strings,
    booleans, ``None``, a mix) as categories, ``None`` labelled ``"None"``.

    Example:
        >>> axis = ParamAxis.of("act", ["relu", None, "tanh", "relu"])
        >>> axis.kind.value, axis.labels, axis.positions(["tanh", None]).tolist()
        ('categorical', ('relu', 'tanh', 'None'), [1.0, 2.0])
    """

    name: str
    kind: AxisKind
    labels: tuple[str, ...] = ()
    categories: tuple[Any, ...] = ()
    integer: bool = False

    @classmethod
    def of(cls, name: str, values: Sequence[Any]) -> ParamAxis:
        present = [v for v in values if v is not _MISSING]
        if present and all(_is_number(v) for v in present):
            kind = AxisKind.LOG if spans_decades(present) else AxisKind.LINEAR
            return cls(name, kind, integer=all(isinstance(v, int) for v in present))
        cats: list[Any] = []
        for v in present:
            if not any(_same(v, c) for c in cats):
                cats.append(v)
        cats.sort(key=_category_key)
        return cls(name, AxisKind.CATEGORICAL, tuple(_label(c) for c in cats), tuple(cats))

    def positions(self, values: Sequence[Any]) -> np.ndarray:
        """Where each value goes on the axis (category index for categories; NaN: absent)."""
        if self.kind is not AxisKind.CATEGORICAL:
            return np.array([float(v) if _is_number(v) else math.nan for v in values])
        out = np.full(len(values), math.nan)
        for i, v in enumerate(values):
            for j, c in enumerate(self.categories):
                if _same(v, c):
                    out[i] = j
                    break
        return out

    def unit(self, values: Sequence[Any]) -> np.ndarray:
        """Positions scaled to ``[0, 1]`` (log scale in log10; one category: 0.5)."""
        pos = self.positions(values)
        if self.kind is AxisKind.LOG:
            with np.errstate(invalid="ignore", divide="ignore"):
                pos = np.log10(pos)
        if self.kind is AxisKind.CATEGORICAL:
            n = len(self.categories)
            return pos / (n - 1) if n > 1 else np.where(np.isnan(pos), pos, 0.5)
        finite = pos[np.isfinite(pos)]
        if not len(finite):
            return pos
        lo, hi = finite.min(), finite.max()
        return (pos - lo) / (hi - lo) if hi > lo else np.where(np.isnan(pos), pos, 0.5)

    def decorate(self, ax: Axes, which: str = "x") -> None:
        """Sets the scale, label and (for categories) the tick labels of ``ax``'s axis."""
        set_scale = ax.set_xscale if which == "x" else ax.set_yscale
        set_label = ax.set_xlabel if which == "x" else ax.set_ylabel
        set_label(self.name)
        if self.kind is AxisKind.LOG:
            set_scale("log")
        elif self.integer:
            integer_ticks(ax.xaxis if which == "x" else ax.yaxis)
        elif self.kind is AxisKind.CATEGORICAL:
            n = len(self.labels)
            if which == "x":
                ax.set_xticks(range(n), self.labels, rotation=30 if n > 6 else 0)
                ax.set_xlim(-0.5, n - 0.5)
            else:
                ax.set_yticks(range(n), self.labels)
                ax.set_ylim(-0.5, n - 0.5)


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


#: a config without the key (conditional spaces): not drawn on that parameter's axis
_MISSING: Any = _Missing()


def column(trials: Trials, param: str) -> list[Any]:
    """Each trial's raw value of ``param`` (:data:`_MISSING` where its config lacks it)."""
    return [c.get(param, _MISSING) for c in trials.configs]


def jitter(n: int, width: float = 0.25, seed: int = 0) -> np.ndarray:
    """Reproducible offsets in ``[-width/2, width/2]`` that spread points of one category."""
    return (np.random.default_rng(seed).random(n) - 0.5) * width


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _label(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def check_param(trials: Trials, param: str) -> None:
    """A ValueError naming the known keys when no trial's config has ``param``."""
    if not any(param in c for c in trials.configs):
        known = sorted({k for c in trials.configs for k in c})
        raise ValueError(f"no config key {param!r}; known: {known}")


def check_metric(trials: Trials, metric: str) -> None:
    """A ValueError when no trial reported a finite ``metric``."""
    if not np.isfinite(trials.values).any():
        raise ValueError(f"no trial reported {metric!r} (as a finite number)")
