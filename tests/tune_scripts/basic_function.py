"""The function API: report, the search space functions, grid_search, stop, the best result."""

import os
import tempfile

from raytune_lite import tune
from raytune_lite.tune.logger import CSVLoggerCallback


class CountResults(tune.Callback):
    def __init__(self):
        self.results = 0
        self.completed = []

    def on_trial_result(self, iteration, trials, trial, result, **info):
        self.results += 1

    def on_trial_complete(self, iteration, trials, trial, **info):
        self.completed.append(trial.trial_id)


def objective(x, a, width):
    return (x - a) ** 2 / width


def train(config):
    for step in range(1, 9):
        loss = objective(config["x"], config["a"], config["width"]) + 1.0 / step
        tune.report({"loss": loss, "layers": config["layers"]})


def main(storage_path=None):
    param_space = {
        "x": tune.uniform(-5, 5),
        "a": tune.grid_search([0, 2]),
        "width": tune.loguniform(1, 10),
        "layers": tune.randint(1, 4),
        "act": tune.choice(["relu", "tanh"]),
        "double_x": tune.sample_from(lambda spec: spec.config.x * 2),
    }
    counter = CountResults()
    tuner = tune.Tuner(
        train,
        param_space=param_space,
        tune_config=tune.TuneConfig(metric="loss", mode="min", num_samples=3),
        run_config=tune.RunConfig(
            name="basic_function",
            storage_path=storage_path,
            stop={"training_iteration": 5},
            verbose=0,
            callbacks=[counter, CSVLoggerCallback()],
        ),
    )
    results = tuner.fit()
    best = results.get_best_result()
    frame = results.get_dataframe()
    return {
        "num_results": len(results),
        "num_errors": results.num_errors,
        "best_config": best.config,
        "best_loss": best.metrics["loss"],
        "iterations": sorted(r.metrics["training_iteration"] for r in results),
        "grid_values": sorted(frame["config/a"].tolist()),
        "history_rows": len(best.metrics_dataframe),
        "all_losses": [r.metrics["loss"] for r in results],
        "callback_results": counter.results,
        "callback_completed": sorted(counter.completed),
        "trial_ids": sorted(r.trial_id for r in results),
        "csv_files": sum(os.path.exists(os.path.join(r.path, "progress.csv")) for r in results),
    }


if __name__ == "__main__":
    print(main(os.environ.get("STORAGE", tempfile.mkdtemp())))
