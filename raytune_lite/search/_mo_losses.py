"""The objectives of each finished trial, for the model-based searchers that rank by several
(:class:`~.tpe.TPE` as MOTPE, :class:`~.bayes.BayesOpt` with ParEGO).

The Tuner sets a searcher's ``objectives`` (an :class:`~raytune_lite.multiobjective.Objectives`)
and ``constraints`` after its ``setup``; a searcher records every completed trial here. A trial
*counts* when it finished without error, every objective is finite and the constraints hold
(the controller also reports an infeasible trial as failed): the others rank after every one
that counts.

Example:
    >>> from raytune_lite.multiobjective import Objectives
    >>> from raytune_lite.trial import Mode
    >>> table = MultiLosses()
    >>> objectives = Objectives(("loss", "size"), (Mode.MIN, Mode.MAX))
    >>> table.record("a", {"loss": 1.0, "size": 3.0}, False, objectives, ["size <= 5"])
    >>> table.record("b", {"loss": 0.5, "size": 9.0}, True, objectives, ["size <= 5"])
    >>> table["a"], table["b"].ok
    (Recorded(losses=(1.0, -3.0), ok=True), False)
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from raytune_lite.multiobjective import Objectives, feasible

__all__ = ["MultiLosses", "Recorded", "multi_objective"]


def multi_objective(objectives: Any) -> Objectives | None:
    """The searcher's objectives when there are several (None: one objective or unset)."""
    return objectives if isinstance(objectives, Objectives) and objectives.multi else None


@dataclass(frozen=True)
class Recorded:
    """A completed trial: its objectives as losses (NaN where missing), and whether it
    counts (no error, all finite, feasible)."""

    losses: tuple[float, ...]
    ok: bool


class MultiLosses(Mapping[str, Recorded]):
    """Completed trials by id (a read-only mapping; :meth:`record` adds one)."""

    def __init__(self) -> None:
        self._rows: dict[str, Recorded] = {}

    def __getitem__(self, trial_id: str) -> Recorded:
        return self._rows[trial_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def record(
        self,
        trial_id: str,
        row: dict[str, Any] | None,
        error: bool,
        objectives: Objectives,
        constraints: Any,
    ) -> None:
        """Records a completed trial's last row (``error``: it failed, or it is infeasible)."""
        losses = objectives.losses(row)
        ok = (not error) and bool(np.isfinite(losses).all()) and feasible(row, constraints)
        self._rows[trial_id] = Recorded(tuple(float(v) for v in losses), ok)

    def matrix(self, ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Losses ``(len(ids), k)`` and the ``ok`` mask of those ids (unknown ids: not ok)."""
        k = len(next(iter(self._rows.values())).losses) if self._rows else 0
        out = np.full((len(ids), k), np.nan)
        ok = np.zeros(len(ids), dtype=bool)
        for i, t in enumerate(ids):
            rec = self._rows.get(t)
            if rec is not None and len(rec.losses) == k:
                out[i] = rec.losses
                ok[i] = rec.ok
        return out, ok

    def state(self) -> dict[str, Any]:
        """JSON-able (NaN saved as None)."""
        return {
            t: [[v if math.isfinite(v) else None for v in r.losses], r.ok]
            for t, r in self._rows.items()
        }

    def load_state(self, state: Mapping[str, Any]) -> None:
        self._rows = {
            str(t): Recorded(tuple(math.nan if v is None else float(v) for v in losses), bool(ok))
            for t, (losses, ok) in state.items()
        }
