"""Choosing between two scikit-learn classifiers and their settings on the wine data set, in
Optuna's style: the classifier is a categorical parameter, and each one has parameters of
its own (a conditional space).

Only the import differs from a script for Optuna: ``import optuna``.
"""

import sklearn.datasets
import sklearn.ensemble
import sklearn.linear_model
import sklearn.model_selection
import sklearn.preprocessing
from sklearn.pipeline import make_pipeline

import raytune_lite.optuna_style as optuna

N_TRIALS = 8


def objective(trial):
    x, y = sklearn.datasets.load_wine(return_X_y=True)
    model = trial.suggest_categorical("model", ["LogisticRegression", "ExtraTrees"])
    if model == "LogisticRegression":
        c = trial.suggest_float("lr_c", 1e-4, 1e2, log=True)
        clf = make_pipeline(
            sklearn.preprocessing.StandardScaler(),
            sklearn.linear_model.LogisticRegression(C=c, max_iter=500),
        )
    else:
        depth = trial.suggest_int("et_max_depth", 1, 16, log=True)
        leaf = trial.suggest_int("et_min_samples_leaf", 1, 9, step=2)
        clf = sklearn.ensemble.ExtraTreesClassifier(
            n_estimators=20, max_depth=depth, min_samples_leaf=leaf, random_state=0
        )
    scores = sklearn.model_selection.cross_val_score(clf, x, y, cv=3)
    return scores.mean()


def main():
    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=0, n_startup_trials=5)
    )
    study.optimize(objective, n_trials=N_TRIALS, n_jobs=2)
    print(f"{len(study.trials)} trials; best accuracy {study.best_value:.3f}")
    for key, value in study.best_params.items():
        print(f"    {key}: {value}")
    return study


if __name__ == "__main__":
    main()
