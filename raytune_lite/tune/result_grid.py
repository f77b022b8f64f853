"""Ray Tune's ``ResultGrid`` and ``Result``, read from a raytune_lite experiment folder.

Example:
    >>> from raytune_lite import tune
    >>> grid = tune.ResultGrid.from_path("~/raytune_lite_results/exp")  # doctest: +SKIP
    >>> grid.get_best_result("loss", "min").config  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from raytune_lite import results as _results
from raytune_lite.space import flatten
from raytune_lite.store import read_rows
from raytune_lite.trial import Mode, TrialStatus, metric_value
from raytune_lite.tune.session import Checkpoint

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Result", "ResultGrid"]

_SCOPES = ("last", "all", "avg", "last-5-avg", "last-10-avg")


@dataclass(frozen=True)
class Result:
    """One trial's outcome, with Ray Tune's attribute names.

    Attributes:
        config, metrics (its last result), checkpoint (its last), error (the traceback
        text of its failure, or None), path (its folder), trial_id, status.
    """

    config: dict[str, Any]
    metrics: dict[str, Any]
    checkpoint: Checkpoint | None
    error: str | None
    path: str
    trial_id: str
    status: TrialStatus
    _experiment_path: str

    @property
    def metrics_dataframe(self) -> pd.DataFrame:
        """Every result this trial reported, one row each."""
        import pandas as pd

        return pd.DataFrame.from_records(read_rows(self._experiment_path, self.trial_id))

    @property
    def best_checkpoints(self) -> list[tuple[Checkpoint, dict[str, Any]]]:
        """Not mirrored: the last checkpoint with the last metrics (or an empty list)."""
        return [] if self.checkpoint is None else [(self.checkpoint, self.metrics)]


def _wrap(r: _results.Result, experiment_path: str) -> Result:
    return Result(
        config=r.config,
        metrics=r.metrics,
        checkpoint=None if r.checkpoint is None else Checkpoint(r.checkpoint.path),
        error=r.error,
        path=r.path,
        trial_id=r.trial_id,
        status=r.status,
        _experiment_path=experiment_path,
    )


class ResultGrid:
    """All trials of an experiment, with Ray Tune's methods.

    Args:
        grid: raytune_lite's :class:`~raytune_lite.ResultGrid` of the experiment (also kept
            as :attr:`native`, for its plots and histories).
    """

    def __init__(self, grid: _results.ResultGrid):
        self.native = grid
        self._results = [_wrap(r, grid.path) for r in grid]

    @classmethod
    def from_path(cls, path: str) -> ResultGrid:
        """Reads an experiment folder."""
        return cls(_results.ResultGrid.from_path(path))

    @property
    def experiment_path(self) -> str:
        return self.native.path

    def __len__(self) -> int:
        return len(self._results)

    def __iter__(self) -> Iterator[Result]:
        return iter(self._results)

    def __getitem__(self, i: int) -> Result:
        return self._results[i]

    @property
    def errors(self) -> list[str]:
        """The error texts of the failed trials."""
        return [r.error or "" for r in self._results if r.status is TrialStatus.ERROR]

    @property
    def num_errors(self) -> int:
        return len(self.errors)

    @property
    def num_terminated(self) -> int:
        """Trials that ended without an error (finished or stopped early)."""
        return sum(r.status is not TrialStatus.ERROR for r in self._results)

    def get_best_result(
        self,
        metric: str | None = None,
        mode: str | None = None,
        scope: str = "last",
        filter_nan_and_inf: bool = True,
    ) -> Result:
        """The best trial by ``metric`` (default: the experiment's, with its mode).

        Args:
            scope: ``"last"`` (each trial's last result), ``"all"`` (its best result),
                ``"avg"`` (the mean of its results), ``"last-5-avg"``, ``"last-10-avg"``.
            filter_nan_and_inf: only True (trials whose value is NaN or infinite never win).
        """
        if not filter_nan_and_inf:
            raise NotImplementedError("get_best_result(filter_nan_and_inf=False) is not mirrored")
        metric = metric or self.native.metric
        if metric is None:
            raise ValueError(
                "no metric: pass get_best_result(metric=..., mode=...) or set "
                "TuneConfig(metric=..., mode=...)"
            )
        if mode is None:
            if metric != self.native.metric:
                raise ValueError(f"pass mode='min' or 'max' with metric={metric!r}")
            m = self.native.mode
        else:
            m = Mode.parse(mode)
        if scope not in _SCOPES:
            raise ValueError(f"scope must be one of {list(_SCOPES)}; got {scope=}")
        best: tuple[float, Result] | None = None
        for r in self._results:
            if r.status is TrialStatus.ERROR:
                continue
            v = self._value(r, metric, m, scope)
            if v is not None and (best is None or m.better(v, best[0])):
                best = (v, r)
        if best is None:
            raise RuntimeError(
                f"no trial reported a finite value of {metric!r} ({len(self)} trials, "
                f"{self.num_errors} errors)"
            )
        return best[1]

    def _value(self, r: Result, metric: str, mode: Mode, scope: str) -> float | None:
        if scope == "last":
            return metric_value(r.metrics, metric)
        values = [
            v
            for row in read_rows(self.experiment_path, r.trial_id)
            if (v := metric_value(row, metric)) is not None
        ]
        if not values:
            return None
        if scope == "all":
            return min(values) if mode is Mode.MIN else max(values)
        window = {"avg": len(values), "last-5-avg": 5, "last-10-avg": 10}[scope]
        tail = values[-window:]
        mean = sum(tail) / len(tail)
        return mean if math.isfinite(mean) else None

    def get_dataframe(
        self, filter_metric: str | None = None, filter_mode: str | None = None
    ) -> pd.DataFrame:
        """One row per trial: its last result and ``config/...`` columns; with
        ``filter_metric`` and ``filter_mode``, each trial's best result instead."""
        frame = self.native.dataframe()
        if filter_metric is None:
            return frame
        if filter_mode is None:
            raise ValueError("get_dataframe(filter_metric=...) needs filter_mode='min' or 'max'")
        m = Mode.parse(filter_mode)
        import pandas as pd

        records = []
        for r in self._results:
            rows = [
                row
                for row in read_rows(self.experiment_path, r.trial_id)
                if metric_value(row, filter_metric) is not None
            ]
            if not rows:
                continue
            pick = min if m is Mode.MIN else max
            best = pick(rows, key=lambda row: float(row[filter_metric]))
            records.append({"trial_id": r.trial_id, **best, **flatten(r.config, "config/")})
        return pd.DataFrame.from_records(records)

    def __repr__(self) -> str:
        return f"ResultGrid<{self.experiment_path!r}, {len(self)} results>"
