"""Optuna's ``create_study`` / ``Study`` over :class:`raytune_lite.Tuner`.

Each ``study.optimize(...)`` call runs one experiment (the folder ``<storage>/<study_name>``,
then ``<study_name>_1``, ...), whose searcher is warm-started with the study's earlier trials;
``study.trials`` lists them all, numbered on from one call to the next. ``storage`` is a
folder (default ``~/raytune_lite_results``), not an Optuna RDB URL; with ``load_if_exists``
(or :func:`load_study`) a study's earlier experiments in that folder are its trials again.

Example:
    >>> import raytune_lite.optuna_style as optuna
    >>> def objective(trial):
    ...     x = trial.suggest_float("x", -10, 10)
    ...     return (x - 2) ** 2
    >>> study = optuna.create_study(direction="minimize")  # doctest: +SKIP
    >>> study.optimize(objective, n_trials=30)  # doctest: +SKIP
    >>> study.best_params  # doctest: +SKIP
    {'x': 2.03...}
"""

from __future__ import annotations

import copy
import enum
import math
import os
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from raytune_lite._checks import check_int
from raytune_lite.define_by_run.objective import DefineByRun
from raytune_lite.optuna_style import logging as optuna_logging
from raytune_lite.optuna_style._read import dataframe, frozen_trials
from raytune_lite.optuna_style.pruners import BasePruner, MedianPruner, NopPruner
from raytune_lite.optuna_style.samplers import BaseSampler, RandomSampler, TPESampler
from raytune_lite.optuna_style.trial import FrozenTrial, TrialState

__all__ = ["Study", "StudyDirection", "create_study", "load_study"]

#: where studies keep their experiments when ``storage`` is None
DEFAULT_STORAGE = os.path.join("~", "raytune_lite_results")


class StudyDirection(enum.IntEnum):
    """Optuna's study directions."""

    NOT_SET = 0
    MINIMIZE = 1
    MAXIMIZE = 2


def _direction(d: Any) -> StudyDirection:
    if isinstance(d, StudyDirection) and d is not StudyDirection.NOT_SET:
        return d
    if d in ("minimize", "maximize"):
        return StudyDirection.MINIMIZE if d == "minimize" else StudyDirection.MAXIMIZE
    raise ValueError(f"a direction is 'minimize' or 'maximize'; got {d!r}")


def _storage(storage: Any) -> str:
    if storage is None:
        storage = DEFAULT_STORAGE
    if not isinstance(storage, (str, os.PathLike)):
        raise TypeError(
            f"storage is a folder for the study's experiments (or None); got "
            f"{type(storage).__name__}: {storage!r}"
        )
    storage = os.fspath(storage)
    if "://" in storage:
        raise ValueError(
            f"storage={storage!r} is an Optuna RDB URL; raytune_lite keeps a study as "
            "experiment folders: pass storage=<a folder> (or None), and copy the trials into "
            "an Optuna storage with rt.ResultGrid.from_path(path).to_optuna_study(storage=...)"
        )
    return os.path.abspath(os.path.expanduser(storage))


class Study:
    """A study: its trials and the way to run more (made by :func:`create_study`)."""

    def __init__(
        self,
        study_name: str,
        storage: str,
        directions: Sequence[StudyDirection],
        sampler: BaseSampler,
        pruner: BasePruner,
    ) -> None:
        self.study_name = study_name
        self._root = storage
        self._directions = list(directions)
        self.sampler = sampler
        self.pruner = pruner
        self._trials: list[FrozenTrial] = []
        self._runs: list[str] = []
        self._enqueued: list[dict[str, Any]] = []
        self._user_attrs: dict[str, Any] = {}

    # -- what it holds -----------------------------------------------------------------------
    @property
    def _metrics(self) -> list[str]:
        n = len(self._directions)
        return ["value"] if n == 1 else [f"values_{i}" for i in range(n)]

    @property
    def direction(self) -> StudyDirection:
        if len(self._directions) > 1:
            raise RuntimeError("a multi-objective study has directions, not a direction")
        return self._directions[0]

    @property
    def directions(self) -> list[StudyDirection]:
        return list(self._directions)

    @property
    def trials(self) -> list[FrozenTrial]:
        """Every trial of the study, in number order (copies)."""
        return self.get_trials()

    def get_trials(
        self, deepcopy: bool = True, states: Iterable[TrialState] | None = None
    ) -> list[FrozenTrial]:
        """The trials, only those in ``states`` if given."""
        wanted = None if states is None else set(states)
        out = [t for t in self._trials if wanted is None or t.state in wanted]
        return copy.deepcopy(out) if deepcopy else list(out)

    def _complete(self) -> list[FrozenTrial]:
        return [t for t in self._trials if t.state is TrialState.COMPLETE and t._feasible()]

    @property
    def best_trial(self) -> FrozenTrial:
        """The complete trial with the best value (one objective)."""
        if len(self._directions) > 1:
            raise RuntimeError(
                "a multi-objective study has no single best trial: use study.best_trials"
            )
        done = self._complete()
        if not done:
            raise ValueError("no trial of the study is complete yet")
        sign = 1.0 if self._directions[0] is StudyDirection.MINIMIZE else -1.0
        best = min(done, key=lambda t: (sign * (t.value or 0.0), t.number))
        return copy.deepcopy(best)

    @property
    def best_params(self) -> dict[str, Any]:
        return self.best_trial.params

    @property
    def best_value(self) -> float:
        value = self.best_trial.value
        assert value is not None
        return value

    @property
    def best_trials(self) -> list[FrozenTrial]:
        """The complete trials that no other complete trial dominates (the Pareto front)."""
        signs = [1.0 if d is StudyDirection.MINIMIZE else -1.0 for d in self._directions]
        done = self._complete()
        pts = [[s * v for s, v in zip(signs, t.values or [], strict=True)] for t in done]

        def dominated(i: int) -> bool:
            return any(
                all(a <= b for a, b in zip(pts[j], pts[i], strict=True)) and pts[j] != pts[i]
                for j in range(len(pts))
            )

        return [copy.deepcopy(t) for i, t in enumerate(done) if not dominated(i)]

    def trials_dataframe(self, attrs: Any = None, multi_index: bool = False) -> Any:
        """A pandas DataFrame of the trials, as Optuna's (``number``, ``value``,
        ``datetime_*``, ``duration``, ``params_*``, ``user_attrs_*``, ``state``)."""
        if multi_index:
            raise ValueError("trials_dataframe(multi_index=True) is not mirrored")
        df = dataframe(self._trials, len(self._directions))
        if attrs is not None:
            wanted = set(attrs) | ({"values"} if "value" in attrs else set())
            keep = [
                c
                for c in df.columns
                if c in wanted
                or c.split("_")[0] in wanted
                or any(
                    c.startswith(f"{w}_") for w in wanted if w in ("params", "user_attrs", "values")
                )
            ]
            df = df[keep]
        return df

    @property
    def user_attrs(self) -> dict[str, Any]:
        return dict(self._user_attrs)

    def set_user_attr(self, key: str, value: Any) -> None:
        self._user_attrs[key] = value

    def enqueue_trial(
        self,
        params: dict[str, Any],
        user_attrs: dict[str, Any] | None = None,
        skip_if_exists: bool = False,
    ) -> None:
        """Runs a trial with these values first at the next :meth:`optimize` (its asks for
        them get them; ``user_attrs`` is not mirrored)."""
        if user_attrs:
            raise ValueError("enqueue_trial(user_attrs=...) is not mirrored")
        if skip_if_exists and any(t.params == params for t in self._trials):
            return
        self._enqueued.append(dict(params))

    # -- running -----------------------------------------------------------------------------
    def optimize(
        self,
        func: Callable[..., Any],
        n_trials: int | None = None,
        timeout: float | None = None,
        n_jobs: int = 1,
        catch: Iterable[type[Exception]] | type[Exception] = (),
        callbacks: Any = None,
        gc_after_trial: bool = False,
        show_progress_bar: bool = False,
    ) -> None:
        """Runs ``n_trials`` trials of ``func(trial)`` (and/or for ``timeout`` seconds),
        ``n_jobs`` at a time on Ray (-1: as many as the cluster fits).

        ``catch=()`` (the default): the first trial that raises ends the study and its
        exception is raised, as in Optuna; with any ``catch``, every failing trial is
        recorded as FAIL and the study goes on (the exception types are not told apart).
        """
        from raytune_lite.tuner import Tuner

        n_trials = check_int("n_trials", n_trials, 1, allow_none=True)
        if timeout is not None and (
            isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0
        ):
            raise ValueError(f"timeout must be a number of seconds > 0 or None; got {timeout=}")
        if n_trials is None and timeout is None:
            raise ValueError(
                "study.optimize() needs n_trials or timeout (raytune_lite does not run until "
                "interrupted)"
            )
        if n_jobs != -1:
            n_jobs = check_int("n_jobs", n_jobs, 1, extra=" (or -1: as many as fit)")
        catch = (catch,) if isinstance(catch, type) else tuple(catch)
        if callbacks:
            raise ValueError(
                "study.optimize(callbacks=...) is not mirrored: read study.trials after "
                "optimize, or pass raytune_lite callbacks to rt.Tuner"
            )
        searcher = self.sampler.searcher()
        if self._trials and hasattr(searcher, "add_prior_results"):
            searcher.add_prior_results(self._priors())
        index = len(self._runs)
        name = self.study_name if index == 0 else f"{self.study_name}_{index}"
        seed = None if self.sampler.seed is None else self.sampler.seed + index
        multi = len(self._directions) > 1
        tuner = Tuner(
            DefineByRun(func, first_number=self._next_number()),
            metric=self._metrics if multi else self._metrics[0],
            mode=[("min" if d is StudyDirection.MINIMIZE else "max") for d in self._directions]
            if multi
            else ("min" if self._directions[0] is StudyDirection.MINIMIZE else "max"),
            num_samples=n_trials if n_trials is not None else -1,
            time_budget_s=timeout,
            searcher=searcher,
            scheduler=self.pruner.scheduler(),
            max_concurrent=None if n_jobs == -1 else n_jobs,
            seed=seed,
            storage_path=self._root,
            name=name,
            verbose=optuna_logging.verbose(),
            points_to_evaluate=self._enqueued or None,
            fail_fast=not catch,
            systematic_failures=None if catch else 5,
        )
        self._enqueued = []
        first = self._next_number()
        try:
            tuner.fit()
        finally:
            if os.path.exists(os.path.join(tuner.spec.path, "experiment.json")):
                self._runs.append(tuner.spec.path)
                self._trials += frozen_trials(tuner.spec.path, self._metrics, first)

    def _next_number(self) -> int:
        return max((t.number for t in self._trials), default=-1) + 1

    def _priors(self) -> list[dict[str, Any]]:
        out = []
        for t in self._trials:
            if not t.state.is_finished():
                continue
            rec: dict[str, Any] = {"config": dict(t.params)}
            rec[self._metrics[0]] = t.values[0] if t.values else math.nan
            rec["status"] = "ERROR" if t.state is TrialState.FAIL else "TERMINATED"
            out.append(rec)
        return out

    def _load(self) -> None:
        """Takes up the study's experiments in its storage folder."""
        index = 0
        while True:
            name = self.study_name if index == 0 else f"{self.study_name}_{index}"
            path = os.path.join(self._root, name)
            if not os.path.exists(os.path.join(path, "experiment.json")):
                return
            self._trials += frozen_trials(path, self._metrics, self._next_number())
            self._runs.append(path)
            index += 1

    def __repr__(self) -> str:
        return f"Study(study_name={self.study_name!r}, trials={len(self._trials)})"


def create_study(
    *,
    storage: Any = None,
    sampler: BaseSampler | None = None,
    pruner: BasePruner | None = None,
    study_name: str | None = None,
    direction: str | StudyDirection | None = None,
    load_if_exists: bool = False,
    directions: Sequence[str | StudyDirection] | None = None,
) -> Study:
    """A new study (Optuna's arguments; see the module for ``storage``).

    Defaults as in Optuna: minimize, :class:`~.samplers.TPESampler` (random search with
    several objectives), :class:`~.pruners.MedianPruner` (none with several objectives).
    """
    if direction is not None and directions is not None:
        raise ValueError("pass direction or directions, not both")
    dirs = [_direction(d) for d in (directions or [direction or "minimize"])]
    if not dirs:
        raise ValueError("directions must name at least one direction")
    if sampler is not None and not isinstance(sampler, BaseSampler):
        raise TypeError(
            f"sampler must be one of raytune_lite.optuna_style.samplers (TPESampler, "
            f"RandomSampler); got {sampler!r}"
        )
    if pruner is not None and not isinstance(pruner, BasePruner):
        raise TypeError(f"pruner must be one of raytune_lite.optuna_style.pruners; got {pruner!r}")
    multi = len(dirs) > 1
    sampler = sampler or (RandomSampler() if multi else TPESampler())
    pruner = pruner or (NopPruner() if multi else MedianPruner())
    root = _storage(storage)
    name = study_name or f"no-name-{uuid.uuid4()}"
    study = Study(name, root, dirs, sampler, pruner)
    if os.path.exists(os.path.join(root, name, "experiment.json")):
        if not load_if_exists:
            raise ValueError(
                f"a study named {name!r} exists in {root!r}: pass load_if_exists=True to "
                "go on with it, or another study_name"
            )
        study._load()
    return study


def load_study(
    *,
    study_name: str,
    storage: Any = None,
    sampler: BaseSampler | None = None,
    pruner: BasePruner | None = None,
) -> Study:
    """The study ``study_name`` in ``storage`` (its directions as recorded)."""
    import json

    root = _storage(storage)
    path = os.path.join(root, study_name, "experiment.json")
    if not os.path.exists(path):
        raise ValueError(f"no study named {study_name!r} in {root!r}")
    with open(path) as f:
        spec = json.load(f).get("spec", {})
    modes = spec.get("modes") or [spec.get("mode", "min")]
    dirs = ["minimize" if m == "min" else "maximize" for m in modes]
    return create_study(
        storage=root,
        sampler=sampler,
        pruner=pruner,
        study_name=study_name,
        directions=dirs,
        load_if_exists=True,
    )
