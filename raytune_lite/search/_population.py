"""Shared helpers of the population and local searchers (genetic, particle swarm, local).

A :class:`Codec` views a :class:`~raytune_lite.space.Space` as an ordered list of
*dimensions*: every sampled domain, then every grid axis (treated as one more categorical
dimension: these searchers do not expand grids). A *genome* is the list of a config's raw
values at those dimensions; the codec maps genomes to and from the unit cube, to and from JSON,
and assembles a full config from a genome (constants set, nested dicts rebuilt, ``sample_from``
values recomputed from the assembled config).

The codec assembles configs itself rather than decoding a unit vector with ``Space.decode``,
so that a value copied from a parent stays bit-identical (a float's ``from_unit(to_unit(v))``
may move it by an ulp on log scales).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from raytune_lite.space import (
    Categorical,
    Domain,
    Path,
    Space,
    get_path,
    path_key,
    resolve_nested,
    set_path,
    skeleton,
)
from raytune_lite.trial import Mode, metric_value

Genome = list[Any]

__all__ = [
    "Codec",
    "Genome",
    "check_float",
    "reflect",
    "score_of",
    "tournament",
    "unit_direction",
]


# -- argument validation ---------------------------------------------------------------------


def check_float(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a float, or a ValueError naming it and the accepted range."""
    lo_b, hi_b = ("(" if low_open else "["), (")" if high_open else "]")
    accepted = f"{lo_b}{'-inf' if low is None else low}, {'inf' if high is None else high}{hi_b}"
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number in {accepted}; got {name}={value!r}")
    v = float(value)
    ok = math.isfinite(v)
    if low is not None:
        ok = ok and (v > low if low_open else v >= low)
    if high is not None:
        ok = ok and (v < high if high_open else v <= high)
    if not ok:
        raise ValueError(f"{name} must be a number in {accepted}; got {name}={value!r}")
    return v


# -- small numeric helpers --------------------------------------------------------------------


def score_of(row: Mapping[str, Any] | None, metric: str | None, mode: Mode) -> float | None:
    """The row's metric turned into a value to minimize, or None (missing, NaN, inf)."""
    v = metric_value(dict(row) if row is not None else None, metric)
    return None if v is None else mode.sign() * v


def reflect(u: np.ndarray) -> np.ndarray:
    """Folds every coordinate back into ``[0, 1]`` by mirroring at the bounds."""
    r = np.mod(np.asarray(u, dtype=float), 2.0)
    return np.where(r > 1.0, 2.0 - r, r)


def unit_direction(dim: int, rng: np.random.Generator) -> np.ndarray:
    """A direction drawn uniformly on the unit sphere of ``R^dim``."""
    while True:
        g = rng.standard_normal(dim)
        n = float(np.linalg.norm(g))
        if n > 1e-12:
            return g / n


def tournament(scores: Sequence[float], size: int, rng: np.random.Generator) -> int:
    """Index of the best (lowest) of ``size`` entries drawn without replacement."""
    k = min(size, len(scores))
    picks = rng.choice(len(scores), size=k, replace=False)
    return int(min(picks, key=lambda i: (scores[int(i)], int(i))))


# -- config assembly ----------------------------------------------------------------------------


class Codec:
    """Genomes (raw values per dimension) <-> unit vectors, JSON and full configs.

    Args:
        space: the search space.

    Example:
        >>> import numpy as np
        >>> from raytune_lite.space import Space, choice, sample_from, uniform
        >>> c = Codec(Space({"a": {"x": uniform(0, 2)}, "k": choice(["p", "q"]),
        ...                  "y": sample_from(lambda cfg: cfg["a"]["x"] * 10)}))
        >>> c.keys
        ['a/x', 'k']
        >>> c.config([0.5, "q"], np.random.default_rng(0))
        {'a': {'x': 0.5}, 'k': 'q', 'y': 5.0}
        >>> c.encode([0.5, "q"]).tolist()
        [0.25, 0.75]
    """

    def __init__(self, space: Space):
        self.space = space
        self.paths: list[Path] = list(space.domains) + list(space.grid_axes)
        self.domains: list[Domain] = list(space.domains.values()) + list(space.grid_axes.values())
        self.categorical = np.array([d.categorical for d in self.domains], dtype=bool)

    @property
    def dim(self) -> int:
        """Number of dimensions (sampled domains plus grid axes)."""
        return len(self.paths)

    @property
    def keys(self) -> list[str]:
        """Flat names of the dimensions, in order."""
        return [path_key(p) for p in self.paths]

    # -- genomes ---------------------------------------------------------------------------
    def genome(self, config: Mapping[str, Any]) -> Genome:
        """The config's values at the dimensions (a missing key gets a random-free default:
        the domain's value at the centre of the unit interval)."""
        out: Genome = []
        for p, d in zip(self.paths, self.domains, strict=True):
            try:
                out.append(get_path(config, p))
            except (KeyError, IndexError, TypeError):
                out.append(d.from_unit(0.5))
        return out

    def random(self, rng: np.random.Generator) -> Genome:
        """A genome with every value drawn from its domain."""
        return [d.sample(rng) for d in self.domains]

    def value_unit(self, i: int, value: Any) -> float:
        """Dimension ``i``'s value mapped into ``[0, 1]``."""
        d = self.domains[i]
        if isinstance(d, Categorical):
            try:
                return d.to_unit(value)
            except ValueError:
                # a resolved sub-space (a choice among dicts holding domains): match by keys
                for j, c in enumerate(d.choices):
                    if (
                        isinstance(c, Mapping)
                        and isinstance(value, Mapping)
                        and set(c) == set(value)
                    ):
                        return (j + 0.5) / len(d.choices)
                return 0.5
        return d.to_unit(value)

    def encode(self, genome: Sequence[Any]) -> np.ndarray:
        """The genome as a vector of ``[0, 1]^dim``."""
        return np.array([self.value_unit(i, v) for i, v in enumerate(genome)], dtype=float)

    def decode(self, u: Sequence[float] | np.ndarray) -> Genome:
        """The genome of a unit vector (clipped into the cube)."""
        return [d.from_unit(float(x)) for d, x in zip(self.domains, u, strict=True)]

    # -- configs ---------------------------------------------------------------------------
    def config(self, genome: Sequence[Any], rng: np.random.Generator) -> dict[str, Any]:
        """The full config: constants, the genome's values, then ``sample_from`` values
        computed on the assembled config (domains nested in a chosen value are sampled)."""
        space = self.space
        config: dict[str, Any] = skeleton(space.param_space)
        for p, v in space.constants.items():
            set_path(config, p, v)
        for p, v in zip(self.paths, genome, strict=True):
            set_path(config, p, resolve_nested(v, rng))
        for p, cond in space.conditionals.items():
            set_path(config, p, resolve_nested(cond.fn(config), rng))
        return config

    # -- JSON ------------------------------------------------------------------------------
    def to_json(self, genome: Sequence[Any]) -> list[Any]:
        """A JSON-able form: categorical values by their index among the choices (so that
        tuples and other non-JSON choices survive), numbers as Python numbers."""
        out: list[Any] = []
        for d, v in zip(self.domains, genome, strict=True):
            if isinstance(d, Categorical):
                try:
                    out.append({"index": d.index(v)})
                except ValueError:
                    out.append({"value": v})
            elif isinstance(v, (np.integer, np.floating)):
                out.append(v.item())
            else:
                out.append(v)
        return out

    def from_json(self, data: Sequence[Any]) -> Genome:
        """Inverse of :meth:`to_json`."""
        out: Genome = []
        for d, v in zip(self.domains, data, strict=True):
            if isinstance(d, Categorical):
                out.append(d.choices[int(v["index"])] if "index" in v else v["value"])
            else:
                out.append(v)
        return out
