"""Results of an experiment, read from its directory: DataFrames, the best trial, errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from raytune_lite.checkpoint import Checkpoint
from raytune_lite.space import flatten
from raytune_lite.store import load_experiment, load_trials, read_rows, trial_dir
from raytune_lite.trial import Mode, TrialStatus, metric_value

if TYPE_CHECKING:
    import pandas as pd


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd  # here, not at the top: the controller and the workers never need it

    return pd.DataFrame.from_records(records)


@dataclass(frozen=True)
class Result:
    """One trial's outcome.

    Attributes:
        trial_id: the trial's id; config: its (latest) config; metrics: its last row;
        status: how it ended; checkpoint: its last saved checkpoint; error: the traceback
        of its last failure; path: its folder; config_history: each config it ran with
        (more than one under PBT), with the iteration it started at.
    """

    trial_id: str
    config: dict[str, Any]
    metrics: dict[str, Any]
    status: TrialStatus
    checkpoint: Checkpoint | None
    error: str | None
    path: str
    config_history: list[dict[str, Any]]
    best_value: float | None


class ResultGrid:
    """All trials of an experiment.

    Example:
        >>> import raytune_lite as rt
        >>> results = rt.ResultGrid.from_path("~/raytune_lite_results/train_x")  # doctest: +SKIP
        >>> results.best.config, results.dataframe().head()  # doctest: +SKIP
    """

    def __init__(self, path: str, experiment: dict[str, Any], trials: list[dict[str, Any]]):
        self.path = path
        self.experiment = experiment
        spec = experiment.get("spec", {})
        self.metric: str | None = spec.get("metric")
        self.mode = Mode.parse(spec.get("mode", "min"))
        self._results = [
            Result(
                trial_id=t["trial_id"],
                config=t["config"],
                metrics=t.get("last_result") or {},
                status=TrialStatus(t["status"]),
                checkpoint=Checkpoint(t["checkpoint"]) if t.get("checkpoint") else None,
                error=t.get("error"),
                path=trial_dir(path, t["trial_id"]),
                config_history=t.get("config_history", []),
                best_value=t.get("best_value"),
            )
            for t in trials
        ]

    @classmethod
    def from_path(cls, path: str) -> ResultGrid:
        """Reads an experiment directory (finished or not)."""
        import os

        path = os.path.abspath(os.path.expanduser(path))
        return cls(path, load_experiment(path), load_trials(path))

    def __len__(self) -> int:
        return len(self._results)

    def __iter__(self) -> Iterator[Result]:
        return iter(self._results)

    def __getitem__(self, i: int) -> Result:
        return self._results[i]

    @property
    def errors(self) -> dict[str, str]:
        """``{trial_id: error text}`` for trials that ended in ERROR."""
        return {r.trial_id: r.error or "" for r in self._results if r.status is TrialStatus.ERROR}

    @property
    def num_errors(self) -> int:
        return len(self.errors)

    @property
    def best(self) -> Result:
        """The trial with the best last value of the experiment's metric."""
        return self.get_best()

    def get_best(
        self, metric: str | None = None, mode: str | None = None, scope: str = "last"
    ) -> Result:
        """The best trial by ``metric`` (default: the experiment's).

        Args:
            scope: ``"last"`` compares each trial's last reported value, ``"all"`` its best
                value at any step (the experiment's metric only).
        """
        metric = metric or self.metric
        m = Mode.parse(mode) if mode is not None else self.mode
        if metric is None:
            raise ValueError(
                "no metric: pass get_best(metric=..., mode=...) or give the Tuner metric=..."
            )
        if scope not in ("last", "all"):
            raise ValueError(f"scope must be 'last' or 'all'; got {scope=}")
        if scope == "all" and metric != self.metric:
            raise ValueError("scope='all' works with the experiment's own metric only")
        best: tuple[float, Result] | None = None
        for r in self._results:
            v = r.best_value if scope == "all" else metric_value(r.metrics, metric)
            if r.status is TrialStatus.ERROR or v is None:
                continue
            if best is None or m.better(v, best[0]):
                best = (v, r)
        if best is None:
            raise ValueError(
                f"no trial reported a finite value of {metric!r} "
                f"({len(self._results)} trials, {self.num_errors} errors)"
            )
        return best[1]

    def dataframe(self) -> pd.DataFrame:
        """One row per trial: ``trial_id``, ``status``, ``config/...`` columns, the last
        reported metrics, ``num_configs`` (PBT) and ``error`` (the last line of the trial's
        error). A metric that has the name of one of these keeps it; that column is then
        prefixed ``trial_`` (a metric called ``error`` leaves the message in ``trial_error``).
        A ``config/...`` column always holds the config (``report()`` refuses such metric
        names; a folder written otherwise keeps its config columns)."""
        metrics = [
            {k: v for k, v in r.metrics.items() if not isinstance(v, (dict, list))}
            for r in self._results
        ]
        taken = set().union(*metrics) if metrics else set()
        records = []
        for r, last in zip(self._results, metrics, strict=True):
            about = {
                "trial_id": r.trial_id,
                "status": r.status.value,
                "num_configs": len(r.config_history) or 1,
                "error": (r.error or "").strip().splitlines()[-1] if r.error else None,
            }
            rec: dict[str, Any] = {(f"trial_{k}" if k in taken else k): v for k, v in about.items()}
            config = flatten(r.config, prefix="config/")
            rec.update(last)
            rec.update(config)  # a metric never overwrites a config column
            records.append(rec)
        return _frame(records)

    def history(self, trial_id: str | None = None) -> pd.DataFrame:
        """Every reported row (of one trial, or all), with a ``trial_id`` column."""
        ids = [trial_id] if trial_id is not None else [r.trial_id for r in self._results]
        rows = []
        for tid in ids:
            for row in read_rows(self.path, tid):
                rows.append({"trial_id": tid, **row})
        return _frame(rows)

    def config_history(self) -> pd.DataFrame:
        """Each trial's configs over training (the schedule PBT found), one row per change."""
        rows = []
        for r in self._results:
            for h in r.config_history:
                rows.append(
                    {
                        "trial_id": r.trial_id,
                        "training_iteration": h.get("training_iteration", 0),
                        "donor": h.get("donor"),
                        **flatten(h.get("config", {}), prefix="config/"),
                    }
                )
        return _frame(rows)

    def __repr__(self) -> str:
        return (
            f"ResultGrid({self.path!r}, {len(self)} trials, {self.num_errors} errors, "
            f"metric={self.metric!r}, mode={self.mode.value!r})"
        )
