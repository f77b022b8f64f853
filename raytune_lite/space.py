"""Search spaces: nested and conditional spaces, grid expansion, [0, 1] encoding.

A *param space* is a nested dict (or list) whose leaves are constants or :class:`Domain`
objects (defined in :mod:`raytune_lite.domains`, re-exported here). :class:`Space` flattens it
into paths (``"model/lr"``), samples it with a numpy Generator, expands grid axes, and maps the
numeric part to and from the unit cube so that model-based searchers work on one encoding.

Example:
    >>> import numpy as np
    >>> import raytune_lite as rt
    >>> space = rt.Space({"lr": rt.loguniform(1e-4, 1e-1), "layers": rt.randint(1, 4),
    ...                   "act": rt.choice(["relu", "tanh"])})
    >>> cfg = space.sample(np.random.default_rng(0))
    >>> sorted(cfg)
    ['act', 'layers', 'lr']
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from raytune_lite.constructors import (
    choice,
    domain_from_json,
    grid,
    lograndint,
    loguniform,
    qlograndint,
    qloguniform,
    qrandint,
    quniform,
    randint,
    sample_from,
    uniform,
)
from raytune_lite.domains import (
    Categorical,
    Domain,
    Float,
    Grid,
    Integer,
    SampleFrom,
    _jsonable,
    value_matches,
)

Path = tuple[str | int, ...]

__all__ = [
    "Categorical",
    "Domain",
    "Float",
    "Grid",
    "Integer",
    "Path",
    "SampleFrom",
    "Space",
    "choice",
    "flatten",
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
    "get_path",
    "path_key",
    "resolve_nested",
    "set_path",
    "skeleton",
    "value_matches",
]


# -- the space ------------------------------------------------------------------------------


def path_key(path: Path) -> str:
    """The flat name of a path: ``("model", "lr") -> "model/lr"``."""
    return "/".join(str(p) for p in path)


def _walk(node: Any, prefix: Path, leaves: Collection[Path] = ()) -> Iterator[tuple[Path, Any]]:
    """``(path, leaf)`` for every leaf of nested dicts/lists; a path in ``leaves`` is a leaf
    whatever its value (a dict chosen from a choice of sub-spaces is not walked into)."""
    if prefix in leaves:
        yield prefix, node
    elif isinstance(node, Mapping):
        for k, v in node.items():
            if not isinstance(k, str):
                raise TypeError(
                    f"param_space keys must be strings; got {k!r} at {path_key(prefix) or '<root>'}"
                )
            if "/" in k:
                raise ValueError(f"param_space keys may not contain '/'; got {k!r}")
            yield from _walk(v, (*prefix, k), leaves)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, (*prefix, i), leaves)
    else:
        yield prefix, node


def set_path(root: Any, path: Path, value: Any) -> None:
    """Sets the value at ``path`` in nested dicts/lists (the containers must exist)."""
    node = root
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value


def get_path(root: Any, path: Path) -> Any:
    """The value at ``path`` in nested dicts/lists."""
    node = root
    for p in path:
        node = node[p]
    return node


def skeleton(node: Any) -> Any:
    """The nested dicts/lists of ``node`` with every leaf set to None (to fill by path)."""
    if isinstance(node, Mapping):
        return {k: skeleton(v) for k, v in node.items()}
    if isinstance(node, list):
        return [skeleton(v) for v in node]
    return None


def resolve_nested(value: Any, rng: np.random.Generator) -> Any:
    """Samples the domains nested inside a value (a chosen sub-space, or what a conditional
    returned); constants stay as they are."""
    if isinstance(value, Domain) and not isinstance(value, SampleFrom):
        return resolve_nested(value.sample(rng), rng)
    if isinstance(value, Mapping):
        return {k: resolve_nested(v, rng) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_nested(v, rng) for v in value]
    return value


class Space:
    """A param space, flattened: domains, constants, grid axes and conditional values.

    Args:
        param_space: nested dicts/lists of constants and domains.

    Example:
        >>> import numpy as np, raytune_lite as rt
        >>> s = rt.Space({"opt": {"lr": rt.uniform(0, 1)}, "bs": rt.grid([16, 32])})
        >>> s.keys, s.grid_size
        (['opt/lr'], 2)
        >>> u = s.encode({"opt": {"lr": 0.25}, "bs": 16})
        >>> s.decode(u, np.random.default_rng(0), grid_point={"bs": 32})["opt"]["lr"]
        0.25
    """

    def __init__(self, param_space: Mapping[str, Any] | None = None):
        if param_space is None:
            param_space = {}
        if not isinstance(param_space, Mapping):
            raise TypeError(
                f"param_space must be a dict; got {type(param_space).__name__}: {param_space!r}"
            )
        self.param_space = param_space
        self.constants: dict[Path, Any] = {}
        self.domains: dict[Path, Domain] = {}
        self.grid_axes: dict[Path, Grid] = {}
        self.conditionals: dict[Path, SampleFrom] = {}
        for path, leaf in _walk(param_space, ()):
            if isinstance(leaf, Grid):
                self.grid_axes[path] = leaf
            elif isinstance(leaf, SampleFrom):
                self.conditionals[path] = leaf
            elif isinstance(leaf, Domain):
                self.domains[path] = leaf
            else:
                self.constants[path] = leaf
        self._skeleton = skeleton(param_space)

    # -- description ---------------------------------------------------------------------
    @property
    def keys(self) -> list[str]:
        """Flat names of the sampled (encodable) dimensions, in encoding order."""
        return [path_key(p) for p in self.domains]

    @property
    def dim(self) -> int:
        """Number of encodable dimensions."""
        return len(self.domains)

    @property
    def grid_size(self) -> int:
        """Number of points in the cartesian product of the grid axes (1 without any)."""
        return int(np.prod([len(g.choices) for g in self.grid_axes.values()], dtype=np.int64))

    def grid_point(self, i: int) -> dict[Path, Any]:
        """The ``i``-th combination of the grid axes (in :meth:`grid_points` order), made
        without listing the others: a 1000 x 1000 x 1000 grid costs nothing to hold.

        Example:
            >>> import raytune_lite as rt
            >>> s = rt.Space({"a": rt.grid([1, 2]), "b": rt.grid(["x", "y", "z"])})
            >>> [s.grid_point(i) for i in (0, 1, 5)] == list(s.grid_points())[0:2] + [
            ...     list(s.grid_points())[5]]
            True
        """
        point: dict[Path, Any] = {}
        for p in reversed(list(self.grid_axes)):
            choices = self.grid_axes[p].choices
            i, k = divmod(i, len(choices))
            point[p] = choices[k]
        return {p: point[p] for p in self.grid_axes}

    def grid_points(self) -> Iterator[dict[Path, Any]]:
        """Every combination of the grid axes, as ``{path: value}``."""
        paths = list(self.grid_axes)
        for combo in itertools.product(*(self.grid_axes[p].choices for p in paths)):
            yield dict(zip(paths, combo, strict=True))

    def to_json(self) -> Any:
        """A JSON-able description of the space (:meth:`from_json` reads it back)."""
        return _jsonable(self.param_space)

    @classmethod
    def from_json(cls, data: Any) -> Space:
        """The space that :meth:`to_json` described.

        Raises:
            ValueError: the space held ``sample_from`` values, whose functions are not stored.

        Example:
            >>> import raytune_lite as rt
            >>> s = rt.Space({"lr": rt.loguniform(1e-4, 1e-1), "act": rt.choice(["a", "b"])})
            >>> Space.from_json(s.to_json()).to_json() == s.to_json()
            True
        """
        return cls(domain_from_json(data))

    # -- sampling ------------------------------------------------------------------------
    def sample(
        self, rng: np.random.Generator, grid_point: Mapping[Path, Any] | None = None
    ) -> dict[str, Any]:
        """Draws one config; grid axes take ``grid_point``'s values (else are sampled)."""
        values = {p: d.sample(rng) for p, d in self.domains.items()}
        return self._assemble(values, rng, grid_point)

    def encode(self, config: Mapping[str, Any]) -> np.ndarray:
        """The config's encodable values as a vector in ``[0, 1]^dim``."""
        return np.array(
            [d.to_unit(get_path(config, p)) for p, d in self.domains.items()], dtype=float
        )

    def decode(
        self,
        u: Sequence[float] | np.ndarray,
        rng: np.random.Generator,
        grid_point: Mapping[Path, Any] | None = None,
    ) -> dict[str, Any]:
        """The config for a vector of the unit cube (conditionals resolved with ``rng``)."""
        u = np.asarray(u, dtype=float)
        if u.shape != (self.dim,):
            raise ValueError(f"expected a vector of {self.dim} values; got shape {u.shape}")
        values = {p: d.from_unit(x) for (p, d), x in zip(self.domains.items(), u, strict=True)}
        return self._assemble(values, rng, grid_point)

    def _assemble(
        self,
        values: Mapping[Path, Any],
        rng: np.random.Generator,
        grid_point: Mapping[Path, Any] | None,
    ) -> dict[str, Any]:
        config: dict[str, Any] = skeleton(self.param_space)
        for p, v in self.constants.items():
            set_path(config, p, v)
        for p, v in values.items():
            set_path(config, p, resolve_nested(v, rng))
        for p, g in self.grid_axes.items():
            v = grid_point[p] if grid_point is not None and p in grid_point else g.sample(rng)
            set_path(config, p, resolve_nested(v, rng))
        for p, cond in self.conditionals.items():
            v = cond.fn(config)
            set_path(config, p, resolve_nested(v, rng))
        return config

    def complete(self, partial: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
        """A full config from a partial one: given values kept, missing ones sampled,
        constants filled and conditional values computed (for ``points_to_evaluate``)."""
        if not isinstance(partial, Mapping):
            raise TypeError(f"a point to evaluate must be a dict; got {partial!r}")
        known = {**self.domains, **self.grid_axes, **self.constants, **self.conditionals}
        given = dict(_walk(partial, (), known))
        unknown = [path_key(p) for p in given if p not in known]
        if unknown:
            raise ValueError(
                f"point {dict(partial)!r} has keys that are not in the param_space: "
                f"{unknown}; known keys: {[path_key(p) for p in self.domains]}"
            )
        checked = {**self.domains, **self.grid_axes}
        problems = [
            msg
            for p, v in given.items()
            if p in checked and (msg := _problem(p, checked[p], v)) is not None
        ]
        if problems:  # before any conditional value sees the config
            raise ValueError(
                f"point {dict(partial)!r} does not fit the param_space: " + "; ".join(problems)
            )
        values = {p: given.get(p, d.sample(rng)) for p, d in self.domains.items()}
        grid_point = {p: given[p] for p in self.grid_axes if p in given}
        config = self._assemble(values, rng, grid_point)
        for p, v in given.items():
            if p in self.constants or p in self.conditionals:
                set_path(config, p, v)
        return config

    def contains(self, config: Mapping[str, Any]) -> list[str]:
        """Problems of ``config`` against this space (missing keys, out-of-range values).

        A value of a ``choice`` among sub-spaces fits when it could have been sampled from one
        of the options (see :func:`~raytune_lite.domains.value_matches`).
        """
        problems = []
        for p, d in {**self.domains, **self.grid_axes}.items():
            try:
                v = get_path(config, p)
            except (KeyError, IndexError, TypeError):
                problems.append(f"missing {path_key(p)!r}")
                continue
            problem = _problem(p, d, v)
            if problem is not None:
                problems.append(problem)
        return problems


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_))


def _problem(path: Path, d: Domain, v: Any) -> str | None:
    """Why ``v`` is not a value of ``d`` (None if it is, or if ``d`` is not checked)."""
    if isinstance(d, Categorical):
        try:
            d.match_index(v)
        except ValueError:
            return f"{path_key(path)}={v!r} is not one of {d.choices!r}"
    elif isinstance(d, Integer):
        if not d.contains(v):
            on_range = _is_number(v) and d.low <= v < d.high
            where = "not one of the values of" if on_range else "outside"
            return f"{path_key(path)}={v!r} is {where} {d!r}"
    elif isinstance(d, Float) and not (_is_number(v) and d.low <= v <= d.high):
        return f"{path_key(path)}={v!r} is outside {d!r}"
    return None


def flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}} -> {"a/b": 1}`` (lists by index); used for DataFrame columns."""
    out: dict[str, Any] = {}
    for path, leaf in _walk(config, ()):
        out[prefix + path_key(path)] = leaf
    return out
