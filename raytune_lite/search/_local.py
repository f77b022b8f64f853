"""The probes of :class:`~raytune_lite.search.local.LocalSearch`: what a point sent for
evaluation was relative to, and the moves of the neighbourhood (a step along a direction in
the numeric dimensions, or one categorical value switched).

Nothing here is public API; other searchers do not import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from raytune_lite.space import Categorical


class ProbeKind(str, Enum):
    """Why a point is evaluated.

    Example:
        >>> ProbeKind("minus").name
        'MINUS'
    """

    START = "start"  #: the incumbent of a (re)start
    PLUS = "plus"  #: x + step * u
    MINUS = "minus"  #: x - step * u, after x + step * u was not better
    SWITCH = "switch"  #: the incumbent with one categorical value changed
    EXTERNAL = "external"  #: a trial added from outside (points_to_evaluate)


@dataclass
class Probe:
    """A point sent for evaluation and what it was relative to.

    Example:
        >>> p = Probe(ProbeKind.PLUS, x=[0.6], u=[1.0], step=0.1)
        >>> Probe.from_json(p.to_json()) == p
        True
    """

    kind: ProbeKind
    x: list[float]
    u: list[float] | None = None
    step: float = 0.0
    version: int = 0  #: incumbent version it was proposed from
    run: int = 0  #: restart count when it was proposed

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "x": self.x,
            "u": self.u,
            "step": self.step,
            "version": self.version,
            "run": self.run,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Probe:
        return cls(
            kind=ProbeKind(d["kind"]),
            x=list(d["x"]),
            u=None if d["u"] is None else list(d["u"]),
            step=float(d["step"]),
            version=int(d["version"]),
            run=int(d["run"]),
        )


def step_probe(x: np.ndarray, step: float, u: np.ndarray) -> np.ndarray:
    """``x + step * u`` clipped into the unit cube (``step < 0`` for the mirror point)."""
    return np.clip(x + step * u, 0.0, 1.0)


def switched(x: np.ndarray, k: int, domain: Categorical, rng: np.random.Generator) -> np.ndarray:
    """``x`` with categorical dimension ``k`` moved to the centre of another choice's cell,
    chosen uniformly among the others.

    Example:
        >>> from raytune_lite.space import choice
        >>> x = switched(np.array([0.1]), 0, choice(["a", "b"]), np.random.default_rng(0))
        >>> x.tolist()
        [0.75]
    """
    n = len(domain.choices)
    cur = min(int(x[k] * n), n - 1)
    j = int(rng.integers(n - 1))
    out = x.copy()
    out[k] = (j + (j >= cur) + 0.5) / n
    return out
