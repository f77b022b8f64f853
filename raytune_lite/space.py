"""Search spaces: domains, nested and conditional spaces, grid expansion, [0, 1] encoding.

A *param space* is a nested dict (or list) whose leaves are constants or :class:`Domain`
objects. :class:`Space` flattens it into paths (``"model/lr"``), samples it with a numpy
Generator, expands grid axes, and maps the numeric part to and from the unit cube so that
model-based searchers work on one encoding.

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
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

Path = tuple[str | int, ...]

__all__ = [
    "Categorical", "Domain", "Float", "Grid", "Integer", "SampleFrom", "Space",
    "choice", "grid", "lograndint", "loguniform", "qloguniform", "quniform", "randint",
    "sample_from", "uniform", "path_key",
]


def _check_number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number; got {name}={value!r}")
    if not math.isfinite(float(value)):
        raise ValueError(f"{name} must be finite; got {name}={value!r}")
    return float(value)


class Domain(ABC):
    """One hyperparameter's set of values, sampled with a numpy Generator.

    Every domain maps its values to and from ``[0, 1]`` (:meth:`to_unit` / :meth:`from_unit`);
    ``from_unit(to_unit(v)) == v`` for every value ``v`` of the domain.
    """

    #: ``True`` for domains whose values have no order (model-based searchers one-hot them).
    categorical: bool = False

    @abstractmethod
    def sample(self, rng: np.random.Generator) -> Any:
        """Draws one value."""

    @abstractmethod
    def to_unit(self, value: Any) -> float:
        """Maps a value of this domain into ``[0, 1]``."""

    @abstractmethod
    def from_unit(self, u: float) -> Any:
        """Maps ``u`` in ``[0, 1]`` (clipped) back to a value of this domain."""

    @abstractmethod
    def to_json(self) -> dict[str, Any]:
        """A JSON-able description (for experiment.json and display)."""


class Float(Domain):
    """A real number in ``[low, high]``, optionally log-scaled and/or quantized to ``q``."""

    def __init__(self, low: float, high: float, *, log: bool = False, q: float | None = None):
        self.low = _check_number("low", low)
        self.high = _check_number("high", high)
        if not self.low < self.high:
            raise ValueError(f"Float domain needs low < high; got {low=}, {high=}")
        if log and self.low <= 0:
            raise ValueError(f"a log-scaled domain needs low > 0; got {low=}")
        if q is not None:
            q = _check_number("q", q)
            if q <= 0:
                raise ValueError(f"quantization step must be > 0; got {q=}")
            if q > self.high - self.low:
                raise ValueError(f"quantization step must be <= high - low; got {q=}, "
                                 f"{low=}, {high=}")
        self.log = log
        self.q = q

    def _fwd(self, x: float) -> float:
        return math.log(x) if self.log else x

    def _inv(self, y: float) -> float:
        return math.exp(y) if self.log else y

    def _quantize(self, x: float) -> float:
        if self.q is None:
            return float(min(max(x, self.low), self.high))
        v = round(x / self.q) * self.q
        lo = math.ceil(self.low / self.q - 1e-9) * self.q
        hi = math.floor(self.high / self.q + 1e-9) * self.q
        return float(round(min(max(v, lo), hi), 12))

    def sample(self, rng: np.random.Generator) -> float:
        return self.from_unit(float(rng.random()))

    def to_unit(self, value: Any) -> float:
        x = min(max(float(value), self.low), self.high)
        a, b = self._fwd(self.low), self._fwd(self.high)
        return float(min(max((self._fwd(x) - a) / (b - a), 0.0), 1.0))

    def from_unit(self, u: float) -> float:
        u = min(max(float(u), 0.0), 1.0)
        a, b = self._fwd(self.low), self._fwd(self.high)
        return self._quantize(self._inv(a + u * (b - a)))

    def to_json(self) -> dict[str, Any]:
        return {"__domain__": "float", "low": self.low, "high": self.high, "log": self.log, "q": self.q}

    def __repr__(self) -> str:
        fn = "loguniform" if self.log else "uniform"
        if self.q is not None:
            fn = "q" + fn
            return f"{fn}({self.low!r}, {self.high!r}, {self.q!r})"
        return f"{fn}({self.low!r}, {self.high!r})"


class Integer(Domain):
    """An integer in ``[low, high)`` (``high`` excluded, as in ``numpy`` and Ray Tune)."""

    def __init__(self, low: int, high: int, *, log: bool = False):
        for name, v in (("low", low), ("high", high)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"Integer domain bounds must be ints; got {name}={v!r}")
        self.low, self.high = int(low), int(high)
        if not self.low < self.high:
            raise ValueError(f"Integer domain needs low < high (high is excluded); "
                             f"got {low=}, {high=}")
        if log and self.low <= 0:
            raise ValueError(f"a log-scaled domain needs low > 0; got {low=}")
        self.log = log

    def _edges(self) -> tuple[float, float]:
        # Each integer k owns the interval [k, k+1) (or its log image), so the unit cube
        # is split fairly between the values.
        if self.log:
            return math.log(self.low), math.log(self.high)
        return float(self.low), float(self.high)

    def sample(self, rng: np.random.Generator) -> int:
        return self.from_unit(float(rng.random()))

    def to_unit(self, value: Any) -> float:
        k = min(max(int(round(float(value))), self.low), self.high - 1)
        a, b = self._edges()
        lo = math.log(k) if self.log else float(k)
        hi = math.log(k + 1) if self.log else float(k + 1)
        return float(((lo + hi) / 2 - a) / (b - a))

    def from_unit(self, u: float) -> int:
        u = min(max(float(u), 0.0), 1.0)
        a, b = self._edges()
        y = a + u * (b - a)
        x = math.exp(y) if self.log else y
        return int(min(max(math.floor(x + 1e-12), self.low), self.high - 1))

    def to_json(self) -> dict[str, Any]:
        return {"__domain__": "int", "low": self.low, "high": self.high, "log": self.log}

    def __repr__(self) -> str:
        return f"{'lograndint' if self.log else 'randint'}({self.low}, {self.high})"


class Categorical(Domain):
    """One of a fixed list of values (any JSON-able values; dicts may nest domains)."""

    categorical = True

    def __init__(self, choices: Sequence[Any]):
        if isinstance(choices, (str, bytes, Mapping)) or not isinstance(choices, Sequence):
            raise TypeError(f"choices must be a non-empty list; got {choices!r}")
        if len(choices) == 0:
            raise ValueError(f"choices must be a non-empty list; got {choices!r}")
        self.choices = list(choices)

    def sample(self, rng: np.random.Generator) -> Any:
        return self.choices[int(rng.integers(len(self.choices)))]

    def index(self, value: Any) -> int:
        """Position of ``value`` among the choices (ValueError if absent)."""
        for i, c in enumerate(self.choices):
            if c is value or c == value:
                return i
        raise ValueError(f"{value!r} is not one of the choices {self.choices!r}")

    def to_unit(self, value: Any) -> float:
        return (self.index(value) + 0.5) / len(self.choices)

    def from_unit(self, u: float) -> Any:
        n = len(self.choices)
        return self.choices[min(max(int(math.floor(float(u) * n)), 0), n - 1)]

    def to_json(self) -> dict[str, Any]:
        return {"__domain__": "choice", "choices": [_jsonable(c) for c in self.choices]}

    def __repr__(self) -> str:
        return f"choice({self.choices!r})"


class Grid(Categorical):
    """A grid axis: every value is tried (cartesian product with the other grid axes)."""

    def to_json(self) -> dict[str, Any]:
        return {"__domain__": "grid", "values": [_jsonable(c) for c in self.choices]}

    def __repr__(self) -> str:
        return f"grid({self.choices!r})"


class SampleFrom(Domain):
    """A value computed from the rest of the config: ``fn(config)``.

    ``fn`` receives the config with every other value already sampled; it may return a
    plain value or a :class:`Domain`, which is then sampled.
    """

    def __init__(self, fn: Callable[[dict[str, Any]], Any]):
        if not callable(fn):
            raise TypeError(f"sample_from needs a callable taking the config; got {fn!r}")
        self.fn = fn

    def sample(self, rng: np.random.Generator) -> Any:  # pragma: no cover - resolved by Space
        raise TypeError("sample_from values are resolved by Space.sample, with the config")

    def to_unit(self, value: Any) -> float:
        raise TypeError("sample_from values are not encoded")

    def from_unit(self, u: float) -> Any:
        raise TypeError("sample_from values are not encoded")

    def to_json(self) -> dict[str, Any]:
        return {"__domain__": "sample_from", "fn": getattr(self.fn, "__qualname__", repr(self.fn))}

    def __repr__(self) -> str:
        return f"sample_from({getattr(self.fn, '__qualname__', self.fn)!r})"


# -- constructors ---------------------------------------------------------------------------

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


# -- the space ------------------------------------------------------------------------------

def path_key(path: Path) -> str:
    """The flat name of a path: ``("model", "lr") -> "model/lr"``."""
    return "/".join(str(p) for p in path)


def _jsonable(v: Any) -> Any:
    if isinstance(v, Domain):
        return v.to_json()
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (np.integer, np.floating, np.bool_)):
        return v.item()
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return repr(v)


def _walk(node: Any, prefix: Path) -> Iterator[tuple[Path, Any]]:
    if isinstance(node, Mapping):
        for k, v in node.items():
            if not isinstance(k, str):
                raise TypeError(f"param_space keys must be strings; got {k!r} at "
                                f"{path_key(prefix) or '<root>'}")
            if "/" in k:
                raise ValueError(f"param_space keys may not contain '/'; got {k!r}")
            yield from _walk(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, prefix + (i,))
    else:
        yield prefix, node


def _set(root: Any, path: Path, value: Any) -> None:
    node = root
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value


def _get(root: Any, path: Path) -> Any:
    node = root
    for p in path:
        node = node[p]
    return node


def _skeleton(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {k: _skeleton(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_skeleton(v) for v in node]
    return None


def _resolve_nested(value: Any, rng: np.random.Generator) -> Any:
    """Samples domains nested inside a chosen value (e.g. a choice of sub-spaces)."""
    if isinstance(value, Domain) and not isinstance(value, SampleFrom):
        return _resolve_nested(value.sample(rng), rng)
    if isinstance(value, Mapping):
        return {k: _resolve_nested(v, rng) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_nested(v, rng) for v in value]
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
            raise TypeError(f"param_space must be a dict; got {type(param_space).__name__}: "
                            f"{param_space!r}")
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
        self._skeleton = _skeleton(param_space)

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

    def grid_points(self) -> Iterator[dict[Path, Any]]:
        """Every combination of the grid axes, as ``{path: value}``."""
        paths = list(self.grid_axes)
        for combo in itertools.product(*(self.grid_axes[p].choices for p in paths)):
            yield dict(zip(paths, combo, strict=True))

    def to_json(self) -> Any:
        """A JSON-able description of the space."""
        return _jsonable(self.param_space)

    # -- sampling ------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator,
               grid_point: Mapping[Path, Any] | None = None) -> dict[str, Any]:
        """Draws one config; grid axes take ``grid_point``'s values (else are sampled)."""
        values = {p: d.sample(rng) for p, d in self.domains.items()}
        return self._assemble(values, rng, grid_point)

    def encode(self, config: Mapping[str, Any]) -> np.ndarray:
        """The config's encodable values as a vector in ``[0, 1]^dim``."""
        return np.array([d.to_unit(_get(config, p)) for p, d in self.domains.items()],
                        dtype=float)

    def decode(self, u: Sequence[float] | np.ndarray, rng: np.random.Generator,
               grid_point: Mapping[Path, Any] | None = None) -> dict[str, Any]:
        """The config for a vector of the unit cube (conditionals resolved with ``rng``)."""
        u = np.asarray(u, dtype=float)
        if u.shape != (self.dim,):
            raise ValueError(f"expected a vector of {self.dim} values; got shape {u.shape}")
        values = {p: d.from_unit(x) for (p, d), x in zip(self.domains.items(), u, strict=True)}
        return self._assemble(values, rng, grid_point)

    def _assemble(self, values: Mapping[Path, Any], rng: np.random.Generator,
                  grid_point: Mapping[Path, Any] | None) -> dict[str, Any]:
        config: dict[str, Any] = _skeleton(self.param_space)
        for p, v in self.constants.items():
            _set(config, p, v)
        for p, v in values.items():
            _set(config, p, _resolve_nested(v, rng))
        for p, g in self.grid_axes.items():
            v = grid_point[p] if grid_point is not None and p in grid_point else g.sample(rng)
            _set(config, p, _resolve_nested(v, rng))
        for p, cond in self.conditionals.items():
            v = cond.fn(config)
            _set(config, p, _resolve_nested(v, rng))
        return config

    def complete(self, partial: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
        """A full config from a partial one: given values kept, missing ones sampled,
        constants filled and conditional values computed (for ``points_to_evaluate``)."""
        if not isinstance(partial, Mapping):
            raise TypeError(f"a point to evaluate must be a dict; got {partial!r}")
        given = {p: v for p, v in _walk(partial, ())}
        unknown = [path_key(p) for p in given if p not in self.domains and
                   p not in self.grid_axes and p not in self.constants and
                   p not in self.conditionals]
        if unknown:
            raise ValueError(f"point {dict(partial)!r} has keys that are not in the param_space: "
                             f"{unknown}; known keys: {[path_key(p) for p in self.domains]}")
        values = {p: given.get(p, d.sample(rng)) for p, d in self.domains.items()}
        grid_point = {p: given[p] for p in self.grid_axes if p in given}
        config = self._assemble(values, rng, grid_point)
        for p, v in given.items():
            if p in self.constants or p in self.conditionals:
                _set(config, p, v)
        problems = self.contains(config)
        if problems:
            raise ValueError(f"point {dict(partial)!r} does not fit the param_space: "
                             + "; ".join(problems))
        return config

    def contains(self, config: Mapping[str, Any]) -> list[str]:
        """Problems of ``config`` against this space (missing keys, out-of-range values)."""
        problems = []
        for p, d in {**self.domains, **self.grid_axes}.items():
            try:
                v = _get(config, p)
            except (KeyError, IndexError, TypeError):
                problems.append(f"missing {path_key(p)!r}")
                continue
            if isinstance(d, Categorical):
                try:
                    d.index(v)
                except ValueError:
                    problems.append(f"{path_key(p)}={v!r} is not one of {d.choices!r}")
            elif isinstance(d, (Float, Integer)):
                hi_ok = v <= d.high if isinstance(d, Float) else v < d.high
                if not (isinstance(v, (int, float, np.number)) and d.low <= v and hi_ok):
                    problems.append(f"{path_key(p)}={v!r} is outside {d!r}")
        return problems


def flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}} -> {"a/b": 1}`` (lists by index); used for DataFrame columns."""
    out: dict[str, Any] = {}
    for path, leaf in _walk(config, ()):
        out[prefix + path_key(path)] = leaf
    return out
