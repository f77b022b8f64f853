"""Ray Tune's ``Tuner(trainable, param_space=, tune_config=, run_config=)``, mapped onto
:class:`raytune_lite.Tuner`.

The configuration objects are checked and translated once, when the Tuner is built; the run
itself is raytune_lite's. What cannot be honoured raises NotImplementedError naming the
argument, at once.

A second run with a ``RunConfig(name=...)`` whose folder already holds an experiment starts a
new experiment next to it, in ``<name>_2`` (then ``_3``...), and logs where; to continue the
first one, use Ray Tune's pattern::

    path = os.path.join(storage_path, name)
    if tune.Tuner.can_restore(path):
        tuner = tune.Tuner.restore(path, trainable=train)
    else:
        tuner = tune.Tuner(train, param_space=..., run_config=tune.RunConfig(name=name, ...))

Example:
    >>> from raytune_lite import tune
    >>> def train(config):
    ...     tune.report({"loss": (config["x"] - 2) ** 2})
    >>> tuner = tune.Tuner(train, param_space={"x": tune.uniform(0, 4)},
    ...                    tune_config=tune.TuneConfig(metric="loss", mode="min", num_samples=8),
    ...                    run_config=tune.RunConfig(verbose=0))  # doctest: +SKIP
    >>> tuner.fit().get_best_result().config  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Mapping
from typing import Any

from raytune_lite import tuner as _core
from raytune_lite.schedulers.base import Scheduler
from raytune_lite.schedulers.pbt import PBT
from raytune_lite.search.base import Searcher
from raytune_lite.storage import has_experiment, is_remote, storage_root
from raytune_lite.trial import Mode
from raytune_lite.tune.callbacks import bridge_callbacks
from raytune_lite.tune.config import CheckpointConfig, FailureConfig, RunConfig, TuneConfig
from raytune_lite.tune.domains import convert_space
from raytune_lite.tune.mutations import add_missing_mutations, has_domains
from raytune_lite.tune.result_grid import ResultGrid
from raytune_lite.tune.search._common import ConcurrencyLimiter
from raytune_lite.tune.trainable import as_function, is_trainable_class, unwrap

logger = logging.getLogger("raytune_lite")

__all__ = ["Tuner"]

#: Saved in the experiment folder so that ``Tuner.restore`` can rebuild the plugins.
_SAVED = "ray_tune_facade.pkl"

#: ``max_failures=-1`` (retry forever) in Ray Tune.
_FOREVER = 2**31 - 1


def _not_mirrored(where: str, **given: tuple[Any, Any]) -> None:
    for name, (value, default) in given.items():
        if value is not default and value != default:
            raise NotImplementedError(
                f"{where}({name}={value!r}) is not mirrored by raytune_lite; leave it unset"
            )


def _inner(searcher: Any) -> Any:
    while isinstance(searcher, ConcurrencyLimiter):
        searcher = searcher.searcher
    return searcher


def _resolve_objective(
    tc: TuneConfig, searcher: Any, scheduler: Any
) -> tuple[str | None, str | None]:
    metric, mode = tc.metric, tc.mode
    for plugin in (_inner(searcher), scheduler):
        for attr, current in (("metric", metric), ("mode", mode)):
            asked = getattr(plugin, f"requested_{attr}", None)
            if asked is None:
                continue
            if current is not None and current != asked:
                raise ValueError(
                    f"{type(plugin).__name__} was given {attr}={asked!r} but TuneConfig (or "
                    f"another plugin) has {attr}={current!r}; set it in one place"
                )
            if attr == "metric":
                metric = asked
            else:
                mode = asked
    if metric is not None and mode is None:
        raise ValueError(f"metric={metric!r} needs mode='min' or 'max' (TuneConfig(mode=...))")
    if mode is not None and metric is None:
        raise ValueError(f"mode={mode!r} needs the metric to optimize (TuneConfig(metric=...))")
    return metric, mode


def _checkpoint_score(cc: CheckpointConfig, metric: str | None, mode: str | None) -> str | None:
    """raytune_lite ranks by the experiment's mode for its metric, else higher is better."""
    attr = cc.checkpoint_score_attribute
    if attr is None or cc.num_to_keep is None:
        return None  # every checkpoint is kept: the ranking changes nothing
    order = cc.checkpoint_score_order
    if order not in ("min", "max"):
        raise ValueError(f"checkpoint_score_order must be 'min' or 'max'; got {order!r}")
    natural = mode if attr == metric else "max"
    if order != natural:
        raise NotImplementedError(
            f"CheckpointConfig(checkpoint_score_attribute={attr!r}, checkpoint_score_order="
            f"{order!r}) is not mirrored: raytune_lite ranks checkpoints by the experiment's "
            "mode for its metric and keeps the highest values of any other key"
        )
    return attr


def _verbose(v: Any) -> int:
    if v is None:
        return 1
    return min(int(v), 1) if int(v) > 0 else 0


def _free_name(root: str, name: str) -> str:
    if not os.path.exists(os.path.join(root, name, "experiment.json")):
        return name
    i = 2
    while os.path.exists(os.path.join(root, f"{name}_{i}")):
        i += 1
    logger.warning(
        "an experiment named %r already exists in %r: this run goes to %r (continue the old "
        "one with tune.Tuner.restore(path, trainable))",
        name,
        root,
        f"{name}_{i}",
    )
    return f"{name}_{i}"


class Tuner:
    """Ray Tune's ``Tuner``: runs ``trainable`` over ``param_space`` with raytune_lite.

    Args:
        trainable: a function ``train(config)`` calling ``tune.report``, or a
            :class:`~raytune_lite.tune.Trainable` subclass; possibly wrapped by
            ``tune.with_parameters`` / ``tune.with_resources``.
        param_space: the search space (tune domains, ``tune.grid_search``, constants).
        tune_config: a :class:`TuneConfig`; run_config: a :class:`RunConfig`.

    Example:
        >>> from raytune_lite import tune
        >>> tuner = tune.Tuner(lambda config: {"loss": config["x"]},
        ...                    param_space={"x": tune.grid_search([1, 2])},
        ...                    run_config=tune.RunConfig(verbose=0))  # doctest: +SKIP
    """

    def __init__(
        self,
        trainable: Any = None,
        *,
        param_space: Mapping[str, Any] | None = None,
        tune_config: TuneConfig | None = None,
        run_config: RunConfig | None = None,
    ):
        if trainable is None:
            raise TypeError("Tuner needs a trainable (a function or a tune.Trainable class)")
        self.tune_config = tune_config or TuneConfig()
        self.run_config = run_config or RunConfig()
        self._results: ResultGrid | None = None
        self.core = self._build(trainable, param_space)

    # -- translation ---------------------------------------------------------------------------
    def _build(self, trainable: Any, param_space: Mapping[str, Any] | None) -> _core.Tuner:
        tc, rc = self.tune_config, self.run_config
        if not isinstance(tc, TuneConfig):
            raise TypeError(f"tune_config must be a tune.TuneConfig; got {tc!r}")
        if not isinstance(rc, RunConfig):
            raise TypeError(f"run_config must be a tune.RunConfig; got {rc!r}")
        _not_mirrored(
            "TuneConfig",
            trial_name_creator=(tc.trial_name_creator, None),
            trial_dirname_creator=(tc.trial_dirname_creator, None),
        )
        _not_mirrored(
            "RunConfig",
            storage_filesystem=(rc.storage_filesystem, None),
            sync_config=(rc.sync_config, None),
            progress_reporter=(rc.progress_reporter, None),
            log_to_file=(rc.log_to_file, False),
        )
        searcher, scheduler = tc.search_alg, tc.scheduler
        if searcher is not None and not isinstance(searcher, Searcher):
            raise TypeError(
                f"TuneConfig(search_alg=...) must be a searcher of raytune_lite.tune.search "
                f"(or raytune_lite.search); got {searcher!r}"
            )
        if scheduler is not None and not isinstance(scheduler, Scheduler):
            raise TypeError(
                f"TuneConfig(scheduler=...) must be a scheduler of raytune_lite.tune."
                f"schedulers (or raytune_lite.schedulers); got {scheduler!r}"
            )
        metric, mode = _resolve_objective(tc, searcher, scheduler)
        inner = _inner(searcher)
        space = convert_space(dict(param_space or {}))
        own_space = getattr(inner, "requested_space", None)
        if own_space is not None:
            if has_domains(space):
                raise ValueError(
                    f"{type(inner).__name__} was given a space and param_space holds domains "
                    "too: pass the search space in one place"
                )
            space = {**space, **convert_space(dict(own_space))}
        if isinstance(scheduler, PBT):
            space = add_missing_mutations(space, scheduler.hyperparam_mutations)
        self._space = space

        cc = rc.checkpoint_config or CheckpointConfig()
        fc = rc.failure_config or FailureConfig()
        if not isinstance(cc, CheckpointConfig) or not isinstance(fc, FailureConfig):
            raise TypeError(
                "RunConfig(checkpoint_config=..., failure_config=...) take a "
                "tune.CheckpointConfig and a tune.FailureConfig"
            )
        fn, data, resources = unwrap(trainable)
        if resources is None and is_trainable_class(fn):
            resources = fn.default_resource_request(dict(space))
        self._runner_options: dict[str, Any] = {
            "frequency": cc.checkpoint_frequency,
            "at_end": bool(cc.checkpoint_at_end),
            "every_step": bool(scheduler is not None and scheduler.needs_checkpoints)
            and not cc.checkpoint_frequency,
            "stop": rc.stop,
        }
        function = as_function(fn, data, **self._runner_options)

        extra: dict[str, Any] = {}
        if fc.fail_fast:  # True or "raise", as the core Tuner takes them
            extra["fail_fast"] = fc.fail_fast
        callbacks = bridge_callbacks(rc.callbacks)
        if callbacks:
            extra["callbacks"] = callbacks
        budget = tc.time_budget_s
        if isinstance(budget, dt.timedelta):
            budget = budget.total_seconds()
        root = storage_root(rc.storage_path or _core.DEFAULT_STORAGE)  # a folder or a URI
        name = None if rc.name is None else _free_name(root, rc.name)
        return _core.Tuner(
            function,
            space,
            metric=metric,
            mode=Mode.parse(mode or "min"),
            num_samples=tc.num_samples,
            searcher=searcher,
            scheduler=scheduler,
            resources=resources,
            max_concurrent=tc.max_concurrent_trials or None,
            storage_path=root,
            name=name,
            seed=getattr(inner, "requested_seed", None),
            stop=rc.stop,
            time_budget_s=budget,
            max_failures=_FOREVER if fc.max_failures == -1 else fc.max_failures,
            points_to_evaluate=getattr(inner, "requested_points", None),
            verbose=_verbose(rc.verbose),
            num_to_keep=cc.num_to_keep,
            checkpoint_score=_checkpoint_score(cc, metric, mode),
            **extra,
        )

    # -- running ---------------------------------------------------------------------------------
    def fit(self) -> ResultGrid:
        """Runs the experiment; returns its :class:`ResultGrid` (failed trials included)."""
        self._save()
        self._results = ResultGrid(self.core.fit())
        return self._results

    def get_results(self) -> ResultGrid:
        """The results of the experiment (read from its folder if it did not run here)."""
        if self._results is None:
            self._results = ResultGrid.from_path(self.core.spec.path)
        return self._results

    def _save(self) -> None:
        from ray import cloudpickle

        path = self.core.spec.path
        if is_remote(path):  # restore() rebuilds the plugins from experiment.json instead
            return
        os.makedirs(path, exist_ok=True)
        state = {
            "param_space": self._space,
            "searcher": self.core.searcher,
            "scheduler": self.core.scheduler,
            "runner_options": self._runner_options,
        }
        try:
            with open(os.path.join(path, _SAVED), "wb") as f:
                cloudpickle.dump(state, f)
        except Exception as e:  # a plugin that cannot be pickled: restore then needs it again
            logger.warning("could not save the searcher and scheduler for restore(): %s", e)

    # -- restoring -------------------------------------------------------------------------------
    @classmethod
    def can_restore(cls, path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` holds an experiment to continue."""
        return has_experiment(storage_root(os.fspath(path)))

    @classmethod
    def restore(
        cls,
        path: str | os.PathLike[str],
        trainable: Any,
        *,
        resume_unfinished: bool = True,
        resume_errored: bool = False,
        restart_errored: bool = False,
        param_space: Mapping[str, Any] | None = None,
    ) -> Tuner:
        """A Tuner that continues the experiment in ``path``: finished trials are kept,
        unfinished ones go on from their last checkpoint, the searcher and scheduler go on
        from their saved state. Errored trials stay errored (``resume_errored`` and
        ``restart_errored`` are not mirrored)."""
        _not_mirrored(
            "Tuner.restore",
            resume_unfinished=(resume_unfinished, True),
            resume_errored=(resume_errored, False),
            restart_errored=(restart_errored, False),
        )
        p = storage_root(os.fspath(path))
        saved: dict[str, Any] = {}
        if os.path.exists(os.path.join(p, _SAVED)):
            import pickle

            with open(os.path.join(p, _SAVED), "rb") as f:
                saved = pickle.load(f)  # written by this facade's fit() in that folder
        fn, data, _ = unwrap(trainable)
        options = saved.get(
            "runner_options", {"frequency": 0, "at_end": False, "every_step": False, "stop": None}
        )
        function = as_function(fn, data, **options)
        space = param_space if param_space is not None else saved.get("param_space")
        self = cls.__new__(cls)
        self.tune_config = TuneConfig()
        self.run_config = RunConfig()
        self._results = None
        self._space = space or {}
        self._runner_options = options
        self.core = _core.Tuner.restore(
            p,
            function,
            param_space=None if space is None else convert_space(dict(space)),
            searcher=saved.get("searcher"),
            scheduler=saved.get("scheduler"),
        )
        return self
