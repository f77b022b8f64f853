"""Tuning an XGBoost booster on the breast-cancer data set, in Optuna's style: the booster
type decides which other parameters exist.

Only the import differs from a script for Optuna: ``import optuna``.
"""

import numpy as np
import sklearn.datasets
import sklearn.metrics
import sklearn.model_selection
import xgboost as xgb

import raytune_lite.optuna_style as optuna

N_TRIALS = 10


def objective(trial):
    x, y = sklearn.datasets.load_breast_cancer(return_X_y=True)
    x_train, x_valid, y_train, y_valid = sklearn.model_selection.train_test_split(
        x, y, test_size=0.25, random_state=0
    )
    dtrain = xgb.DMatrix(x_train, label=y_train)
    dvalid = xgb.DMatrix(x_valid, label=y_valid)
    params = {
        "verbosity": 0,
        "objective": "binary:logistic",
        "nthread": 1,
        "booster": trial.suggest_categorical("booster", ["gbtree", "gblinear"]),
        "lambda": trial.suggest_float("lambda", 1e-8, 1.0, log=True),
        "alpha": trial.suggest_float("alpha", 1e-8, 1.0, log=True),
    }
    if params["booster"] == "gbtree":
        params["max_depth"] = trial.suggest_int("max_depth", 2, 8, step=2)
        params["eta"] = trial.suggest_float("eta", 1e-3, 1.0, log=True)
        params["subsample"] = trial.suggest_float("subsample", 0.5, 1.0)
    booster = xgb.train(params, dtrain, num_boost_round=20)
    labels = np.rint(booster.predict(dvalid))
    return sklearn.metrics.accuracy_score(y_valid, labels)


def main():
    study = optuna.create_study(direction="maximize")
    study.optimize(objective, n_trials=N_TRIALS, timeout=600)
    print(f"finished trials: {len(study.trials)}")
    trial = study.best_trial
    print(f"best accuracy: {trial.value}")
    for key, value in trial.params.items():
        print(f"    {key}: {value}")
    return study


if __name__ == "__main__":
    main()
