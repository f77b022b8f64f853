"""One Ray Tune script, run by Ray Tune and by raytune_lite: only the import differs.

    pip install -e ".[bench]" && python examples/from_ray_tune.py

The script below (``run``) is written against Ray Tune's API: a function trainable that
reports a learning curve, ASHA, Optuna's TPE behind a ConcurrencyLimiter, a stop criterion,
``get_best_result``. It is run twice on the same budget, once with ``ray.tune`` and once with
``raytune_lite.tune``, and the best result and wall time of each are printed. (Wall times
depend on the machine and its load: run it on a quiet one.)
"""

from __future__ import annotations

import math
import tempfile
import time
from types import ModuleType
from typing import Any

import ray

NUM_SAMPLES = 32
EPOCHS = 27


def make_trainable(tune: ModuleType) -> Any:
    def train(config: dict[str, Any]) -> None:
        # a noisy learning curve whose floor depends on lr and width
        floor = (math.log10(config["lr"]) + 2.5) ** 2 + (config["width"] - 64) ** 2 / 4096
        for epoch in range(1, EPOCHS + 1):
            tune.report({"loss": floor + 2.0 / epoch, "epoch": epoch})

    return train


def run(tune: ModuleType, search: ModuleType, schedulers: ModuleType, storage: str) -> Any:
    """The Ray Tune script: ``tune`` is ``ray.tune`` or ``raytune_lite.tune`` (and
    ``search``/``schedulers`` its ``tune.search.optuna`` and ``tune.schedulers``)."""
    start = time.perf_counter()
    tuner = tune.Tuner(
        make_trainable(tune),
        param_space={"lr": tune.loguniform(1e-4, 1e-1), "width": tune.randint(16, 129)},
        tune_config=tune.TuneConfig(
            metric="loss",
            mode="min",
            num_samples=NUM_SAMPLES,
            search_alg=tune.search.ConcurrencyLimiter(search.OptunaSearch(seed=0), 4),
            scheduler=schedulers.ASHAScheduler(max_t=EPOCHS, grace_period=1),
        ),
        run_config=tune.RunConfig(
            name="from_ray_tune", storage_path=storage, stop={"epoch": EPOCHS}, verbose=0
        ),
    )
    best = tuner.fit().get_best_result()
    return best, time.perf_counter() - start


def main() -> None:
    ray.init(address="local", include_dashboard=False, logging_level="ERROR")
    rows = []
    try:
        import ray.tune as ray_tune
        import ray.tune.schedulers as ray_schedulers
        import ray.tune.search.optuna as ray_optuna

        best, wall = run(ray_tune, ray_optuna, ray_schedulers, tempfile.mkdtemp())
        rows.append(("Ray Tune", best.metrics["loss"], best.config, wall))
    except ImportError as e:
        print(f"(Ray Tune or Optuna is not installed: {e}; pip install -e '.[bench]')")
    import raytune_lite.tune as lite_tune
    import raytune_lite.tune.schedulers as lite_schedulers
    import raytune_lite.tune.search.optuna as lite_optuna

    best, wall = run(lite_tune, lite_optuna, lite_schedulers, tempfile.mkdtemp())
    rows.append(("raytune_lite", best.metrics["loss"], best.config, wall))
    print(f"\n{'':14}{'best loss':>10}  {'wall time':>9}  best config")
    for name, loss, config, secs in rows:
        cfg = ", ".join(f"{k}={v:.3g}" for k, v in config.items())
        print(f"{name:14}{loss:10.4f}  {secs:8.1f}s  {cfg}")


if __name__ == "__main__":
    main()
