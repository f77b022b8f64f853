"""The ``trial`` a define-by-run objective receives: ``suggest_*``, ``report``,
``should_prune``, ``set_user_attr``, as in Optuna.

The object is plain logic over two callables, so it is tested without Ray: ``ask(name,
distribution)`` gets a value the trial has not got yet (inside a trial: one call to the
experiment's controller, whose searcher picks it), ``send(row)`` reports a row and says
whether the scheduler ended the trial. Values the trial got in an earlier attempt (a retry,
a resumed experiment, an enqueued point) are in its ``config`` and are used again without
asking, so a retried trial sees the same parameters.

Example:
    >>> asked = []
    >>> def ask(name, dist):
    ...     asked.append(name)
    ...     return dist.from_unit(0.5)
    >>> trial = ObjectiveTrial(3, {"lr": 0.01}, ("loss",), ask, lambda row: False)
    >>> trial.suggest_float("lr", 1e-4, 1.0, log=True)  # recorded earlier: not asked
    0.01
    >>> trial.suggest_int("layers", 1, 5), asked
    (3, ['layers'])
    >>> trial.number, trial.params
    (3, {'lr': 0.01, 'layers': 3})
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from raytune_lite.define_by_run.distributions import (
    Distribution,
    categorical_distribution,
    compatible,
    float_distribution,
    int_distribution,
)

__all__ = ["ObjectiveTrial", "TrialPruned"]

#: the row key that carries ``trial.report``'s ``step`` (schedulers count
#: ``training_iteration``, the number of reports)
STEP_KEY = "step"


class TrialPruned(Exception):
    """Raised by an objective to end its trial as stopped early (Optuna's ``TrialPruned``):
    the trial is not an error, and its last reported value is what the searcher learns.

    Example:
        >>> import raytune_lite as rt
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -10, 10)
        ...     for step in range(100):
        ...         trial.report((x - 2) ** 2 + 1 / (step + 1), step)
        ...         if trial.should_prune():
        ...             raise rt.TrialPruned()
        ...     return (x - 2) ** 2
    """


Ask = Callable[[str, Distribution], Any]
Send = Callable[[dict[str, Any]], bool]


class ObjectiveTrial:
    """One trial of a define-by-run objective (what Optuna calls ``optuna.Trial``).

    Args:
        number: the trial's number (its id as an int: ``"00007"`` is 7).
        config: the values recorded for this trial so far (used again, never asked).
        metrics: the experiment's metric names (several: a multi-objective experiment).
        ask: gets a value for a name and distribution from the searcher.
        send: reports a row; returns whether the scheduler ended the trial.

    See the module's example.
    """

    def __init__(
        self,
        number: int,
        config: Mapping[str, Any],
        metrics: Sequence[str],
        ask: Ask,
        send: Send,
    ) -> None:
        self._number = number
        self._recorded = dict(config)
        self._metrics = tuple(metrics)
        self._ask = ask
        self._send = send
        self._params: dict[str, Any] = {}
        self._distributions: dict[str, Distribution] = {}
        self._user_attrs: dict[str, Any] = {}
        self._steps: dict[int, float] = {}
        self._pruned = False

    # -- what the objective reads ----------------------------------------------------------
    @property
    def number(self) -> int:
        """The trial's number in the experiment (0, 1, ...)."""
        return self._number

    @property
    def params(self) -> dict[str, Any]:
        """The parameters suggested so far, by name (a copy)."""
        return dict(self._params)

    @property
    def distributions(self) -> dict[str, Distribution]:
        """The distribution each parameter was suggested from (a copy)."""
        return dict(self._distributions)

    @property
    def user_attrs(self) -> dict[str, Any]:
        """What :meth:`set_user_attr` recorded (a copy)."""
        return dict(self._user_attrs)

    @property
    def intermediate_values(self) -> dict[int, float]:
        """The values reported with :meth:`report`, by step (a copy)."""
        return dict(self._steps)

    # -- suggestions -----------------------------------------------------------------------
    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        """A float in ``[low, high]`` (``high`` included), on a log scale with ``log``, on the
        grid ``low + k * step`` with ``step``."""
        return float(self._suggest(name, float_distribution(name, low, high, step, log)))

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        """An int in ``[low, high]`` (``high`` included, unlike ``rt.randint``), every
        ``step``-th from ``low``, on a log scale with ``log``."""
        return int(self._suggest(name, int_distribution(name, low, high, step, log)))

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        """One of ``choices`` (None, bools, numbers or strings)."""
        return self._suggest(name, categorical_distribution(name, choices))

    def _suggest(self, name: str, dist: Distribution) -> Any:
        if not isinstance(name, str) or not name:
            raise TypeError(f"a parameter name must be a non-empty string; got {name!r}")
        if name in self._params:  # asked twice in one trial: the first value (Optuna's rule)
            if not compatible(self._distributions[name], dist):
                raise ValueError(
                    f"parameter {name!r} was suggested as {self._distributions[name]} in this "
                    f"trial and now as {dist}: one name takes one kind of distribution "
                    "(and one set of choices) per trial"
                )
            return self._params[name]
        if name in self._recorded:  # a retry, a resume or an enqueued point: the same value
            value = self._recorded[name]
            if not dist.contains(value):
                warnings.warn(
                    f"trial {self._number}: the recorded value {name}={value!r} is outside "
                    f"{dist}; it is used as recorded",
                    stacklevel=3,
                )
        else:
            value = self._ask(name, dist)
        self._params[name] = value
        self._distributions[name] = dist
        return value

    # -- pruning ---------------------------------------------------------------------------
    def report(self, value: float, step: int) -> None:
        """Reports an intermediate value at ``step`` (an int >= 0) to the scheduler.

        The row carries the value under the experiment's metric and ``step``; schedulers
        count ``training_iteration`` (1 at the first report). A step reported twice is
        ignored (with a warning), as in Optuna.
        """
        if len(self._metrics) > 1:
            raise NotImplementedError(
                "trial.report() is for one objective; a multi-objective experiment cannot "
                "prune by intermediate values (as in Optuna)"
            )
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise TypeError(
                f"trial.report(): value must be a float; got {type(value).__name__}: {value!r}"
            ) from None
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)):
            raise TypeError(f"trial.report(): step must be an int; got {step=}")
        if step < 0:
            raise ValueError(f"trial.report(): step must be >= 0; got {step=}")
        if int(step) in self._steps:
            warnings.warn(
                f"trial.report(): step={step} was reported already; this value is ignored",
                stacklevel=2,
            )
            return
        self._steps[int(step)] = v
        if self._send({self._metrics[0]: v, STEP_KEY: int(step)}):
            self._pruned = True

    def should_prune(self) -> bool:
        """Whether the scheduler ended the trial at a report so far: then raise
        :class:`TrialPruned` (a trial that reports on is ended like any stopped one).

        The answer is the scheduler's decision at the reports where it decides (its
        ``SyncPolicy``: every report for the median rule, the rungs for ASHA); reports between
        them cost no round trip, and FIFO never prunes.
        """
        if len(self._metrics) > 1:
            raise NotImplementedError("trial.should_prune() is for one objective (as in Optuna)")
        return self._pruned

    # -- user attributes -------------------------------------------------------------------
    def set_user_attr(self, key: str, value: Any) -> None:
        """Keeps ``value`` (JSON-able) with the trial: its folder's ``user_attrs.json``, and
        the ``user_attrs_<key>`` columns of the Optuna-style ``study.trials_dataframe()``."""
        if not isinstance(key, str):
            raise TypeError(f"set_user_attr(): key must be a string; got {key!r}")
        try:
            json.dumps(value, allow_nan=True)
        except (TypeError, ValueError) as e:
            raise TypeError(
                f"set_user_attr({key!r}): the value must be JSON-able (numbers, strings, "
                f"lists, dicts); got {type(value).__name__}: {e}"
            ) from None
        self._user_attrs[key] = value


def final_metrics(value: Any, metrics: Sequence[str]) -> dict[str, Any]:
    """What an objective returned, as the trial's final row: a number (one objective), a
    sequence of as many numbers as metrics, or a dict of metrics.

    Example:
        >>> final_metrics(0.5, ["loss"]), final_metrics((1, 2.0), ["a", "b"])
        ({'loss': 0.5}, {'a': 1.0, 'b': 2.0})
    """
    if isinstance(value, Mapping):
        return dict(value)
    if len(metrics) == 1 and _is_number(value):
        return {metrics[0]: float(value)}
    if (
        len(metrics) > 1
        and isinstance(value, Sequence)
        and not isinstance(value, str)
        and len(value) == len(metrics)
        and all(_is_number(v) for v in value)
    ):
        return {m: float(v) for m, v in zip(metrics, value, strict=True)}
    want = "a number" if len(metrics) == 1 else f"a sequence of {len(metrics)} numbers"
    raise TypeError(
        f"the objective returned {type(value).__name__}: {value!r}; it must return {want} "
        f"(the value of {list(metrics)}), or raise TrialPruned"
    )


def _is_number(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float, np.integer, np.floating)):
        return True
    return getattr(v, "ndim", None) == 0 and hasattr(v, "item")
