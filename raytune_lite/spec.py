"""An experiment's fixed settings, validated before any Ray work."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from raytune_lite.trial import Mode


@dataclass(frozen=True)
class ExperimentSpec:
    """Everything the controller needs to know that does not change during the run."""

    name: str
    path: str
    metric: str | None
    mode: Mode
    num_samples: int
    resources: dict[str, float]
    max_concurrent: int | None = None
    stop: Mapping[str, float] | Callable[[str, dict[str, Any]], bool] | None = None
    time_budget_s: float | None = None
    max_failures: int = 0
    seed: int | None = None
    points_to_evaluate: list[dict[str, Any]] = field(default_factory=list)
    num_to_keep: int | None = None
    checkpoint_score: str | None = None

    def to_json(self) -> dict[str, Any]:
        stop: Any = (
            dict(self.stop)
            if isinstance(self.stop, Mapping)
            else (None if self.stop is None else repr(self.stop))
        )
        return {
            "name": self.name,
            "metric": self.metric,
            "mode": self.mode.value,
            "num_samples": self.num_samples,
            "resources": self.resources,
            "max_concurrent": self.max_concurrent,
            "stop": stop,
            "time_budget_s": self.time_budget_s,
            "max_failures": self.max_failures,
            "seed": self.seed,
            "points_to_evaluate": self.points_to_evaluate,
            "num_to_keep": self.num_to_keep,
            "checkpoint_score": self.checkpoint_score,
        }


def check_stop(stop: Any) -> None:
    """``stop`` is None, a callable ``(trial_id, row) -> bool`` or ``{key: threshold}``."""
    if stop is None or callable(stop):
        return
    if not isinstance(stop, Mapping) or not stop:
        raise ValueError(
            "stop must be a non-empty dict like {'training_iteration': 20} or a "
            f"callable (trial_id, row) -> bool; got {stop=}"
        )
    for k, v in stop.items():
        if (
            not isinstance(k, str)
            or isinstance(v, bool)
            or not isinstance(v, (int, float))
            or not math.isfinite(v)
        ):
            raise ValueError(
                f"stop criteria map a reported key to a finite number (the trial "
                f"stops once row[key] >= number); got {k!r}: {v!r}"
            )


def check_time_budget(time_budget_s: Any) -> None:
    if time_budget_s is None:
        return
    if (
        isinstance(time_budget_s, bool)
        or not isinstance(time_budget_s, (int, float))
        or not time_budget_s > 0
        or not math.isfinite(time_budget_s)
    ):
        raise ValueError(
            f"time_budget_s must be a positive number of seconds or None; got {time_budget_s=}"
        )
