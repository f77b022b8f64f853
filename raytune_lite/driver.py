"""The driver's side of the controller: starting the actor on the driver's node, taking the
experiment's lock through it, watching it to the end, and killing it.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

import ray

from raytune_lite.attempt import CONTROLLER_NAMESPACE
from raytune_lite.controller import Controller
from raytune_lite.experiment_lock import default_owner, lock_wait_s
from raytune_lite.failures import ExperimentError, controller_lost
from raytune_lite.schedulers.base import Scheduler
from raytune_lite.search.base import Searcher
from raytune_lite.spec import ExperimentSpec
from raytune_lite.store import StoreError
from raytune_lite.tuner_checks import unpicklable_message

if TYPE_CHECKING:
    from raytune_lite.callbacks import Dispatcher
    from raytune_lite.progress import ProgressReporter


def start_controller(
    spec: ExperimentSpec,
    param_space: dict[str, Any],
    searcher: Searcher,
    scheduler: Scheduler,
    trainable: Any,
    *,
    resume: bool,
    events: bool,
    autoscaler_config: dict[str, Any] | None = None,
) -> Any:
    """The experiment's controller actor, on this (the driver's) node (``autoscaler_config``:
    the autoscaler's cluster config, see :mod:`raytune_lite.autoscaling`).

    Raises:
        TypeError: the trainable, the space or a plugin cannot be pickled (naming it).
    """
    try:
        trainable_ref = ray.put(trainable)
    except Exception as e:
        raise TypeError(
            f"the trainable {trainable!r} could not be pickled to send it "
            f"to the workers: {e}. Pass large objects with "
            "rt.with_parameters(train, data=...) and do not capture locks, "
            "open files or connections"
        ) from None
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    here = ray.get_runtime_context().get_node_id()
    actor_cls = ray.remote(Controller).options(
        name=f"controller_{uuid.uuid4().hex}",
        namespace=CONTROLLER_NAMESPACE,
        lifetime=None,
        num_cpus=0,
        max_restarts=0,
        max_concurrency=10_000,
        scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=here, soft=False),
    )
    try:
        # in a list, so that the controller never unpickles (imports) the user's code
        return actor_cls.remote(
            spec,
            param_space,
            searcher,
            scheduler,
            [trainable_ref, getattr(trainable, "__name__", None) or "train"],
            resume,
            events=events,
            autoscaler_config=autoscaler_config,
        )
    except Exception as e:
        raise TypeError(
            unpicklable_message(e, param_space, searcher, scheduler, spec.stop)
        ) from None


def take_lock(controller: Any, path: str) -> None:
    """The controller takes the experiment's lock (and, on resume, its state).

    Raises:
        StoreError: another driver holds the experiment, or its folder is malformed.
    """
    try:
        ray.get(controller.start.remote(default_owner(), lock_wait_s()))
    except ray.exceptions.RayTaskError as e:
        kill(controller)
        cause = e.cause
        if isinstance(cause, StoreError):
            raise cause from None
        raise
    except ray.exceptions.RayActorError as e:
        raise ExperimentError(controller_lost(e, path)) from None


def watch(
    controller: Any,
    run_ref: Any,
    reporter: ProgressReporter,
    dispatcher: Dispatcher | None,
    path: str,
) -> dict[str, Any]:
    """Polls the controller for the live table (and the callbacks' events) until its run
    ends; returns its final counts.

    Raises:
        ExperimentError: the controller died or stopped answering.
    """
    while True:
        ready, _ = ray.wait([run_ref], timeout=reporter.interval)
        try:
            if ready:
                final: dict[str, Any] = ray.get(run_ref)
                reporter.update(final, final=True)
                return final
            progress = controller.progress.remote(reporter.failures_seen)
            reporter.update(ray.get(progress, timeout=30))
            if dispatcher is not None:
                dispatcher.drain(controller)
        except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError) as e:
            raise ExperimentError(controller_lost(e, path)) from None


def kill(controller: Any) -> None:
    """Ends the controller actor (already gone is fine)."""
    try:
        ray.kill(controller)
    except Exception:  # already gone
        logging.getLogger("raytune_lite").debug("controller already gone")


__all__ = ["kill", "start_controller", "take_lock", "watch"]
