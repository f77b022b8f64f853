"""with_parameters + with_resources, HyperOptSearch with its own space, a retried failure."""

import os
import tempfile

import numpy as np

from raytune_lite import tune
from raytune_lite.tune.search.hyperopt import HyperOptSearch


def train(config, data):
    checkpoint = tune.get_checkpoint()
    if checkpoint is None and config["w"] > 0.5:
        with tempfile.TemporaryDirectory() as folder:
            tune.report({"error": 1.0}, checkpoint=tune.Checkpoint.from_directory(folder))
        raise RuntimeError("a flaky failure, retried from the checkpoint")
    error = float(np.mean((data * config["w"] - data * 0.3) ** 2))
    tune.report({"error": error, "trial": tune.get_context().get_trial_id()})


def main(storage_path=None):
    data = np.linspace(0, 1, 1000)
    trainable = tune.with_resources(tune.with_parameters(train, data=data), {"cpu": 2})
    searcher = HyperOptSearch(
        space={"w": tune.uniform(0, 1)},
        metric="error",
        mode="min",
        points_to_evaluate=[{"w": 0.9}],
        n_initial_points=4,
        random_state_seed=3,
    )
    tuner = tune.Tuner(
        trainable,
        tune_config=tune.TuneConfig(search_alg=searcher, num_samples=6),
        run_config=tune.RunConfig(
            name="parameters_resources",
            storage_path=storage_path,
            verbose=0,
            failure_config=tune.FailureConfig(max_failures=1),
        ),
    )
    results = tuner.fit()
    return {
        "num_results": len(results),
        "num_errors": results.num_errors,
        "first_w": results[0].config["w"],
        "trial_ids_match": all(r.metrics["trial"] == r.trial_id for r in results),
        "best_error": results.get_best_result().metrics["error"],
        "resources": tuner.core.resources,
    }


if __name__ == "__main__":
    print(main(os.environ.get("STORAGE", tempfile.mkdtemp())))
