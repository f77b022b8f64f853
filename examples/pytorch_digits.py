"""A PyTorch MLP on scikit-learn's bundled digits, tuned with ASHA; GPU when there is one.

    pip install -e ".[torch,examples]" && python examples/pytorch_digits.py

Each trial trains a one-hidden-layer network (``torch.nn``, AdamW) on the 8x8 digits (no
download: the data ship with scikit-learn) and reports validation accuracy every epoch with a
checkpoint (model and optimizer state, epoch count) made with ``rt.Checkpoint.from_dict``. A
trial that is retried or resumed loads its last checkpoint and continues from the next epoch.

The learning rate, hidden width and weight decay are tuned; ASHA stops weak trials early. On
a machine with a CUDA GPU each trial asks for ``{"cpu": 1, "gpu": 0.25}`` (four trials share
one device; Ray sets ``CUDA_VISIBLE_DEVICES`` so that ``cuda`` is the trial's device), and
on the CPU otherwise.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

import raytune_lite as rt

EPOCHS = 20
BATCH_SIZE = 64


def load_split(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Digits scaled to [0, 1], shuffled once and split 80/20 into train and validation."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = (x[order] / 16.0).astype(np.float32), y[order].astype(np.int64)
    cut = int(0.8 * len(x))
    return x[:cut], y[:cut], x[cut:], y[cut:]


def pick_device() -> str:
    """``"cuda"`` where PyTorch sees a GPU (in a trial: the one Ray gave it), else ``"cpu"``."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def trial_resources() -> dict[str, float]:
    """A quarter of a GPU per trial where this machine has one, else one CPU."""
    import torch

    return {"cpu": 1, "gpu": 0.25} if torch.cuda.is_available() else {"cpu": 1}


def build_model(hidden: int) -> Any:
    """64 pixels -> ``hidden`` ReLU units -> 10 classes."""
    from torch import nn

    return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def evaluate(model: Any, x: Any, y: Any) -> tuple[float, float]:
    """Returns (cross-entropy loss, accuracy) of ``model`` on tensors ``x``, ``y``."""
    import torch

    model.eval()
    with torch.no_grad():
        logits = model(x)
        loss = float(torch.nn.functional.cross_entropy(logits, y))
        acc = float((logits.argmax(1) == y).float().mean())
    return loss, acc


def train_digits(config: dict[str, Any], epochs: int = EPOCHS) -> None:
    """The trainable: trains up to ``epochs`` epochs, reporting and checkpointing each one.

    Args:
        config: ``lr``, ``hidden`` and ``weight_decay``.
        epochs: the epoch to stop at; a resumed trial starts after its checkpoint's epoch.
    """
    import torch

    torch.set_num_threads(1)  # trials run side by side: one thread each
    device = pick_device()
    x_tr, y_tr, x_va, y_va = (torch.from_numpy(a).to(device) for a in load_split())
    torch.manual_seed(0)
    model = build_model(int(config["hidden"])).to(device)
    opt = torch.optim.AdamW(
        model.parameters(), lr=float(config["lr"]), weight_decay=float(config["weight_decay"])
    )
    start = 0
    ckpt = rt.get_checkpoint()
    if ckpt is not None:  # a retry, a resume or a paused trial: continue where it stopped
        state = ckpt.to_dict()
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        start = int(state["epoch"])
    gen = torch.Generator().manual_seed(start)
    for epoch in range(start + 1, epochs + 1):
        model.train()
        order = torch.randperm(len(x_tr), generator=gen).to(device)
        for i in range(0, len(order), BATCH_SIZE):
            idx = order[i : i + BATCH_SIZE]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x_tr[idx]), y_tr[idx]).backward()
            opt.step()
        val_loss, val_acc = evaluate(model, x_va, y_va)
        state = {
            "epoch": epoch,
            "model": {k: v.cpu() for k, v in model.state_dict().items()},
            "optimizer": opt.state_dict(),
        }
        rt.report(
            {"val_loss": val_loss, "val_acc": val_acc, "epoch": epoch, "device": device},
            checkpoint=rt.Checkpoint.from_dict(state),
        )


def tune(
    num_samples: int = 16,
    epochs: int = EPOCHS,
    storage_path: str = "./raytune_lite_results",
    seed: int = 0,
) -> rt.ResultGrid:
    """Tunes ``lr``, ``hidden`` and ``weight_decay`` with ASHA over ``num_samples`` trials."""
    param_space = {
        "lr": rt.loguniform(1e-4, 3e-2),
        "hidden": rt.choice([16, 32, 64, 128]),
        "weight_decay": rt.loguniform(1e-6, 1e-1),
    }
    scheduler = rt.schedulers.ASHA(max_t=epochs, grace_period=max(1, epochs // 8))
    return rt.Tuner(
        rt.with_parameters(train_digits, epochs=epochs),
        param_space,
        metric="val_acc",
        mode="max",
        num_samples=num_samples,
        seed=seed,
        scheduler=scheduler,
        resources=trial_resources(),
        num_to_keep=2,
        storage_path=storage_path,
        verbose=0,
    ).fit()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=16, help="number of trials")
    p.add_argument("--epochs", type=int, default=EPOCHS, help="epochs of the longest trial")
    args = p.parse_args()
    print(f"trials ask for {trial_resources()} and train on {pick_device()}")
    results = tune(args.samples, args.epochs)
    best = results.best
    print(f"best config: {best.config}")
    print(f"best val_acc={best.metrics['val_acc']:.3f} after {best.metrics['epoch']} epochs")
    df = results.dataframe().sort_values("val_acc", ascending=False)
    cols = ["trial_id", "status", "config/lr", "config/hidden", "config/weight_decay"]
    print(df[[*cols, "epoch", "val_acc"]].head(10).to_string(index=False))
    print(f"{len(results)} trials, {results.num_errors} errors; results in {results.path}")


if __name__ == "__main__":
    main()
