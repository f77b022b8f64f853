"""Several objectives at once: dominance, non-dominated sorting, crowding, hypervolume, and
constraints over a reported row. Pure numpy, no Ray.

Values are always handled as *losses*: each objective's value times its mode's sign
(:meth:`~raytune_lite.trial.Mode.sign`), so lower is better in every column.

Example:
    >>> import numpy as np
    >>> losses = np.array([[1.0, 3.0], [2.0, 2.0], [2.0, 4.0], [3.0, 1.0]])
    >>> pareto_mask(losses).tolist(), non_dominated_ranks(losses).tolist()
    ([True, True, False, True], [0, 0, 1, 0])
    >>> hypervolume(losses[pareto_mask(losses)], reference=np.array([4.0, 5.0]))
    9.0
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from raytune_lite.trial import Mode, metric_value

__all__ = [
    "Constraint",
    "Objectives",
    "crowding_distance",
    "feasible",
    "hypervolume",
    "losses_of",
    "non_dominated_ranks",
    "parse_constraints",
    "pareto_mask",
]


def pareto_mask(losses: np.ndarray) -> np.ndarray:
    """Which rows (trials x objectives, lower is better) no other row dominates: no other is
    at least as good in every objective and better in one. Rows with a NaN are never on it."""
    v = np.asarray(losses, dtype=float)
    out = np.zeros(len(v), dtype=bool)
    if v.size == 0:
        return out
    ok = np.isfinite(v).all(axis=1)
    idx = np.flatnonzero(ok)
    pts = v[idx]
    order = np.lexsort(pts.T[::-1])  # by the first objective, then the next
    front: list[int] = []
    for i in order:  # sorted: a point can only be dominated by one before it
        p = pts[i]
        if not any(np.all(pts[j] <= p) and np.any(pts[j] < p) for j in front):
            front.append(int(i))
    out[idx[front]] = True
    return out


def non_dominated_ranks(losses: np.ndarray) -> np.ndarray:
    """Each row's front: 0 for the Pareto front, 1 for the front once that one is removed,
    and so on (NaN rows rank after every finite one)."""
    v = np.asarray(losses, dtype=float)
    ranks = np.full(len(v), -1, dtype=int)
    left = np.isfinite(v).all(axis=1) if v.size else np.zeros(0, dtype=bool)
    rank = 0
    while left.any():
        idx = np.flatnonzero(left)
        front = idx[pareto_mask(v[idx])]
        ranks[front] = rank
        left[front] = False
        rank += 1
    ranks[ranks < 0] = rank
    return ranks


def crowding_distance(losses: np.ndarray) -> np.ndarray:
    """NSGA-II's crowding distance of each row within its set (the ends get infinity)."""
    v = np.asarray(losses, dtype=float)
    n = len(v)
    out = np.zeros(n)
    if n <= 2:
        return np.full(n, math.inf)
    for j in range(v.shape[1]):
        order = np.argsort(v[:, j], kind="stable")
        lo, hi = v[order[0], j], v[order[-1], j]
        out[order[0]] = out[order[-1]] = math.inf
        if hi - lo <= 0:
            continue
        out[order[1:-1]] += (v[order[2:], j] - v[order[:-2], j]) / (hi - lo)
    return out


def hypervolume(losses: np.ndarray, reference: np.ndarray) -> float:
    """The volume the points dominate up to ``reference`` (lower is better; points not below
    the reference in every objective add nothing). Exact, by slicing along the last
    objective: fine for the tens to hundreds of points of a tuning run in 2 or 3 objectives.
    """
    ref = np.asarray(reference, dtype=float)
    pts = np.asarray(losses, dtype=float).reshape(-1, len(ref))
    pts = pts[np.isfinite(pts).all(axis=1) & (pts < ref).all(axis=1)]
    if len(pts) == 0:
        return 0.0
    pts = pts[pareto_mask(pts)]
    if pts.shape[1] == 1:
        return float(ref[0] - pts[:, 0].min())
    order = np.argsort(pts[:, -1])
    pts = pts[order]
    volume = 0.0
    for i, p in enumerate(pts):
        upper = pts[i + 1, -1] if i + 1 < len(pts) else ref[-1]
        depth = upper - p[-1]
        if depth > 0:
            volume += depth * hypervolume(pts[: i + 1, :-1], ref[:-1])
    return float(volume)


def losses_of(
    row: Mapping[str, Any] | None, metrics: Sequence[str], modes: Sequence[Mode]
) -> np.ndarray:
    """A row's objectives as losses (NaN where a value is missing or not finite)."""
    out = []
    for metric, mode in zip(metrics, modes, strict=True):
        v = metric_value(dict(row) if row is not None else None, metric)
        out.append(math.nan if v is None else mode.sign() * v)
    return np.array(out, dtype=float)


# -- constraints --------------------------------------------------------------------------

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
    "==": operator.eq,
}
_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][\w/.\-]*)\s*(<=|>=|==|<|>)\s*([-+0-9.eE]+|inf)\s*$")


@dataclass(frozen=True)
class Constraint:
    """``key op bound`` over a reported row, e.g. ``"memory_mb <= 512"``.

    Example:
        >>> c = Constraint.parse("memory_mb <= 512")
        >>> c.holds({"memory_mb": 300}), c.holds({"memory_mb": 600}), c.holds({})
        (True, False, False)
    """

    key: str
    op: str
    bound: float

    @classmethod
    def parse(cls, text: str) -> Constraint:
        m = _CONSTRAINT.match(text) if isinstance(text, str) else None
        if m is None:
            raise ValueError(
                f"a constraint reads 'key <= number' (or >=, <, >, ==) over a reported key; "
                f"got {text!r}"
            )
        return cls(m.group(1), m.group(2), float(m.group(3)))

    def holds(self, row: Mapping[str, Any] | None) -> bool:
        """Whether the row satisfies it (a missing or non-finite value does not)."""
        v = metric_value(dict(row) if row is not None else None, self.key)
        return v is not None and _OPS[self.op](v, self.bound)

    def __str__(self) -> str:
        return f"{self.key} {self.op} {self.bound:g}"


#: ``constraints=``: a list of ``"key <= number"`` strings, or ``fn(row) -> bool``.
Constraints = Sequence[str] | Callable[[dict[str, Any]], bool] | None


def parse_constraints(constraints: Any) -> list[Constraint] | Callable[[dict[str, Any]], bool]:
    """Checks ``constraints=`` (None gives an empty list)."""
    if constraints is None:
        return []
    if callable(constraints):
        return constraints  # type: ignore[no-any-return]
    if isinstance(constraints, str):
        constraints = [constraints]
    if not isinstance(constraints, Sequence) or not constraints:
        raise ValueError(
            f"constraints must be a non-empty list like ['memory_mb <= 512'] or a callable "
            f"row -> bool; got {constraints!r}"
        )
    return [Constraint.parse(c) for c in constraints]


def feasible(row: Mapping[str, Any] | None, constraints: Any) -> bool:
    """Whether ``row`` satisfies every constraint (always True without constraints)."""
    parsed = (
        parse_constraints(constraints)
        if not isinstance(constraints, list)
        or any(not isinstance(c, Constraint) for c in constraints)
        else constraints
    )
    if callable(parsed):
        try:
            return bool(parsed(dict(row or {})))
        except Exception:  # a constraint that cannot be evaluated on this row: not met
            return False
    return all(c.holds(row) for c in parsed)


@dataclass(frozen=True)
class Objectives:
    """The experiment's objectives: ``metric="loss"`` (one) or ``metric=["loss", "latency"]``
    with a mode each.

    Attributes:
        metrics: the reported keys (empty: no metric).
        modes: one per metric.
    """

    metrics: tuple[str, ...]
    modes: tuple[Mode, ...]

    @property
    def primary(self) -> str | None:
        """The first metric (what the progress table and single-objective plugins see)."""
        return self.metrics[0] if self.metrics else None

    @property
    def multi(self) -> bool:
        return len(self.metrics) > 1

    @classmethod
    def parse(cls, metric: Any, mode: Any) -> Objectives:
        """Checks the Tuner's ``metric`` and ``mode``: a key and ``"min"``/``"max"``, or a list
        of keys with a mode each (one mode for all is accepted too)."""
        one = "metric must be the name of a reported key (a string)"
        if metric is None or isinstance(metric, str):
            if metric == "":
                raise ValueError(f"{one}; got {metric=}")
            if isinstance(mode, (list, tuple)):
                raise ValueError(f"one metric takes one mode ('min' or 'max'); got {mode=}")
            return cls(() if metric is None else (metric,), (Mode.parse(mode),))
        if not isinstance(metric, (list, tuple)):
            raise ValueError(f"{one}; got {metric=}")
        if not metric or any(not isinstance(m, str) or not m for m in metric):
            raise ValueError(
                f"metric must be a reported key or a list of reported keys; got {metric=}"
            )
        if len(set(metric)) != len(metric):
            raise ValueError(f"metric names each objective once; got {metric=}")
        modes = [mode] * len(metric) if isinstance(mode, (str, Mode)) else mode
        if not isinstance(modes, (list, tuple)) or len(modes) != len(metric):
            raise ValueError(
                f"metric={list(metric)} needs a mode per metric, e.g. mode={['min'] * len(metric)}"
                f"; got {mode=}"
            )
        return cls(tuple(metric), tuple(Mode.parse(m) for m in modes))

    def losses(self, row: Mapping[str, Any] | None) -> np.ndarray:
        """The row's objectives as losses (lower is better in each)."""
        return losses_of(row, self.metrics, self.modes)
