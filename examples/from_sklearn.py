"""GridSearchCV, RandomizedSearchCV and TuneSearchCV on the same budget.

    pip install -e ".[sklearn]" && python examples/from_sklearn.py

An SVC on scikit-learn's digits, 20 parameter sets each, 3-fold cross-validation: the grid
(5 values of C x 4 of gamma), 20 random draws, and 20 TPE trials run in parallel on Ray. The
best cross-validated accuracy, the accuracy on held-out data and the wall time are printed
(wall times depend on the machine and its load).
"""

from __future__ import annotations

import time

import numpy as np
import ray
from scipy import stats
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, train_test_split
from sklearn.svm import SVC

import raytune_lite as rt
from raytune_lite.sklearn import TuneSearchCV

BUDGET = 20


def main() -> None:
    ray.init(address="local", include_dashboard=False, logging_level="ERROR")
    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x / 16.0, y, random_state=0)
    searches = {
        "GridSearchCV": GridSearchCV(
            SVC(), {"C": list(np.logspace(-2, 3, 5)), "gamma": list(np.logspace(-4, 0, 4))}, cv=3
        ),
        "RandomizedSearchCV": RandomizedSearchCV(
            SVC(),
            {"C": stats.loguniform(1e-2, 1e3), "gamma": stats.loguniform(1e-4, 1)},
            n_iter=BUDGET,
            cv=3,
            random_state=0,
        ),
        "TuneSearchCV": TuneSearchCV(  # the one-line change: the class and n_trials
            SVC(),
            {"C": rt.loguniform(1e-2, 1e3), "gamma": rt.loguniform(1e-4, 1)},
            n_trials=BUDGET,
            cv=3,
            random_state=0,
        ),
    }
    print(f"{'':20}{'cv accuracy':>12}{'test accuracy':>15}{'wall time':>11}  best params")
    for name, search in searches.items():
        start = time.perf_counter()
        search.fit(x_train, y_train)
        wall = time.perf_counter() - start
        params = ", ".join(f"{k}={v:.3g}" for k, v in search.best_params_.items())
        print(
            f"{name:20}{search.best_score_:12.4f}{search.score(x_test, y_test):15.4f}"
            f"{wall:10.1f}s  {params}"
        )


if __name__ == "__main__":
    main()
