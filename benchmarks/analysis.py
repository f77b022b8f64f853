"""Reading and drawing results at scale: ``ResultGrid.from_path`` + ``dataframe()`` of 10,000
trials (target < 1 s), ``history()`` of 1,000,000 rows (target < 5 s), figures of 10,000
trials (target: seconds).

The experiment folder is written directly, as the controller writes it (experiment.json, per
trial params.json, trial.json and result.jsonl): no Ray. Every timing is the median of
``--repeats`` runs in a fresh process state (the files are in the OS page cache after the
first read, as they are for a user who looks at the same experiment twice).

    python benchmarks/analysis.py [--trials 10000] [--rows 100] [--repeats 3] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

from benchmarks._report import machine, table, write_section
from raytune_lite.store import ExperimentState, ExperimentStatus, ExperimentStore, PluginState


def write_experiment(path: str, trials: int, rows: int, seed: int = 0) -> None:
    """An experiment of ``trials`` trials with ``rows`` rows each (lr, layers, act; loss,
    acc), 1/10 of them stopped early after a tenth of the rows, as the controller leaves it."""
    rng = np.random.default_rng(seed)
    store = ExperimentStore(path)
    spec = {"name": os.path.basename(path), "metric": "loss", "mode": "min"}
    space = {
        "lr": {"__domain__": "float", "low": 1e-4, "high": 0.1, "log": True, "q": None},
        "layers": {"__domain__": "int", "low": 1, "high": 6, "log": False},
        "act": {"__domain__": "choice", "choices": ["relu", "tanh", None]},
    }
    t0 = 1.7e9
    for i in range(trials):
        tid = f"{i:05d}"
        config = {
            "lr": float(10 ** rng.uniform(-4, -1)),
            "layers": int(rng.integers(1, 6)),
            "act": ["relu", "tanh", None][int(rng.integers(3))],
        }
        store.add_trial(tid, config)
        n = rows if i % 10 else max(1, rows // 10)
        start = t0 + i * 0.5
        its = np.arange(1, n + 1)
        loss = config["lr"] * 10 + 1.0 / its + rng.normal(0, 0.01, n)
        out = [
            {
                "loss": float(loss[k]),
                "acc": float(1 - loss[k] / 2),
                "training_iteration": int(its[k]),
                "timestamp": start + 0.1 * its[k],
                "time_this_iter_s": 0.1,
                "time_total_s": 0.1 * float(its[k]),
            }
            for k in range(n)
        ]
        store.append_rows(tid, out)
        store.close_trial(tid)
        status = "TERMINATED" if n == rows else "STOPPED_EARLY"
        store.write_trial(
            tid,
            {
                "trial_id": tid,
                "config": config,
                "resources": {"cpu": 1.0},
                "status": status,
                "num_results": n,
                "last_result": out[-1],
                "best_value": float(loss.min()),
                "metric_seen": True,
                "checkpoint": None,
                "checkpoint_iteration": 0,
                "attempts": 1,
                "failures": 0,
                "error": None,
                "stop_reason": None,
                "from_searcher": True,
                "config_history": [{"training_iteration": 0, "config": config}],
                "start_time": start,
                "end_time": start + 0.1 * n,
            },
        )
    store.write_experiment(
        ExperimentState(
            ExperimentStatus.FINISHED,
            spec,
            space,
            PluginState("BasicSearch"),
            PluginState("ASHA"),
            created=trials,
            started=t0,
        )
    )


def median_time(fn: Callable[[], Any], repeats: int) -> tuple[tuple[float, float], Any]:
    """The median wall-clock and CPU seconds of ``fn()`` over ``repeats`` calls, and its
    result (CPU time: what the process itself spent, less inflated by a loaded machine)."""
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return (statistics.median(walls), statistics.median(cpus)), out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=10_000, help="trials in the experiment")
    ap.add_argument("--rows", type=int, default=100, help="rows of a trial that runs to the end")
    ap.add_argument("--repeats", type=int, default=3, help="runs per timing (median)")
    ap.add_argument("--no-write", action="store_true", help="do not touch BENCHMARKS.md")
    args = ap.parse_args(argv)
    if args.trials < 10 or args.rows < 10 or args.repeats < 1:
        ap.error(f"need --trials >= 10, --rows >= 10, --repeats >= 1; got {vars(args)}")
    import pandas  # noqa: F401 - imported before timing: its import (~0.3 s) is not the reader's

    import raytune_lite as rt
    from raytune_lite import plot

    root = tempfile.mkdtemp(prefix="raytune_lite_analysis_")
    path = os.path.join(root, "big")
    try:
        t = time.perf_counter()
        write_experiment(path, args.trials, args.rows)
        print(f"wrote {args.trials} trials in {time.perf_counter() - t:.1f} s", flush=True)
        rows: list[list[Any]] = []

        def load_df() -> Any:
            return rt.ResultGrid.from_path(path).dataframe()

        s, df = median_time(load_df, args.repeats)
        rows.append([f"from_path + dataframe() of {len(df):,} trials", *s, "< 1 s"])
        grid = rt.ResultGrid.from_path(path)
        s, hist = median_time(grid.history, args.repeats)
        rows.append([f"history() of {len(hist):,} rows", *s, "< 5 s"])
        s, _ = median_time(grid.attempts, args.repeats)
        rows.append([f"attempts() of {len(grid):,} trials", *s, ""])
        plt = plot.pyplot()
        figures: dict[str, Callable[[], Any]] = {
            "best_so_far": lambda: plot.best_so_far(grid),
            "learning_curves (best 200)": lambda: plot.learning_curves(grid),
            "slice": lambda: plot.slice(grid),
            "parallel_coordinates": lambda: plot.parallel_coordinates(grid),
            "contour": lambda: plot.contour(grid, "lr", "layers"),
            "importance": lambda: plot.importance(grid),
            "timeline": lambda: plot.timeline(grid),
            "edf": lambda: plot.edf(grid),
        }
        for name, draw in figures.items():

            def drawn(draw: Callable[[], Any] = draw) -> None:
                out = draw()
                fig = (out[0] if isinstance(out, list) else out).figure
                fig.savefig(os.path.join(root, "fig.png"), dpi=80)
                plt.close("all")

            s, _ = median_time(drawn, args.repeats)
            rows.append([f"plot.{name} of {len(grid):,} trials, to PNG", *s, "seconds"])
            print(f"{name}: {s[0]:.2f} s wall, {s[1]:.2f} s CPU", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    body = table(["what", "wall s (median)", "CPU s (median)", "target"], rows)
    print()
    print(body)
    if args.no_write:
        return 0
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    text = (
        f"{args.trials:,} trials ({args.rows} rows each, a tenth stopped after "
        f"{max(1, args.rows // 10)}), written directly as an experiment folder; median of "
        f"{args.repeats} runs, files in the page cache, pandas imported beforehand. Load "
        f"average at the end: {load}: the machine is shared by several agents, so wall-clock "
        "times are pessimistic; CPU time is what the reading process itself spent.\n\n" + body
    )
    write_section("analysis", "Reading and drawing results at scale", text)
    print(f"wrote the analysis section of BENCHMARKS.md ({machine()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
