"""Per-trial and per-result overhead of raytune_lite, side by side with Ray Tune.

    python benchmarks/overhead.py [--repeats 2] [--skip-ray-tune]

Workloads (each tool on the same fresh Ray instance settings, in this one process):
  W1  300 trials that report once and return          -> trials per second (2 and 8 CPUs)
  W2  64 trials x 10 reports, 50 ms of sleep before each, 8 logical CPUs
                                                       -> parallel efficiency = 4.0 s / wall
  W3  8 trials x 500 reports, no sleep, 8 logical CPUs -> results per second
Each tool gets one small warm-up run on each Ray instance (worker processes started), then
``--repeats`` timed runs; the table shows the median and the range.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import ray

import raytune_lite as rt
from benchmarks._report import table, write_section

SLEEP_S = 0.05


# -- the workloads, written once per tool ---------------------------------------------------


def rtl_once(config):
    rt.report({"loss": config["x"]})


def rtl_sleepy(config):
    for i in range(10):
        time.sleep(SLEEP_S)
        rt.report({"loss": config["x"] + i})


def rtl_many(config):
    for i in range(500):
        rt.report({"loss": config["x"] + i})


def tune_once(config):
    from ray import tune

    tune.report({"loss": config["x"]})


def tune_sleepy(config):
    from ray import tune

    for i in range(10):
        time.sleep(SLEEP_S)
        tune.report({"loss": config["x"] + i})


def tune_many(config):
    from ray import tune

    for i in range(500):
        tune.report({"loss": config["x"] + i})


def run_rtl(fn: Callable, n: int, storage: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    results = rt.Tuner(
        fn, {"x": rt.uniform(0, 1)}, metric="loss", num_samples=n, storage_path=storage, verbose=0
    ).fit()
    wall = time.perf_counter() - t0
    rows = int(results.dataframe()["training_iteration"].sum())
    assert results.num_errors == 0 and len(results) == n
    return wall, rows


def run_tune(fn: Callable, n: int, storage: str) -> tuple[float, int]:
    from ray import tune

    t0 = time.perf_counter()
    grid = tune.Tuner(
        fn,
        param_space={"x": tune.uniform(0, 1)},
        tune_config=tune.TuneConfig(num_samples=n, reuse_actors=True, metric="loss", mode="min"),
        run_config=tune.RunConfig(storage_path=storage, verbose=0),
    ).fit()
    wall = time.perf_counter() - t0
    df = grid.get_dataframe()
    assert len(df) == n and not grid.errors
    return wall, int(df["training_iteration"].sum())


TOOLS = {
    "raytune_lite": (run_rtl, {"W1": rtl_once, "W2": rtl_sleepy, "W3": rtl_many}),
    "Ray Tune": (run_tune, {"W1": tune_once, "W2": tune_sleepy, "W3": tune_many}),
}
WORKLOADS = [  # (name, cpus, trials, figure)
    ("W1", 2, 300, "trials/s"),
    ("W1", 8, 300, "trials/s"),
    ("W2", 8, 64, "efficiency"),
    ("W3", 8, 8, "results/s"),
]


def figure(kind: str, wall: float, n: int, rows: int, cpus: int) -> float:
    if kind == "trials/s":
        return n / wall
    if kind == "efficiency":
        ideal = n * 10 * SLEEP_S / cpus
        return 100.0 * ideal / wall
    return rows / wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--skip-ray-tune", action="store_true")
    ap.add_argument("--no-write", action="store_true", help="do not touch BENCHMARKS.md")
    args = ap.parse_args()
    tools = [t for t in TOOLS if not (args.skip_ray_tune and t == "Ray Tune")]
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    logging.getLogger("ray").setLevel(logging.ERROR)
    storage = tempfile.mkdtemp(prefix="rtl_bench_")
    measured: dict[tuple[str, str, int], list[float]] = {}
    for cpus in sorted({w[1] for w in WORKLOADS}):
        ray.init(
            address="local", num_cpus=cpus, include_dashboard=False, logging_level=logging.ERROR
        )
        for tool in tools:
            runner, fns = TOOLS[tool]
            runner(fns["W1"], 4, storage)  # warm-up: start the worker processes
            for name, wl_cpus, n, kind in WORKLOADS:
                if wl_cpus != cpus:
                    continue
                for _ in range(args.repeats):
                    wall, rows = runner(fns[name], n, storage)
                    v = figure(kind, wall, n, rows, cpus)
                    measured.setdefault((tool, name, cpus), []).append(v)
                    print(
                        f"{tool:>12} {name} {cpus} CPUs: {v:,.1f} {kind} ({wall:.2f} s)", flush=True
                    )
        ray.shutdown()

    rows_out = []
    for name, cpus, n, kind in WORKLOADS:
        row: list[object] = [name, f"{n} trials, {cpus} CPUs", kind]
        for tool in tools:
            vals = measured[(tool, name, cpus)]
            med = statistics.median(vals)
            unit = "%" if kind == "efficiency" else ""
            row.append(f"{med:,.1f}{unit} ({min(vals):,.1f}-{max(vals):,.1f})")
        if len(tools) == 2:
            a = statistics.median(measured[("raytune_lite", name, cpus)])
            b = statistics.median(measured[("Ray Tune", name, cpus)])
            row.append(f"{a / b:.1f}x")
        rows_out.append(row)
    headers = ["workload", "setting", "figure", *tools] + (["ratio"] if len(tools) == 2 else [])
    text = table(headers, rows_out)
    print("\n" + text)
    if not args.no_write:
        body = (
            f"Median of {args.repeats} runs (range in brackets), after one warm-up run per "
            "tool on each Ray instance. Ray Tune runs with `reuse_actors=True` (its fastest) "
            "and `verbose=0`; raytune_lite with its defaults and `verbose=0`. W2's ideal "
            "wall time is 4.0 s (efficiency = ideal / wall).\n\n" + text
        )
        write_section(
            "overhead", "Overhead: raytune_lite vs Ray Tune (benchmarks/overhead.py)", body
        )


if __name__ == "__main__":
    main()
