"""Helpers shared by the early-stopping schedulers (ASHA, Hyperband, median stopping).

Argument checks that name the bad value, and the one place that turns a reported row into a
comparable number: a *score*, always lower-is-better (``mode`` folded in), ``None`` when the
metric is NaN, infinite or not a number (such a trial counts as the worst).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from raytune_lite.trial import Mode, metric_value


def check_time_attr(time_attr: Any) -> str:
    """``time_attr`` must be a non-empty string."""
    if not isinstance(time_attr, str) or not time_attr:
        raise ValueError(
            f"time_attr must be a non-empty string such as 'training_iteration'; got {time_attr=}"
        )
    return time_attr


def check_positive(name: str, value: Any) -> float:
    """``value`` must be a finite number > 0 (bools are rejected)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{name} must be a finite number > 0; got {name}={value!r}")
    return float(value)


def check_reduction_factor(value: Any) -> float:
    """The reduction factor (eta) must be a finite number > 1."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 1
    ):
        raise ValueError(
            f"reduction_factor must be a number > 1 (3 keeps the best third at "
            f"each rung); got reduction_factor={value!r}"
        )
    return float(value)


def row_time(row: dict[str, Any], time_attr: str) -> float | None:
    """The row's progress value, or None when it is absent or not a finite number."""
    t = row.get(time_attr)
    if isinstance(t, bool) or not isinstance(t, (int, float)):
        try:
            t = float(t)  # type: ignore[arg-type]  # numpy scalars
        except (TypeError, ValueError):
            return None
    t = float(t)
    return t if math.isfinite(t) else None


def row_score(row: dict[str, Any], metric: str | None, mode: Mode) -> float | None:
    """``sign * metric`` (lower is better), or None when it is NaN, infinite or not a number."""
    v = metric_value(row, metric)
    return None if v is None else mode.sign() * v


def better(a: float | None, b: float | None) -> bool:
    """Whether score ``a`` is strictly better (lower) than ``b``; None is worse than anything."""
    if a is None:
        return False
    return b is None or a < b


def quantile(sorted_scores: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0 <= q <= 1) of already sorted scores, linearly interpolated
    between the two nearest (numpy's default method); None for no scores.

    >>> quantile([1.0, 2.0, 4.0], 1 / 3)
    1.6666666666666665
    """
    if not sorted_scores:
        return None
    pos = (len(sorted_scores) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_scores) - 1)
    return sorted_scores[lo] + (pos - lo) * (sorted_scores[hi] - sorted_scores[lo])


def rung_levels(start: float, eta: float, stop: float) -> list[float]:
    """``start * eta**k`` for k = 0, 1, ... while below ``stop`` (rounded to 9 significant
    digits so that 1 * 3**3 is exactly 27.0)."""
    levels: list[float] = []
    k = 0
    while True:
        level = float(f"{start * eta**k:.9g}")
        if level >= stop:
            return levels
        levels.append(level)
        k += 1


def check_saved_rungs(saved: Any, rungs: Sequence[Sequence[Any]], scheduler: str) -> None:
    """A saved state's rungs must have the shape of this scheduler's (same brackets and rungs
    per bracket): else it was saved by one built with other arguments."""
    if len(saved) != len(rungs) or any(
        len(s) != len(r) for s, r in zip(saved, rungs, strict=False)
    ):
        raise ValueError(
            f"{scheduler}.load_state: the saved rungs do not match this scheduler's "
            "max_t/grace_period/reduction_factor/brackets"
        )
