"""The GP searcher's encoding of a :class:`~raytune_lite.space.Space`.

Every sampled domain and grid axis becomes columns of a *model vector*:

* a float (linear or log) -> one continuous column, its domain's ``to_unit`` value;
* an integer or a quantized float -> one *discrete* column whose values are snapped to the
  unit values of the allowed levels (the kernel sees the snapped value, so the model knows
  that nearby points are the same config; Garrido-Merchán & Hernández-Lobato 2020). Past
  :data:`MAX_LEVELS` levels the column is treated as continuous (decoding still rounds);
* a categorical (``choice``) or a grid axis -> one-hot columns, decoded by argmax; but a
  ``choice`` of sorted numbers is *ordinal* (:mod:`.._ordinal`): one discrete column, its
  choices equally spaced by rank.

Values computed by ``sample_from`` are not modelled: :meth:`Encoding.decode` rebuilds them
from the rest, as ``Space.sample`` does. Domains nested inside a chosen value are sampled.

Example:
    >>> import numpy as np, raytune_lite as rt
    >>> enc = Encoding(rt.Space({"n": rt.randint(0, 4), "act": rt.choice(["a", "b"])}))
    >>> x = enc.encode({"n": 2, "act": "b"})
    >>> x.tolist(), enc.decode(x, np.random.default_rng(0))
    ([0.625, 0.0, 1.0], {'n': 2, 'act': 'b'})
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from raytune_lite.search._bo.acquisition import Layout
from raytune_lite.search._ordinal import Ordinal, as_modelled
from raytune_lite.space import Categorical, Domain, Float, Integer, Path, Space

__all__ = ["MAX_LEVELS", "Encoding"]

#: integer / quantized domains with more levels than this are modelled as continuous
MAX_LEVELS = 4096


@dataclass(frozen=True)
class _Param:
    path: Path
    domain: Domain
    cols: tuple[int, ...]
    grid: bool = False

    @property
    def categorical(self) -> bool:
        return isinstance(self.domain, Categorical)


def _levels(d: Domain) -> tuple[np.ndarray, np.ndarray] | None:
    """Unit values of a discrete domain's levels and the unit thresholds between them."""
    if isinstance(d, Ordinal):
        points, edges = d.cells()
        return points, edges[1:-1]
    if isinstance(d, Integer):
        if d.size > MAX_LEVELS:
            return None
        ks = np.arange(d.low, d.last + 1, d.step)  # value k owns the cell [k, k + step)
        fwd = np.log if d.log else (lambda v: np.asarray(v, dtype=float))
        a, b = float(fwd(d.low)), float(fwd(d.last + d.step))
        levels = np.array([d.to_unit(int(k)) for k in ks])
        edges = (fwd(ks[1:].astype(float)) - a) / (b - a)
        return levels, np.asarray(edges, dtype=float)
    if isinstance(d, Float) and d.q is not None:
        lo = math.ceil(d.low / d.q - 1e-9)
        hi = math.floor(d.high / d.q + 1e-9)
        if hi - lo + 1 > MAX_LEVELS:
            return None
        values = np.array([round(k * d.q, 12) for k in range(lo, hi + 1)])
        values = np.clip(values, d.low, d.high)
        levels = np.array([d.to_unit(v) for v in values])
        edges = np.array([d.to_unit(v) for v in (values[1:] + values[:-1]) / 2])
        return levels, edges
    return None


def _get(config: Mapping[str, Any], path: Path) -> Any:
    node: Any = config
    for p in path:
        node = node[p]
    return node


class Encoding:
    """Maps configs of ``space`` to model vectors and back (see the module docstring).

    Args:
        space: the search space.
    """

    def __init__(self, space: Space):
        self.space = space
        self.params: list[_Param] = []
        layout = Layout(dim=0)
        col = 0
        items = [(p, d, False) for p, d in space.domains.items()]
        items += [(p, g, True) for p, g in space.grid_axes.items()]
        for path, d, is_grid in items:
            if not is_grid:
                d = as_modelled(d)  # a choice of sorted numbers is ordered
            if isinstance(d, Categorical):
                cols = tuple(range(col, col + len(d.choices)))
                layout.onehot.append(list(cols))
            else:
                cols = (col,)
                lv = _levels(d)
                if lv is None:
                    layout.continuous.append(col)
                else:
                    layout.discrete.append((col, lv[0], lv[1]))
            self.params.append(_Param(path, d, cols, is_grid))
            col += len(cols)
        layout.dim = col
        self.layout = layout

    @property
    def dim(self) -> int:
        """Number of model columns."""
        return self.layout.dim

    @property
    def n_params(self) -> int:
        """Number of parameters (the dimension of the quasi-random initial design)."""
        return len(self.params)

    def from_raw(self, u: np.ndarray) -> np.ndarray:
        """Model vectors from points of ``[0, 1]^n_params`` (one coordinate per parameter;
        a categorical takes choice ``floor(u * n)``)."""
        u = np.atleast_2d(np.asarray(u, dtype=float))
        x = np.zeros((len(u), self.dim))
        for i, p in enumerate(self.params):
            if p.categorical:
                n = len(p.cols)
                pick = np.minimum((u[:, i] * n).astype(int), n - 1)
                x[np.arange(len(u)), np.asarray(p.cols)[pick]] = 1.0
            else:
                x[:, p.cols[0]] = u[:, i]
        return self.layout.snap(x)

    def encode(self, config: Mapping[str, Any]) -> np.ndarray | None:
        """The model vector of ``config``, or None if it does not fit the space."""
        x = np.zeros(self.dim)
        try:
            for p in self.params:
                v = _get(config, p.path)
                if isinstance(p.domain, Categorical):
                    x[p.cols[p.domain.index(v)]] = 1.0
                elif isinstance(p.domain, Ordinal):
                    x[p.cols[0]] = p.domain.to_unit(v)
                else:
                    fv = float(v)
                    if not math.isfinite(fv):
                        return None
                    x[p.cols[0]] = p.domain.to_unit(fv)
        except (KeyError, IndexError, TypeError, ValueError):
            return None
        return self.layout.snap(x[None, :])[0]

    def decode(self, x: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
        """The config of model vector ``x`` (conditional values computed, nested domains
        sampled with ``rng``)."""
        values: dict[Path, Any] = {}
        grid_point: dict[Path, Any] = {}
        for p in self.params:
            if isinstance(p.domain, Categorical):
                v = p.domain.choices[int(np.argmax(x[list(p.cols)]))]
            else:
                v = p.domain.from_unit(float(x[p.cols[0]]))
            (grid_point if p.grid else values)[p.path] = v
        return self.space._assemble(values, rng, grid_point)
