"""Ray Tune's class API (``Trainable``) run on raytune_lite's function API, and
``with_parameters`` / ``with_resources`` for both kinds of trainable.

A :class:`Trainable` subclass becomes a training function: it is built with the config
(``setup``), restored from the trial's checkpoint if there is one (``load_checkpoint``), then
``step()`` is called and each result reported until a stop criterion, the scheduler, or a
result with ``done: True`` ends it. Checkpoints are saved (``save_checkpoint`` into a fresh
folder) every ``CheckpointConfig.checkpoint_frequency`` steps, at the end with
``checkpoint_at_end``, and at every step when the scheduler needs checkpoints (PBT,
Hyperband) and no frequency is set. ``reset_config`` is never called: a trial whose config
changes (PBT) is set up again from the donor's checkpoint. ``cleanup`` runs when it ends.

Example:
    >>> from raytune_lite import tune
    >>> class Quadratic(tune.Trainable):
    ...     def setup(self, config):
    ...         self.x = config["x"]
    ...     def step(self):
    ...         return {"loss": (self.x - 2) ** 2, "done": self.iteration >= 2}
"""

from __future__ import annotations

import inspect
import math
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Mapping
from typing import Any

from raytune_lite import parameters as _parameters
from raytune_lite import resources as _resources
from raytune_lite import session as _session
from raytune_lite.checkpoint import Checkpoint

__all__ = ["Trainable", "is_trainable_class", "with_parameters", "with_resources"]

_STATE_FILE = ".trainable_state.pkl"


class Trainable:
    """Ray Tune's class API: override ``setup``, ``step`` and, for checkpoints,
    ``save_checkpoint`` / ``load_checkpoint``.

    Attributes:
        config: the trial's config; iteration / training_iteration: steps done so far;
        trial_id, trial_name; logdir / trial_dir: the trial's folder.
    """

    def __init__(self, config: dict[str, Any] | None = None, **params: Any):
        self.config: dict[str, Any] = dict(config or {})
        self._iteration = 0
        self.setup(self.config, **params)

    # -- what users override ---------------------------------------------------------------
    def setup(self, config: dict[str, Any], **params: Any) -> None:
        """Builds the model from the config (and ``with_parameters``' objects)."""

    def step(self) -> dict[str, Any]:
        """One unit of training; returns the result to report."""
        raise NotImplementedError(f"{type(self).__name__} must implement step()")

    def save_checkpoint(self, checkpoint_dir: str) -> dict[str, Any] | None:
        """Writes the state into ``checkpoint_dir``; may instead return it as a dict."""
        return None

    def load_checkpoint(self, checkpoint: dict[str, Any] | str) -> None:
        """Restores what ``save_checkpoint`` saved: its dict, or the folder's path."""

    def reset_config(self, new_config: dict[str, Any]) -> bool:
        """Ray Tune's actor reuse; never called here (see the module's docs)."""
        return False

    def cleanup(self) -> None:
        """Called once when the trial ends."""

    @classmethod
    def default_resource_request(cls, config: dict[str, Any]) -> Mapping[str, float] | None:
        """Resources per trial (e.g. ``{"cpu": 2}``); None: the Tuner's default."""
        return None

    # -- what the trial knows --------------------------------------------------------------
    @property
    def iteration(self) -> int:
        return self._iteration

    @property
    def training_iteration(self) -> int:
        return self._iteration

    @property
    def trial_id(self) -> str:
        return _session.get_trial_id() if _session.in_trial() else "default"

    @property
    def trial_name(self) -> str:
        return self.trial_id

    @property
    def logdir(self) -> str:
        return _session.get_trial_dir() if _session.in_trial() else os.getcwd()

    @property
    def trial_dir(self) -> str:
        return self.logdir


def is_trainable_class(obj: Any) -> bool:
    """Whether ``obj`` is a :class:`Trainable` subclass."""
    return inspect.isclass(obj) and issubclass(obj, Trainable)


def _stop_reached(stop: Any, trial_id: str, row: Mapping[str, Any]) -> bool:
    """Whether the Tuner's stop criterion ends the trial at ``row`` (as the session decides)."""
    if stop is None:
        return False
    if callable(stop):
        return bool(stop(trial_id, dict(row)))
    for key, threshold in stop.items():
        v = row.get(key)
        number = isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v))
        if number and v >= threshold:
            return True
    return False


class ClassRunner:
    """Runs a :class:`Trainable` subclass as a training function (picklable)."""

    def __init__(
        self,
        cls: type[Trainable],
        *,
        frequency: int = 0,
        at_end: bool = False,
        every_step: bool = False,
        stop: Any = None,
    ):
        self.cls = cls
        self.frequency = frequency
        self.at_end = at_end
        self.every_step = every_step
        self.stop = stop
        self.__name__ = cls.__name__

    def __call__(self, config: dict[str, Any], **params: Any) -> None:
        obj = self.cls(config, **params)
        try:
            ckpt = _session.get_checkpoint()
            if ckpt is not None:
                _restore(obj, ckpt)
            while True:
                result = obj.step()
                if not isinstance(result, Mapping):
                    raise TypeError(
                        f"{self.cls.__name__}.step() must return a dict of results; got "
                        f"{type(result).__name__}: {result!r}"
                    )
                obj._iteration += 1
                done = bool(result.get("done", False))
                ending = done or _stop_reached(
                    self.stop,
                    obj.trial_id,
                    {**result, "training_iteration": obj._iteration},
                )
                save = (
                    self.every_step
                    or (self.frequency and obj._iteration % self.frequency == 0)
                    or (self.at_end and ending)
                )
                if save:
                    folder = _save(obj)
                    try:
                        _session.report(dict(result), Checkpoint(folder))
                    finally:
                        shutil.rmtree(folder, ignore_errors=True)
                else:
                    _session.report(dict(result))
                if done:
                    return
        finally:
            obj.cleanup()


def _save(obj: Trainable) -> str:
    folder = tempfile.mkdtemp(prefix="rtl_trainable_")
    returned = obj.save_checkpoint(folder)
    if returned is not None and not isinstance(returned, dict):
        raise TypeError(
            f"{type(obj).__name__}.save_checkpoint() must write into the folder and return "
            f"None, or return a dict; got {type(returned).__name__}"
        )
    with open(os.path.join(folder, _STATE_FILE), "wb") as f:
        pickle.dump({"iteration": obj._iteration, "returned": returned}, f)
    return folder


def _restore(obj: Trainable, ckpt: Checkpoint) -> None:
    state_file = os.path.join(ckpt.path, _STATE_FILE)
    returned = None
    if os.path.exists(state_file):
        with open(state_file, "rb") as f:
            state = pickle.load(f)  # the trial's own checkpoint, written by _save
        obj._iteration = int(state.get("iteration", 0))
        returned = state.get("returned")
    obj.load_checkpoint(returned if returned is not None else ckpt.path)


class _ClassWithParameters:
    """A Trainable class with ``with_parameters`` objects, converted when the Tuner runs."""

    def __init__(self, cls: type[Trainable], data: dict[str, Any]):
        self.cls = cls
        self.data = data
        self.__name__ = cls.__name__


class Resourced:
    """A trainable with its per-trial resources (``with_resources``)."""

    def __init__(self, trainable: Any, resources: Mapping[str, float]):
        self.trainable = trainable
        self.resources = resources
        self.__name__ = getattr(trainable, "__name__", "trainable")


def with_parameters(trainable: Any, **kwargs: Any) -> Any:
    """Passes large objects to every trial through Ray's object store, put once.

    Works on functions (``fn(config, **kwargs)``) and on :class:`Trainable` classes
    (``setup(config, **kwargs)``).
    """
    if isinstance(trainable, Resourced):
        return Resourced(with_parameters(trainable.trainable, **kwargs), trainable.resources)
    if is_trainable_class(trainable):
        return _ClassWithParameters(trainable, kwargs)
    return _parameters.with_parameters(trainable, **kwargs)


def with_resources(trainable: Any, resources: Mapping[str, float] | Callable[..., Any]) -> Any:
    """The trainable with per-trial resources, e.g. ``{"cpu": 2, "gpu": 1}``.

    Not mirrored: a ``PlacementGroupFactory`` or a function of the config.
    """
    if callable(resources) or not isinstance(resources, Mapping):
        raise NotImplementedError(
            f"with_resources(trainable, {resources!r}): only a dict such as "
            "{'cpu': 2, 'gpu': 1} is mirrored (no PlacementGroupFactory, no function of "
            "the config)"
        )
    return Resourced(trainable, _resources.normalize(resources))


def unwrap(
    trainable: Any,
) -> tuple[Any, dict[str, Any] | None, Mapping[str, float] | None]:
    """``(function or Trainable class, with_parameters objects or None, resources or None)``."""
    resources = None
    if isinstance(trainable, Resourced):
        resources, trainable = trainable.resources, trainable.trainable
    if isinstance(trainable, _ClassWithParameters):
        return trainable.cls, trainable.data, resources
    return trainable, None, resources


def as_function(
    trainable: Any,
    data: dict[str, Any] | None,
    *,
    frequency: int,
    at_end: bool,
    every_step: bool,
    stop: Any,
) -> Callable[..., Any]:
    """The training function raytune_lite's Tuner runs for ``trainable``."""
    if not is_trainable_class(trainable):
        if frequency or at_end:
            raise ValueError(
                "CheckpointConfig(checkpoint_frequency=..., checkpoint_at_end=...) applies "
                "to Trainable classes only; a function reports its checkpoints itself with "
                "tune.report(..., checkpoint=...)"
            )
        return trainable
    runner = ClassRunner(
        trainable, frequency=frequency, at_end=at_end, every_step=every_step, stop=stop
    )
    if data:
        return _parameters.with_parameters(runner, **data)
    return runner
