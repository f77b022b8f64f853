"""An Optuna study and raytune_lite, on the same budget, two ways.

    pip install -e ".[bench]" && python examples/from_optuna.py

Optuna's objective asks for its parameters inside the function (define-by-run). raytune_lite
runs that same function unchanged (``import raytune_lite.optuna_style as optuna``, or
``rt.Tuner(objective)``), and also its port to a space declared up front (define-and-run; see
the README's "Coming from Optuna" table). All three use TPE with 40 trials. Optuna runs its
trials one after another here; raytune_lite runs 4 at a time on Ray. The best value and the
wall time of each are printed (wall times depend on the machine and its load). This
objective takes microseconds, so Optuna's in-process loop wins on wall time, and its
sequential TPE sees every result before the next suggestion; raytune_lite pays off when each
trial takes seconds or more and the trials can run in parallel. A define-by-run trial costs
one round trip to the controller per parameter it asks for.
"""

from __future__ import annotations

import math
import time
from typing import Any

import ray

import raytune_lite as rt
from raytune_lite.search import TPE

N_TRIALS = 40


def loss(x: float, lr: float, layers: int, activation: str) -> float:
    """A smooth function with a categorical and an integer part (minimum near 0)."""
    penalty = {"relu": 0.0, "tanh": 0.3, "sigmoid": 0.8}[activation]
    return (x - 1.5) ** 2 + (math.log10(lr) + 3) ** 2 + 0.2 * abs(layers - 3) + penalty


def optuna_objective(trial: Any) -> float:
    x = trial.suggest_float("x", -5, 5)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    layers = trial.suggest_int("layers", 1, 6)  # Optuna: 6 included
    activation = trial.suggest_categorical("activation", ["relu", "tanh", "sigmoid"])
    return loss(x, lr, layers, activation)


#: the same space, declared up front
SPACE = {
    "x": rt.uniform(-5, 5),
    "lr": rt.loguniform(1e-5, 1e-1),
    "layers": rt.randint(1, 7),  # raytune_lite: 7 excluded, so 1..6 as above
    "activation": rt.choice(["relu", "tanh", "sigmoid"]),
}


def objective(config: dict[str, Any]) -> float:
    return loss(config["x"], config["lr"], config["layers"], config["activation"])


def main() -> None:
    rows = []
    try:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        start = time.perf_counter()
        sampler = optuna.samplers.TPESampler(seed=0)
        study = optuna.create_study(direction="minimize", sampler=sampler)
        study.optimize(optuna_objective, n_trials=N_TRIALS)
        rows.append(("Optuna", study.best_value, study.best_params, time.perf_counter() - start))
    except ImportError:
        print("(Optuna is not installed: pip install -e '.[bench]')")
    ray.init(address="local", include_dashboard=False, logging_level="ERROR")
    start = time.perf_counter()
    results = rt.Tuner(
        objective,
        SPACE,
        metric="loss",  # a returned number is reported under the metric's name
        mode="min",
        num_samples=N_TRIALS,
        searcher=TPE(),
        max_concurrent=4,
        seed=0,
        verbose=0,
    ).fit()
    best = results.best
    rows.append(("rt declared", best.metrics["loss"], best.config, time.perf_counter() - start))
    import raytune_lite.optuna_style as optuna_style

    optuna_style.logging.set_verbosity(optuna_style.logging.WARNING)
    start = time.perf_counter()
    study = optuna_style.create_study(
        direction="minimize", sampler=optuna_style.samplers.TPESampler(seed=0)
    )
    study.optimize(optuna_objective, n_trials=N_TRIALS, n_jobs=4)  # the same function
    rows.append(("rt by-run", study.best_value, study.best_params, time.perf_counter() - start))
    print(f"\n{'':14}{'best value':>11}{'wall time':>11}  best parameters")
    for name, value, params, wall in rows:
        shown = ", ".join(
            f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items()
        )
        print(f"{name:14}{value:11.4f}{wall:10.1f}s  {shown}")


if __name__ == "__main__":
    main()
