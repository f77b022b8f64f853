"""The early-stopping benchmark's task: a numpy MLP (one hidden layer) trained epoch by
epoch on a fixed synthetic classification problem, for seeded configurations."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

SEED = 0
BATCH = 100
HIDDEN = 32


def make_data(
    seed: int = SEED, n_train: int = 4000, n_val: int = 1000, dim: int = 20, classes: int = 8
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Gaussian inputs labelled by a random tanh teacher network plus Gumbel noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_train + n_val, dim))
    w1 = rng.normal(size=(dim, 32)) / np.sqrt(dim)
    w2 = rng.normal(size=(32, classes)) * 1.5
    logits = np.tanh(2 * x @ w1) @ w2
    y = np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]


def make_configs(n: int, seed: int = SEED) -> list[dict[str, float]]:
    """``n`` seeded configurations: log-uniform lr and weight decay, uniform momentum."""
    rng = np.random.default_rng(seed)
    return [
        {
            "lr": float(10 ** rng.uniform(-3, 0.3)),
            "momentum": float(rng.uniform(0, 0.95)),
            "weight_decay": float(10 ** rng.uniform(-6, -2)),
        }
        for _ in range(n)
    ]


def init_params(dim: int, classes: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [
        rng.normal(size=(dim, HIDDEN)) / np.sqrt(dim),
        np.zeros(HIDDEN),
        rng.normal(size=(HIDDEN, classes)) / np.sqrt(HIDDEN),
        np.zeros(classes),
    ]


def _forward(p: list[np.ndarray], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h = np.tanh(x @ p[0] + p[1])
    z = h @ p[2] + p[3]
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return h, e / e.sum(axis=1, keepdims=True)


def val_loss(p: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    _, prob = _forward(p, x)
    v = float(-np.mean(np.log(prob[np.arange(len(y)), y] + 1e-12)))
    return v if math.isfinite(v) else float("nan")


def train_epoch(
    p: list[np.ndarray],
    vel: list[np.ndarray],
    cfg: dict[str, float],
    x: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """One pass of minibatch SGD with momentum and weight decay, in place."""
    order = rng.permutation(len(y))
    with np.errstate(all="ignore"):
        for s in range(0, len(y), BATCH):
            b = order[s : s + BATCH]
            h, prob = _forward(p, x[b])
            prob[np.arange(len(b)), y[b]] -= 1
            prob /= len(b)
            dh = (prob @ p[2].T) * (1 - h * h)
            grads = (
                x[b].T @ dh + cfg["weight_decay"] * p[0],
                dh.sum(0),
                h.T @ prob + cfg["weight_decay"] * p[2],
                prob.sum(0),
            )
            for w, v, g in zip(p, vel, grads, strict=True):
                v *= cfg["momentum"]
                v -= cfg["lr"] * g
                w += v


def learn(
    config: dict[str, Any],
    report: Callable[[dict[str, Any], dict[str, Any] | None], None],
    state: dict[str, Any] | None,
) -> None:
    """Trains configuration ``config["idx"]`` for ``config["epochs"]`` epochs, calling
    ``report(metrics, checkpoint_state)``; resumes from ``state`` (a checkpoint) if given.
    Each epoch's shuffle is seeded by (trial, epoch), so a resumed run equals a straight one."""
    xt, yt, xv, yv = make_data()
    cfg = make_configs(config["n"])[config["idx"]]
    if state is None:
        p = init_params(xt.shape[1], int(yt.max()) + 1, 1000 + config["idx"])
        vel, start = [np.zeros_like(w) for w in p], 0
    else:
        p, vel, start = state["p"], state["vel"], state["epoch"] + 1
    for epoch in range(start, config["epochs"]):
        train_epoch(p, vel, cfg, xt, yt, np.random.default_rng([config["idx"], epoch]))
        metrics = {"val_loss": val_loss(p, xv, yv), "epoch": epoch, "wall": time.time()}
        report(metrics, {"p": p, "vel": vel, "epoch": epoch} if config["ckpt"] else None)
