"""Test problems with known (or densely estimated) optima, shared by the search benchmarks.

Each problem is a small dataclass: ``param_space`` (a dict of raytune_lite domains, flat keys
``x0, x1, ...``), ``__call__(config) -> float`` (to be minimized) and ``optimum`` (the best
value). Simple regret of a run is ``best value found - optimum``.

Example:
    >>> from benchmarks.problems import Branin
    >>> p = Branin()
    >>> round(p({"x0": 3.14159265, "x1": 2.275}) - p.optimum, 6)
    0.0
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from raytune_lite.space import Domain, loguniform, uniform

__all__ = [
    "PROBLEMS",
    "Ackley",
    "Branin",
    "Hartmann6",
    "Levy",
    "Problem",
    "Rosenbrock",
    "SVMDigits",
    "get_problem",
]


def _box(dim: int, low: float, high: float) -> dict[str, Domain]:
    return {f"x{i}": uniform(low, high) for i in range(dim)}


def _vector(config: Mapping[str, Any], dim: int) -> np.ndarray:
    return np.array([float(config[f"x{i}"]) for i in range(dim)], dtype=float)


@dataclass
class Problem:
    """Base of the test problems: minimize ``self(config)``; ``optimum`` is the best value."""

    name: str = "problem"
    dim: int = 0
    param_space: dict[str, Any] = field(default_factory=dict)
    mode: ClassVar[str] = "min"

    @property
    def optimum(self) -> float:
        """The global minimum of the function."""
        raise NotImplementedError

    def __call__(self, config: Mapping[str, Any]) -> float:
        raise NotImplementedError

    def regret(self, value: float) -> float:
        """Simple regret of a best value found (``value - optimum``)."""
        return float(value) - self.optimum


@dataclass
class Branin(Problem):
    """Branin-Hoo on ``[-5, 10] x [0, 15]``; three global minima of 0.397887.

    Example:
        >>> p = Branin()
        >>> abs(p({"x0": 9.42478, "x1": 2.475}) - p.optimum) < 1e-5
        True
    """

    name: str = "branin"
    dim: int = 2
    param_space: dict[str, Any] = field(
        default_factory=lambda: {"x0": uniform(-5.0, 10.0), "x1": uniform(0.0, 15.0)}
    )

    @property
    def optimum(self) -> float:
        return 0.397887357729738

    def __call__(self, config: Mapping[str, Any]) -> float:
        x1, x2 = float(config["x0"]), float(config["x1"])
        b, c = 5.1 / (4 * math.pi**2), 5 / math.pi
        r, s, t = 6.0, 10.0, 1 / (8 * math.pi)
        return (x2 - b * x1**2 + c * x1 - r) ** 2 + s * (1 - t) * math.cos(x1) + s


_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ],
    dtype=float,
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ],
    dtype=float,
)


@dataclass
class Hartmann6(Problem):
    """Hartmann 6-D on ``[0, 1]^6``; global minimum -3.32237.

    Example:
        >>> p = Hartmann6()
        >>> x = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]
        >>> abs(p({f"x{i}": v for i, v in enumerate(x)}) - p.optimum) < 1e-4
        True
    """

    name: str = "hartmann6"
    dim: int = 6
    param_space: dict[str, Any] = field(default_factory=lambda: _box(6, 0.0, 1.0))

    @property
    def optimum(self) -> float:
        return -3.32236801141551

    def __call__(self, config: Mapping[str, Any]) -> float:
        x = _vector(config, 6)
        inner = np.sum(_H6_A * (x[None, :] - _H6_P) ** 2, axis=1)
        return float(-np.sum(_H6_ALPHA * np.exp(-inner)))


@dataclass
class Rosenbrock(Problem):
    """Rosenbrock on ``[-5, 10]^dim``; global minimum 0 at ``(1, ..., 1)``.

    Example:
        >>> Rosenbrock(dim=4)({f"x{i}": 1.0 for i in range(4)})
        0.0
    """

    name: str = "rosenbrock"
    dim: int = 4
    param_space: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.dim < 2:
            raise ValueError(f"Rosenbrock needs dim >= 2; got dim={self.dim}")
        self.name = f"rosenbrock{self.dim}"
        self.param_space = self.param_space or _box(self.dim, -5.0, 10.0)

    @property
    def optimum(self) -> float:
        return 0.0

    def __call__(self, config: Mapping[str, Any]) -> float:
        x = _vector(config, self.dim)
        return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))


@dataclass
class Ackley(Problem):
    """Ackley on ``[-32.768, 32.768]^dim``; global minimum 0 at the origin.

    Example:
        >>> abs(Ackley(dim=5)({f"x{i}": 0.0 for i in range(5)})) < 1e-12
        True
    """

    name: str = "ackley"
    dim: int = 5
    param_space: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.dim < 1:
            raise ValueError(f"Ackley needs dim >= 1; got dim={self.dim}")
        self.name = f"ackley{self.dim}"
        self.param_space = self.param_space or _box(self.dim, -32.768, 32.768)

    @property
    def optimum(self) -> float:
        return 0.0

    def __call__(self, config: Mapping[str, Any]) -> float:
        x = _vector(config, self.dim)
        a = -20.0 * math.exp(-0.2 * math.sqrt(float(np.mean(x**2))))
        b = -math.exp(float(np.mean(np.cos(2 * math.pi * x))))
        return a + b + 20.0 + math.e


@dataclass
class Levy(Problem):
    """Levy on ``[-10, 10]^dim``; global minimum 0 at ``(1, ..., 1)``.

    Example:
        >>> abs(Levy(dim=20)({f"x{i}": 1.0 for i in range(20)})) < 1e-12
        True
    """

    name: str = "levy"
    dim: int = 20
    param_space: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.dim < 2:
            raise ValueError(f"Levy needs dim >= 2; got dim={self.dim}")
        self.name = f"levy{self.dim}"
        self.param_space = self.param_space or _box(self.dim, -10.0, 10.0)

    @property
    def optimum(self) -> float:
        return 0.0

    def __call__(self, config: Mapping[str, Any]) -> float:
        w = 1.0 + (_vector(config, self.dim) - 1.0) / 4.0
        head = math.sin(math.pi * w[0]) ** 2
        mid = np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(math.pi * w[:-1] + 1) ** 2))
        tail = (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)
        return float(head + mid + tail)


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    return np.asarray(x, dtype=float) / 16.0, np.asarray(y)


_SVM_GRID_OPTIMUM: dict[int, float] = {}


@dataclass
class SVMDigits(Problem):
    """An RBF SVM's 3-fold cross-validated error rate on scikit-learn's digits (1797 images).

    ``C`` is log-uniform in ``[1e-2, 1e4]``, ``gamma`` log-uniform in ``[1e-5, 10]``. The
    optimum is not known in closed form: it is the best error of a dense log grid
    (``grid_size`` x ``grid_size``), computed on first use and cached in memory for the
    process (about ``0.15 s x grid_size**2`` on one core). A searcher may find a slightly
    better point than the grid, so regret can be a little below 0. Needs scikit-learn.

    Example:
        >>> p = SVMDigits()
        >>> 0.0 <= p({"C": 10.0, "gamma": 0.02}) < 0.1  # doctest: +SKIP
        True
    """

    name: str = "svm_digits"
    dim: int = 2
    grid_size: int = 20
    param_space: dict[str, Any] = field(
        default_factory=lambda: {"C": loguniform(1e-2, 1e4), "gamma": loguniform(1e-5, 10.0)}
    )

    def __call__(self, config: Mapping[str, Any]) -> float:
        from sklearn.model_selection import StratifiedKFold, cross_val_score
        from sklearn.svm import SVC

        x, y = _digits()
        model = SVC(C=float(config["C"]), gamma=float(config["gamma"]))
        acc = cross_val_score(model, x, y, cv=StratifiedKFold(3))
        return float(1.0 - np.mean(acc))

    @property
    def optimum(self) -> float:
        if self.grid_size not in _SVM_GRID_OPTIMUM:
            cs = np.geomspace(1e-2, 1e4, self.grid_size)
            gs = np.geomspace(1e-5, 10.0, self.grid_size)
            _SVM_GRID_OPTIMUM[self.grid_size] = min(
                self({"C": c, "gamma": g}) for c in cs for g in gs
            )
        return _SVM_GRID_OPTIMUM[self.grid_size]


#: The benchmark problems by name (factories, so each run gets fresh instances).
PROBLEMS: dict[str, Any] = {
    "branin": Branin,
    "hartmann6": Hartmann6,
    "rosenbrock4": lambda: Rosenbrock(dim=4),
    "ackley5": lambda: Ackley(dim=5),
    "rosenbrock20": lambda: Rosenbrock(dim=20),
    "levy20": lambda: Levy(dim=20),
    "svm_digits": SVMDigits,
}


def get_problem(name: str) -> Problem:
    """A fresh problem by its name (one of :data:`PROBLEMS`)."""
    try:
        return PROBLEMS[name]()  # type: ignore[no-any-return]
    except KeyError:
        raise ValueError(f"unknown problem {name!r}; known: {sorted(PROBLEMS)}") from None
