"""Suggest time of the model-based searchers with many observations and trials pending
(6-D Hartmann).

Each searcher runs on Hartmann-6 with ``--pending`` trials outstanding (default 16, completing
in a random order) for ``--at + --pending + --window`` suggestions (its own, so the model
state is the real one); printed is the median and 90th percentile of the time of one
suggestion over the last ``--window`` of them, i.e. with ``--at`` (default 200) observations
or more and ``--pending`` trials running. raytune_lite's ``BayesOpt`` and ``TPE`` against
Optuna's ``GPSampler`` and ``TPESampler(multivariate=True, constant_liar=True)`` (``[bench]``
extra; GPSampler needs torch). Target (issue 19): BayesOpt's median under 100 ms at 200
observations with 16 pending.

Usage::

    python -m benchmarks.suggest_time                  # 3 seeds, 200 observations, window 20
    python -m benchmarks.suggest_time --seeds 1 --no-write
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

from benchmarks._drive import available, run_one
from benchmarks._report import machine, table, write_section

SEARCHERS = ("bayesopt", "tpe", "optuna-gp", "optuna-tpe")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--at", type=int, default=200, help="observations before timing")
    ap.add_argument("--window", type=int, default=20, help="suggestions timed")
    ap.add_argument("--pending", type=int, default=16, help="trials outstanding")
    ap.add_argument("--searchers", help=f"comma-separated; default {','.join(SEARCHERS)}")
    ap.add_argument("--no-write", action="store_true", help="do not touch BENCHMARKS.md")
    args = ap.parse_args(argv)
    if args.seeds < 1 or args.at < 1 or args.window < 1:
        ap.error(
            f"--seeds, --at and --window must be >= 1; got {args.seeds=}, {args.at=}, "
            f"{args.window=}"
        )
    wanted = args.searchers.split(",") if args.searchers else list(SEARCHERS)
    searchers, notes = available(wanted)
    for n in notes:
        print("note:", n)
    rows = []
    for name in searchers:
        times: list[float] = []
        cpu: list[float] = []
        t0 = time.time()
        for seed in range(args.seeds):
            first = args.at + args.pending  # the suggestion made with `at` results known
            task = ("hartmann6", name, seed, first + args.window, args.pending)
            _, res = run_one(task)
            if res.error:
                raise SystemExit(f"{name} failed: {res.error}")
            times += res.suggest_s[first : first + args.window]
            cpu += res.suggest_cpu_s[first : first + args.window]
        ms, cpu_ms = np.asarray(times) * 1000, np.asarray(cpu) * 1000
        rows.append(
            [
                name,
                f"{np.median(ms):.1f}",
                f"{np.percentile(ms, 90):.1f}",
                f"{np.median(cpu_ms):.1f}",
                f"{time.time() - t0:.0f}",
            ]
        )
        print(f"{name}: median {np.median(ms):.1f} ms", flush=True)
    headers = ["searcher", "median ms / suggest", "p90 ms", "median CPU ms", "run time s"]
    body = table(headers, rows)
    print()
    print(body)
    if args.no_write:
        return 0
    text = (
        f"Time of one suggestion on Hartmann-6 (6-D) with {args.at} to "
        f"{args.at + args.window} observations and {args.pending} trials pending, "
        f"{args.seeds} seeds x {args.window} suggestions each. Target: BayesOpt median "
        f"under 100 ms. Wall-clock times on a shared machine depend on its load (see the "
        f"load average above); the CPU time of the process (one BLAS thread) does much "
        f"less.\n\n{body}" + "".join(f"\n- note: {n}" for n in notes)
    )
    write_section("suggest_time", "Suggest time at 200 observations, 16 pending (6-D)", text)
    print(f"wrote the suggest_time section of BENCHMARKS.md ({machine()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
