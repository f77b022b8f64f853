"""Define-by-run objectives: which functions are ones, and how one runs inside a trial.

A function is run as a define-by-run objective (it gets an
:class:`~raytune_lite.define_by_run.trial.ObjectiveTrial`, not a config dict) when

* it is wrapped: ``rt.define_by_run(objective)`` (always, whatever its signature), or
* the Tuner has no ``param_space`` and the function's one parameter is named ``trial`` or is
  annotated with a class named ``Trial`` (``optuna.Trial``, ``optuna.trial.Trial``,
  ``rt.ObjectiveTrial``; a string annotation counts by its last dotted name).

A function with a ``param_space`` is always a config function: the parameters are either
declared up front or asked for inside, never both.

Inside a trial the objective's ``trial.suggest_*`` asks the experiment's controller for each
value it has not got yet (one actor call, answered by the searcher and recorded in the
trial's config before it is returned), ``trial.report`` is a row through the usual session,
and the returned value is the trial's final row.

Example:
    >>> def objective(trial):
    ...     return trial.suggest_float("x", -10, 10) ** 2
    >>> is_objective(objective, None), is_objective(objective, {"x": 1})
    (True, False)
    >>> is_objective(lambda config: 0.0, None)
    False
    >>> is_objective(define_by_run(lambda t: 0.0), None)
    True
"""

from __future__ import annotations

import inspect
import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from raytune_lite import session
from raytune_lite._hold import hold_get
from raytune_lite.attempt import AttemptEnd, TrialInterrupt
from raytune_lite.define_by_run.distributions import Distribution
from raytune_lite.define_by_run.trial import STEP_KEY, ObjectiveTrial, TrialPruned, final_metrics

__all__ = ["TRIAL_ATTRS_FILE", "DefineByRun", "ParamAnswer", "define_by_run", "is_objective"]

logger = logging.getLogger("raytune_lite")

#: the file in a trial's folder with its distributions and user attributes
TRIAL_ATTRS_FILE = "trial_attrs.json"


@dataclass(frozen=True)
class ParamAnswer:
    """The controller's answer to a trial's ``suggest_*``: the value, or why it was refused
    (the attempt has ended, or the controller stopped)."""

    value: Any = None
    refused: str | None = None


class DefineByRun:
    """A define-by-run objective, as the Tuner runs it (see :func:`define_by_run`).

    Args:
        objective: ``objective(trial) -> value``.
        metrics: the experiment's metric names: a returned number is the first one's value,
            a returned tuple gives one value per metric.
        first_number: the ``trial.number`` of the experiment's first trial.
    """

    def __init__(
        self,
        objective: Callable[..., Any],
        metrics: Sequence[str] = ("objective",),
        first_number: int = 0,
    ):
        if isinstance(objective, DefineByRun):
            first_number = first_number or objective.first()
            objective = objective.function()
        if not callable(objective):
            raise TypeError(
                f"define_by_run() needs a function objective(trial); got "
                f"{type(objective).__name__}: {objective!r}"
            )
        self.objective: Callable[..., Any] = objective
        self.metrics = tuple(metrics)
        #: ``trial.number`` of the experiment's first trial (a study's later runs go on)
        self.first_number: int = int(first_number)
        for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
            value = getattr(objective, attr, None)
            if isinstance(value, str):
                setattr(self, attr, value)

    def first(self) -> int:
        """The ``trial.number`` of the experiment's first trial."""
        return self.first_number

    def function(self) -> Callable[..., Any]:
        """The user's ``objective(trial)``."""
        return self.objective

    def bound(self, metrics: Sequence[str]) -> DefineByRun:
        """The same objective, reporting under ``metrics``."""
        return DefineByRun(self.objective, metrics, self.first_number)

    def __repr__(self) -> str:
        return f"define_by_run({getattr(self, '__qualname__', self.objective)!r})"

    def __call__(self, config: dict[str, Any]) -> None:
        sess = session._session("the define-by-run objective")
        trial = ObjectiveTrial(
            self.first_number + int(sess.ctx.trial_id),
            config,
            self.metrics,
            _asker(sess),
            _sender(sess),
        )
        try:
            value = self.objective(trial)
        except TrialPruned:
            raise (
                sess.interrupt
                or TrialInterrupt(
                    AttemptEnd.INTERRUPTED, "pruned: the objective raised TrialPruned"
                )
            ) from None
        finally:
            _save_attrs(sess, trial)
        final = final_metrics(value, self.metrics)
        steps = trial.intermediate_values
        if steps and STEP_KEY not in final:  # at the last step: a step-counting scheduler
            final[STEP_KEY] = max(steps)  # sees no new step (and no row without one)
        # the final row: not judged at the scheduler's sync points (the trial has finished)
        sess.report(final, None, final=True)


def define_by_run(objective: Callable[..., Any]) -> DefineByRun:
    """Marks ``objective(trial)`` as a define-by-run objective for :class:`~raytune_lite.Tuner`
    (Optuna's style: the parameters are asked for inside, with ``trial.suggest_*``).

    Needed only where the function's parameter is neither named ``trial`` nor annotated with
    a ``Trial`` class; the Tuner recognises those by itself when it has no ``param_space``.

    Example:
        >>> import raytune_lite as rt
        >>> def f(t):
        ...     return t.suggest_float("x", -10, 10) ** 2
        >>> tuner = rt.Tuner(rt.define_by_run(f), num_samples=20)  # doctest: +SKIP
    """
    return DefineByRun(objective)


def _target(trainable: Any) -> Any:
    return getattr(trainable, "fn", trainable)  # rt.with_parameters wraps a function


def is_objective(trainable: Any, param_space: Mapping[str, Any] | None) -> bool:
    """Whether the Tuner runs ``trainable`` as a define-by-run objective (the module's rules)."""
    if isinstance(trainable, DefineByRun):
        return True
    if param_space:
        return False
    try:
        params = list(inspect.signature(_target(trainable)).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if not positional:
        return False
    first = positional[0]
    return first.name == "trial" or _names_trial(first.annotation)


def _names_trial(annotation: Any) -> bool:
    if annotation is inspect.Parameter.empty:
        return False
    name = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    last = str(name).strip("'\" ").rsplit(".", 1)[-1]
    return last in ("Trial", "ObjectiveTrial")


def _asker(sess: Any) -> Callable[[str, Distribution], Any]:
    def ask(name: str, dist: Distribution) -> Any:

        from raytune_lite.outbox import controller_handle

        ctx = sess.ctx
        if sess.ended:
            raise RuntimeError(
                f"trial.suggest({name!r}) after trial {ctx.trial_id}'s attempt ended"
            )
        handle = controller_handle(ctx.controller)
        answer = hold_get(
            handle.suggest_param.remote(ctx.trial_id, ctx.attempt, name, dist.to_json())
        )
        if answer.refused is not None:
            raise TrialInterrupt(AttemptEnd.INTERRUPTED, answer.refused)
        return answer.value

    return ask


def _sender(sess: Any) -> Callable[[dict[str, Any]], bool]:
    def send(row: dict[str, Any]) -> bool:
        try:
            sess.report(row, None)
        except TrialInterrupt:  # the scheduler (or a stop criterion) ended the trial
            return True
        return False

    return send


def _save_attrs(sess: Any, trial: ObjectiveTrial) -> None:
    data = {
        "distributions": {k: d.to_json() for k, d in trial.distributions.items()},
        "user_attrs": trial.user_attrs,
    }
    try:
        path = os.path.join(sess.trial_dir(), TRIAL_ATTRS_FILE)
        with open(path, "w") as f:
            json.dump(data, f)
    except (OSError, RuntimeError):
        logger.exception(
            "raytune_lite: trial %s: %s not written", sess.ctx.trial_id, TRIAL_ATTRS_FILE
        )
