"""The learning-rate schedule task of the population benchmark: minibatch SGD on a noisy,
ill-conditioned linear regression, where the best learning rate falls during training (so a
schedule, which PBT can find, beats every fixed rate)."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

EPOCHS, STEPS, BATCH, DIM, N = 40, 25, 4, 10, 1000
EPOCH_SLEEP_S = 0.05  # stands in for real training time, so that the trials overlap
LR_LOW, LR_HIGH = 1e-3, 2.0


def _task_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    scales = np.logspace(0, -1, DIM)  # condition number 100
    w_star = rng.standard_normal(DIM) / scales * 0.3
    x = rng.standard_normal((N, DIM)) * scales
    y = x @ w_star + rng.standard_normal(N)  # label noise: SGD stalls at a floor ~ lr
    x_val = rng.standard_normal((N, DIM)) * scales
    return x, y, x_val, w_star


def sgd_epochs(lrs: list[float]) -> float:
    """Excess validation loss after running the given per-epoch learning rates (no Ray)."""
    x, y, x_val, w_star = _task_data()
    w = np.zeros(DIM)
    with np.errstate(all="ignore"):
        for epoch, lr in enumerate(lrs):
            w = _epoch(w, lr, epoch, x, y)
        v = float(np.mean((x_val @ (w - w_star)) ** 2))
    return v if math.isfinite(v) else math.inf


def _epoch(w: np.ndarray, lr: float, epoch: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(1000 + epoch)  # the same minibatches for every trial
    for _ in range(STEPS):
        idx = rng.integers(len(y), size=BATCH)
        w = w - lr * x[idx].T @ (x[idx] @ w - y[idx]) / BATCH
    return w


def sgd_train(config: dict[str, Any]) -> None:
    """The trainable: minibatch SGD, one checkpoint per epoch, resumable (PBT exploit)."""
    import raytune_lite as rt

    x, y, x_val, w_star = _task_data()
    ckpt = rt.get_checkpoint()
    state: dict[str, Any] = ckpt.to_dict() if ckpt else {"epoch": -1, "w": np.zeros(DIM)}
    w: np.ndarray = state["w"]
    for epoch in range(int(state["epoch"]) + 1, EPOCHS):
        with np.errstate(all="ignore"):
            w = _epoch(w, config["lr"], epoch, x, y)
            excess = float(np.mean((x_val @ (w - w_star)) ** 2))
        time.sleep(EPOCH_SLEEP_S)
        rt.report(
            {
                "excess": excess if math.isfinite(excess) else math.nan,
                "epoch": epoch,
                "lr": config["lr"],
            },
            checkpoint=rt.Checkpoint.from_dict({"epoch": epoch, "w": w}),
        )
