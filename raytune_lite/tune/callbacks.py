"""``RunConfig(callbacks=[...])``: Ray Tune's ``Callback`` hook signatures on raytune_lite's
driver-side callbacks.

A subclass of :class:`Callback` here is called as Ray Tune calls it
(``on_trial_result(iteration, trials, trial, result, **info)``...), where ``trial`` and
``trials`` are :class:`~raytune_lite.callbacks.TrialView` s and ``iteration`` counts the
events so far. raytune_lite's own callbacks (``rt.callbacks.CSVLoggerCallback``...) may be
passed too; ``raytune_lite.tune.logger`` has them under Ray Tune's module name.

Example:
    >>> from raytune_lite import tune
    >>> class Printer(tune.Callback):
    ...     def on_trial_result(self, iteration, trials, trial, result, **info):
    ...         print(trial.trial_id, result["loss"])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from raytune_lite.callbacks.base import Callback as NativeCallback
from raytune_lite.callbacks.base import TrialView

__all__ = ["Callback", "bridge_callbacks"]


class Callback:
    """Ray Tune's callback interface (override the hooks you need)."""

    def setup(self, **info: Any) -> None:
        """Called once before the experiment (``info`` holds ``experiment_path``)."""

    def on_trial_start(
        self, iteration: int, trials: list[TrialView], trial: TrialView, **info: Any
    ) -> None:
        pass

    def on_trial_result(
        self,
        iteration: int,
        trials: list[TrialView],
        trial: TrialView,
        result: Mapping[str, Any],
        **info: Any,
    ) -> None:
        pass

    def on_trial_complete(
        self, iteration: int, trials: list[TrialView], trial: TrialView, **info: Any
    ) -> None:
        pass

    def on_trial_error(
        self, iteration: int, trials: list[TrialView], trial: TrialView, **info: Any
    ) -> None:
        pass

    def on_experiment_end(self, trials: list[TrialView], **info: Any) -> None:
        pass


class _RayHooks(NativeCallback):
    """Calls a Ray-style :class:`Callback` from raytune_lite's hooks."""

    def __init__(self, callback: Callback):
        self.callback = callback
        self.iteration = 0
        self.trials: dict[str, TrialView] = {}

    def _seen(self, trial: TrialView) -> list[TrialView]:
        self.iteration += 1
        self.trials[trial.trial_id] = trial
        return list(self.trials.values())

    def setup(self, experiment_path: str) -> None:
        self.callback.setup(experiment_path=experiment_path)

    def on_trial_start(self, trial: TrialView) -> None:
        self.callback.on_trial_start(self.iteration, self._seen(trial), trial)

    def on_trial_result(self, trial: TrialView, result: Mapping[str, Any]) -> None:
        self.callback.on_trial_result(self.iteration, self._seen(trial), trial, result)

    def on_trial_complete(self, trial: TrialView) -> None:
        self.callback.on_trial_complete(self.iteration, self._seen(trial), trial)

    def on_trial_error(self, trial: TrialView) -> None:
        self.callback.on_trial_error(self.iteration, self._seen(trial), trial)

    def on_experiment_end(self, trials: list[TrialView]) -> None:
        self.callback.on_experiment_end(trials)


def bridge_callbacks(callbacks: Sequence[Any] | None) -> list[NativeCallback]:
    """raytune_lite callbacks for ``RunConfig(callbacks=...)``."""
    out: list[NativeCallback] = []
    for cb in callbacks or []:
        if isinstance(cb, NativeCallback):
            out.append(cb)
        elif isinstance(cb, Callback):
            out.append(_RayHooks(cb))
        else:
            raise TypeError(
                f"RunConfig(callbacks=...) takes tune.Callback or rt.callbacks.Callback "
                f"subclasses; got {cb!r}"
            )
    return out
