"""Domains: one hyperparameter's set of values, sampled and mapped to and from ``[0, 1]``.

A domain is a leaf of a param space (see :mod:`raytune_lite.space`). Each one validates its
arguments at construction, samples with a numpy Generator, and maps its values to and from the
unit interval so that model-based searchers work on one numeric encoding. A ``choice`` may hold
nested structures (dicts/lists of constants and domains); :func:`value_matches` says whether a
concrete value could have been sampled from such a structure.

Example:
    >>> import numpy as np
    >>> from raytune_lite.domains import Categorical, Float
    >>> d = Categorical([{"opt": "sgd", "lr": Float(1e-4, 1e-1, log=True)}, {"opt": "adam"}])
    >>> d.match_index({"opt": "sgd", "lr": 0.003})
    0
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "Categorical",
    "Domain",
    "Float",
    "Grid",
    "Integer",
    "SampleFrom",
    "value_matches",
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
                raise ValueError(
                    f"quantization step must be <= high - low; got {q=}, {low=}, {high=}"
                )
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
        return {
            "__domain__": "float",
            "low": self.low,
            "high": self.high,
            "log": self.log,
            "q": self.q,
        }

    def __repr__(self) -> str:
        fn = "loguniform" if self.log else "uniform"
        if self.q is not None:
            fn = "q" + fn
            return f"{fn}({self.low!r}, {self.high!r}, {self.q!r})"
        return f"{fn}({self.low!r}, {self.high!r})"


class Integer(Domain):
    """An integer of ``range(low, high, step)``: ``high`` excluded (as in numpy and Ray Tune),
    the grid ``low, low + step, ...`` starting at ``low``. :attr:`size` counts the values and
    :attr:`last` is the largest; with ``log=True`` they are drawn uniformly in log space (each
    value ``v`` owns the cell ``[v, v + step)`` of the log scale).

    Example:
        >>> d = Integer(0, 10, step=4)
        >>> d.size, d.last, d.from_unit(0.0), d.from_unit(0.5), d.from_unit(1.0)
        (3, 8, 0, 4, 8)
    """

    def __init__(self, low: int, high: int, *, log: bool = False, step: int = 1):
        for name, v in (("low", low), ("high", high)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"Integer domain bounds must be ints; got {name}={v!r}")
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)):
            raise TypeError(f"Integer domain step must be an int; got {step=!r}")
        self.low, self.high, self.step = int(low), int(high), int(step)
        if not self.low < self.high:
            raise ValueError(
                f"Integer domain needs low < high (high is excluded); got {low=}, {high=}"
            )
        if self.step < 1:
            raise ValueError(f"Integer domain step must be >= 1; got {step=}")
        if log and self.low <= 0:
            raise ValueError(f"a log-scaled domain needs low > 0; got {low=}")
        self.log = log
        #: the number of values
        self.size = -(-(self.high - self.low) // self.step)

    @property
    def last(self) -> int:
        """The largest value: ``low + (size - 1) * step`` (``high - 1`` for ``step=1``)."""
        return self.low + (self.size - 1) * self.step

    def contains(self, value: Any) -> bool:
        """Whether ``value`` (``3`` or ``3.0``) is one of the domain's values."""
        if not _is_real(value) or not float(value).is_integer():
            return False
        v = int(value)
        return self.low <= v <= self.last and (v - self.low) % self.step == 0

    def _edges(self) -> tuple[float, float]:
        # Each value v owns the interval [v, v + step) (or its log image), so the unit
        # interval is split fairly between the values.
        end = self.low + self.size * self.step
        if self.log:
            return math.log(self.low), math.log(end)
        return float(self.low), float(end)

    def sample(self, rng: np.random.Generator) -> int:
        return self.from_unit(float(rng.random()))

    def to_unit(self, value: Any) -> float:
        k = min(max(round((round(float(value)) - self.low) / self.step), 0), self.size - 1)
        v = self.low + k * self.step
        a, b = self._edges()
        lo = math.log(v) if self.log else float(v)
        hi = math.log(v + self.step) if self.log else float(v + self.step)
        return float(((lo + hi) / 2 - a) / (b - a))

    def from_unit(self, u: float) -> int:
        u = min(max(float(u), 0.0), 1.0)
        a, b = self._edges()
        y = a + u * (b - a)
        x = math.exp(y) if self.log else y
        k = math.floor((x - self.low) / self.step + 1e-12)
        return int(self.low + min(max(k, 0), self.size - 1) * self.step)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"__domain__": "int", "low": self.low, "high": self.high}
        out["log"] = self.log
        if self.step != 1:  # absent for step 1: older experiment.json files read the same
            out["step"] = self.step
        return out

    def __repr__(self) -> str:
        step = f", step={self.step}" if self.step != 1 else ""
        return f"{'lograndint' if self.log else 'randint'}({self.low}, {self.high}{step})"


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
        """Position of the choice that *is* ``value`` (by identity or equality).

        ``choices[index(v)]`` stands for ``v`` itself, so searchers may store the index in
        place of the value. A value sampled from a choice holding domains (``{"lr": 0.01}``
        from ``{"lr": loguniform(...)}``) is not found here; see :meth:`match_index`.

        Raises:
            ValueError: if no choice equals ``value``.
        """
        for i, c in enumerate(self.choices):
            if c is value or c == value:
                return i
        raise ValueError(f"{value!r} is not one of the choices {self.choices!r}")

    def match_index(self, value: Any) -> int:
        """Position of the choice that ``value`` is, or could have been sampled from.

        An equal choice wins; otherwise the first choice that ``value`` structurally matches
        (see :func:`value_matches`), e.g. ``{"opt": "sgd", "lr": 0.003}`` matches the choice
        ``{"opt": "sgd", "lr": loguniform(1e-4, 1e-1)}``.

        Raises:
            ValueError: if ``value`` matches none of the choices.
        """
        for i, c in enumerate(self.choices):
            if c is value or _equal(c, value):
                return i
        for i, c in enumerate(self.choices):
            if value_matches(c, value):
                return i
        raise ValueError(f"{value!r} is not one of the choices {self.choices!r}")

    def to_unit(self, value: Any) -> float:
        return (self.match_index(value) + 0.5) / len(self.choices)

    def from_unit(self, u: float) -> Any:
        n = len(self.choices)
        return self.choices[min(max(math.floor(float(u) * n), 0), n - 1)]

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


def _equal(a: Any, b: Any) -> bool:
    """``a == b``, False where the comparison raises or is not a plain truth value."""
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def value_matches(template: Any, value: Any) -> bool:
    """Whether ``value`` could have been sampled from ``template``.

    ``template`` is a choice's option: a constant, a domain, or dicts/lists of them.
    ``value`` matches when its structure is the template's: a dict has the same keys
    (compared as strings, since JSON turns keys into strings) with every entry matching, a
    list has the same length with every item matching, a constant is equal, and a domain
    leaf holds a value of the domain:

    * :class:`Float`: a finite real number in ``[low, high]``;
    * :class:`Integer`: an integral number (``3`` or ``3.0``) in ``[low, high)`` on the
      domain's ``step`` grid;
    * :class:`Categorical` (and :class:`Grid`): ``value`` matches one of its choices;
    * :class:`SampleFrom`: any value (it depends on the rest of the config).

    Args:
        template: the structure of constants and domains.
        value: a concrete value, e.g. from a sampled config or ``points_to_evaluate``.

    Returns:
        True if ``value`` fits ``template``.

    Example:
        >>> sgd = {"opt": "sgd", "lr": Float(1e-4, 1e-1, log=True)}
        >>> value_matches(sgd, {"opt": "sgd", "lr": 3e-3}), value_matches(sgd, {"opt": "sgd"})
        (True, False)
    """
    if template is value:
        return True
    if isinstance(template, Float):
        return _is_real(value) and template.low <= float(value) <= template.high
    if isinstance(template, Integer):
        return template.contains(value)
    if isinstance(template, Categorical):
        return any(value_matches(c, value) for c in template.choices)
    if isinstance(template, Domain):  # SampleFrom, or a user-defined domain
        return True
    if isinstance(template, Mapping):
        if not isinstance(value, Mapping) or len(value) != len(template):
            return False
        by_name = {str(k): v for k, v in value.items()}
        return len(by_name) == len(template) and all(
            str(k) in by_name and value_matches(t, by_name[str(k)]) for k, t in template.items()
        )
    if isinstance(template, list):
        return (
            isinstance(value, list)
            and len(value) == len(template)
            and all(value_matches(t, v) for t, v in zip(template, value, strict=True))
        )
    return _equal(template, value)
