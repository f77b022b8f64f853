"""The constructors of a search space's domains (``rt.uniform(0, 1)``, ``rt.choice([...])``,
...), and the domains rebuilt from their JSON description (experiment.json).

Example:
    >>> d = loguniform(1e-4, 1e-1)
    >>> domain_from_json({"lr": d.to_json()})["lr"]
    loguniform(0.0001, 0.1)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from raytune_lite.domains import Categorical, Float, Grid, Integer, SampleFrom

__all__ = [
    "choice",
    "domain_from_json",
    "grid",
    "lograndint",
    "loguniform",
    "qloguniform",
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


def randint(low: int, high: int) -> Integer:
    """An integer from ``low`` (included) to ``high`` (excluded)."""
    return Integer(low, high)


def lograndint(low: int, high: int) -> Integer:
    """An integer from ``low`` to ``high`` (excluded), drawn uniformly in log space."""
    return Integer(low, high, log=True)


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
        return Integer(node["low"], node["high"], log=node.get("log", False))
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
