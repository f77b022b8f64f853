"""Scale without growth: many trivial trials, with the driver's and controller's memory watched.

    python benchmarks/scale.py [--sizes 1000 10000] [--rows 3] [--cpus 2] [--no-write]

Each size runs ``N`` trials of a function that reports ``--rows`` rows and returns, on one
local Ray with ``--cpus`` logical CPUs (after a 20-trial warm-up that starts the worker
processes). A thread in the driver samples every 0.5 s: the driver's resident memory (RSS),
and the controller actor's RSS and open file descriptors (read from ``/proc/<pid>``; the
controller's pid comes from its ``progress()``), with the number of finished trials. The
controller keeps one small summary per trial and the rows live on disk, so its RSS should
grow by a small, constant amount per trial and its open files should stay bounded by the
number of running trials.
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

import numpy as np
import ray

import raytune_lite as rt
from benchmarks._report import table, write_section

NAMESPACE = "raytune_lite"
SAMPLE_EVERY_S = 0.5
MB = 1024 * 1024
ROWS = 3
FINISHED = ("TERMINATED", "STOPPED_EARLY", "ERROR")


def trivial(config: dict[str, Any]) -> None:
    """Reports ``config["rows"]`` rows and returns."""
    for i in range(config["rows"]):
        rt.report({"loss": config["x"] + i})


# -- /proc readers ---------------------------------------------------------------------------


def rss_bytes(pid: int | str = "self") -> int | None:
    """The resident set size of ``pid`` (VmRSS), or None if the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def open_files(pid: int | str = "self") -> int | None:
    """How many file descriptors ``pid`` has open, or None if the process is gone."""
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def disk_usage(path: str) -> tuple[int, int]:
    """(bytes allocated on disk, number of files) under ``path``."""
    total, files = 0, 0
    for root, _, names in os.walk(path):
        for n in names:
            try:
                st = os.lstat(os.path.join(root, n))
            except OSError:
                continue
            total += st.st_blocks * 512
            files += 1
    return total, files


# -- the sampler -----------------------------------------------------------------------------


@dataclass
class Sample:
    """One reading: seconds since the start, finished trials, RSS (bytes) and open files."""

    t: float
    done: int
    driver_rss: int
    ctrl_rss: int | None
    ctrl_fds: int | None


@dataclass
class Sampler:
    """Samples the driver and the (new) controller actor in a background thread.

    Args:
        known: names of controller actors seen before (skipped; the new one is added).
        every: seconds between samples.

    Example:
        >>> s = Sampler(set(), every=0.01)
        >>> s.start(); time.sleep(0.05); s.stop()
        >>> len(s.samples) > 0 and s.samples[0].driver_rss > 0
        True
    """

    known: set[str]
    every: float = SAMPLE_EVERY_S
    samples: list[Sample] = field(default_factory=list)
    pid: int | None = None
    handle: Any = None
    done: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _t0: float = 0.0

    def start(self) -> None:
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="scale-sampler")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _find_controller(self) -> None:
        if not ray.is_initialized():
            return
        for a in ray.util.list_named_actors(all_namespaces=True):
            name = a.get("name", "")
            if (
                a.get("namespace") != NAMESPACE
                or not name.startswith("controller_")
                or name in self.known
            ):
                continue
            try:
                handle = ray.get_actor(name, namespace=NAMESPACE)
                self.pid = int(ray.get(handle.progress.remote(), timeout=10)["pid"])
            except Exception:
                continue
            self.known.add(name)
            self.handle = handle
            return

    def _poll_done(self) -> None:
        if self.handle is None:
            return
        try:
            counts = ray.get(self.handle.progress.remote(), timeout=10)["counts"]
        except Exception:
            self.handle = None
            return
        self.done = sum(counts.get(s, 0) for s in FINISHED)

    def sample_once(self) -> None:
        if self.pid is None:
            self._find_controller()
        self._poll_done()
        ctrl_rss = ctrl_fds = None
        if self.pid is not None:
            ctrl_rss, ctrl_fds = rss_bytes(self.pid), open_files(self.pid)
        self.samples.append(
            Sample(time.perf_counter() - self._t0, self.done, rss_bytes() or 0, ctrl_rss, ctrl_fds)
        )

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sample_once()
            except Exception:
                logging.getLogger(__name__).debug("sample failed", exc_info=True)
            self._stop.wait(self.every)


# -- one size --------------------------------------------------------------------------------


@dataclass
class Measured:
    """What one size measured (RSS in MB)."""

    n: int
    wall: float
    driver_base: float
    driver_peak: float
    ctrl_at: dict[int, float | None]  # percent of trials finished -> controller RSS
    ctrl_peak: float
    ctrl_fds_peak: int
    driver_fds_peak: int
    slope: float | None  # controller MB per 1000 trials, within the run
    disk_mb: float
    files: int
    samples: int


def ctrl_rss_at(samples: list[Sample], n: int, percent: int) -> float | None:
    """The controller's RSS (MB) at the first sample where ``percent`` % of trials were done
    (100: the last reading taken while the controller was alive)."""
    alive = [s for s in samples if s.ctrl_rss is not None]
    if not alive:
        return None
    if percent >= 100:
        return alive[-1].ctrl_rss / MB  # type: ignore[operator]
    for s in alive:
        if s.done >= n * percent / 100:
            return s.ctrl_rss / MB  # type: ignore[operator]
    return None


def within_run_slope(samples: list[Sample], n: int) -> float | None:
    """Least-squares growth of the controller's RSS, MB per 1000 finished trials, over the
    samples past 10 % of the run (start-up allocations excluded)."""
    pts = [
        (s.done, s.ctrl_rss / MB) for s in samples if s.ctrl_rss is not None and s.done >= 0.1 * n
    ]
    if len({d for d, _ in pts}) < 3:
        return None
    x, y = np.array(pts).T
    return float(np.polyfit(x / 1000.0, y, 1)[0])


def run_size(n: int, storage: str, known: set[str], rows_per_trial: int = ROWS) -> Measured:
    """Runs ``n`` trivial trials while sampling; checks they all finished."""
    base = (rss_bytes() or 0) / MB
    sampler = Sampler(known)
    sampler.start()
    t0 = time.perf_counter()
    space = {"x": rt.uniform(0, 1), "rows": rows_per_trial}
    results = rt.Tuner(
        trivial,
        space,
        metric="loss",
        num_samples=n,
        verbose=0,
        storage_path=storage,
        name=f"scale_{n}",
    ).fit()
    wall = time.perf_counter() - t0
    sampler.stop()
    if len(results) != n or results.num_errors:
        raise RuntimeError(f"{n} trials: {len(results)} came back, {results.num_errors} errors")
    rows = int(results.dataframe()["training_iteration"].sum())
    if rows != n * rows_per_trial:
        raise RuntimeError(f"{n} trials: expected {n * rows_per_trial} rows, got {rows}")
    disk, files = disk_usage(results.path)
    ss = sampler.samples
    ctrl = [s.ctrl_rss for s in ss if s.ctrl_rss is not None]
    return Measured(
        n=n,
        wall=wall,
        driver_base=base,
        driver_peak=max(s.driver_rss for s in ss) / MB if ss else float("nan"),
        ctrl_at={p: ctrl_rss_at(ss, n, p) for p in (10, 50, 100)},
        ctrl_peak=max(ctrl) / MB if ctrl else float("nan"),
        ctrl_fds_peak=max((s.ctrl_fds or 0) for s in ss) if ss else 0,
        driver_fds_peak=open_files() or 0,
        slope=within_run_slope(ss, n),
        disk_mb=disk / MB,
        files=files,
        samples=len(ss),
    )


def _mb(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1f}"


def growth_lines(ms: list[Measured]) -> list[str]:
    """Growth per 1000 trials between the smallest and the largest size, and within runs."""
    lines = []
    for m in ms:
        slope = "n/a (too few samples)" if m.slope is None else f"{m.slope:+.2f} MB"
        lines.append(
            f"- {m.n} trials: controller RSS grows {slope} per 1000 finished trials "
            "within the run (least squares past 10 %)."
        )
    if len(ms) >= 2:
        a, b = ms[0], ms[-1]
        k = (b.n - a.n) / 1000.0
        c_a, c_b = a.ctrl_at[100], b.ctrl_at[100]
        if c_a is not None and c_b is not None:
            lines.append(
                f"- Controller RSS at the end, {a.n} -> {b.n} trials: {c_a:.1f} -> "
                f"{c_b:.1f} MB, {(c_b - c_a) / k:+.2f} MB per 1000 trials "
                f"({(c_b - c_a) * MB / (b.n - a.n) / 1024:+.2f} KiB per trial)."
            )
        d_a, d_b = a.driver_peak - a.driver_base, b.driver_peak - b.driver_base
        lines.append(
            f"- Driver RSS peak above its level before the run, {a.n} -> {b.n} "
            f"trials: {d_a:.1f} -> {d_b:.1f} MB, {(d_b - d_a) / k:+.2f} MB per 1000 "
            "trials (the driver reads every trial's summary into the ResultGrid at "
            "the end)."
        )
        lines.append(f"- Controller open files, peak: {a.ctrl_fds_peak} -> {b.ctrl_fds_peak}.")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--rows", type=int, default=ROWS, help="rows each trial reports")
    ap.add_argument("--cpus", type=int, default=2, help="logical CPUs of the local Ray")
    ap.add_argument("--keep", action="store_true", help="keep the experiment directories")
    ap.add_argument("--no-write", action="store_true", help="do not touch BENCHMARKS.md")
    args = ap.parse_args()
    if any(n < 1 for n in args.sizes) or args.rows < 1 or args.cpus < 1:
        ap.error(
            f"sizes, rows and cpus must be >= 1; got {args.sizes=}, {args.rows=}, {args.cpus=}"
        )
    logging.getLogger("ray").setLevel(logging.ERROR)
    storage = tempfile.mkdtemp(prefix="rtl_scale_")
    ray.init(
        address="local", num_cpus=args.cpus, include_dashboard=False, logging_level=logging.ERROR
    )
    known: set[str] = set()
    measured: list[Measured] = []
    try:
        run_size(20, storage, known, args.rows)  # warm-up: start the worker processes
        for n in sorted(args.sizes):
            m = run_size(n, storage, known, args.rows)
            measured.append(m)
            print(
                f"{n} trials: {m.wall:.1f} s, {n / m.wall:.1f} trials/s, controller RSS "
                f"{_mb(m.ctrl_at[10])} / {_mb(m.ctrl_at[50])} / {_mb(m.ctrl_at[100])} MB "
                f"at 10/50/100 %, open files peak {m.ctrl_fds_peak}, driver RSS peak "
                f"{m.driver_peak:.1f} MB, {m.samples} samples",
                flush=True,
            )
    finally:
        ray.shutdown()
        if not args.keep:
            shutil.rmtree(storage, ignore_errors=True)

    headers = [
        "trials",
        "wall s",
        "trials/s",
        "driver RSS peak MB",
        "ctrl RSS @10% MB",
        "ctrl RSS @50% MB",
        "ctrl RSS @100% MB",
        "ctrl open files peak",
        "on disk MB (files)",
    ]
    rows = [
        [
            m.n,
            m.wall,
            m.n / m.wall,
            m.driver_peak,
            _mb(m.ctrl_at[10]),
            _mb(m.ctrl_at[50]),
            _mb(m.ctrl_at[100]),
            m.ctrl_fds_peak,
            f"{m.disk_mb:.1f} ({m.files:,})",
        ]
        for m in measured
    ]
    text = table(headers, rows)
    lines = growth_lines(measured)
    print("\n" + text + "\n\n" + "\n".join(lines))
    if not args.no_write:
        body = (
            f"Trials of a function that reports {args.rows} rows and returns, default searcher "
            f"and scheduler, `verbose=0`, on a local Ray with {args.cpus} logical CPUs "
            "(after a 20-trial warm-up). RSS and open files are sampled every "
            f"{SAMPLE_EVERY_S} s from `/proc` by a thread in the driver; the controller's "
            "RSS is given when 10 %, 50 % and 100 % of the trials had finished (100 %: the "
            "last reading before the controller exits). Wall time includes reading the "
            "results back.\n\n" + text + "\n\n" + "\n".join(lines)
        )
        write_section(
            "scale", "Scale: memory and open files at 1k and 10k trials (benchmarks/scale.py)", body
        )


if __name__ == "__main__":
    main()
