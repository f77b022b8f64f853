"""A staged search: a coarse TPE + ASHA pass over a conditional space, then a fine local
search started from the best configuration it found.

    pip install -e . && python examples/staged_search.py

Stage 1 searches the optimizer too (SGD with momentum, or plain SGD with a decay), each
branch with its own hyperparameters, and stops weak trials early. Stage 2 keeps the winning
branch fixed and refines its numbers with ``LocalSearch``, which adapts its step from the
results. Both stages train the quickstart's numpy network on the two-spirals data.
"""

from __future__ import annotations

import os
import sys

import numpy as np

import raytune_lite as rt
from raytune_lite.schedulers import ASHA
from raytune_lite.search import TPE, LocalSearch

EPOCHS = 40


def train(config, data):
    """One-hidden-layer tanh network, minibatch SGD; the optimizer is a nested choice."""
    x_train, y_train, x_val, y_val = data
    rng = np.random.default_rng(0)
    h, opt = config["hidden"], config["optimizer"]
    w1, b1 = rng.normal(0, 1 / np.sqrt(2), (2, h)), np.zeros(h)
    w2, b2 = rng.normal(0, 1 / np.sqrt(h), (h, 1)), np.zeros(1)
    vel = [np.zeros_like(p) for p in (w1, b1, w2, b2)]
    for epoch in range(EPOCHS):
        lr = opt["lr"] * (opt.get("decay", 1.0) ** epoch)
        mom = opt.get("momentum", 0.0)
        order = rng.permutation(len(x_train))
        for i in range(0, len(order), 32):
            idx = order[i : i + 32]
            xb, yb = x_train[idx], y_train[idx, None]
            z = np.tanh(xb @ w1 + b1)
            g = (1 / (1 + np.exp(-(z @ w2 + b2))) - yb) / len(idx)
            gz = (g @ w2.T) * (1 - z**2)
            for k, (p, gp) in enumerate(
                zip((w1, b1, w2, b2), (xb.T @ gz, gz.sum(0), z.T @ g, g.sum(0)), strict=True)
            ):
                vel[k] = mom * vel[k] - lr * gp
                p += vel[k]
        pv = np.clip(1 / (1 + np.exp(-(np.tanh(x_val @ w1 + b1) @ w2 + b2)))[:, 0], 1e-7, 1 - 1e-7)
        rt.report({"val_loss": float(-np.mean(y_val * np.log(pv) + (1 - y_val) * np.log(1 - pv)))})


def main() -> None:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from quickstart import make_spirals  # the same data as the quickstart

    x, y = make_spirals()
    trainable = rt.with_parameters(train, data=(x[:900], y[:900], x[900:], y[900:]))
    coarse_space = {
        "hidden": rt.choice([8, 16, 32, 64]),
        "optimizer": rt.choice(
            [
                {
                    "name": "momentum",
                    "lr": rt.loguniform(1e-3, 1.0),
                    "momentum": rt.uniform(0.5, 0.99),
                },
                {"name": "sgd", "lr": rt.loguniform(1e-2, 3.0), "decay": rt.uniform(0.9, 1.0)},
            ]
        ),
    }
    coarse = rt.Tuner(
        trainable,
        coarse_space,
        metric="val_loss",
        num_samples=40,
        seed=0,
        searcher=TPE(n_startup_trials=10),
        scheduler=ASHA(max_t=EPOCHS, grace_period=4, reduction_factor=3),
        storage_path="./raytune_lite_results",
        name="staged_coarse",
        resume=True,
        verbose=0,
    ).fit()
    best = coarse.best.config
    print(
        f"stage 1 (TPE + ASHA, 40 trials): val_loss {coarse.best.metrics['val_loss']:.4f} "
        f"with {best}"
    )

    # stage 2: the winning branch's numbers, refined around the best point
    opt = best["optimizer"]
    fine_space = {
        "hidden": best["hidden"],
        "optimizer": {
            k: (
                rt.loguniform(opt[k] / 4, min(opt[k] * 4, 3.0))
                if k == "lr"
                else rt.uniform(0.5, 0.99)
                if k == "momentum"
                else rt.uniform(0.9, 1.0)
                if k == "decay"
                else v
            )
            for k, v in opt.items()
        },
    }
    fine = rt.Tuner(
        trainable,
        fine_space,
        metric="val_loss",
        num_samples=20,
        seed=0,
        searcher=LocalSearch(init_config=best),
        max_concurrent=4,
        storage_path="./raytune_lite_results",
        name="staged_fine",
        resume=True,
        verbose=0,
    ).fit()
    print(
        f"stage 2 (LocalSearch, 20 trials): val_loss {fine.best.metrics['val_loss']:.4f} "
        f"with {fine.best.config}"
    )


if __name__ == "__main__":
    main()
