"""A plugin's constructor arguments as JSON, and back (no plugin imports: the bases use it).

Searchers and schedulers remember the arguments they were built with (``Searcher`` and
``Scheduler`` capture them in ``__new__``), so that an experiment folder can rebuild them:
``raytune-lite resume`` and ``Tuner.restore(path, train)`` need only the trainable.

Example:
    >>> import raytune_lite as rt
    >>> encode_args((), {"lr": rt.loguniform(1e-4, 1e-1), "steps": (1, 2)})["kwargs"]["steps"]
    [1, 2]
    >>> encode_args((), {"fn": print}) is None  # a function cannot be stored
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from raytune_lite.domains import Domain, SampleFrom


class _Unstorable(Exception):
    pass


def _encode(v: Any) -> Any:
    if v is None or type(v) in (bool, int, float, str):
        return v
    if isinstance(v, SampleFrom):
        raise _Unstorable
    if isinstance(v, Domain):
        return v.to_json()
    if isinstance(v, (list, tuple)):
        return [_encode(x) for x in v]
    if isinstance(v, Mapping) and all(isinstance(k, str) for k in v):
        return {k: _encode(x) for k, x in v.items()}
    item = getattr(v, "item", None)  # numpy scalars
    if callable(item) and getattr(v, "ndim", None) == 0:
        return _encode(item())
    raise _Unstorable


def encode_args(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any] | None:
    """``{"args": [...], "kwargs": {...}}`` as JSON, or None when an argument is not
    storable (a function, an object other than a domain or plain data)."""
    try:
        return {
            "args": [_encode(a) for a in args],
            "kwargs": {k: _encode(v) for k, v in kwargs.items()},
        }
    except _Unstorable:
        return None


def decode_args(config: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """The ``(args, kwargs)`` :func:`encode_args` stored (domains rebuilt)."""
    from raytune_lite.constructors import domain_from_json

    args = config.get("args", [])
    kwargs = config.get("kwargs", {})
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise ValueError(
            f"stored constructor arguments must be a list and an object; got {config!r}"
        )
    return [domain_from_json(a) for a in args], {k: domain_from_json(v) for k, v in kwargs.items()}


class RecordsArgs:
    """Remembers the arguments an instance was constructed with (the searcher and scheduler
    bases use it), so that experiment.json can record them and a resume rebuild it."""

    _init_args: tuple[tuple[Any, ...], dict[str, Any]]

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        obj = super().__new__(cls)
        obj._init_args = (args, dict(kwargs))
        return obj

    def to_config(self) -> dict[str, Any] | None:
        """The constructor arguments this plugin was built with, as JSON (recorded in
        experiment.json to rebuild it on resume), or None when one cannot be stored (a
        function). Subclasses whose arguments are not plain data or domains override it."""
        args, kwargs = getattr(self, "_init_args", ((), {}))
        return encode_args(args, kwargs)
