"""Stopping unpromising SGD classifiers early, in Optuna's style: each epoch reports the
validation error, and the median pruner stops trials that do worse than the others.

Only the imports differ from a script for Optuna: ``import optuna`` and
``from optuna.trial import TrialState``.
"""

import numpy as np
import sklearn.datasets
import sklearn.linear_model
import sklearn.model_selection

import raytune_lite.optuna_style as optuna
from raytune_lite.optuna_style.trial import TrialState

N_TRIALS = 16
EPOCHS = 20


def objective(trial):
    x, y = sklearn.datasets.load_breast_cancer(return_X_y=True)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    x_train, x_valid, y_train, y_valid = sklearn.model_selection.train_test_split(
        x, y, test_size=0.3, random_state=0
    )
    alpha = trial.suggest_float("alpha", 1e-6, 1.0, log=True)
    loss = trial.suggest_categorical("loss", ["hinge", "log_loss", "modified_huber"])
    clf = sklearn.linear_model.SGDClassifier(alpha=alpha, loss=loss, random_state=0)
    classes = np.unique(y)
    for epoch in range(EPOCHS):
        clf.partial_fit(x_train, y_train, classes=classes)
        error = 1.0 - clf.score(x_valid, y_valid)
        trial.report(error, epoch)
        if trial.should_prune():
            raise optuna.TrialPruned()
    trial.set_user_attr("epochs", EPOCHS)
    return 1.0 - clf.score(x_valid, y_valid)


def main():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=2),
        sampler=optuna.samplers.RandomSampler(seed=1),
    )
    study.optimize(objective, n_trials=N_TRIALS)
    pruned = study.get_trials(deepcopy=False, states=[TrialState.PRUNED])
    complete = study.get_trials(deepcopy=False, states=[TrialState.COMPLETE])
    print(f"{len(study.trials)} trials: {len(pruned)} pruned, {len(complete)} complete")
    best = study.best_trial
    print(f"best error {best.value:.4f} (trial {best.number})")
    for key, value in best.params.items():
        print(f"    {key}: {value}")
    return study


if __name__ == "__main__":
    main()
