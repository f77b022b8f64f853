"""ASHA + OptunaSearch behind a ConcurrencyLimiter; function checkpoints in a folder."""

import json
import os
import tempfile

from raytune_lite import tune
from raytune_lite.tune.schedulers import ASHAScheduler
from raytune_lite.tune.search import ConcurrencyLimiter
from raytune_lite.tune.search.optuna import OptunaSearch


def train(config):
    start = 0
    checkpoint = tune.get_checkpoint()
    if checkpoint:
        with checkpoint.as_directory() as folder, open(os.path.join(folder, "state.json")) as f:
            start = json.load(f)["epoch"] + 1
    for epoch in range(start, 27):
        loss = (config["lr"] - 0.01) ** 2 * 1e4 + config["momentum"] + 1.0 / (epoch + 1)
        with tempfile.TemporaryDirectory() as folder:
            with open(os.path.join(folder, "state.json"), "w") as f:
                json.dump({"epoch": epoch}, f)
            tune.report(
                {"mean_loss": loss, "epoch": epoch},
                checkpoint=tune.Checkpoint.from_directory(folder),
            )


def main(storage_path=None):
    searcher = ConcurrencyLimiter(OptunaSearch(seed=7), max_concurrent=4)
    scheduler = ASHAScheduler(max_t=27, grace_period=1)
    tuner = tune.Tuner(
        train,
        param_space={"lr": tune.loguniform(1e-4, 1e-1), "momentum": tune.uniform(0.1, 0.9)},
        tune_config=tune.TuneConfig(
            metric="mean_loss",
            mode="min",
            search_alg=searcher,
            scheduler=scheduler,
            num_samples=12,
        ),
        run_config=tune.RunConfig(
            name="asha_optuna",
            storage_path=storage_path,
            verbose=0,
            checkpoint_config=tune.CheckpointConfig(num_to_keep=1),
        ),
    )
    results = tuner.fit()
    best = results.get_best_result(metric="mean_loss", mode="min", scope="all")
    with best.checkpoint.as_directory() as folder, open(os.path.join(folder, "state.json")) as f:
        best_epoch = json.load(f)["epoch"]
    checkpoint_dirs = [
        len(os.listdir(os.path.join(r.path, "checkpoints"))) for r in results if r.checkpoint
    ]
    return {
        "num_results": len(results),
        "num_errors": results.num_errors,
        "iterations": [r.metrics["training_iteration"] for r in results],
        "best_epoch": best_epoch,
        "best_iteration": best.metrics["training_iteration"],
        "checkpoints_kept": checkpoint_dirs,
        "reduction_factor": scheduler.reduction_factor,
    }


if __name__ == "__main__":
    print(main(os.environ.get("STORAGE", tempfile.mkdtemp())))
