"""PBT's *explore* step: how a donor's config is changed before the exploiter restarts.

Each key of ``hyperparam_mutations`` is, with ``resample_probability``, drawn afresh from its
domain (or list, or callable); otherwise it is *perturbed*: a number is multiplied by one of
``perturbation_factors`` (an integer domain's values stay on its ``step`` grid, moving at least
one step), a categorical value or a value list moves to a neighbouring choice. What happens at
a domain's bound is :class:`Bounds`' choice.

Example:
    >>> import numpy as np
    >>> from raytune_lite.space import loguniform
    >>> mutations = flatten_mutations({"lr": loguniform(1e-4, 1e-1)})
    >>> ex = Explorer(mutations, 0.0, [0.8], Bounds.REFLECT)
    >>> round(ex.explore({"lr": 1e-4}, np.random.default_rng(0))["lr"], 9)  # 1e-4 / 0.8
    0.000125
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

import numpy as np

from raytune_lite.space import Categorical, Domain, Float, Integer, SampleFrom

#: How one key is explored: a domain, a list of values, or a callable drawing a value.
Mutation = Domain | list[Any] | Callable[[], Any]


class Bounds(Enum):
    """What a perturbation does at the bounds of a key's domain (or list of values)."""

    #: a perturbation that would cross a bound is mirrored back into the domain (in the
    #: domain's scale, log or linear): a value at the low bound times 0.8 becomes
    #: ``low / 0.8``, so a perturbation always moves. At the ends of a list of values it
    #: steps inwards.
    REFLECT = "reflect"
    #: the result is clipped to the domain: a value at a bound pushed outwards stays there
    #: (only resampling moves it).
    CLIP = "clip"
    #: Ray Tune's behaviour: numbers are multiplied regardless of the domain (they may leave
    #: it; integers are rounded, possibly to the same value); list values are clipped.
    IGNORE = "ignore"

    @classmethod
    def parse(cls, value: Bounds | str) -> Bounds:
        """A :class:`Bounds` from itself or its name (``"reflect"``, ``"clip"``, ``"ignore"``)."""
        if isinstance(value, Bounds):
            return value
        if isinstance(value, str):
            for b in cls:
                if value.lower() == b.value:
                    return b
        raise ValueError(
            f"bounds must be one of {[b.value for b in cls]} (or a Bounds); got bounds={value!r}"
        )


def flatten_mutations(
    node: Mapping[str, Any], prefix: tuple[str, ...] = ()
) -> dict[tuple[str, ...], Mutation]:
    """``{key path: mutation}`` from nested dicts or ``"a/b"`` keys (errors name the key)."""
    out: dict[tuple[str, ...], Mutation] = {}
    for key, v in node.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"hyperparam_mutations keys must be non-empty strings; got {key!r}")
        path = prefix + tuple(key.split("/"))
        if isinstance(v, Mapping):
            out.update(flatten_mutations(v, path))
        elif isinstance(v, SampleFrom):
            raise ValueError(
                f"hyperparam_mutations[{'/'.join(path)!r}]: sample_from cannot be "
                "resampled without a config; use a domain, a list or a callable"
            )
        elif isinstance(v, Domain) or callable(v):
            out[path] = v
        elif isinstance(v, (list, tuple)) and len(v) > 0:
            out[path] = list(v)
        else:
            raise ValueError(
                f"hyperparam_mutations[{'/'.join(path)!r}] must be a domain "
                f"(e.g. rt.loguniform), a non-empty list of values or a "
                f"callable; got {v!r}"
            )
    return out


class Explorer:
    """Resamples or perturbs the keys of a config (see the module docstring).

    Args:
        mutations: the flattened ``hyperparam_mutations`` (see :func:`flatten_mutations`).
        resample_probability: chance that a key is drawn afresh instead of perturbed.
        factors: the multipliers for numeric values, one drawn at random per key.
        bounds: what a perturbation does at a domain's bounds.
    """

    def __init__(
        self,
        mutations: dict[tuple[str, ...], Mutation],
        resample_probability: float,
        factors: list[float],
        bounds: Bounds,
    ) -> None:
        self.mutations = mutations
        self.resample_probability = resample_probability
        self.factors = factors
        self.bounds = bounds

    def explore(self, config: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
        """A copy of ``config`` with every mutation key resampled or perturbed."""
        new = copy.deepcopy(dict(config))
        for path, mutation in self.mutations.items():
            node: Any = new
            for p in path[:-1]:
                if not isinstance(node.get(p), dict):
                    node[p] = {}
                node = node[p]
            key = path[-1]
            if key in node and rng.random() >= self.resample_probability:
                node[key] = self.perturb(node[key], mutation, rng)
            else:
                node[key] = self.resample(mutation, rng)
        return new

    def resample(self, mutation: Mutation, rng: np.random.Generator) -> Any:
        """A fresh value of ``mutation``."""
        if isinstance(mutation, Domain):
            return mutation.sample(rng)
        if isinstance(mutation, list):
            return copy.deepcopy(mutation[int(rng.integers(len(mutation)))])
        return mutation()

    def perturb(self, value: Any, mutation: Mutation, rng: np.random.Generator) -> Any:
        """``value`` moved by one perturbation (see :class:`Bounds` for the edges)."""
        factor = self.factors[int(rng.integers(len(self.factors)))]
        choices = (
            mutation.choices
            if isinstance(mutation, Categorical)
            else mutation
            if isinstance(mutation, list)
            else None
        )
        if choices is not None:
            return self._step(value, list(choices), factor, mutation, rng)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return self.resample(mutation, rng)
        if self.bounds is Bounds.IGNORE:
            moved = value * factor
            return round(moved) if isinstance(value, int) else moved
        if isinstance(mutation, Integer):
            return self._integer(value, factor, mutation)
        if isinstance(mutation, Float):
            return self._float(value, factor, mutation)
        return round(value * factor) if isinstance(value, int) else value * factor

    def _step(
        self,
        value: Any,
        choices: list[Any],
        factor: float,
        mutation: Mutation,
        rng: np.random.Generator,
    ) -> Any:
        idx = next((i for i, c in enumerate(choices) if c is value or c == value), None)
        if idx is None:
            return self.resample(mutation, rng)
        step = -1 if factor < 1 else 1
        target = idx + step
        if self.bounds is Bounds.REFLECT and not 0 <= target < len(choices):
            target = idx - step
        return copy.deepcopy(choices[min(max(target, 0), len(choices) - 1)])

    def _integer(self, value: int | float, factor: float, dom: Integer) -> int:
        # in grid positions: value = low + k * step (k = 0 .. size - 1), so the result stays
        # on the domain's step grid
        def position(v: float) -> int:
            return math.floor((v - dom.low) / dom.step + 0.5)

        here, target = position(round(value)), position(round(value * factor))
        way = 1 if factor > 1 else -1
        if target == here and factor != 1:  # small ints: move at least one step
            target = here + way
        lo, hi = 0, dom.size - 1
        if self.bounds is Bounds.REFLECT:
            if target < lo:
                target = lo + (lo - target)
            elif target > hi:
                target = hi - (target - hi)
            if target == here and factor != 1:  # mirrored back onto the value: one step
                target = here + way if lo <= here + way <= hi else here - way
        return int(dom.low + min(max(target, lo), hi) * dom.step)

    def _float(self, value: float, factor: float, dom: Float) -> float:
        x = value * factor
        if self.bounds is Bounds.REFLECT and not dom.low <= x <= dom.high:
            if dom.log and x > 0:  # mirror in log scale: low * 0.8 -> low / 0.8
                a, b, y = math.log(dom.low), math.log(dom.high), math.log(x)
                y = 2 * a - y if y < a else 2 * b - y
                x = math.exp(y)
            elif not dom.log:
                x = 2 * dom.low - x if x < dom.low else 2 * dom.high - x
        x = min(max(x, dom.low), dom.high)
        return dom.from_unit(dom.to_unit(x)) if dom.q is not None else x
