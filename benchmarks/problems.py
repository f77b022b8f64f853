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
from typing import Any

import numpy as np

from benchmarks._problem import Problem
from raytune_lite.space import Domain, choice, lograndint, loguniform, randint, uniform

__all__ = [
    "LANDSCAPES",
    "PROBLEMS",
    "Ackley",
    "Branin",
    "Hartmann6",
    "Levy",
    "Mixed",
    "Rastrigin",
    "StyblinskiTang",
    "Problem",
    "Rosenbrock",
    "get_problem",
]


def _box(dim: int, low: float, high: float) -> dict[str, Domain]:
    return {f"x{i}": uniform(low, high) for i in range(dim)}


def _vector(config: Mapping[str, Any], dim: int) -> np.ndarray:
    return np.array([float(config[f"x{i}"]) for i in range(dim)], dtype=float)


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


@dataclass
class Rastrigin(Problem):
    """Rastrigin on ``[-5.12, 5.12]^dim`` (about 10^dim local minima); minimum 0 at 0.

    Example:
        >>> Rastrigin(dim=6)({f"x{i}": 0.0 for i in range(6)})
        0.0
    """

    name: str = "rastrigin"
    dim: int = 6
    param_space: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.name = f"rastrigin{self.dim}"
        self.param_space = self.param_space or _box(self.dim, -5.12, 5.12)

    @property
    def optimum(self) -> float:
        return 0.0

    def __call__(self, config: Mapping[str, Any]) -> float:
        x = _vector(config, self.dim)
        return float(10 * self.dim + np.sum(x**2 - 10 * np.cos(2 * math.pi * x)))


@dataclass
class StyblinskiTang(Problem):
    """Styblinski-Tang on ``[-5, 5]^dim`` (2^dim local minima); minimum -39.166166 dim.

    Example:
        >>> p = StyblinskiTang(dim=12)
        >>> abs(p({f"x{i}": -2.903534 for i in range(12)}) - p.optimum) < 1e-6
        True
    """

    name: str = "styblinski"
    dim: int = 12
    param_space: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.name = f"styblinski{self.dim}"
        self.param_space = self.param_space or _box(self.dim, -5.0, 5.0)

    @property
    def optimum(self) -> float:
        return -39.16616570377142 * self.dim

    def __call__(self, config: Mapping[str, Any]) -> float:
        x = _vector(config, self.dim)
        return float(np.sum(x**4 - 16 * x**2 + 5 * x) / 2)


_MIXED_OPT = {"sgd": 0.6, "momentum": 0.3, "adam": 0.0, "rmsprop": 0.2}
_MIXED_ACT = {"relu": 0.0, "tanh": 0.4, "gelu": 0.15}


@dataclass
class Mixed(Problem):
    """A mixed space like a network's: 3 floats, a log-scaled learning rate, two integers
    (one log-scaled), two categoricals whose effect interacts with the floats; minimum 0.

    Example:
        >>> p = Mixed()
        >>> cfg = {"x0": 0.3, "x1": 0.6, "x2": 0.8, "lr": 10**-2.5, "layers": 3, "width": 64}
        >>> round(p(cfg | {"opt": "adam", "act": "relu"}), 9)
        0.0
    """

    name: str = "mixed8"
    dim: int = 8
    param_space: dict[str, Any] = field(
        default_factory=lambda: {
            **_box(3, 0.0, 1.0),
            "lr": loguniform(1e-5, 1e-1),
            "layers": randint(1, 9),
            "width": lograndint(8, 513),
            "opt": choice(list(_MIXED_OPT)),
            "act": choice(list(_MIXED_ACT)),
        }
    )

    @property
    def optimum(self) -> float:
        return 0.0

    def __call__(self, config: Mapping[str, Any]) -> float:
        x = _vector(config, 3) - np.array([0.3, 0.6, 0.8])
        opt, act = _MIXED_OPT[config["opt"]], _MIXED_ACT[config["act"]]
        return float(
            (1 + 2 * opt) * np.sum(x**2) * 4
            + (math.log10(config["lr"]) + 2.5 + opt) ** 2 / 2
            + (int(config["layers"]) - 3) ** 2 / 8
            + (math.log2(int(config["width"])) - 6) ** 2 / 8
            + opt
            + act * (1 + abs(x[0]))
        )


def _landscape(name: str) -> Problem:
    from benchmarks.landscapes import Landscape, SVMDigits

    return SVMDigits() if name == "svm_digits" else Landscape(name)


#: the tabulated real-model landscapes (benchmarks/landscapes.py; svm_digits is there too)
LANDSCAPES = ("dt_digits", "knn_cancer", "svc_wine", "hgb_diabetes")

#: The benchmark problems by name (factories, so each run gets fresh instances).
PROBLEMS: dict[str, Any] = {
    "branin": Branin,
    "hartmann6": Hartmann6,
    "rosenbrock4": lambda: Rosenbrock(dim=4),
    "ackley5": lambda: Ackley(dim=5),
    "rosenbrock20": lambda: Rosenbrock(dim=20),
    "levy20": lambda: Levy(dim=20),
    "svm_digits": functools.partial(_landscape, "svm_digits"),
    "rastrigin6": lambda: Rastrigin(dim=6),
    "styblinski12": lambda: StyblinskiTang(dim=12),
    "mixed8": Mixed,
    **{name: functools.partial(_landscape, name) for name in LANDSCAPES},
}


def get_problem(name: str) -> Problem:
    """A fresh problem by its name (one of :data:`PROBLEMS`)."""
    if name not in PROBLEMS:
        raise ValueError(f"unknown problem {name!r}; known: {sorted(PROBLEMS)}")
    return PROBLEMS[name]()  # type: ignore[no-any-return]
