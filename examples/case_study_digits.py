"""The tuning guide's case study, on scikit-learn's bundled digits (8x8 images, 10 classes).

    pip install -e ".[examples,plot]" && python examples/case_study_digits.py

1. Train the network with its default hyperparameters and note its test accuracy.
2. A coarse random stage over the learning rate, depth, width and optimizer.
3. Plot validation accuracy against each hyperparameter (``case_study_coarse.png``).
4. A fine Bayesian stage over learning rate, momentum and dropout, around the best coarse
   trials (one ``Staged`` search: the fine space is narrowed around the coarse stage's
   top 5, and its depth, width and optimizer choices cut to those they took).
5. Retrain the best configuration on train + validation and report its test accuracy next
   to the default's.

The network is a numpy MLP (ReLU, softmax, dropout, SGD with momentum or Adam), trained for a
fixed number of epochs; the data are split 60/20/20 into train/validation/test once, and only
the final comparison looks at the test split. It runs in a few minutes on 2 cores.
"""

from __future__ import annotations

import itertools
import os
import time
from typing import Any

import numpy as np

import raytune_lite as rt
from raytune_lite.search import BasicSearch, BayesOpt, Narrow, Staged

EPOCHS = 30
DEFAULTS = {"lr": 0.01, "layers": 1, "units": 64, "optimizer": "sgd", "momentum": 0.0,
            "dropout": 0.0}  # fmt: skip


def load_digits_split(seed: int = 0) -> tuple[np.ndarray, ...]:
    """Digits scaled to [0, 1], split 60/20/20 into train, validation and test."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    a, b = int(0.6 * len(x)), int(0.8 * len(x))
    return x[:a], y[:a], x[a:b], y[a:b], x[b:], y[b:]


def fit_mlp(
    config: dict[str, Any], x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
    report: bool = False,
) -> float:  # fmt: skip
    """Trains the MLP for EPOCHS epochs; returns the accuracy on ``x_val`` at the end."""
    rng = np.random.default_rng(0)
    sizes = [x.shape[1]] + [int(config["units"])] * int(config["layers"]) + [10]
    ws = [rng.normal(0, np.sqrt(2 / m), (m, n)) for m, n in itertools.pairwise(sizes)]
    bs = [np.zeros(n) for n in sizes[1:]]
    params = ws + bs
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    lr, mom, drop = float(config["lr"]), float(config["momentum"]), float(config["dropout"])
    step, onehot = 0, np.eye(10)[y]
    acc = 0.0
    for epoch in range(EPOCHS):
        order = rng.permutation(len(x))
        for i in range(0, len(order), 64):
            idx = order[i : i + 64]
            h, acts, masks = x[idx], [x[idx]], []
            for w, b in zip(ws[:-1], bs[:-1], strict=True):
                h = np.maximum(h @ w + b, 0)
                mask = (rng.random(h.shape) >= drop) / (1 - drop) if drop > 0 else 1.0
                h = h * mask
                acts.append(h)
                masks.append(mask)
            logits = h @ ws[-1] + bs[-1]
            p = np.exp(logits - logits.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            g = (p - onehot[idx]) / len(idx)
            grads_w, grads_b = [], []
            for k in range(len(ws) - 1, -1, -1):
                grads_w.append(acts[k].T @ g)
                grads_b.append(g.sum(0))
                if k > 0:
                    g = (g @ ws[k].T) * (acts[k] > 0) * masks[k - 1]
            grads = grads_w[::-1] + grads_b[::-1]
            step += 1
            for j, (prm, gr) in enumerate(zip(params, grads, strict=True)):
                if config["optimizer"] == "adam":
                    m1[j] = 0.9 * m1[j] + 0.1 * gr
                    m2[j] = 0.999 * m2[j] + 0.001 * gr**2
                    upd = (m1[j] / (1 - 0.9**step)) / (np.sqrt(m2[j] / (1 - 0.999**step)) + 1e-8)
                    prm -= lr * upd
                else:
                    m1[j] = mom * m1[j] - lr * gr
                    prm += m1[j]
        h = x_val
        for w, b in zip(ws[:-1], bs[:-1], strict=True):
            h = np.maximum(h @ w + b, 0)
        acc = float(np.mean(np.argmax(h @ ws[-1] + bs[-1], 1) == y_val))
        if report:
            rt.report({"val_acc": acc, "epoch": epoch + 1})
    return acc


def train(config: dict[str, Any], data: tuple[np.ndarray, ...]) -> None:
    x_tr, y_tr, x_val, y_val, _, _ = data
    fit_mlp(config, x_tr, y_tr, x_val, y_val, report=True)


def main() -> None:
    data = load_digits_split()
    x_tr, y_tr, x_val, y_val, x_te, y_te = data
    x_full, y_full = np.concatenate([x_tr, x_val]), np.concatenate([y_tr, y_val])
    t0 = time.time()
    default_acc = fit_mlp(DEFAULTS, x_full, y_full, x_te, y_te)
    print(f"defaults {DEFAULTS}: test accuracy {default_acc:.4f}")

    space = {
        "lr": rt.loguniform(1e-4, 0.3),
        "layers": rt.choice([1, 2, 3]),
        "units": rt.choice([32, 64, 128, 256]),
        "optimizer": rt.choice(["sgd", "adam"]),
        "momentum": rt.uniform(0.0, 0.95),
        "dropout": rt.uniform(0.0, 0.5),
    }
    coarse, fine = 24, 16
    staged = Staged(
        [(BasicSearch(), coarse), (BayesOpt(n_initial_points=4), fine)],
        narrow=Narrow(top_k=5, margin=0.25),
    )
    results = rt.Tuner(
        rt.with_parameters(train, data=data), space, metric="val_acc", mode="max",
        num_samples=coarse + fine, searcher=staged, seed=0,
        storage_path=os.path.abspath("./raytune_lite_results"),
    ).fit()  # fmt: skip
    df = results.dataframe()
    print(df.groupby("stage")["val_acc"].agg(["count", "max", "median"]).to_string())
    try:
        from raytune_lite import plot

        fig_path = "case_study_coarse.png"
        coarse_only = df[df["stage"] == 0]
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(2, 3, figsize=(12, 6))
        for ax, key in zip(axes.flat, space, strict=True):
            col = coarse_only[f"config/{key}"]
            ax.scatter(col.astype(str) if col.dtype == object else col, coarse_only["val_acc"])
            ax.set_xlabel(key)
            ax.set_ylabel("validation accuracy")
            if key == "lr":
                ax.set_xscale("log")
        fig.suptitle("Coarse stage: validation accuracy against each hyperparameter")
        fig.tight_layout()
        fig.savefig(fig_path, dpi=80)
        print(f"wrote {fig_path} (and see raytune_lite.plot for more figures: {plot.__name__})")
    except ImportError:
        print("matplotlib is not installed: pip install -e '.[plot]' for the figure")
    best = results.best.config
    tuned_acc = fit_mlp(best, x_full, y_full, x_te, y_te)
    print(f"tuned {best}: test accuracy {tuned_acc:.4f}")
    print(f"test accuracy: default {default_acc:.4f} -> tuned {tuned_acc:.4f} "
          f"({time.time() - t0:.0f} s in all)")  # fmt: skip


if __name__ == "__main__":
    main()
