"""Two objectives over a network of a variable number of layers, in Optuna's style: a
looped space (one width per layer) and the Pareto front of size against error.

Only the import differs from a script for Optuna: ``import optuna``.
"""

import math

import raytune_lite.optuna_style as optuna

N_TRIALS = 16


def objective(trial):
    n_layers = trial.suggest_int("n_layers", 1, 3)
    widths = [trial.suggest_int(f"units_l{i}", 4, 128, log=True) for i in range(n_layers)]
    dropout = trial.suggest_float("dropout", 0.0, 0.5, step=0.1)
    size = sum(widths)
    error = 1.0 / math.log(2 + size) + 0.2 * abs(dropout - 0.2) + 0.05 * n_layers
    return error, size


def main():
    study = optuna.create_study(directions=["minimize", "minimize"])
    study.optimize(objective, n_trials=N_TRIALS, n_jobs=2)
    front = study.best_trials
    print(f"{len(front)} trials on the Pareto front")
    for t in sorted(front, key=lambda t: t.values[1]):
        print(f"    error {t.values[0]:.3f} size {t.values[1]:.0f}: {t.params}")
    return study


if __name__ == "__main__":
    main()
