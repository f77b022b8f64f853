"""Ordinal choices: a ``choice`` of sorted numbers (``rt.choice([16, 32, 64, 128])``) is
searched as an *ordered* discrete dimension by the model-based searchers, not as unordered
categories: a value's neighbours are the next smaller and larger ones.

:func:`ordinal` tells whether a categorical qualifies (at least 3 real numbers, strictly
increasing); :class:`Ordinal` is the domain the searchers model it with: choice ``i`` of
``n`` sits at the centre of the unit cell ``[i/n, (i+1)/n)`` (equal spacing by rank, so a
geometric grid such as ``[0.01, 0.1, 1, 10]`` is modelled in log scale).

Example:
    >>> from raytune_lite.space import choice
    >>> ordinal(choice([1, 2, 4, 8])), ordinal(choice(["a", "b", "c"])), ordinal(choice([3, 1, 2]))
    (True, False, False)
    >>> o = Ordinal([1, 2, 4, 8])
    >>> o.to_unit(4), o.from_unit(0.99), o.cells()[1].tolist()
    (0.625, 8, [0.0, 0.25, 0.5, 0.75, 1.0])
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from raytune_lite.space import Categorical, Domain

__all__ = ["Ordinal", "as_modelled", "ordinal"]


def ordinal(d: Domain) -> bool:
    """True for a categorical of >= 3 real numbers in strictly increasing order."""
    if not isinstance(d, Categorical) or len(d.choices) < 3:
        return False
    c = d.choices
    if not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in c
    ):
        return False
    return all(a < b for a, b in itertools.pairwise(c))


class Ordinal(Domain):
    """The ordered view of a ``choice`` of sorted numbers (see the module docs)."""

    def __init__(self, choices: list[Any]):
        self.choices = list(choices)

    def sample(self, rng: np.random.Generator) -> Any:
        return self.choices[int(rng.integers(len(self.choices)))]

    def index(self, value: Any) -> int:
        for i, c in enumerate(self.choices):
            if c == value:
                return i
        raise ValueError(f"{value!r} is not one of the choices {self.choices!r}")

    def to_unit(self, value: Any) -> float:
        return (self.index(value) + 0.5) / len(self.choices)

    def from_unit(self, u: float) -> Any:
        n = len(self.choices)
        return self.choices[min(max(int(u * n), 0), n - 1)]

    def cells(self) -> tuple[np.ndarray, np.ndarray]:
        """Each choice's unit position and the ``n + 1`` edges of the cells."""
        n = len(self.choices)
        return (np.arange(n) + 0.5) / n, np.arange(n + 1) / n

    def to_json(self) -> dict[str, Any]:
        return {"type": "choice", "choices": self.choices}

    def __repr__(self) -> str:
        return f"Ordinal({self.choices!r})"


def as_modelled(d: Domain) -> Domain:
    """``d`` as the model-based searchers see it: :class:`Ordinal` for an ordinal choice."""
    return Ordinal(d.choices) if isinstance(d, Categorical) and ordinal(d) else d
