"""Builds the tabulated real-model landscapes of :mod:`benchmarks.landscapes`.

Each landscape is a scikit-learn model on a dataset bundled with scikit-learn, evaluated by
3-fold cross-validation (fixed folds) at every point of a grid of ordinal (sorted numbers)
and categorical values. The table is written once to ``benchmarks/data/landscapes.json``, so
that a benchmark run looks values up instead of fitting models (a run costs seconds).

Usage::

    python -m benchmarks.build_landscapes            # all landscapes (a few minutes)
    python -m benchmarks.build_landscapes --only knn_cancer
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "landscapes.json")


def _scaled(scaler: str, model: Any) -> Any:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    if scaler == "none":
        return model
    return make_pipeline(StandardScaler() if scaler == "standard" else MinMaxScaler(), model)


def _dt(p: dict[str, Any]) -> Any:
    from sklearn.tree import DecisionTreeClassifier

    return DecisionTreeClassifier(
        max_depth=p["max_depth"],
        min_samples_leaf=p["min_samples_leaf"],
        criterion=p["criterion"],
        max_features=p["max_features"],
        random_state=0,
    )


def _knn(p: dict[str, Any]) -> Any:
    from sklearn.neighbors import KNeighborsClassifier

    return _scaled(
        p["scaler"],
        KNeighborsClassifier(n_neighbors=p["n_neighbors"], weights=p["weights"], p=p["p"]),
    )


def _svc(p: dict[str, Any]) -> Any:
    from sklearn.svm import SVC

    return _scaled(p["scaler"], SVC(C=p["C"], gamma=p["gamma"], kernel=p["kernel"], max_iter=20000))


def _hgb(p: dict[str, Any]) -> Any:
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(
        learning_rate=p["learning_rate"],
        max_depth=p["max_depth"],
        min_samples_leaf=p["min_samples_leaf"],
        l2_regularization=p["l2_regularization"],
        max_iter=60,
        random_state=0,
    )


#: name -> (dataset loader name, model factory, scoring, grid: param -> sorted values)
SPECS: dict[str, tuple[str, Callable[[dict[str, Any]], Any], str, dict[str, list[Any]]]] = {
    "dt_digits": (
        "load_digits",
        _dt,
        "accuracy",
        {
            "max_depth": [2, 3, 4, 6, 8, 12, 16, 32],
            "min_samples_leaf": [1, 2, 4, 8, 16, 32],
            "criterion": ["gini", "entropy"],
            "max_features": [0.1, 0.25, 0.5, 1.0],
        },
    ),
    "knn_cancer": (
        "load_breast_cancer",
        _knn,
        "accuracy",
        {
            "n_neighbors": [1, 2, 3, 5, 8, 13, 21, 34, 55],
            "weights": ["uniform", "distance"],
            "p": [1, 2],
            "scaler": ["none", "standard", "minmax"],
        },
    ),
    "svc_wine": (
        "load_wine",
        _svc,
        "accuracy",
        {
            "C": [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0],
            "gamma": [1e-4, 1e-3, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0],
            "kernel": ["rbf", "sigmoid", "poly"],
            "scaler": ["none", "standard", "minmax"],
        },
    ),
    "hgb_diabetes": (
        "load_diabetes",
        _hgb,
        "neg_mean_squared_error",
        {
            "learning_rate": [0.01, 0.03, 0.1, 0.3],
            "max_depth": [2, 3, 5, 8],
            "min_samples_leaf": [5, 10, 20, 40],
            "l2_regularization": [0.0, 0.1, 1.0, 10.0],
        },
    ),
}


def build(name: str) -> dict[str, Any]:
    """The table of one landscape: its grid and one loss per grid point (row-major)."""
    import sklearn.datasets
    from sklearn.model_selection import KFold, cross_val_score

    loader, factory, scoring, grid = SPECS[name]
    x, y = getattr(sklearn.datasets, loader)(return_X_y=True)
    folds = KFold(3, shuffle=True, random_state=0)
    losses = []
    for values in itertools.product(*grid.values()):
        p = dict(zip(grid, values, strict=True))
        score = float(np.mean(cross_val_score(factory(p), x, y, cv=folds, scoring=scoring)))
        # to minimize: classification error, or the MSE scaled by the target's variance
        losses.append(1.0 - score if scoring == "accuracy" else -score / float(np.var(y)))
    return {"grid": grid, "scoring": scoring, "loss": [round(v, 6) for v in losses]}


def _quiet() -> None:
    import warnings

    warnings.simplefilter("ignore")  # convergence warnings of capped SVMs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", help=f"comma-separated subset of {sorted(SPECS)}")
    args = ap.parse_args(argv)
    _quiet()
    names = args.only.split(",") if args.only else list(SPECS)
    tables = {}
    if os.path.exists(OUT):
        with open(OUT) as f:
            tables = json.load(f)
    for name in names:
        t0 = time.time()
        tables[name] = build(name)
        print(f"{name}: {len(tables[name]['loss'])} points in {time.time() - t0:.0f} s", flush=True)
        os.makedirs(os.path.dirname(OUT), exist_ok=True)
        with open(OUT, "w") as f:
            json.dump(tables, f, separators=(",", ":"))
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
