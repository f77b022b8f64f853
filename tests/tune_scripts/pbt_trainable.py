"""The class API (Trainable) under PopulationBasedTraining, with hyperparam_mutations."""

import os
import tempfile

from raytune_lite import tune
from raytune_lite.tune.schedulers import PopulationBasedTraining


class Climber(tune.Trainable):
    """Climbs towards 100 faster when lr is close to 0.5."""

    def setup(self, config):
        self.lr = config["lr"]
        self.height = 0.0

    def step(self):
        self.height += 10 * (1 - abs(self.lr - 0.5))
        return {"height": self.height, "lr": self.lr}

    def save_checkpoint(self, checkpoint_dir):
        return {"height": self.height}

    def load_checkpoint(self, checkpoint):
        self.height = checkpoint["height"]

    def reset_config(self, new_config):
        self.lr = new_config["lr"]
        return True


def main(storage_path=None):
    pbt = PopulationBasedTraining(
        time_attr="training_iteration",
        perturbation_interval=2,
        hyperparam_mutations={"lr": tune.uniform(0.0, 1.0), "unused": [1, 2, 3]},
    )
    tuner = tune.Tuner(
        Climber,
        param_space={"lr": tune.uniform(0.0, 1.0)},
        tune_config=tune.TuneConfig(metric="height", mode="max", scheduler=pbt, num_samples=4),
        run_config=tune.RunConfig(
            name="pbt_trainable",
            storage_path=storage_path,
            stop={"training_iteration": 8},
            verbose=0,
            checkpoint_config=tune.CheckpointConfig(checkpoint_frequency=2),
        ),
    )
    results = tuner.fit()
    best = results.get_best_result()
    return {
        "num_results": len(results),
        "num_errors": results.num_errors,
        "iterations": [r.metrics["training_iteration"] for r in results],
        "heights": [r.metrics["height"] for r in results],
        "best_height": best.metrics["height"],
        "unused_values": sorted({r.config["unused"] for r in results}),
        "perturbation_factors": pbt.perturbation_factors,
    }


if __name__ == "__main__":
    print(main(os.environ.get("STORAGE", tempfile.mkdtemp())))
