"""Ray Tune's PBT habit: keys of ``hyperparam_mutations`` missing from the param space are
drawn from their mutation for the first config.

Example:
    >>> from raytune_lite import tune
    >>> space = add_missing_mutations({"lr": 0.1}, {"lr": [0.1, 0.2], "momentum": [0.8, 0.9]})
    >>> space["lr"], space["momentum"]
    (0.1, choice([0.8, 0.9]))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from raytune_lite import domains as d

__all__ = ["add_missing_mutations", "has_domains"]


class _CallWithoutConfig:
    """A PBT mutation callable ``fn()`` as a ``sample_from`` function (picklable)."""

    def __init__(self, fn: Callable[[], Any]):
        self.fn = fn
        self.__qualname__ = getattr(fn, "__qualname__", repr(fn))

    def __call__(self, config: dict[str, Any]) -> Any:
        return self.fn()


def _as_domain(mutation: Any) -> Any:
    if isinstance(mutation, d.Domain):
        return mutation
    if isinstance(mutation, (list, tuple)):
        return d.Categorical(list(mutation))
    if callable(mutation):
        return d.SampleFrom(_CallWithoutConfig(mutation))
    return mutation


def add_missing_mutations(space: dict[str, Any], mutations: Mapping[str, Any]) -> dict[str, Any]:
    """``space`` with every mutated key it lacks added (nested dicts and ``"a/b"`` paths)."""
    out = dict(space)
    for key, mutation in mutations.items():
        head, _, rest = key.partition("/")
        if rest:
            mutation, key = {rest: mutation}, head
        if isinstance(mutation, Mapping):
            sub = out.get(key, {})
            if isinstance(sub, Mapping):
                out[key] = add_missing_mutations(dict(sub), mutation)
        elif key not in out:
            out[key] = _as_domain(mutation)
    return out


def has_domains(node: Any) -> bool:
    """Whether a (converted) param space holds any domain."""
    if isinstance(node, d.Domain):
        return True
    if isinstance(node, Mapping):
        return any(has_domains(v) for v in node.values())
    if isinstance(node, list):
        return any(has_domains(v) for v in node)
    return False
