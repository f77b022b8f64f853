"""Draws the README's figures into docs/images/ from small real experiments.

Run from the repository root (needs the [plot] extra; starts a local Ray of 4 CPUs)::

    python docs/make_images.py

The experiments run in a temporary folder; only the PNGs are kept (about 80 dpi, a few tens
of KB each).
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np
import ray

import raytune_lite as rt
from raytune_lite import plot
from raytune_lite.schedulers import ASHA, PBT

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.join(HERE, "images")
DPI = 80


def train(config):
    """A made-up training run: the loss falls faster with a good lr and more layers."""
    rng = np.random.default_rng(int(config["lr"] * 1e9) % 2**32)
    best_lr = 10**-2.2
    floor = 0.15 + 0.6 * abs(math.log10(config["lr"] / best_lr)) ** 1.5 / 4
    floor += {"relu": 0.0, "tanh": 0.08, None: 0.2}[config["act"]] + 0.04 * (5 - config["layers"])
    for step in range(1, 21):
        time.sleep(0.03 * config["layers"])
        loss = floor + 1.5 * math.exp(-step / (2 + 4 * config["layers"] / 5))
        rt.report({"loss": loss + rng.normal(0, 0.01)})


def pbt_train(config):
    ckpt = rt.get_checkpoint()
    state = ckpt.to_dict() if ckpt else {"it": 0, "w": 4.0}
    for it in range(state["it"] + 1, 25):
        time.sleep(0.04)
        target = 0.05 if it < 12 else 0.02  # the best lr changes half way: PBT follows it
        step = config["lr"] * (1 - abs(math.log10(config["lr"] / target)))
        state = {"it": it, "w": state["w"] * (1 - max(step, 0.0) * 4)}
        rt.report({"loss": state["w"]}, checkpoint=rt.Checkpoint.from_dict(state))


def two_metrics(config):
    """Accuracy against model size: the trade-off a Pareto front shows."""
    width, depth = config["width"], config["depth"]
    params = width * width * depth / 1000
    acc = 0.95 - 0.3 / (1 + params / 20) + 0.01 * math.sin(width)
    return {"accuracy": acc, "params_k": params}


def save(drawn, name):
    ax = drawn[0] if isinstance(drawn, list) else drawn
    path = os.path.join(IMAGES, f"{name}.png")
    ax.figure.savefig(path, dpi=DPI)
    plot.pyplot().close("all")
    print(f"{path}: {os.path.getsize(path) // 1024} KB")


def main() -> int:
    os.makedirs(IMAGES, exist_ok=True)
    ray.init(address="local", num_cpus=4, include_dashboard=False, logging_level="ERROR")
    storage = tempfile.mkdtemp(prefix="raytune_lite_images_")
    space = {
        "lr": rt.loguniform(1e-4, 1e-1),
        "layers": rt.randint(1, 6),
        "act": rt.choice(["relu", "tanh", None]),
    }
    common = {"metric": "loss", "storage_path": storage, "verbose": 0, "seed": 1}
    asha = rt.Tuner(
        train,
        space,
        num_samples=40,
        max_concurrent=4,
        scheduler=ASHA(max_t=20, grace_period=2, reduction_factor=3),
        name="asha",
        **common,
    ).fit()
    fifo = rt.Tuner(train, space, num_samples=16, max_concurrent=4, name="random", **common).fit()
    pbt = rt.Tuner(
        pbt_train,
        {"lr": rt.loguniform(0.005, 0.2)},
        num_samples=8,
        scheduler=PBT(
            perturbation_interval=4, hyperparam_mutations={"lr": rt.loguniform(0.005, 0.2)}
        ),
        name="pbt",
        **common,
    ).fit()
    sizes = rt.Tuner(
        two_metrics,
        {"width": rt.randint(8, 257), "depth": rt.randint(1, 9)},
        metric="accuracy",
        mode="max",
        num_samples=60,
        storage_path=storage,
        verbose=0,
        seed=1,
        name="sizes",
    ).fit()
    save(plot.learning_curves(asha), "learning_curves")
    save(plot.best_so_far(asha), "best_so_far")
    save(plot.metric_vs_param(asha, "act"), "metric_vs_param")
    save(plot.slice(asha), "slice")
    save(plot.contour(asha, "lr", "layers"), "contour")
    save(plot.parallel_coordinates(asha), "parallel_coordinates")
    save(plot.importance(asha), "importance")
    save(plot.edf({"ASHA": asha, "no early stopping": fifo}), "edf")
    save(plot.timeline(asha), "timeline")
    save(plot.timeline(pbt), "timeline_pbt")
    save(plot.pbt_schedule(pbt), "pbt_schedule")
    save(plot.pareto_front(sizes, ["params_k", "accuracy"], ["min", "max"]), "pareto_front")
    ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
