"""An experiment's fixed settings, validated before any Ray work."""

from __future__ import annotations

import datetime as dt
import inspect
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from raytune_lite.resources import Placement
from raytune_lite.trial import Mode

#: Fields of :class:`ExperimentSpec` that are not options of the same name of ``Tuner``.
_NOT_TUNER_OPTIONS = ("path",)
#: Fields the Tuner's ``metric``/``mode`` lists fill (several objectives).
_DERIVED = ("metrics", "modes")


@dataclass(frozen=True)
class ExperimentSpec:
    """Everything the controller needs to know that does not change during the run.

    Each field is one option of :class:`~raytune_lite.tuner.Tuner` of the same name (``path``
    is ``storage_path/name``): the declaration that experiment.json, ``Tuner.restore`` and
    the CLI derive from. A new option is a Tuner argument plus a field here (a test checks
    that the two lists agree); :meth:`to_json`, :meth:`from_json` and
    :meth:`tuner_options` follow by themselves.

    Example:
        >>> spec = ExperimentSpec("run", "/r/run", "loss", Mode.MIN, 8, {"cpu": 1.0})
        >>> ExperimentSpec.from_json(spec.to_json(), "/r/run") == spec
        True
        >>> spec.tuner_options()["storage_path"], spec.tuner_options()["mode"]
        ('/r', <Mode.MIN: 'min'>)
    """

    name: str
    path: str
    metric: str | None
    mode: Mode
    num_samples: int
    resources: dict[str, float]
    max_concurrent: int | None = None
    stop: Mapping[str, float] | Callable[[str, dict[str, Any]], bool] | None = None
    time_budget_s: float | None = None
    max_failures: int = 0
    seed: int | None = None
    points_to_evaluate: list[dict[str, Any]] = field(default_factory=list)
    num_to_keep: int | None = None
    checkpoint_score: str | None = None
    repeats: int = 1
    #: several objectives (``Tuner(metric=[...])``): all of them, ``metric`` is the first
    metrics: tuple[str, ...] = ()
    modes: tuple[Mode, ...] = ()
    constraints: Any = None
    fail_fast: bool | str = False
    systematic_failures: int | None = 5
    wait_for_nodes_s: float | None = 60.0
    placement: Placement = Placement.PACK

    def to_json(self) -> dict[str, Any]:
        """The settings as JSON (the ``spec`` of experiment.json; ``path`` is not stored:
        the folder is wherever it is read from). A callable ``stop`` is stored as its repr
        (it cannot be rebuilt: ``Tuner.restore`` asks for it again)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "path":
                continue
            v = getattr(self, f.name)
            if f.name in ("mode", "placement"):
                v = v.value
            elif f.name == "modes":
                v = [m.value for m in v]
            elif f.name == "metrics":
                v = list(v)
            elif f.name == "constraints" and v is not None:
                v = list(v) if isinstance(v, (list, tuple)) else repr(v)
            elif f.name == "stop" and v is not None:
                v = dict(v) if isinstance(v, Mapping) else repr(v)
            out[f.name] = v
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any], path: str) -> ExperimentSpec:
        """The spec :meth:`to_json` wrote, for the experiment folder ``path``.

        Keys it does not know are ignored (a newer raytune_lite's); missing ones take their
        defaults. A callable stop criterion comes back as the string it was stored as.
        """
        known = {f.name: f for f in fields(cls)}
        kwargs: dict[str, Any] = {k: v for k, v in data.items() if k in known and k != "path"}
        kwargs["path"] = path
        kwargs.setdefault("name", os.path.basename(path))
        kwargs["mode"] = Mode.parse(kwargs.get("mode", "min"))
        kwargs["placement"] = Placement.parse(kwargs.get("placement", "pack"))
        kwargs.setdefault("metric", None)
        kwargs.setdefault("num_samples", 1)
        kwargs["resources"] = dict(kwargs.get("resources") or {"cpu": 1.0})
        kwargs["points_to_evaluate"] = list(kwargs.get("points_to_evaluate") or [])
        kwargs["metrics"] = tuple(kwargs.get("metrics") or ())
        kwargs["modes"] = tuple(Mode.parse(m) for m in kwargs.get("modes") or ())
        return cls(**kwargs)

    def tuner_options(self) -> dict[str, Any]:
        """The keyword arguments of ``Tuner(...)`` that make this spec again."""
        out = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name not in _NOT_TUNER_OPTIONS
        }
        out["storage_path"] = os.path.dirname(self.path)
        if self.metrics:  # several objectives: the Tuner takes them as metric and mode lists
            out["metric"], out["mode"] = list(self.metrics), [m.value for m in self.modes]
        del out["metrics"], out["modes"]
        return out

    @classmethod
    def option_names(cls) -> list[str]:
        """The Tuner options the spec declares (``storage_path`` stands for ``path``)."""
        skip = _NOT_TUNER_OPTIONS + _DERIVED
        return [f.name for f in fields(cls) if f.name not in skip] + ["storage_path"]


def check_stop(stop: Any) -> None:
    """``stop`` is None, a callable ``(trial_id, row) -> bool`` or ``{key: threshold}``.

    A number threshold stops a trial once ``row[key] >= threshold``; ``True`` (as in
    ``{"done": True}``) stops it once ``row[key]`` is true. Whether the keys are reported is
    checked against the trial's first row (:func:`missing_stop_keys`).

    Example:
        >>> check_stop({"training_iteration": 10, "done": True})
        >>> check_stop(lambda row: row["loss"] < 0.1)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        TypeError: a stop callable is called as stop(trial_id, row) -> bool; ...
    """
    if stop is None:
        return
    if callable(stop):
        _check_stop_callable(stop)
        return
    if not isinstance(stop, Mapping) or not stop:
        raise ValueError(
            "stop must be a non-empty dict like {'training_iteration': 20} or a "
            f"callable (trial_id, row) -> bool; got {stop=}"
        )
    for k, v in stop.items():
        if v is True and isinstance(k, str):
            continue
        if (
            not isinstance(k, str)
            or isinstance(v, bool)
            or not isinstance(v, (int, float))
            or not math.isfinite(v)
        ):
            raise ValueError(
                f"stop criteria map a reported key to a finite number (the trial "
                f"stops once row[key] >= number) or to True (once row[key] is true); "
                f"got {k!r}: {v!r}"
            )


def _check_stop_callable(stop: Callable[..., Any]) -> None:
    try:
        sig = inspect.signature(stop)
    except (TypeError, ValueError):  # a builtin: nothing to check
        return
    try:
        sig.bind("00000", {})
    except TypeError:
        name = getattr(stop, "__name__", None) or type(stop).__name__
        raise TypeError(
            f"a stop callable is called as stop(trial_id, row) -> bool; {name!r} has the "
            f"signature {sig}"
        ) from None


def stop_reached(stop: Mapping[str, Any], row: Mapping[str, Any]) -> bool:
    """Whether ``row`` meets one of the ``{key: threshold}`` criteria.

    Example:
        >>> stop_reached({"epoch": 3}, {"epoch": 3}), stop_reached({"done": True}, {"done": 0})
        (True, False)
    """
    for k, threshold in stop.items():
        v = row.get(k)
        if threshold is True:
            if bool(v):
                return True
        elif (
            isinstance(v, (int, float))
            and not (isinstance(v, float) and math.isnan(v))
            and v >= threshold
        ):
            return True
    return False


def missing_stop_keys(stop: Mapping[str, Any], row: Mapping[str, Any]) -> str | None:
    """The error for a first row that lacks a stop key (a typo would never stop), or None.

    Example:
        >>> print(missing_stop_keys({"epochs": 3}, {"epoch": 1}))  # doctest: +NORMALIZE_WHITESPACE
        stop={'epochs': 3} names 'epochs', which the trial's first row does not have; the
        row has ['epoch']: fix the key in stop= (or report it from the first step)
    """
    missing = [k for k in stop if k not in row]
    if not missing:
        return None
    names = ", ".join(repr(k) for k in missing)
    return (
        f"stop={dict(stop)!r} names {names}, which the trial's first row does not have; "
        f"the row has {sorted(row)}: fix the key in stop= (or report it from the first step)"
    )


def check_time_budget(time_budget_s: Any) -> None:
    if time_budget_s is None:
        return
    if (
        isinstance(time_budget_s, bool)
        or not isinstance(time_budget_s, (int, float))
        or not time_budget_s > 0
        or not math.isfinite(time_budget_s)
    ):
        raise ValueError(
            f"time_budget_s must be a positive number of seconds or None; got {time_budget_s=}"
        )


def default_name(root: str, function_name: str) -> str:
    """``<function>_<date>_<time>`` (``_2``, ``_3``, ... when taken): a new folder in ``root``."""
    base = f"{function_name}_{dt.datetime.now():%Y%m%d_%H%M%S}"
    name, i = base, 1
    while os.path.exists(os.path.join(root, name)):
        i += 1
        name = f"{base}_{i}"
    return name
