"""The constructors of a search space's domains (``rt.uniform(0, 1)``, ``rt.choice([...])``,
...), and the domains rebuilt from their JSON description (experiment.json).

Example:
    >>> d = loguniform(1e-4, 1e-1)
    >>> domain_from_json({"lr": d.to_json()})["lr"]
    loguniform(0.0001, 0.1)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from raytune_lite.domains import Categorical, Float, Grid, Integer, SampleFrom

__all__ = [
    "choice",
    "domain_from_json",
    "grid",
    "lograndint",
    "loguniform",
    "qlograndint",
    "qloguniform",
    "qrandint",
    "quniform",
    "randint",
    "sample_from",
    "uniform",
]


def uniform(low: float, high: float) -> Float:
    """A float drawn uniformly from ``[low, high]``."""
    return Float(low, high)


def loguniform(low: float, high: float) -> Float:
    """A float drawn uniformly in log space from ``[low, high]`` (``low > 0``)."""
    return Float(low, high, log=True)


def quniform(low: float, high: float, q: float) -> Float:
    """A float from ``[low, high]`` rounded to a multiple of ``q``."""
    return Float(low, high, q=q)


def qloguniform(low: float, high: float, q: float) -> Float:
    """A log-uniform float rounded to a multiple of ``q``."""
    return Float(low, high, log=True, q=q)


def randint(low: int, high: int, *, step: int = 1) -> Integer:
    """An integer from ``low`` (included) to ``high`` (excluded): one of
    ``range(low, high, step)``, e.g. ``randint(0, 10, step=4)`` is 0, 4 or 8."""
    return Integer(low, high, step=step)


def lograndint(low: int, high: int, *, step: int = 1) -> Integer:
    """An integer of ``range(low, high, step)`` (``high`` excluded), drawn uniformly in log
    space (``low > 0``)."""
    return Integer(low, high, log=True, step=step)


def qrandint(low: int, high: int, q: int = 1) -> Integer:
    """A multiple of ``q`` from ``low`` to ``high``, **both included** (as ``quniform``
    rounds to multiples of ``q``, and as Ray Tune's ``qrandint`` with ``q > 1``).

    A bound that is not a multiple of ``q`` moves inwards to the nearest one, with a
    warning (as Optuna's ``suggest_int`` warns when its range is not divisible by ``step``).

    Example:
        >>> qrandint(32, 256, 32)
        randint(32, 257, step=32)
    """
    return stepped_integer(low, high, q, log=False, fn="qrandint", warn=True)


def qlograndint(low: int, high: int, q: int = 1) -> Integer:
    """A multiple of ``q`` from ``low`` to ``high`` (both included), drawn uniformly in log
    space (see :func:`qrandint`)."""
    return stepped_integer(low, high, q, log=True, fn="qlograndint", warn=True)


def stepped_integer(low: int, high: int, q: int, *, log: bool, fn: str, warn: bool) -> Integer:
    """The :class:`Integer` of the multiples of ``q`` in ``[low, high]``.

    Raises:
        TypeError: for bounds or ``q`` that are not ints.
        ValueError: for ``q < 1``, or no multiple of ``q`` in ``[low, high]``.
    """
    for name, v in (("low", low), ("high", high), ("q", q)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{fn}: {name} must be an int; got {name}={v!r}")
    low, high, q = int(low), int(high), int(q)
    if q < 1:
        raise ValueError(f"{fn}: q must be an int >= 1; got {q=}")
    first, last = -(-low // q) * q, high // q * q
    if last < first:
        raise ValueError(f"{fn}: no multiple of {q=} lies in [{low}, {high}]; got {low=}, {high=}")
    if warn and (first, last) != (low, high):
        warnings.warn(
            f"{fn}({low}, {high}, {q}): the bounds are not multiples of {q=}; the values are "
            f"{first}, {first + q}, ..., {last}",
            UserWarning,
            stacklevel=3,
        )
    return Integer(first, last + 1, log=log, step=q)


def choice(choices: Sequence[Any]) -> Categorical:
    """One of ``choices``, drawn uniformly."""
    return Categorical(choices)


def grid(values: Sequence[Any]) -> Grid:
    """Tries every one of ``values`` (grid axes multiply; ``num_samples`` repeats the grid)."""
    return Grid(values)


def sample_from(fn: Callable[[dict[str, Any]], Any]) -> SampleFrom:
    """A conditional value: ``fn(config)`` sees the already-sampled rest of the config."""
    return SampleFrom(fn)


def domain_from_json(node: Any) -> Any:
    """The domains (and constants) a ``to_json`` description holds, rebuilt.

    Raises:
        ValueError: for a ``sample_from`` value (its function is not stored).
    """
    if isinstance(node, list):
        return [domain_from_json(v) for v in node]
    if not isinstance(node, dict):
        return node
    kind = node.get("__domain__")
    if kind == "float" and {"low", "high"} <= node.keys():
        return Float(node["low"], node["high"], log=node.get("log", False), q=node.get("q"))
    if kind == "int" and {"low", "high"} <= node.keys():
        return Integer(
            node["low"], node["high"], log=node.get("log", False), step=node.get("step", 1)
        )
    if kind == "choice" and "choices" in node:
        return Categorical([domain_from_json(c) for c in node["choices"]])
    if kind == "grid" and "values" in node:
        return Grid([domain_from_json(c) for c in node["values"]])
    if kind == "sample_from":
        raise ValueError(
            f"this param_space has sample_from values ({node.get('fn')!r}), whose functions "
            "are not stored: pass param_space=... again"
        )
    return {k: domain_from_json(v) for k, v in node.items()}
