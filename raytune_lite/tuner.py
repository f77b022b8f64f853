"""The user's entry point: ``Tuner(train, param_space, ...).fit()``."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import ray

from raytune_lite import resources as res
from raytune_lite import storage
from raytune_lite._checks import check_int
from raytune_lite._resume import resume_hint, resumed_plugins
from raytune_lite.autoscaling import Growth, load_config
from raytune_lite.callbacks.base import Callback
from raytune_lite.callbacks.dispatch import Dispatcher, check_callbacks
from raytune_lite.define_by_run.tuner_setup import complete_points, objective_setup
from raytune_lite.driver import kill, start_controller, take_lock, watch
from raytune_lite.failures import (
    ExperimentError,
    TrialError,
    raise_if_ended_badly,
)
from raytune_lite.multiobjective import Constraints, Objectives, parse_constraints
from raytune_lite.plugin_config import check_same_kind
from raytune_lite.progress import ProgressReporter
from raytune_lite.ray_init import check_reachable, init_ray
from raytune_lite.results import ResultGrid
from raytune_lite.schedulers.base import Scheduler
from raytune_lite.schedulers.fifo import FIFO
from raytune_lite.schedulers.pbt import PBT
from raytune_lite.search.base import Searcher
from raytune_lite.search.basic import BasicSearch
from raytune_lite.search.repeated import Repeated
from raytune_lite.space import Space
from raytune_lite.spec import ExperimentSpec, check_stop, check_time_budget, default_name
from raytune_lite.store import PluginState, StoreError, read_experiment
from raytune_lite.trial import Mode, ModeName
from raytune_lite.tuner_checks import (
    check_failure_options,
    check_multi_objective,
    check_name,
    check_plugins,
    check_samples,
    check_seed,
    check_space,
    check_storage,
    check_trainable,
    check_unlimited,
)

DEFAULT_STORAGE = os.path.join("~", "raytune_lite_results")


class Tuner:
    """Tunes ``trainable`` over ``param_space`` in parallel on Ray.

    Args:
        trainable: ``train(config)``, which calls :func:`raytune_lite.report` as it learns
            (or returns its final metrics as a dict or a number); or, with no param_space,
            Optuna's ``objective(trial)`` asking ``trial.suggest_*`` (see ``rt.define_by_run``).
        param_space: nested dict of constants and domains (``uniform``, ``choice``, ``grid``...).
        metric: the reported key to optimize; mode: ``"min"`` or ``"max"``. Several
            objectives: ``metric=["loss", "latency"], mode=["min", "min"]`` (then
            ``results.pareto_front()``; searchers that cannot say so).
        num_samples: trials to run (each grid point is repeated ``num_samples`` times;
            -1: until the searcher finishes or the time budget ends).
        searcher: a :class:`~raytune_lite.search.Searcher` (default: grid + random), or
            ``"auto"``: one picked from the space, the budget and the concurrency (it says
            which, and why, when ``fit()`` starts).
        scheduler: a :class:`~raytune_lite.schedulers.Scheduler` (default: FIFO).
        resources: per trial, e.g. ``{"cpu": 1, "gpu": 0.5, "custom": 1}``.
        max_concurrent: trials at once (default: what the cluster's resources fit).
        storage_path: parent folder of the experiment directory.
        name: the experiment directory's name (default: function name and time).
        seed: seeds the searcher and the schedulers (None: a random seed, recorded).
        stop: ``{"training_iteration": 20}`` (stop once ``row[key] >= value``) or
            ``fn(trial_id, row) -> bool``.
        time_budget_s: stop launching, and stop running trials, after this many seconds.
        max_failures: retries of a failed trial (from its last checkpoint).
        points_to_evaluate: configs (possibly partial) to try first; count toward num_samples.
        verbose: 0 silent, 1 live table / periodic lines.
        address: a Ray cluster to join (``"auto"``, ``"host:port"``); default:
            ``RAY_ADDRESS`` if set, else a new local Ray on 127.0.0.1 (never a ``ray start``
            cluster found on the machine).
        resume: continue the experiment ``storage_path/name`` if it exists (else start it).
        num_to_keep: keep at most this many checkpoints per trial (the newest always stays).
        checkpoint_score: with num_to_keep, keep the checkpoints whose row has the best value
            of this key (the experiment's mode for its metric, else higher is better);
            default: keep the latest.
        constraints: ``["memory_mb <= 512", ...]`` or ``fn(row) -> bool`` over a trial's last
            row: an infeasible trial is never best nor on the Pareto front, and searchers
            learn it as failed.
        repeats: run each suggested config this many times, with ``config["seed"]`` (also
            ``rt.get_seed()``) = 0, 1, ...; the searcher learns from their mean and
            ``results.best`` ranks configs by it (``num_samples`` counts configs).
        fail_fast: end the experiment at the first trial failure and raise it (Ray Tune's
            ``FailureConfig(fail_fast=...)``; ``"raise"`` is the same).
        systematic_failures: when the first this many trials all fail with the same error
            and none succeeded, stop and raise it (None: never).
        wait_for_nodes_s: how long trials wait while no node of the cluster can run them
            (a node left); then they end as ERROR and ``fit()`` returns (None: forever).
        callbacks: :class:`~raytune_lite.callbacks.Callback` s called in this process as
            trials start, report, complete or fail, and when the experiment ends.
        placement: ``"pack"`` (Ray's default: fill nodes, the driver's first) or
            ``"spread"`` (each trial on the least-loaded node, for trials that each want a
            whole node).

    Example:
        >>> import raytune_lite as rt
        >>> def train(config):
        ...     rt.report({"loss": (config["x"] - 2) ** 2})
        >>> results = rt.Tuner(train, {"x": rt.uniform(0, 4)}, metric="loss", mode="min",
        ...                    num_samples=8, verbose=0).fit()  # doctest: +SKIP
        >>> results.best.config  # doctest: +SKIP
    """

    def __init__(
        self,
        trainable: Callable[..., Any],
        param_space: Mapping[str, Any] | None = None,
        *,
        metric: str | Sequence[str] | None = None,
        mode: Mode | ModeName | Sequence[Mode | ModeName] = "min",
        num_samples: int = 1,
        searcher: Searcher | Literal["auto"] | None = None,
        scheduler: Scheduler | None = None,
        resources: Mapping[str, float] | None = None,
        max_concurrent: int | None = None,
        storage_path: str | None = None,
        name: str | None = None,
        seed: int | None = None,
        stop: Any = None,
        time_budget_s: float | None = None,
        max_failures: int = 0,
        points_to_evaluate: list[dict[str, Any]] | None = None,
        verbose: int = 1,
        address: str | None = None,
        resume: bool = False,
        num_to_keep: int | None = None,
        checkpoint_score: str | None = None,
        repeats: int = 1,
        constraints: Constraints = None,
        fail_fast: bool | str = False,
        systematic_failures: int | None = 5,
        wait_for_nodes_s: float | None = 60.0,
        callbacks: Sequence[Callback] | None = None,
        placement: str | res.Placement = "pack",
    ):
        check_trainable(trainable)
        trainable, metric, searcher = objective_setup(  # objective(trial): define-by-run
            trainable, param_space, metric, mode, searcher, scheduler, repeats
        )
        self.callbacks = check_callbacks(callbacks)
        self.trainable = trainable
        self.space = Space(param_space)  # validates it first: a list is a TypeError naming it
        check_space(self.space.param_space)
        self.param_space = dict(param_space or {})
        self.objectives = Objectives.parse(metric, mode)
        metrics, modes = self.objectives.metrics, self.objectives.modes
        metric, self.mode = self.objectives.primary, modes[0]  # plugins see the first one
        check_constraints = parse_constraints(constraints)  # a bad one is a ValueError here
        if num_samples != -1:
            num_samples = check_int("num_samples", num_samples, 1, extra=" (or -1: no limit)")
        max_concurrent = check_int("max_concurrent", max_concurrent, 1, allow_none=True)
        max_failures = check_int("max_failures", max_failures, 0)
        num_to_keep = check_int("num_to_keep", num_to_keep, 1, allow_none=True)
        systematic_failures = check_failure_options(
            fail_fast, systematic_failures, wait_for_nodes_s
        )
        if checkpoint_score is not None and (
            num_to_keep is None or not isinstance(checkpoint_score, str)
        ):
            raise ValueError(
                f"checkpoint_score names the reported key that ranks a trial's "
                f"checkpoints and needs num_to_keep; got {checkpoint_score=}, "
                f"{num_to_keep=}"
            )
        check_int("verbose", verbose, 0)
        seed = check_seed(seed)
        check_stop(stop)
        check_time_budget(time_budget_s)
        self.auto_reason: str | None = None
        if searcher == "auto":  # picked from the space, the budget and the concurrency
            from raytune_lite.search.auto import choose_searcher

            pick = choose_searcher(self.space, num_samples, max_concurrent, self.objectives)
            searcher, self.auto_reason = pick.searcher, pick.reason
        check_plugins(searcher, scheduler)
        self.searcher = searcher or BasicSearch()
        if check_int("repeats", repeats, 1) > 1:
            if isinstance(self.searcher, Repeated):
                raise ValueError(
                    f"repeats={repeats} wraps the searcher in search.Repeated, and the searcher "
                    "is a Repeated already: pass one or the other"
                )
            self.searcher = Repeated(self.searcher, repeats)
        self.scheduler = scheduler or FIFO()
        check_unlimited(num_samples, time_budget_s, self.searcher)
        self.seed = int(np.random.default_rng().integers(2**31)) if seed is None else seed
        check_multi_objective(self.objectives, self.searcher, self.scheduler)
        check_samples(self.space, self.searcher, self.seed)
        self.searcher.setup(self.space, metric, self.mode, self.seed, num_samples)
        self.searcher.objectives = self.objectives
        self.searcher.constraints = check_constraints or None
        self.scheduler.setup(metric, self.mode, self.seed)
        if hasattr(type(self.scheduler), "objectives"):  # MOASHA ranks by all of them
            setattr(self.scheduler, "objectives", self.objectives)  # noqa: B010
        if points_to_evaluate is not None and not isinstance(points_to_evaluate, list):
            raise TypeError(
                f"points_to_evaluate must be a list of dicts; got {points_to_evaluate!r}"
            )
        rng = np.random.default_rng(self.seed + 1)
        points = complete_points(self.trainable, self.space, points_to_evaluate or [], rng)
        self.resources = res.normalize(resources)
        self.placement = res.Placement.parse(placement)
        check_name(name)
        if resume is True and name is None:
            raise ValueError(
                "resume=True needs the name of the experiment to continue: pass "
                "name=... (and the same storage_path)"
            )
        root = storage.storage_root(storage_path or DEFAULT_STORAGE)  # a folder or a URI
        name = name or default_name(root, getattr(self.trainable, "__name__", "experiment"))
        self.spec = ExperimentSpec(
            name=name,
            path=storage.join(root, name),
            metric=metric,
            mode=self.mode,
            num_samples=num_samples,
            resources=self.resources,
            max_concurrent=max_concurrent,
            stop=stop,
            time_budget_s=time_budget_s,
            max_failures=max_failures,
            seed=self.seed,
            points_to_evaluate=points,
            num_to_keep=num_to_keep,
            checkpoint_score=checkpoint_score,
            repeats=repeats,
            metrics=metrics if self.objectives.multi else (),
            modes=modes if self.objectives.multi else (),
            constraints=constraints,
            fail_fast=fail_fast,
            systematic_failures=systematic_failures,
            wait_for_nodes_s=wait_for_nodes_s,
            placement=self.placement,
        )
        self.verbose = verbose
        self.address = address
        if not isinstance(resume, bool):
            raise ValueError(f"resume must be True or False; got {resume=}")
        self.resume = resume
        #: whether the last fit() was interrupted (Ctrl-C)
        self.interrupted = False
        check_storage(root)

    # -- running -----------------------------------------------------------------------------
    def fit(self) -> ResultGrid:
        """Runs the experiment and returns its results.

        One driver at a time runs an experiment: the controller holds a lock on its folder
        until it has ended; another driver waits for a dying owner (up to 30 s,
        ``RAYTUNE_LITE_LOCK_WAIT_S``), then raises :class:`~raytune_lite.StoreError`
        ("experiment ... is in use by pid N on host H").

        On Ctrl-C the running trials are saved as INTERRUPTED, the way to continue them is
        printed, and ``KeyboardInterrupt`` is raised again (as Python programs end on Ctrl-C).
        """
        if storage.has_experiment(self.spec.path):
            if not self.resume:
                raise ValueError(
                    f"an experiment named {self.spec.name!r} already exists in "
                    f"{os.path.dirname(self.spec.path)!r}; pick another name, "
                    f"pass resume=True, or continue it with "
                    f"rt.Tuner.restore({self.spec.path!r}, train)"
                )
            # a malformed folder: StoreError, before Ray
            saved = read_experiment(storage.readable(self.spec.path, storage.Contents.EXPERIMENT))
            check_same_kind(saved.searcher, self.searcher, "searcher")
            check_same_kind(saved.scheduler, self.scheduler, "scheduler")
        if self.address is not None and self.address != "local":
            check_reachable(self.address)  # even when Ray is up: a wrong address is an error
        init_ray(self.address, self.verbose)
        autoscaler_config = load_config()
        growth = Growth.from_config(autoscaler_config)
        if res.cluster_fits(self.resources) == 0 and not growth.fits(
            self.resources, res.alive_nodes()
        ):  # no node now, and none the autoscaler may add
            raise ValueError(res.unsatisfiable_message(self.resources))
        controller = start_controller(
            self.spec,
            self.param_space,
            self.searcher,
            self.scheduler,
            self.trainable,
            resume=self.resume,
            events=bool(self.callbacks),
            autoscaler_config=autoscaler_config,
        )
        take_lock(controller, self.spec.path)
        reporter = ProgressReporter(self.verbose, self.spec)
        logs = storage.logs_dir(self.spec.path)  # remote: the loggers' files stay here
        dispatcher = Dispatcher(self.callbacks, logs) if self.callbacks else None
        if self.auto_reason is not None:
            reporter.note(
                f"searcher='auto' picked {type(self.searcher).__name__}: {self.auto_reason}"
            )
        run_ref = controller.run.remote()
        final: dict[str, Any] = {}
        self.interrupted = False
        try:
            final = watch(controller, run_ref, reporter, dispatcher, self.spec.path)
        except KeyboardInterrupt:
            self.interrupted = True
            reporter.note("interrupted: saving the running trials (Ctrl-C again to abort)")
            controller.interrupt.remote()
            with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C: do not wait
                ray.wait([run_ref], timeout=30)
        finally:
            reporter.close()
        if dispatcher is not None:
            with contextlib.suppress(ray.exceptions.RayError):
                dispatcher.drain(controller)  # what happened after the last poll
            dispatcher.end()
        kill(controller)
        if self.interrupted:
            print(resume_hint(self.spec.path, self.trainable), file=sys.stderr, flush=True)
            raise KeyboardInterrupt
        raise_if_ended_badly(final)  # fail_fast, systematic failures, a crashed controller
        results = ResultGrid.from_path(final.get("store_path") or self.spec.path)
        reporter.errors(results)
        if isinstance(self.scheduler, PBT):  # PBT says what it did
            exploited = sum(1 for r in results if r.num_exploits)
            reporter.note(
                f"PBT made {results.num_exploits} exploits ({exploited} of {len(results)} "
                "trials restarted from another's checkpoint; see results.config_history())"
            )
        return results

    # -- resuming ----------------------------------------------------------------------------
    @classmethod
    def restore(
        cls,
        path: str,
        trainable: Callable[..., Any],
        *,
        param_space: Mapping[str, Any] | None = None,
        searcher: Searcher | None = None,
        scheduler: Scheduler | None = None,
        verbose: int = 1,
        address: str | None = None,
        callbacks: Sequence[Callback] | None = None,
    ) -> Tuner:
        """A Tuner that continues the interrupted experiment in ``path``.

        Finished trials are kept; trials that were running or interrupted continue from their
        last checkpoint; the searcher and the scheduler are rebuilt from experiment.json
        (their class and constructor arguments) with their state restored. Pass them only if
        they cannot be stored (a plugin of your own, a function argument): they must be of
        the classes the experiment used. Pass ``param_space`` if it has ``sample_from``
        values.
        """
        path = storage.storage_root(path)
        state = read_experiment(storage.readable(path, storage.Contents.EXPERIMENT))
        try:
            spec = ExperimentSpec.from_json(state.spec, path)
        except (TypeError, ValueError) as e:
            raise StoreError(f"the spec in {path!r}/experiment.json is malformed: {e}") from None
        if param_space is None:
            param_space = Space.from_json(state.space).param_space  # sample_from: ValueError
        if spec.repeats > 1 and state.searcher.kind == "Repeated":  # Tuner(repeats=...)
            # the Tuner wraps the searcher again: resume with (or rebuild) the inner one
            inner = PluginState.from_json(state.searcher.state.get("inner_plugin"))
            state = dataclasses.replace(state, searcher=inner)
        searcher, scheduler = resumed_plugins(state, searcher, scheduler)
        if isinstance(spec.stop, str):
            raise ValueError(
                "this experiment used a callable stop criterion, which is not "
                "stored; pass it again with a new Tuner"
            )
        tuner = cls(
            trainable,
            param_space,
            searcher=searcher,
            scheduler=scheduler,
            verbose=verbose,
            address=address,
            resume=True,
            callbacks=callbacks,
            **spec.tuner_options(),
        )
        # the stored points are already completed configs: run them as they were
        tuner.spec = dataclasses.replace(tuner.spec, points_to_evaluate=spec.points_to_evaluate)
        return tuner


__all__ = ["ExperimentError", "StoreError", "TrialError", "Tuner", "init_ray"]
