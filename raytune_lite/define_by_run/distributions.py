"""The distributions a define-by-run objective asks for: ``trial.suggest_float/int/categorical``.

Their bounds follow Optuna's: ``high`` is included, ``step`` makes a grid ``low, low + step,
...`` (a ``high`` off the grid is lowered onto it, with a warning), ``log`` samples on a log
scale. Each distribution maps its values to the unit interval (categorical: to the choice's
index), which is how :class:`~raytune_lite.search.tpe.TPE` models them, and travels between the
trial and the controller as JSON.

Example:
    >>> d = int_distribution("layers", 1, 4)
    >>> d.contains(4), d.contains(5), d.values()
    (True, False, [1, 2, 3, 4])
    >>> d.from_unit(d.to_unit(3))
    3
    >>> distribution_from_json(d.to_json()) == d
    True
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "CategoricalDistribution",
    "Distribution",
    "FloatDistribution",
    "IntDistribution",
    "categorical_distribution",
    "distribution_from_json",
    "float_distribution",
    "int_distribution",
]

#: a discrete distribution with more values than this is modelled as continuous
MAX_CELLS = 2000

_CHOICE_TYPES = (type(None), bool, int, float, str)


def _number(name: str, what: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"suggest({name!r}): {what} must be a number; got {what}={v!r}")
    if not math.isfinite(float(v)):
        raise ValueError(f"suggest({name!r}): {what} must be finite; got {what}={v!r}")
    return float(v)


def _on_grid(name: str, low: float, high: float, step: float) -> float:
    """``high`` lowered onto the grid ``low + k * step`` (warned, as Optuna does)."""
    n = math.floor((high - low) / step + 1e-9)
    top = low + n * step
    if abs(top - high) > 1e-9 * max(1.0, abs(high)):
        warnings.warn(
            f"suggest({name!r}): the range [{low}, {high}] is not a whole number of "
            f"step={step}; it is taken as [{low}, {top}]",
            stacklevel=4,
        )
        return top
    return high


@dataclass(frozen=True)
class FloatDistribution:
    """Floats in ``[low, high]`` (both included); ``log``: on a log scale; ``step``: only
    ``low + k * step``."""

    low: float
    high: float
    log: bool = False
    step: float | None = None

    @property
    def n_values(self) -> int | None:
        """How many values a ``step`` grid has (None: continuous)."""
        if self.step is None:
            return None
        return round((self.high - self.low) / self.step) + 1

    def contains(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            return False
        v = float(value)
        if not self.low - 1e-12 <= v <= self.high + 1e-12:
            return False
        if self.step is None:
            return True
        k = (v - self.low) / self.step
        return abs(k - round(k)) < 1e-6

    def _range(self) -> tuple[float, float]:
        lo, hi = self.low, self.high
        if self.step is not None:  # each value owns a cell of one step
            lo, hi = lo - self.step / 2, hi + self.step / 2
        return (math.log(lo), math.log(hi)) if self.log else (lo, hi)

    def to_unit(self, value: Any) -> float:
        lo, hi = self._range()
        v = math.log(float(value)) if self.log else float(value)
        return 0.5 if hi == lo else min(max((v - lo) / (hi - lo), 0.0), 1.0)

    def from_unit(self, u: float) -> float:
        lo, hi = self._range()
        v = lo + min(max(float(u), 0.0), 1.0) * (hi - lo)
        x = math.exp(v) if self.log else v
        if self.step is not None:
            k = min(max(round((x - self.low) / self.step), 0), (self.n_values or 1) - 1)
            x = self.low + k * self.step
        return float(min(max(x, self.low), self.high))

    def edges(self) -> np.ndarray | None:
        """The unit cells of the grid's values (None: continuous or too many values)."""
        n = self.n_values
        if n is None or self.step is None or n > MAX_CELLS:
            return None
        return np.linspace(0.0, 1.0, n + 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "float",
            "low": self.low,
            "high": self.high,
            "log": self.log,
            "step": self.step,
        }


@dataclass(frozen=True)
class IntDistribution:
    """Integers in ``[low, high]`` (both included), every ``step``-th from ``low``; ``log``: on a
    log scale (then ``step`` is 1)."""

    low: int
    high: int
    log: bool = False
    step: int = 1

    def values(self) -> list[int]:
        return list(range(self.low, self.high + 1, self.step))

    @property
    def n_values(self) -> int:
        return (self.high - self.low) // self.step + 1

    def contains(self, value: Any) -> bool:
        whole = isinstance(value, float) and value.is_integer()
        if (isinstance(value, bool) or not isinstance(value, (int, np.integer))) and not whole:
            return False
        v = int(value)
        return self.low <= v <= self.high and (v - self.low) % self.step == 0

    def _range(self) -> tuple[float, float]:
        lo, hi = self.low - self.step / 2, self.high + self.step / 2
        return (math.log(lo), math.log(hi)) if self.log else (lo, hi)

    def to_unit(self, value: Any) -> float:
        lo, hi = self._range()
        v = math.log(float(value)) if self.log else float(value)
        return min(max((v - lo) / (hi - lo), 0.0), 1.0)

    def from_unit(self, u: float) -> int:
        lo, hi = self._range()
        v = lo + min(max(float(u), 0.0), 1.0) * (hi - lo)
        x = math.exp(v) if self.log else v
        k = min(max(round((x - self.low) / self.step), 0), self.n_values - 1)
        return int(self.low + k * self.step)

    def edges(self) -> np.ndarray | None:
        """The unit cells of the values (None: too many values, modelled as continuous)."""
        if self.n_values > MAX_CELLS:
            return None
        bounds = [v + self.step / 2 for v in self.values()[:-1]]
        lo, hi = self._range()
        inner = [(math.log(b) if self.log else b) for b in bounds]
        return np.concatenate([[0.0], (np.array(inner, dtype=float) - lo) / (hi - lo), [1.0]])

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "int",
            "low": self.low,
            "high": self.high,
            "log": self.log,
            "step": self.step,
        }


@dataclass(frozen=True)
class CategoricalDistribution:
    """One of ``choices`` (None, bools, numbers or strings)."""

    choices: tuple[Any, ...]

    def index(self, value: Any) -> int | None:
        for i, c in enumerate(self.choices):
            if type(c) is type(value) and c == value:
                return i
        for i, c in enumerate(self.choices):  # 1 and 1.0: the same choice
            if c == value and not isinstance(c, bool) and not isinstance(value, bool):
                return i
        return None

    def contains(self, value: Any) -> bool:
        return self.index(value) is not None

    def to_unit(self, value: Any) -> float:
        i = self.index(value)
        if i is None:
            raise ValueError(f"{value!r} is not one of the choices {list(self.choices)}")
        return float(i)

    def from_unit(self, u: float) -> Any:
        return self.choices[min(max(int(u), 0), len(self.choices) - 1)]

    def to_json(self) -> dict[str, Any]:
        return {"kind": "categorical", "choices": list(self.choices)}


Distribution = FloatDistribution | IntDistribution | CategoricalDistribution


def compatible(a: Distribution, b: Distribution) -> bool:
    """Whether one parameter name may be asked with both in the same trial (Optuna's rule:
    the same kind; for categorical, the same choices)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, CategoricalDistribution) and isinstance(b, CategoricalDistribution):
        return a.choices == b.choices
    return True


def sample(dist: Distribution, rng: np.random.Generator) -> Any:
    """One value drawn uniformly (on the log scale with ``log``; uniform over the choices)."""
    if isinstance(dist, CategoricalDistribution):
        return dist.choices[int(rng.integers(len(dist.choices)))]
    return dist.from_unit(float(rng.random()))


def float_distribution(
    name: str, low: Any, high: Any, step: Any = None, log: bool = False
) -> FloatDistribution:
    """``trial.suggest_float``'s distribution, checked as Optuna checks it."""
    lo, hi = _number(name, "low", low), _number(name, "high", high)
    if lo > hi:
        raise ValueError(f"suggest_float({name!r}): low <= high must hold; got {low=}, {high=}")
    if log and step is not None:
        raise ValueError(
            f"suggest_float({name!r}): step and log=True cannot be combined; got {step=}, {log=}"
        )
    if log and lo <= 0:
        raise ValueError(f"suggest_float({name!r}): log=True needs low > 0; got {low=}")
    st: float | None = None
    if step is not None:
        st = _number(name, "step", step)
        if st <= 0:
            raise ValueError(f"suggest_float({name!r}): step must be > 0; got {step=}")
        hi = _on_grid(name, lo, hi, st)
    return FloatDistribution(lo, hi, bool(log), st)


def _integer(name: str, what: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        if isinstance(v, float) and v.is_integer():
            return int(v)
        raise TypeError(f"suggest_int({name!r}): {what} must be an int; got {what}={v!r}")
    return int(v)


def int_distribution(
    name: str, low: Any, high: Any, step: Any = 1, log: bool = False
) -> IntDistribution:
    """``trial.suggest_int``'s distribution (``high`` included), checked as Optuna checks it."""
    lo, hi, st = (
        _integer(name, "low", low),
        _integer(name, "high", high),
        _integer(name, "step", step),
    )
    if lo > hi:
        raise ValueError(f"suggest_int({name!r}): low <= high must hold; got {low=}, {high=}")
    if st < 1:
        raise ValueError(f"suggest_int({name!r}): step must be >= 1; got {step=}")
    if log and st != 1:
        raise ValueError(f"suggest_int({name!r}): log=True needs step=1; got {step=}")
    if log and lo < 1:
        raise ValueError(f"suggest_int({name!r}): log=True needs low >= 1; got {low=}")
    top = lo + (hi - lo) // st * st
    if top != hi:
        _on_grid(name, lo, hi, st)  # the warning
    return IntDistribution(lo, top, bool(log), st)


def categorical_distribution(name: str, choices: Sequence[Any]) -> CategoricalDistribution:
    """``trial.suggest_categorical``'s distribution: a non-empty sequence of None, bools,
    numbers and strings (what experiment.json and Optuna can keep)."""
    if isinstance(choices, (str, bytes)) or not isinstance(choices, Sequence):
        raise TypeError(
            f"suggest_categorical({name!r}): choices must be a list or tuple; got {choices!r}"
        )
    if not choices:
        raise ValueError(f"suggest_categorical({name!r}): choices must hold at least one value")
    for c in choices:
        if not isinstance(c, _CHOICE_TYPES) and not isinstance(c, (np.integer, np.floating)):
            raise TypeError(
                f"suggest_categorical({name!r}): a choice must be None, a bool, a number or a "
                f"string; got {type(c).__name__}: {c!r} (choose a name and build the object "
                "from it in the objective)"
            )
    plain = tuple(c.item() if isinstance(c, (np.integer, np.floating)) else c for c in choices)
    return CategoricalDistribution(plain)


def distribution_from_json(d: Any) -> Distribution:
    """The distribution that ``to_json`` wrote.

    Raises:
        ValueError: for anything else.
    """
    kind = d.get("kind") if isinstance(d, dict) else None
    if kind == "float":
        step = d.get("step")
        return FloatDistribution(float(d["low"]), float(d["high"]), bool(d["log"]), step)
    if kind == "int":
        return IntDistribution(int(d["low"]), int(d["high"]), bool(d["log"]), int(d["step"]))
    if kind == "categorical":
        return CategoricalDistribution(tuple(d["choices"]))
    raise ValueError(f"not a stored distribution: {d!r}")
