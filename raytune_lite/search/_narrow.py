"""Narrowing a search space around the best configurations found so far (coarse-to-fine).

The rule, per top-level domain of the space (nested choices and conditional values are kept
as they are):

- a float or integer domain becomes the range the ``top_k`` configurations span, widened by
  ``margin`` times that span on each side, never narrower than ``min_width`` of the original
  range, and clipped to the original bounds; log domains are narrowed in log space;
- a categorical domain keeps only the values the ``top_k`` configurations took (with
  ``categorical=True``; a choice of sub-spaces is kept whole);
- grids, constants and ``sample_from`` values stay as they are.

Example:
    >>> from raytune_lite.space import Space, loguniform, choice
    >>> space = Space({"lr": loguniform(1e-5, 1.0), "act": choice(["relu", "tanh", "gelu"])})
    >>> best = [{"lr": 1e-3, "act": "relu"}, {"lr": 4e-3, "act": "relu"}]
    >>> narrow = Narrow(top_k=2, margin=0.5)
    >>> new = narrow.apply(space, best)
    >>> new.param_space["act"], round(new.param_space["lr"].low, 6)
    (choice(['relu']), 0.0005)
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from raytune_lite.space import Categorical, Domain, Float, Grid, Integer, Path, Space, get_path


@dataclass(frozen=True)
class Narrow:
    """How a stage's space is narrowed around the previous stage's best configurations.

    Args:
        top_k: how many of the best configurations span the new ranges (>= 1).
        margin: each numeric range is widened by this fraction of its span on both sides
            (>= 0), in the domain's own scale (log space for log domains).
        min_width: a numeric range is never narrower than this fraction of the original one
            (in ``(0, 1]``).
        categorical: keep only the categories the top configurations took.
    """

    top_k: int = 5
    margin: float = 0.25
    min_width: float = 0.05
    categorical: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.top_k, bool) or not isinstance(self.top_k, int) or self.top_k < 1:
            raise ValueError(f"Narrow needs top_k an int >= 1; got top_k={self.top_k!r}")
        if not isinstance(self.margin, (int, float)) or not 0 <= self.margin < math.inf:
            raise ValueError(f"Narrow needs a finite margin >= 0; got margin={self.margin!r}")
        if not isinstance(self.min_width, (int, float)) or not 0 < self.min_width <= 1:
            raise ValueError(f"Narrow needs min_width in (0, 1]; got min_width={self.min_width!r}")

    def apply(self, space: Space, best: Sequence[Mapping[str, Any]]) -> Space:
        """The narrowed space around ``best`` (configs, best first; the first ``top_k`` count).

        With no configuration at all, the space is returned unchanged.
        """
        top = list(best)[: self.top_k]
        if not top:
            return space
        tree = copy.copy(dict(space.param_space))
        for path, domain in space.domains.items():
            values = []
            for config in top:
                try:
                    values.append(get_path(config, path))
                except (KeyError, IndexError, TypeError):
                    continue  # this config took another branch: the domain was not sampled
            if values and len(path) == 1:
                tree[str(path[0])] = self._narrow(domain, values)
            elif values:
                _set(tree, path, self._narrow(domain, values))
        return Space(tree)

    def _narrow(self, domain: Domain, values: list[Any]) -> Domain:
        if isinstance(domain, Grid):
            return domain
        if isinstance(domain, Categorical):
            if not self.categorical or any(isinstance(c, (dict, list)) for c in domain.choices):
                return domain
            kept = [c for c in domain.choices if any(_same(c, v) for v in values)]
            return Categorical(kept) if kept else domain
        if isinstance(domain, Float):
            lo, hi = self._range(domain.low, domain.high, [float(v) for v in values], domain.log)
            return Float(lo, hi, log=domain.log, q=domain.q)
        if isinstance(domain, Integer):
            lo, hi = self._range(domain.low, domain.last, [float(v) for v in values], domain.log)
            # whole steps of the domain's grid, so the narrowed values are the domain's own
            step, start = domain.step, domain.low
            k_lo = max(0, math.floor((lo - start) / step))
            k_hi = min(domain.size - 1, math.ceil((hi - start) / step))
            low = start + k_lo * step
            return Integer(low, start + max(k_hi, k_lo) * step + 1, log=domain.log, step=step)
        return domain

    def _range(
        self, low: float, high: float, values: list[float], log: bool
    ) -> tuple[float, float]:
        f = math.log if log else float
        inv = math.exp if log else float
        lo, hi = f(min(values)), f(max(values))
        full = f(high) - f(low)
        span = max(hi - lo, self.min_width * full)
        mid = (lo + hi) / 2
        lo, hi = min(lo, mid - span / 2), max(hi, mid + span / 2)
        lo, hi = lo - self.margin * span, hi + self.margin * span
        new_lo, new_hi = max(low, inv(lo)), min(high, inv(hi))
        if not new_lo < new_hi:  # the top values sit on a bound: keep a sliver inside
            return (low, high)
        return new_lo, new_hi


def _same(a: Any, b: Any) -> bool:
    return (
        a is b
        or (type(a) is type(b) and a == b)
        or (
            isinstance(a, (int, float))
            and not isinstance(a, bool)
            and isinstance(b, (int, float))
            and not isinstance(b, bool)
            and a == b
        )
    )


def _set(tree: dict[str, Any], path: Path, value: Any) -> None:
    """Sets ``value`` at ``path``, copying the containers on the way (the original space's
    nested dicts and lists are never modified)."""
    node: Any = tree
    for p in path[:-1]:
        child = node[p]
        child = dict(child) if isinstance(child, Mapping) else list(child)
        node[p] = child
        node = child
    node[path[-1]] = value


__all__ = ["Narrow"]
