"""Quickstart: tune a small neural network, trained with numpy, on all cores.

    pip install -e . && python examples/quickstart.py

The script makes a two-spirals classification dataset, trains a one-hidden-layer network
with mini-batch SGD epoch by epoch, and tunes its learning rate, width, L2 penalty and batch
size over 32 trials in parallel; ASHA stops the weak ones early.
"""

from __future__ import annotations

import numpy as np

import raytune_lite as rt


def make_spirals(n: int = 1200, noise: float = 0.1, seed: int = 0):
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.random(n)) * 2 * np.pi
    label = rng.integers(0, 2, n)
    sign = np.where(label == 1, 1.0, -1.0)
    x = np.stack([sign * t * np.cos(t), sign * t * np.sin(t)], axis=1) / 10
    x += rng.normal(0, noise, x.shape) / 3
    return x, label


def train(config, data):
    x_train, y_train, x_val, y_val = data
    rng = np.random.default_rng(0)
    h, lr, l2, bs = config["hidden"], config["lr"], config["l2"], config["batch_size"]
    w1 = rng.normal(0, 1 / np.sqrt(2), (2, h))
    b1 = np.zeros(h)
    w2 = rng.normal(0, 1 / np.sqrt(h), (h, 1))
    b2 = np.zeros(1)
    for _epoch in range(60):
        order = rng.permutation(len(x_train))
        for i in range(0, len(order), bs):
            idx = order[i : i + bs]
            xb, yb = x_train[idx], y_train[idx, None]
            z = np.tanh(xb @ w1 + b1)
            p = 1 / (1 + np.exp(-(z @ w2 + b2)))
            g = (p - yb) / len(idx)
            gw2 = z.T @ g + l2 * w2
            gz = (g @ w2.T) * (1 - z**2)
            w2 -= lr * gw2
            b2 -= lr * g.sum(0)
            w1 -= lr * (xb.T @ gz + l2 * w1)
            b1 -= lr * gz.sum(0)
        pv = 1 / (1 + np.exp(-(np.tanh(x_val @ w1 + b1) @ w2 + b2)))[:, 0]
        pv = np.clip(pv, 1e-7, 1 - 1e-7)
        val_loss = float(-np.mean(y_val * np.log(pv) + (1 - y_val) * np.log(1 - pv)))
        rt.report({"val_loss": val_loss, "val_acc": float(np.mean((pv > 0.5) == y_val))})


def main() -> None:
    x, y = make_spirals()
    data = (x[:900], y[:900], x[900:], y[900:])
    param_space = {
        "lr": rt.loguniform(1e-3, 3.0),
        "hidden": rt.choice([8, 16, 32, 64]),
        "l2": rt.loguniform(1e-6, 1e-2),
        "batch_size": rt.choice([16, 32, 64]),
    }
    scheduler = None
    if hasattr(rt.schedulers, "ASHA"):
        scheduler = rt.schedulers.ASHA(max_t=60, grace_period=5, reduction_factor=3)
    results = rt.Tuner(
        rt.with_parameters(train, data=data),
        param_space,
        metric="val_loss",
        mode="min",
        num_samples=32,
        seed=0,
        scheduler=scheduler,
        storage_path="./raytune_lite_results",
    ).fit()
    best = results.best
    print(f"\nbest config: {best.config}")
    print(f"best val_loss={best.metrics['val_loss']:.4f}, val_acc={best.metrics['val_acc']:.3f}")
    df = results.dataframe().sort_values("val_loss")
    cols = [
        "trial_id",
        "status",
        "config/lr",
        "config/hidden",
        "config/l2",
        "config/batch_size",
        "training_iteration",
        "val_loss",
        "val_acc",
    ]
    print(df[cols].head(10).to_string(index=False))
    print(f"\n{len(results)} trials, {results.num_errors} errors; results in {results.path}")


if __name__ == "__main__":
    main()
