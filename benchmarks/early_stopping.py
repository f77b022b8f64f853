"""Early stopping on real learning curves: FIFO, ASHA, Hyperband and median stopping of
raytune_lite, and Ray Tune's four counterparts, on the same 81 seeded configurations.

The task: a one-hidden-layer tanh network (32 units, softmax output) trained with minibatch
SGD + momentum + weight decay, epoch by epoch in numpy, on an 8-class dataset this script
builds (a random "teacher" network labels Gaussian inputs, with label noise); the metric is
the validation cross-entropy after each epoch. The 81 configurations (learning rate,
momentum, weight decay) are drawn once with a fixed seed and given to every scheduler as a
grid over their index, so each scheduler sees exactly the same trials in the same order.
Every trial trains at most 81 epochs; 8 trials run at once (``ray.init(num_cpus=8)``).

Reported per scheduler: epochs trained in all, wall time of ``fit()``, the best final
validation loss (the lowest last-reported loss of any trial), and how many epochs (counted
over all trials, in time order) it took until some trial first came within 1% of FIFO's best.

Run ``python -m benchmarks.early_stopping`` (or ``python benchmarks/early_stopping.py``);
``--quick`` runs a small variant (27 configurations x 27 epochs) and does not write
BENCHMARKS.md.

``--curves crossing`` runs instead on synthetic learning curves that cross (the best final
configuration starts slowly; :mod:`benchmarks._crossing`), 81 configurations x 81 epochs,
with our schedulers and Ray Tune's driven through their plugin interfaces on a simulated
clock (8 slots, the same epoch times for all), for ``--seeds`` seeds (default 20; the seed
draws the curves, the epoch times and the schedulers' generators). Its figures (epochs
trained, final losses) are exact and do not depend on the machine's load; it takes seconds.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

from benchmarks._mlp_task import SEED, learn
from benchmarks._report import table, write_section

# -- the task --------------------------------------------------------------------------------


def train_rtl(config: dict[str, Any]) -> None:
    """The raytune_lite trainable."""
    import raytune_lite as rt

    ckpt = rt.get_checkpoint()

    def report(metrics: dict[str, Any], state: dict[str, Any] | None) -> None:
        rt.report(metrics, checkpoint=None if state is None else rt.Checkpoint.from_dict(state))

    body(config)(config, report, None if ckpt is None else ckpt.to_dict())


def body(config: dict[str, Any]) -> Callable[..., None]:
    """The MLP, or a crossing curve (``benchmarks._crossing``) when the config names one."""
    if "tau0" in config:
        from benchmarks._crossing import learn_curve

        return learn_curve
    return learn


def train_ray(config: dict[str, Any]) -> None:
    """The Ray Tune trainable, checkpointing like ours where the scheduler pauses trials."""
    import pickle

    from ray import tune

    ckpt = tune.get_checkpoint()
    state = None
    if ckpt is not None:
        with ckpt.as_directory() as d, open(os.path.join(d, "state.pkl"), "rb") as f:
            state = pickle.load(f)  # written just below, by this benchmark

    def report(metrics: dict[str, Any], st: dict[str, Any] | None) -> None:
        if st is None:
            tune.report(metrics)
            return
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "state.pkl"), "wb") as f:
                pickle.dump(st, f)
            tune.report(metrics, checkpoint=tune.Checkpoint.from_directory(d))

    body(config)(config, report, state)


# -- running and measuring -------------------------------------------------------------------

Rows = list[tuple[float, float]]  # (wall, val_loss) of every row
Finals = list[float]  # last val_loss of every trial


def run_rtl(
    scheduler: Any,
    n: int,
    epochs: int,
    ckpt: bool,
    storage: str,
    name: str,
    extra: dict[str, Any] | None = None,
) -> tuple[float, Rows, Finals, Finals]:
    """One run of ours: wall time, every row, every trial's last loss, and the last loss of
    the trials that trained every epoch."""
    import raytune_lite as rt

    space = {"idx": rt.grid(list(range(n))), "n": n, "epochs": epochs, "ckpt": ckpt}
    space.update(extra or {})
    t0 = time.perf_counter()
    results = rt.Tuner(
        train_rtl,
        space,
        metric="val_loss",
        mode="min",
        num_samples=1,
        scheduler=scheduler,
        max_concurrent=8,
        seed=SEED,
        verbose=0,
        storage_path=storage,
        name=name,
    ).fit()
    wall = time.perf_counter() - t0
    hist = results.history()
    rows = list(zip(hist["wall"].astype(float), hist["val_loss"].astype(float), strict=True))
    finals = [float(g["val_loss"].iloc[-1]) for _, g in hist.groupby("trial_id")]
    complete = [
        float(g["val_loss"].iloc[-1])
        for _, g in hist.groupby("trial_id")
        if int(g["training_iteration"].max()) >= epochs
    ]
    return wall, rows, finals, complete


def ray_tune_schedulers(epochs: int) -> list[tuple[str, Callable[[], Any], bool]]:
    """Ray Tune's counterparts of our schedulers, with the same settings."""
    from ray.tune.schedulers import (
        ASHAScheduler,
        FIFOScheduler,
        HyperBandScheduler,
        MedianStoppingRule,
    )

    it = "training_iteration"
    return [
        ("FIFO", FIFOScheduler, False),
        (
            "ASHA",
            lambda: ASHAScheduler(time_attr=it, max_t=epochs, grace_period=1, reduction_factor=3),
            False,
        ),
        (
            "Hyperband",
            lambda: HyperBandScheduler(time_attr=it, max_t=epochs, reduction_factor=3),
            True,
        ),
        (
            "Median stopping",
            lambda: MedianStoppingRule(time_attr=it, grace_period=5, min_samples_required=3),
            False,
        ),
    ]


def run_ray(
    label: str,
    scheduler: Any,
    n: int,
    epochs: int,
    ckpt: bool,
    storage: str,
    extra: dict[str, Any] | None = None,
) -> tuple[float, Rows, Finals, Finals]:
    """One run of Ray Tune's, returning what :func:`run_rtl` does."""
    from ray import tune

    space = {"idx": tune.grid_search(list(range(n))), "n": n, "epochs": epochs, "ckpt": ckpt}
    space.update(extra or {})
    t0 = time.perf_counter()
    tuner = tune.Tuner(
        train_ray,
        param_space=space,
        tune_config=tune.TuneConfig(
            metric="val_loss",
            mode="min",
            reuse_actors=True,
            max_concurrent_trials=8,
            scheduler=scheduler,
        ),
        run_config=tune.RunConfig(storage_path=storage, name=f"ray_{label.split()[0]}", verbose=0),
    )
    grid = tuner.fit()
    wall = time.perf_counter() - t0
    rows: Rows = []
    finals: Finals = []
    complete: Finals = []
    for r in [grid[i] for i in range(len(grid))]:
        df = r.metrics_dataframe
        if df is None or df.empty:
            continue
        df = df.drop_duplicates("training_iteration", keep="last")  # rows redone after a pause
        rows.extend(zip(df["wall"].astype(float), df["val_loss"].astype(float), strict=True))
        finals.append(float(df["val_loss"].iloc[-1]))
        if int(df["training_iteration"].max()) >= epochs:
            complete.append(finals[-1])
    return wall, rows, finals, complete


def summarize(
    name: str,
    runs: list[tuple[float, Rows, Finals, Finals]],
    fifo_epochs: int,
    fifo_best: float | None,
) -> list[Any]:
    """One table row over repeated runs: medians, with the range where runs differ."""
    epochs, walls, bests, reaches = [], [], [], []
    for wall, rows, finals, _ in runs:
        epochs.append(len(rows))
        walls.append(wall)
        bests.append(min((v for v in finals if math.isfinite(v)), default=float("nan")))
        reach = math.inf
        if fifo_best is not None:
            for k, (_, v) in enumerate(sorted(rows), start=1):
                if math.isfinite(v) and v <= fifo_best * 1.01:
                    reach = k
                    break
        reaches.append(reach)

    def med(xs: list[float], fmt: str) -> str:
        m = format(float(np.median(xs)), fmt)
        return m if min(xs) == max(xs) else f"{m} ({format(min(xs), fmt)}-{format(max(xs), fmt)})"

    best = float(np.median(bests))
    vs = "-" if fifo_best is None else f"{best / fifo_best - 1:+.1%}".replace("-0.0%", "+0.0%")
    r = float(np.median(reaches))
    never = sum(math.isinf(x) for x in reaches)
    reach = (
        "-"
        if fifo_best is None
        else ("never" if math.isinf(r) else f"{r:.0f}")
        + (f" (never in {never} of {len(runs)})" if 0 < never < len(runs) else "")
    )
    return [
        name,
        len(runs),
        med(epochs, ".0f"),
        f"{np.median(epochs) / fifo_epochs:.1%}",
        med(walls, ".1f"),
        med(bests, ".4f"),
        vs,
        reach,
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument(
        "--quick",
        action="store_true",
        help="27 configurations x 27 epochs; does not write BENCHMARKS.md",
    )
    ap.add_argument("--skip-ray-tune", action="store_true", help="leave Ray Tune out")
    ap.add_argument(
        "--curves",
        choices=("mlp", "crossing"),
        default="mlp",
        help="mlp: real runs of the numpy MLP (default); crossing: simulated runs on "
        "synthetic learning curves that cross",
    )
    ap.add_argument("--seeds", type=int, default=20, help="seeds of --curves crossing")
    ap.add_argument(
        "--real",
        type=int,
        default=0,
        metavar="SEEDS",
        help="with --curves crossing: also this many seeds of real runs on a local Ray",
    )
    ap.add_argument(
        "--sleep", type=float, default=0.01, help="seconds per simulated epoch time, --real"
    )
    ap.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="runs of each of our schedulers and of Ray Tune's ASHA (the order in "
        "which trials reach a rung changes from run to run); Ray Tune's FIFO, "
        "Hyperband and median stopping run once (minutes each)",
    )
    args = ap.parse_args()
    if args.repeats < 1:
        ap.error(f"--repeats must be >= 1; got {args.repeats}")
    if args.curves == "crossing":
        if args.seeds < 1:
            ap.error(f"--seeds must be >= 1; got {args.seeds}")
        from benchmarks._crossing_runs import crossing_main

        crossing_main(args, write=not args.quick)
        return
    n, epochs = (27, 27) if args.quick else (81, 81)

    import ray

    from raytune_lite.schedulers.asha import ASHA
    from raytune_lite.schedulers.fifo import FIFO
    from raytune_lite.schedulers.hyperband import Hyperband
    from raytune_lite.schedulers.median import MedianStopping

    if not ray.is_initialized():
        ray.init(address="local", num_cpus=8, include_dashboard=False, log_to_driver=False)
    schedulers: list[tuple[str, Callable[[], Any], bool]] = [
        ("FIFO", FIFO, False),
        ("ASHA", lambda: ASHA(max_t=epochs, grace_period=1, reduction_factor=3), False),
        ("Hyperband", lambda: Hyperband(max_t=epochs, grace_period=1, reduction_factor=3), True),
        ("Median stopping", lambda: MedianStopping(grace_period=5, min_samples_required=3), False),
    ]
    table_rows: list[list[Any]] = []
    speedups: list[str] = []
    ours: dict[str, float] = {}
    fifo_epochs, fifo_best = n * epochs, None
    with tempfile.TemporaryDirectory(prefix="rtl_bench_es_") as storage:
        for label, make, ckpt in schedulers:
            runs = [
                run_rtl(make(), n, epochs, ckpt, storage, f"{label.split()[0]}_{i}")
                for i in range(1 if label == "FIFO" else args.repeats)
            ]
            if label == "FIFO":
                fifo_epochs = len(runs[0][1])
                fifo_best = min(v for v in runs[0][2] if math.isfinite(v))
            row = summarize(f"raytune_lite {label}", runs, fifo_epochs, fifo_best)
            table_rows.append(row)
            ours[label] = float(np.median([r[0] for r in runs]))
            print(" | ".join(map(str, row)), flush=True)
        if not args.skip_ray_tune:
            for label, make, ckpt in ray_tune_schedulers(epochs):
                runs = [
                    run_ray(f"{label}_{i}", make(), n, epochs, ckpt, storage)
                    for i in range(args.repeats if label == "ASHA" else 1)
                ]
                row = summarize(f"Ray Tune {label}", runs, fifo_epochs, fifo_best)
                table_rows.append(row)
                print(" | ".join(map(str, row)), flush=True)
                wall = float(np.median([r[0] for r in runs]))
                speedups.append(f"{label} {wall / ours[label]:.1f}x")
    headers = [
        "scheduler",
        "runs",
        "epochs",
        "of FIFO",
        "wall s",
        "best final val loss",
        "vs FIFO",
        "epochs to within 1% of FIFO best",
    ]
    body = table(headers, table_rows)
    if speedups:
        body += (
            "\n\nWall time of Ray Tune's scheduler / ours, same task and settings: "
            + ", ".join(speedups)
            + "."
        )
    print()
    print(body)
    if not args.quick:
        note = (
            f"Medians over {args.repeats} runs (range in brackets) where runs differ: the "
            "order in which trials reach a rung changes from run to run, and with it which "
            "trials ASHA and Hyperband keep. "
            f"{n} seeded configurations x {epochs} epochs of a numpy MLP (see the script's "
            "docstring), 8 trials at once on `ray.init(num_cpus=8)`. ASHA and Ray Tune's "
            "ASHA: grace 1, reduction factor 3, max_t 81; Hyperband: grace 1, eta 3, all "
            "brackets, checkpoint every epoch; median stopping: grace 5, 3 samples, best "
            "so far. Ray Tune's FIFOScheduler, ASHAScheduler, HyperBandScheduler and "
            "MedianStoppingRule run with the same settings (time_attr "
            "training_iteration), reuse_actors=True, checkpointing where ours does."
        )
        write_section(
            "early_stopping", "Early stopping (ASHA, Hyperband, median)", note + "\n\n" + body
        )


if __name__ == "__main__":
    main()
