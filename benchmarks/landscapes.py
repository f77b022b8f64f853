"""Real-model problems: scikit-learn models on datasets bundled with scikit-learn.

* :class:`Landscape`: a *tabulated* landscape; every parameter is a ``choice`` over a grid of
  sorted numbers (ordinal) or labels (categorical), and every grid point's 3-fold
  cross-validated loss was computed once by :mod:`benchmarks.build_landscapes` into
  ``benchmarks/data/landscapes.json``; a run looks values up (seconds per run). The optimum
  is the table's best value, so regret is exact.
* :class:`SVMDigits`: an RBF SVM on digits over continuous ``C`` and ``gamma``, fitted at
  every evaluation (slow: about 0.3 s per evaluation).

Example:
    >>> p = Landscape("knn_cancer")
    >>> sorted(p.param_space)
    ['n_neighbors', 'p', 'scaler', 'weights']
    >>> p(p.best_config()) == p.optimum
    True
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from benchmarks._problem import Problem
from raytune_lite.space import choice, loguniform

TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "landscapes.json")


@functools.lru_cache(maxsize=1)
def _tables() -> dict[str, Any]:
    with open(TABLE) as f:
        return json.load(f)  # type: ignore[no-any-return]


class Landscape(Problem):
    """A tabulated landscape of :data:`TABLE` (loss: CV error, or MSE / variance)."""

    def __init__(self, name: str):
        table = _tables()[name]
        grid: dict[str, list[Any]] = table["grid"]
        super().__init__(
            name=name, dim=len(grid), param_space={k: choice(v) for k, v in grid.items()}
        )
        self.grid = grid
        self.loss = np.asarray(table["loss"], dtype=float).reshape([len(v) for v in grid.values()])

    @property
    def optimum(self) -> float:
        return float(self.loss.min())

    def best_config(self) -> dict[str, Any]:
        idx = np.unravel_index(int(np.argmin(self.loss)), self.loss.shape)
        return {k: v[i] for (k, v), i in zip(self.grid.items(), idx, strict=True)}

    def __call__(self, config: Mapping[str, Any]) -> float:
        idx = tuple(v.index(config[k]) for k, v in self.grid.items())
        return float(self.loss[idx])


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
