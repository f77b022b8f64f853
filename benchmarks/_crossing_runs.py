"""The crossing-curves part of ``benchmarks/early_stopping.py`` (``--curves crossing``).

Simulated runs (the default; :mod:`benchmarks._crossing`) put every scheduler, ours and Ray
Tune's, on the same seeded curves and epoch times; ``--real`` also runs ours and Ray Tune's
through their Tuners on a local Ray with the same curves (each epoch sleeps ``--sleep``
times its simulated time), to check that the simulation decides as the real controllers do.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks._report import table, write_section

N = EPOCHS = 81


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
        return lambda: ASHA(**{"max_t": epochs, "grace_period": 1, "reduction_factor": 3, **kw})

    return [
        ("raytune_lite ASHA", False, asha()),
        ("raytune_lite ASHA, min_samples_required=1", False, asha(min_samples_required=1)),
        (
            "raytune_lite ASHA, 0.1.0's rule",
            False,
            lambda: Asha010(max_t=epochs, grace_period=1, reduction_factor=3),
        ),
        ("raytune_lite ASHA, min_samples_required=9", False, asha(min_samples_required=9)),
        ("raytune_lite ASHA, reduction_factor=2.5", False, asha(reduction_factor=2.5)),
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
            "Ray Tune ASHA, reduction_factor=2.5",
            True,
            lambda: ASHAScheduler(time_attr=it, max_t=epochs, grace_period=1, reduction_factor=2.5),
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


def crossing_main(args: argparse.Namespace, write: bool) -> None:
    """Both families of crossing curves (simulated; also real runs with ``args.real``)."""
    from benchmarks import _crossing as cr

    parts = [crossing_table(f, args.seeds) for f in cr.FAMILIES]
    if args.real:
        parts.append(real_table(args.real, args.sleep, args.skip_ray_tune))
    body = "\n\n".join(parts)
    print()
    print(body)
    if write:
        note = (
            "Synthetic learning curves that cross (`benchmarks/_crossing.py`: 81 "
            "configurations x 81 epochs; the large learning rates lead early, a small one "
            "ends best), every scheduler driven through its own plugin interface on a "
            "simulated clock with 8 slots and the same seeded epoch times; medians over "
            f"{args.seeds} seeds (range in brackets); the seed draws the curves, the epoch "
            "times and the schedulers' generators. Epochs and losses are exact and do not "
            "depend on the machine's load (no wall time is measured). ASHA: grace 1, "
            "reduction factor 3, max_t 81; Hyperband: eta 3, max_t 81, all brackets; median "
            "stopping: grace 5, 3 samples. Ray Tune's schedulers with the same settings and "
            "their defaults otherwise; its stand-in controller keeps up to 16 PENDING trials "
            "created ahead, as Tune does."
        )
        write_section(
            "early_stopping_crossing",
            "Early stopping on learning curves that cross",
            note + "\n\n" + body,
        )


def real_table(seeds: int, sleep: float, skip_ray: bool) -> str:
    """Real runs (local Ray, 8 CPUs, 8 trials at once) of the "crossing" family."""
    import ray

    from benchmarks import _crossing as cr
    from benchmarks.early_stopping import run_ray, run_rtl

    if not ray.is_initialized():
        ray.init(address="local", num_cpus=8, include_dashboard=False, log_to_driver=False)
    tau0 = cr.FAMILIES["crossing"]
    rows: list[list[Any]] = []
    with tempfile.TemporaryDirectory(prefix="rtl_bench_cross_") as storage:
        for label, is_ray, make in crossing_schedulers(EPOCHS):
            if (is_ray and skip_ray) or "0.1.0" in label or "=9" in label:
                continue
            ckpt = "Hyperband" in label
            ep, gap, sim_ep, sim_gap = [], [], [], []
            for s in range(seeds):
                extra = {"seed": s, "tau0": tau0, "sleep": sleep}
                name = f"{label.replace(' ', '_').replace(',', '')}_{s}"
                if is_ray:
                    run = run_ray(name, make(), N, EPOCHS, ckpt, storage, extra)
                else:
                    run = run_rtl(make(), N, EPOCHS, ckpt, storage, name, extra)
                curves = cr.crossing_curves(N, EPOCHS, s, tau0=tau0)
                fifo = cr.simulate_fifo(curves).best_complete()
                ep.append(float(len(run[1])))
                gap.append(min(run[3], default=math.nan) / fifo - 1)
                sim = (cr.simulate_ray if is_ray else cr.simulate_ours)(make, curves, 8, s)
                sim_ep.append(float(sim.epochs))
                sim_gap.append(sim.best_complete() / fifo - 1)
            rows.append(
                [
                    label,
                    _med(ep, ".0f"),
                    _med(gap, "+.1%"),
                    _med(sim_ep, ".0f"),
                    _med(sim_gap, "+.1%"),
                ]
            )
            print("real |", " | ".join(map(str, rows[-1])), flush=True)
    headers = ["scheduler", "epochs, real", "gap, real", "epochs, simulated", "gap, simulated"]
    return (
        f"**crossing, real runs** ({seeds} seeds; local Ray, 8 CPUs, 8 trials at once, each "
        f"epoch sleeps {sleep:g} x its simulated time; the order in which trials reach a "
        "rung now depends on the machine)\n\n" + table(headers, rows)
    )


def _med(xs: list[float], fmt: str) -> str:
    m = format(float(np.median(xs)), fmt)
    return m if min(xs) == max(xs) else f"{m} ({format(min(xs), fmt)} to {format(max(xs), fmt)})"
