"""Tune an SVM on scikit-learn's digits with Gaussian-process Bayesian optimization.

    pip install -e ".[examples]" && python examples/sklearn_svm.py

Each trial is a 3-fold cross-validation of ``SVC(C, gamma)`` and simply *returns* its score
(no ``rt.report`` loop needed for one-shot objectives). ``BayesOpt`` models the error over
log(C) and log(gamma) and, with 4 trials running at once, spreads its suggestions out.
"""

from __future__ import annotations

import raytune_lite as rt
from raytune_lite.search import BayesOpt


def cv_error(config):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import cross_val_score
    from sklearn.svm import SVC

    x, y = load_digits(return_X_y=True)
    acc = cross_val_score(SVC(C=config["C"], gamma=config["gamma"]), x / 16.0, y, cv=3).mean()
    return {"error": 1.0 - float(acc), "accuracy": float(acc)}


def main() -> None:
    results = rt.Tuner(
        cv_error,
        {"C": rt.loguniform(1e-2, 1e3), "gamma": rt.loguniform(1e-4, 1e1)},
        metric="error",
        mode="min",
        num_samples=30,
        max_concurrent=4,
        seed=0,
        searcher=BayesOpt(n_initial_points=8),
        storage_path="./raytune_lite_results",
        name="svm_digits_bo",
        resume=True,
    ).fit()
    best = results.best
    print(
        f"\nbest: C={best.config['C']:.3g}, gamma={best.config['gamma']:.3g}, "
        f"3-fold accuracy {best.metrics['accuracy']:.4f}"
    )
    print(
        results.dataframe()
        .sort_values("error")[["trial_id", "config/C", "config/gamma", "error"]]
        .head(5)
        .to_string(index=False)
    )


if __name__ == "__main__":
    main()
