"""Results of an experiment, read from its directory: DataFrames, the best trial, errors.

:class:`ResultsBase` is what the figures read; :class:`raytune_lite.results.ResultGrid`
adds what is built on the figures (the report page) and on Optuna.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from raytune_lite._spans import assign_slots, trial_spans
from raytune_lite.checkpoint import Checkpoint
from raytune_lite.multiobjective import Objectives, feasible, pareto_mask
from raytune_lite.results_io import live_status, rows_frame
from raytune_lite.space import flatten
from raytune_lite.store import (
    ExperimentStatus,
    load_experiment,
    load_trials,
    trial_dir,
)
from raytune_lite.trial import Mode, ModeName, TrialStatus, metric_value

if TYPE_CHECKING:
    import pandas as pd


def _flat_config(config: dict[str, Any]) -> dict[str, Any]:
    """``flatten(config, prefix="config/")``, without the walk for a flat config (the usual)."""
    if any(isinstance(v, (dict, list, tuple)) for v in config.values()):
        return flatten(config, prefix="config/")
    return {f"config/{k}": v for k, v in config.items()}


def _last_line(text: str | None) -> str | None:
    """The last non-blank line of an error's text (the exception), or None."""
    lines = (text or "").strip().splitlines()
    return lines[-1] if lines else None


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
        (more than one under PBT), with the iteration it started at; best_value: its best
        value of the metric at any step; info: what the searcher recorded about it (e.g.
        ``{"stage": 1}`` under a staged search).
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
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def num_exploits(self) -> int:
        """How many times PBT restarted this trial from another trial's checkpoint."""
        return sum(1 for h in self.config_history if h.get("donor") is not None)


_R = TypeVar("_R", bound="ResultsBase")


class ResultsBase:
    """All trials of an experiment (the data: what :class:`~raytune_lite.results.ResultGrid`
    adds is built on it).

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
        #: every objective (one, or several with ``Tuner(metric=[...])``)
        self.objectives = Objectives(
            tuple(spec.get("metrics") or ([self.metric] if self.metric else [])),
            tuple(Mode.parse(m) for m in spec.get("modes") or [self.mode.value]),
        )
        constraints = spec.get("constraints")
        self.constraints = None if isinstance(constraints, str) else constraints
        self._trials = trials
        live = experiment.get("status") == ExperimentStatus.RUNNING.value
        self._results = [
            Result(
                trial_id=t["trial_id"],
                config=t["config"],
                metrics=t.get("last_result") or {},
                status=live_status(path, t) if live else TrialStatus(t["status"]),
                checkpoint=Checkpoint(t["checkpoint"]) if t.get("checkpoint") else None,
                error=t.get("error"),
                path=trial_dir(path, t["trial_id"]),
                config_history=t.get("config_history", []),
                best_value=t.get("best_value"),
                info=t.get("info") or {},
            )
            for t in trials
        ]

    @classmethod
    def from_path(cls: type[_R], path: str) -> _R:
        """Reads an experiment directory (finished or not), or a remote experiment's URI
        (``s3://bucket/prefix/name``: downloaded first, with its checkpoints, into
        ``RAYTUNE_LITE_CACHE_DIR``; see :mod:`raytune_lite.storage`)."""
        from raytune_lite.storage import readable

        path = readable(path)
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
        self,
        metric: str | None = None,
        mode: Mode | ModeName | None = None,
        scope: str = "last",
        *,
        weights: Mapping[str, float] | None = None,
    ) -> Result:
        """The best trial by ``metric`` (default: the experiment's).

        Args:
            scope: ``"last"`` compares each trial's last reported value, ``"all"`` its best
                value at any step (the experiment's metric only).
            weights: with several objectives, ``{metric: weight}``: the best trial by the
                weighted sum of the objectives as losses (each one's mode folded in).
        """
        if weights is not None:
            return self._best_weighted(weights)
        if metric is None and self.objectives.multi:
            raise ValueError(
                f"this experiment has {len(self.objectives.metrics)} objectives "
                f"{list(self.objectives.metrics)}: there is no single best; see "
                "results.pareto_front(), or choose a trade-off with "
                "results.get_best(weights={...}) or get_best(metric=...)"
            )
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
        groups = self._repeat_stats(metric) if scope == "last" else {}
        for r in self._results:
            v = r.best_value if scope == "all" else metric_value(r.metrics, metric)
            if groups and "config_id" in r.info:  # repeats: a config ranks by its mean
                v = groups.get(r.info["config_id"], (None, None, 0))[0]
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

    def _feasible(self, r: Result) -> bool:
        return r.status is not TrialStatus.ERROR and feasible(r.metrics, self.constraints)

    def pareto_front(self) -> list[Result]:
        """The trials no other dominates in the experiment's objectives (at least as good in
        every one and better in one), infeasible and failed trials left out; ordered by the
        first objective."""
        ok = [r for r in self._results if self._feasible(r)]
        if not ok or not self.objectives.metrics:
            return []
        losses = np.array([self.objectives.losses(r.metrics) for r in ok])
        front = [r for r, on in zip(ok, pareto_mask(losses), strict=True) if on]
        return sorted(front, key=lambda r: float(self.objectives.losses(r.metrics)[0]))

    def _best_weighted(self, weights: Mapping[str, float]) -> Result:
        metrics = self.objectives.metrics
        if not isinstance(weights, Mapping) or set(weights) - set(metrics) or not weights:
            raise ValueError(f"weights map objectives {list(metrics)} to numbers; got {weights!r}")
        w = np.array([float(weights.get(m, 0.0)) for m in metrics])
        best: tuple[float, Result] | None = None
        for r in self._results:
            if not self._feasible(r):
                continue
            v = float(np.dot(w, self.objectives.losses(r.metrics)))
            if math.isfinite(v) and (best is None or v < best[0]):
                best = (v, r)
        if best is None:
            raise ValueError(f"no feasible trial reported finite values of {list(metrics)}")
        return best[1]

    def dataframe(self) -> pd.DataFrame:
        """One row per trial: ``trial_id``, ``status``, ``config/...`` columns, the last
        reported metrics, ``num_configs`` and ``num_exploits`` (PBT), and ``error`` (the last
        line of the trial's error). A metric that has the name of one of these keeps it; that
        column is then prefixed ``trial_`` (a metric called ``error`` leaves the message in
        ``trial_error``). A ``config/...`` column always holds the config (``report()``
        refuses such metric names; a folder written otherwise keeps its config columns)."""
        metrics = [
            {k: v for k, v in r.metrics.items() if not isinstance(v, (dict, list))}
            for r in self._results
        ]
        taken = set().union(*metrics) if metrics else set()
        groups = self._repeat_stats(self.metric)
        on_front = {r.trial_id for r in self.pareto_front()} if self.objectives.multi else None
        records = []
        for r, last in zip(self._results, metrics, strict=True):
            about = {
                "trial_id": r.trial_id,
                "status": r.status.value,
                "num_configs": len(r.config_history) or 1,
                "num_exploits": r.num_exploits,
                "error": _last_line(r.error),
                **{str(k): v for k, v in r.info.items()},  # e.g. a staged search's stage
                **({} if on_front is None else {"pareto": r.trial_id in on_front}),
                **({} if self.constraints is None else {"feasible": self._feasible(r)}),
            }
            rec: dict[str, Any] = {(f"trial_{k}" if k in taken else k): v for k, v in about.items()}
            rec.update(last)
            rec.update(_flat_config(r.config))  # a metric never overwrites a config column
            if groups and "config_id" in r.info and self.metric is not None:
                mean, std, _ = groups.get(r.info["config_id"], (None, None, 0))
                rec[f"mean_{self.metric}"], rec[f"std_{self.metric}"] = mean, std
            records.append(rec)
        return _frame(records)

    def _repeat_stats(
        self, metric: str | None
    ) -> dict[str, tuple[float | None, float | None, int]]:
        """``{config_id: (mean, std, n)}`` of the last values of ``metric`` over each config's
        repeats that ended without error (``Tuner(repeats=...)``); empty without repeats."""
        values: dict[str, list[float]] = {}
        for r in self._results:
            cid = r.info.get("config_id")
            if cid is None:
                continue
            v = metric_value(r.metrics, metric)
            values.setdefault(str(cid), [])
            if v is not None and r.status is not TrialStatus.ERROR:
                values[str(cid)].append(v)
        out: dict[str, tuple[float | None, float | None, int]] = {}
        for cid, vs in values.items():
            if not vs:
                out[cid] = (None, None, 0)
                continue
            mean = sum(vs) / len(vs)
            std = (sum((v - mean) ** 2 for v in vs) / len(vs)) ** 0.5
            out[cid] = (mean, std, len(vs))
        return out

    def repeats(self) -> pd.DataFrame:
        """One row per config of a ``Tuner(repeats=...)`` experiment: ``config_id``, the
        ``config/...`` columns (without the seed), ``n`` (repeats that ended without error),
        and the mean and std of the metric's last values."""
        stats = self._repeat_stats(self.metric)
        rows: dict[str, dict[str, Any]] = {}
        for r in self._results:
            cid = r.info.get("config_id")
            if cid is None or str(cid) in rows:
                continue
            mean, std, n = stats.get(str(cid), (None, None, 0))
            config = {k: v for k, v in r.config.items() if k != "seed"}
            rows[str(cid)] = {
                "config_id": str(cid),
                **flatten(config, prefix="config/"),
                "n": n,
                f"mean_{self.metric}": mean,
                f"std_{self.metric}": std,
            }
        return _frame(list(rows.values()))

    def history(self, trial_id: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Every reported row (of one trial, of a list of trials, or of all), with a
        ``trial_id`` column; rows superseded by a restart are left out."""
        if trial_id is None:
            ids = [r.trial_id for r in self._results]
        else:
            ids = [trial_id] if isinstance(trial_id, str) else list(trial_id)
        return rows_frame(self.path, ids)

    def attempts(self) -> pd.DataFrame:
        """One row per attempt that reported results: ``trial_id``, ``attempt`` (its number),
        ``start``/``end`` (epoch seconds: when its function started, its last row or the
        trial's end), ``ending`` (a :class:`~raytune_lite._spans.Ending` value: complete,
        stopped early, error, failed and retried, exploited, paused, running), the first and
        last ``training_iteration`` and ``slot`` (a lane of concurrency: attempts that ran at
        the same time are in different slots). What :func:`raytune_lite.plot.timeline` draws."""
        spans = [
            s
            for t, r in zip(self._trials, self._results, strict=True)
            for s in trial_spans(self.path, t, r.status)
        ]
        slots = assign_slots(spans)
        return _frame(
            [
                {
                    "trial_id": s.trial_id,
                    "attempt": s.attempt,
                    "start": s.start,
                    "end": s.end,
                    "ending": s.ending.value,
                    "first_iteration": s.first_iteration,
                    "last_iteration": s.last_iteration,
                    "slot": slot,
                }
                for s, slot in zip(spans, slots, strict=True)
            ]
        )

    @property
    def num_exploits(self) -> int:
        """How many exploits PBT made in all (0 without PBT)."""
        return sum(r.num_exploits for r in self._results)

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
            f"{type(self).__name__}({self.path!r}, {len(self)} trials, {self.num_errors} errors, "
            f"metric={self.metric!r}, mode={self.mode.value!r})"
        )
