"""The base of the benchmark problems (``benchmarks/problems.py`` holds the functions,
``benchmarks/landscapes.py`` the tabulated real-model ones)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar


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
