"""RunConfig(name=...) run twice, and Ray Tune's can_restore / restore pattern."""

import os
import tempfile

from raytune_lite import tune
from raytune_lite.tune.schedulers import MedianStoppingRule


def train(config):
    for step in range(4):
        tune.report({"score": config["x"] * (step + 1)})


def run(storage_path):
    path = os.path.join(storage_path, "rerun")
    if tune.Tuner.can_restore(path):
        tuner = tune.Tuner.restore(path, trainable=train)
    else:
        tuner = tune.Tuner(
            train,
            param_space={"x": tune.grid_search([1, 2, 3])},
            tune_config=tune.TuneConfig(
                metric="score",
                mode="max",
                scheduler=MedianStoppingRule(time_attr="training_iteration", grace_period=1),
            ),
            run_config=tune.RunConfig(name="rerun", storage_path=storage_path, verbose=0),
        )
    return tuner.fit()


def main(storage_path=None):
    first = run(storage_path)
    second = run(storage_path)  # restores the finished experiment: nothing left to run
    fresh = tune.Tuner(
        train,
        param_space={"x": tune.grid_search([5])},
        run_config=tune.RunConfig(name="rerun", storage_path=storage_path, verbose=0),
    ).fit()
    return {
        "first": sorted(r.config["x"] for r in first),
        "second_path": second.experiment_path,
        "second": sorted(r.config["x"] for r in second),
        "fresh_path": fresh.experiment_path,
        "fresh": [r.config["x"] for r in fresh],
        "first_path": first.experiment_path,
    }


if __name__ == "__main__":
    print(main(os.environ.get("STORAGE", tempfile.mkdtemp())))
