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
clock (8 slots, the same epoch times for all), for ``--seeds`` seeds (default 10; the seed
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

    learn(config, report, None if ckpt is None else ckpt.to_dict())


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

    learn(config, report, state)


# -- running and measuring -------------------------------------------------------------------

Rows = list[tuple[float, float]]  # (wall, val_loss) of every row
Finals = list[float]  # last val_loss of every trial


def run_rtl(
    scheduler: Any, n: int, epochs: int, ckpt: bool, storage: str, name: str
) -> tuple[float, Rows, Finals]:
    import raytune_lite as rt

    space = {"idx": rt.grid(list(range(n))), "n": n, "epochs": epochs, "ckpt": ckpt}
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
    return wall, rows, finals


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
    label: str, scheduler: Any, n: int, epochs: int, ckpt: bool, storage: str
) -> tuple[float, Rows, Finals]:
    from ray import tune

    space = {"idx": tune.grid_search(list(range(n))), "n": n, "epochs": epochs, "ckpt": ckpt}
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
    for r in [grid[i] for i in range(len(grid))]:
        df = r.metrics_dataframe
        if df is None or df.empty:
            continue
        df = df.drop_duplicates("training_iteration", keep="last")  # rows redone after a pause
        rows.extend(zip(df["wall"].astype(float), df["val_loss"].astype(float), strict=True))
        finals.append(float(df["val_loss"].iloc[-1]))
    return wall, rows, finals


def summarize(
    name: str, runs: list[tuple[float, Rows, Finals]], fifo_epochs: int, fifo_best: float | None
) -> list[Any]:
    """One table row over repeated runs: medians, with the range where runs differ."""
    epochs, walls, bests, reaches = [], [], [], []
    for wall, rows, finals in runs:
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


def crossing_schedulers(epochs: int) -> list[tuple[str, bool, Callable[[], Any]]]:
    """(label, is Ray Tune's, factory) of the schedulers run on the crossing curves."""
    from ray.tune.schedulers import ASHAScheduler, HyperBandScheduler, MedianStoppingRule

    from raytune_lite.schedulers.asha import ASHA
    from raytune_lite.schedulers.hyperband import Hyperband
    from raytune_lite.schedulers.median import MedianStopping

    it = "training_iteration"

    class Asha010(ASHA):
        """ASHA with the rung rule of raytune_lite 0.1.0 (for comparison): in the best
        1/eta of the m + 1 trials at the rung, itself included."""

        def on_result(self, trial: Any, row: dict[str, Any]) -> Any:
            for bracket in self._rungs:
                for rung in bracket:
                    rung.keeps = _count_rule.__get__(rung)  # type: ignore[method-assign]
            return super().on_result(trial, row)

    def asha(**kw: Any) -> Callable[[], Any]:
        return lambda: ASHA(max_t=epochs, grace_period=1, reduction_factor=3, **kw)

    return [
        ("raytune_lite ASHA", False, asha()),
        ("raytune_lite ASHA, min_samples_required=1", False, asha(min_samples_required=1)),
        (
            "raytune_lite ASHA, 0.1.0's rule",
            False,
            lambda: Asha010(max_t=epochs, grace_period=1, reduction_factor=3),
        ),
        ("raytune_lite ASHA, min_samples_required=9", False, asha(min_samples_required=9)),
        ("raytune_lite Hyperband", False, lambda: Hyperband(max_t=epochs, reduction_factor=3)),
        (
            "raytune_lite Median stopping",
            False,
            lambda: MedianStopping(grace_period=5, min_samples_required=3),
        ),
        (
            "Ray Tune ASHA",
            True,
            lambda: ASHAScheduler(time_attr=it, max_t=epochs, grace_period=1, reduction_factor=3),
        ),
        (
            "Ray Tune Hyperband",
            True,
            lambda: HyperBandScheduler(time_attr=it, max_t=epochs, reduction_factor=3),
        ),
        (
            "Ray Tune Median stopping",
            True,
            lambda: MedianStoppingRule(time_attr=it, grace_period=5, min_samples_required=3),
        ),
    ]


def _count_rule(rung: Any, score: float | None, eta: float, min_peers: int) -> bool:
    """0.1.0's rung rule: fewer than (m + 1) / eta of the m recorded scores are better."""
    finite = sorted(v for v in rung.scores.values() if v is not None)
    if not finite:
        return True
    n_better = len(finite) if score is None else sum(v < score for v in finite)
    return score is not None and n_better * eta < len(rung.scores) + 1


def crossing_table(family: str, seeds: int) -> str:
    """Every scheduler on the same curves of ``family``, seed by seed."""
    import warnings

    from benchmarks import _crossing as cr

    n = epochs = 81

    def curves(seed: int) -> Any:
        return cr.crossing_curves(n, epochs, seed, tau0=cr.FAMILIES[family])

    fifo = [cr.simulate_fifo(curves(s)).best_complete() for s in range(seeds)]
    rows: list[list[Any]] = [
        ["FIFO (either)", str(n * epochs), "100%", _med(fifo, ".4f"), "+0.0%", f"{seeds}"]
    ]
    for label, is_ray, make in crossing_schedulers(epochs):
        ep, best, gap = [], [], []
        for s in range(seeds):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                run = cr.simulate_ray if is_ray else cr.simulate_ours
                out = run(make, curves(s), 8, s)
            ep.append(float(out.epochs))
            best.append(out.best_complete())
            gap.append(out.best_complete() / fifo[s] - 1)
        rows.append(
            [
                label,
                _med(ep, ".0f"),
                f"{np.median(ep) / (n * epochs):.1%}",
                _med(best, ".4f"),
                _med(gap, "+.1%"),
                str(sum(g <= 0.02 for g in gap)),
            ]
        )
        print(family, "|", " | ".join(map(str, rows[-1])), flush=True)
    headers = [
        "scheduler",
        "epochs",
        "of FIFO",
        "best complete trial's final loss",
        "gap to FIFO's best",
        f"seeds within 2% (of {seeds})",
    ]
    return f"**{family}** (`tau0={cr.FAMILIES[family]:g}`)\n\n" + table(headers, rows)


def crossing_main(seeds: int, write: bool) -> None:
    """Both families of crossing curves (see the docstring)."""
    from benchmarks import _crossing as cr

    body = "\n\n".join(crossing_table(f, seeds) for f in cr.FAMILIES)
    print()
    print(body)
    if write:
        note = (
            "Synthetic learning curves that cross (`benchmarks/_crossing.py`: 81 "
            "configurations x 81 epochs; the large learning rates lead early, a small one "
            "ends best), every scheduler driven through its own plugin interface on a "
            "simulated clock with 8 slots and the same seeded epoch times; medians over "
            f"{seeds} seeds (range in brackets); the seed draws the curves, the epoch times "
            "and the schedulers' generators. Epochs and losses are exact and do not depend "
            "on the machine's load (no wall time is measured). ASHA: grace 1, reduction "
            "factor 3, max_t 81; Hyperband: eta 3, max_t 81, all brackets; median stopping: "
            "grace 5, 3 samples. Ray Tune's schedulers with the same settings and their "
            "defaults otherwise; its stand-in controller keeps up to 16 PENDING trials "
            "created ahead, as Tune does."
        )
        write_section(
            "early_stopping_crossing",
            "Early stopping on learning curves that cross",
            note + "\n\n" + body,
        )


def _med(xs: list[float], fmt: str) -> str:
    m = format(float(np.median(xs)), fmt)
    return m if min(xs) == max(xs) else f"{m} ({format(min(xs), fmt)} to {format(max(xs), fmt)})"


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
    ap.add_argument("--seeds", type=int, default=10, help="seeds of --curves crossing")
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
        crossing_main(args.seeds, write=not args.quick)
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
            ours[label] = float(np.median([w for w, _, _ in runs]))
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
                wall = float(np.median([w for w, _, _ in runs]))
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
