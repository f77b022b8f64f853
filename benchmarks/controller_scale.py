"""How far one controller actor goes: results/s and concurrent trials, with its cost per result.

    python benchmarks/controller_scale.py [--concurrency 8 32 64] [--rate 10] [--reports 30]
                                          [--waves 2] [--no-write]

For each concurrency ``C`` a fresh local Ray gets ``C`` logical CPUs (far more than the
machine's cores: the trials sleep, so the cores are not what limits them) and a warm-up fit
starts ``C`` worker processes. Then two fits of ``C * waves`` trials each run, every trial
holding one logical CPU:

* **long**: each trial reports ``--reports`` rows, one every ``1 / --rate`` s;
* **short**: each trial sleeps as long, then reports once.

A thread in the driver reads the controller actor's CPU time (``/proc/<pid>/stat``) and RSS
while each fit runs. The two fits differ only in the number of rows, so their CPU times give
the controller's cost per trial ``a`` and per result ``b`` (``cpu = n*a + n*rows*b``). A
controller busy on one core all the time would then sustain about ``1 / b`` results/s, or
``1 / (a + rows*b)`` trials/s of that shape: that is where a cluster saturates it, whatever
its size. Wall time against the ideal (``waves * reports / rate`` s) shows whether this
machine already does.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import ray

import raytune_lite as rt
from benchmarks._report import table, write_section
from benchmarks.scale import MB, NAMESPACE, rss_bytes

TICKS = os.sysconf("SC_CLK_TCK")


def sleeper(config: dict[str, Any]) -> None:
    """Reports ``config["reports"]`` rows spread over ``config["seconds"]`` seconds."""
    n, pause = config["reports"], config["seconds"] / config["reports"]
    for i in range(n):
        time.sleep(pause)
        rt.report({"loss": config["x"] + i})


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of ``pid`` in seconds, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError, ValueError):
        return None


@dataclass
class CtrlWatch:
    """Follows the controller actor of the fit that is running: its CPU time and RSS."""

    every: float = 0.2
    pid: int | None = None
    cpu_first: float | None = None
    cpu_last: float | None = None
    rss_peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, daemon=True, name="ctrl-watch")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _find(self) -> None:
        for a in ray.util.list_named_actors(all_namespaces=True):
            if a.get("namespace") != NAMESPACE or not a.get("name", "").startswith("controller"):
                continue
            try:
                handle = ray.get_actor(a["name"], namespace=NAMESPACE)
                info = ray.get(handle.progress.remote(), timeout=10)
            except Exception:
                continue
            if info.get("created", 0) or info.get("budget"):
                self.pid = int(info["pid"])
                self.cpu_first = cpu_seconds(self.pid)
                return

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self.pid is None:
                    self._find()
                else:
                    cpu, rss = cpu_seconds(self.pid), rss_bytes(self.pid)
                    if cpu is not None:
                        self.cpu_last = cpu
                    self.rss_peak = max(self.rss_peak, rss or 0)
            except Exception:
                logging.getLogger(__name__).debug("watch failed", exc_info=True)
            self._stop.wait(self.every)

    @property
    def cpu(self) -> float:
        if self.cpu_first is None or self.cpu_last is None:
            return float("nan")
        return self.cpu_last - self.cpu_first


@dataclass
class Fit:
    """One measured fit."""

    trials: int
    rows: int
    wall: float
    ctrl_cpu: float
    ctrl_rss_peak: float


def run_fit(c: int, waves: int, reports: int, seconds: float, storage: str, name: str) -> Fit:
    watch = CtrlWatch()
    watch.start()
    n = c * waves
    t0 = time.perf_counter()
    res = rt.Tuner(
        sleeper,
        {"x": rt.uniform(0, 1), "reports": reports, "seconds": seconds},
        metric="loss",
        num_samples=n,
        max_concurrent=c,
        verbose=0,
        storage_path=storage,
        name=name,
    ).fit()
    wall = time.perf_counter() - t0
    watch.stop()
    rows = int(res.dataframe()["training_iteration"].sum())
    if len(res) != n or res.num_errors or rows != n * reports:
        raise RuntimeError(f"{name}: {len(res)} trials, {res.num_errors} errors, {rows} rows")
    return Fit(n, rows, wall, watch.cpu, watch.rss_peak / MB)


@dataclass
class Level:
    """What one concurrency measured."""

    c: int
    long: Fit
    short: Fit
    ideal_s: float

    @property
    def per_result_ms(self) -> float:
        extra_rows = self.long.rows - self.short.rows
        return 1000 * (self.long.ctrl_cpu - self.short.ctrl_cpu) / extra_rows

    @property
    def per_trial_ms(self) -> float:
        return 1000 * self.short.ctrl_cpu / self.short.trials - self.per_result_ms


def measure(c: int, args: argparse.Namespace, storage: str) -> Level:
    ray.init(address="local", num_cpus=c, include_dashboard=False, logging_level=logging.ERROR)
    try:
        seconds = args.reports / args.rate
        run_fit(c, 1, 1, 0.5, storage, f"warm_{c}")  # starts the worker processes
        long = run_fit(c, args.waves, args.reports, seconds, storage, f"long_{c}")
        short = run_fit(c, args.waves, 1, seconds, storage, f"short_{c}")
        return Level(c, long, short, args.waves * seconds)
    finally:
        ray.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--concurrency", type=int, nargs="+", default=[8, 32, 64])
    ap.add_argument("--rate", type=float, default=10.0, help="results/s of each trial")
    ap.add_argument("--reports", type=int, default=30, help="rows each long trial reports")
    ap.add_argument("--waves", type=int, default=2, help="trials per logical CPU")
    ap.add_argument("--no-write", action="store_true", help="do not touch BENCHMARKS.md")
    args = ap.parse_args()
    if min(args.concurrency) < 1 or args.rate <= 0 or args.reports < 2 or args.waves < 1:
        ap.error(
            f"got {args.concurrency=}, {args.rate=}, {args.reports=}, {args.waves=}; "
            "concurrency >= 1, rate > 0, reports >= 2 and waves >= 1 are accepted"
        )
    logging.getLogger("ray").setLevel(logging.ERROR)
    storage = tempfile.mkdtemp(prefix="rtl_ctrl_scale_")
    levels = []
    try:
        for c in args.concurrency:
            lv = measure(c, args, storage)
            levels.append(lv)
            print(
                f"C={c}: long {lv.long.wall:.1f} s (ideal {lv.ideal_s:.1f}), "
                f"{lv.long.rows / lv.long.wall:.0f} results/s, controller "
                f"{lv.long.ctrl_cpu:.2f} s CPU; short {lv.short.wall:.1f} s, "
                f"{lv.short.ctrl_cpu:.2f} s CPU",
                flush=True,
            )
    finally:
        shutil.rmtree(storage, ignore_errors=True)
    headers = [
        "concurrent trials",
        "results/s asked",
        "results/s got",
        "wall / ideal",
        "ctrl CPU busy %",
        "ctrl ms / result",
        "ctrl ms / trial",
        "ctrl RSS peak MB",
        "one-row calls/s at 100 %",
    ]
    rows = []
    for lv in levels:
        b = lv.per_result_ms
        rows.append(
            [
                lv.c,
                lv.c * args.rate,
                lv.long.rows / lv.long.wall,
                lv.long.wall / lv.ideal_s,
                100 * lv.long.ctrl_cpu / lv.long.wall,
                b,
                lv.per_trial_ms,
                lv.long.ctrl_rss_peak,
                1000 / b if b > 0 else float("nan"),
            ]
        )
    text = table(headers, rows)
    print("\n" + text)
    if not args.no_write:
        body = (
            f"Each concurrency C gets a fresh local Ray with C logical CPUs and runs "
            f"{args.waves} waves of C trials that sleep and report {args.reports} rows at "
            f"{args.rate:g} rows/s each (ideal wall {args.waves * args.reports / args.rate:g} s), "
            "then the same trials reporting once. The controller's CPU time is read from "
            "`/proc` while each fit runs; the two fits give its cost per result and per trial "
            "(launch to end, store writes included). At these rates every row is its own "
            "call; the last column is 1000 / (ms per result), the one-row calls/s a controller "
            "fully busy on one core takes. It is a floor for results/s, not a ceiling: each "
            "trial has one call in flight at a time, so when the controller answers slower "
            "the rows that arrive meanwhile ride the next call. Trials here sleep, so wall time "
            "is lost to the machine's 2 cores "
            "(the worker processes, Ray's own daemons), not to the controller, once the "
            "busy column is well below 100 %.\n\n" + text
        )
        write_section(
            "controller_scale",
            "Scale of one controller: results/s and concurrent trials "
            "(benchmarks/controller_scale.py)",
            body,
        )


if __name__ == "__main__":
    main()
