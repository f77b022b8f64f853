"""Population and adaptive searchers, and Population Based Training.

Part 1 drives each searcher in-process through the Searcher API (setup / suggest /
on_complete), with 4 trials pending at once that complete in random order, on the test
problems of :mod:`benchmarks.problems`; it reports the median simple regret after 100 and 300
evaluations over the seeds, against random search and Optuna's CMA-ES sampler (driven the same
way with ask/tell). A searcher whose module is missing is skipped with a note.

Part 2 tunes the learning rate of minibatch SGD on a linear regression task with the real
Tuner: a fixed learning rate either converges slowly or stalls at its noise floor, so the best
schedule decays. PBT vs ASHA vs random search, with (about) the same total epochs; the metric
is the excess validation loss. It prints the schedule PBT found for its best trial.

Run: ``python -m benchmarks.population [--quick] [--skip-pbt] [--seeds N] [--no-write]``.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import math
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

from benchmarks._report import table, write_section
from benchmarks.problems import Problem, get_problem
from raytune_lite.search.base import FINISHED, Searcher
from raytune_lite.space import Float, Space

PENDING = 4
OURS: dict[str, tuple[str, str]] = {
    "GA": ("raytune_lite.search.evolution", "GeneticSearch"),
    "PSO": ("raytune_lite.search.pso", "ParticleSwarm"),
    "CMA-ES": ("raytune_lite.search.cmaes", "CMAES"),
    "Local": ("raytune_lite.search.local", "LocalSearch"),
    "Random": ("raytune_lite.search.basic", "BasicSearch"),
}
OPTUNA_CMA = "Optuna CMA-ES"
FULL_PROBLEMS = ["branin", "hartmann6", "rosenbrock4", "ackley5", "rosenbrock20", "levy20"]
QUICK_PROBLEMS = ["branin", "hartmann6", "rosenbrock20"]


def load_searchers() -> dict[str, Callable[[], Searcher]]:
    """Constructors of the searchers whose modules exist (a note for each missing one)."""
    out: dict[str, Callable[[], Searcher]] = {}
    for name, (module, cls) in OURS.items():
        try:
            out[name] = getattr(importlib.import_module(module), cls)
        except (ImportError, AttributeError) as e:
            print(f"note: skipping {name}: {module}.{cls} is not available ({e})")
    return out


def _drive(
    suggest: Callable[[int], Any],
    tell: Callable[[Any, float], None],
    f: Callable[[dict[str, Any]], float],
    budget: int,
    rng: np.random.Generator,
) -> list[float]:
    """``budget`` evaluations, PENDING outstanding, completed in random order."""
    outstanding: list[tuple[Any, dict[str, Any]]] = []
    values: list[float] = []
    started, stalls = 0, 0
    while len(values) < budget:
        while started < budget and len(outstanding) < PENDING:
            handle = suggest(started)
            if handle is None:
                break
            outstanding.append(handle)
            started += 1
        if not outstanding:
            stalls += 1
            if stalls > 100 or started >= budget:
                break  # the searcher has nothing more to give
            continue
        handle, cfg = outstanding.pop(int(rng.integers(len(outstanding))))
        v = f(cfg)
        tell(handle, v)
        values.append(v)
    return values


def run_ours(make: Callable[[], Searcher], problem: Problem, budget: int, seed: int) -> list[float]:
    s = make()
    s.setup(Space(problem.param_space), "loss", "min", seed, num_samples=budget)
    finished = False

    def suggest(i: int) -> Any:
        nonlocal finished
        if finished:
            return None
        cfg = s.suggest(str(i))
        if cfg is FINISHED:
            finished = True
            return None
        return None if cfg is None else (str(i), cfg)

    def tell(tid: Any, v: float) -> None:
        s.on_result(tid, {"loss": v, "training_iteration": 1})
        s.on_complete(tid, {"loss": v, "training_iteration": 1}, False)

    return _drive(suggest, tell, problem, budget, np.random.default_rng(seed + 1000))


def run_optuna_cma(problem: Problem, budget: int, seed: int) -> list[float]:
    import optuna
    from optuna.distributions import FloatDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dists: dict[str, Any] = {}
    for key, d in problem.param_space.items():
        assert isinstance(d, Float), f"{problem.name}: {key} is not a float domain"
        dists[key] = FloatDistribution(d.low, d.high, log=d.log)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = optuna.create_study(sampler=optuna.samplers.CmaEsSampler(seed=seed))

        def suggest(i: int) -> Any:
            t = study.ask(dists)
            return t, dict(t.params)

        def tell(t: Any, v: float) -> None:
            study.tell(t, v)

        return _drive(suggest, tell, problem, budget, np.random.default_rng(seed + 1000))


def search_part(problems: list[str], seeds: int, budgets: tuple[int, ...]) -> str:
    makers = load_searchers()
    methods = list(makers)
    try:
        import cmaes  # noqa: F401
        import optuna  # noqa: F401

        methods.append(OPTUNA_CMA)
    except ImportError as e:
        print(f"note: skipping {OPTUNA_CMA}: {e}")
    regret: dict[tuple[str, str, int], list[float]] = {}
    secs: dict[str, list[float]] = {m: [] for m in methods}
    for pname in problems:
        for m in methods:
            for seed in range(seeds):
                problem = get_problem(pname)
                t0 = time.perf_counter()
                if m == OPTUNA_CMA:
                    values = run_optuna_cma(problem, max(budgets), seed)
                elif m == "Local":  # from a random point: the box's centre is Ackley's optimum
                    start = Space(problem.param_space).sample(np.random.default_rng(seed + 77))
                    values = run_ours(
                        functools.partial(makers[m], init_config=start),  # type: ignore[call-arg]
                        problem,
                        max(budgets),
                        seed,
                    )
                else:
                    values = run_ours(makers[m], problem, max(budgets), seed)
                secs[m].append(time.perf_counter() - t0)
                for b in budgets:
                    best = min(values[:b]) if values else math.inf
                    regret.setdefault((pname, m, b), []).append(problem.regret(best))
        print(f"  {pname}: done", flush=True)
    parts = []
    for b in budgets:
        rows = []
        for pname in problems:
            med = {m: statistics.median(regret[(pname, m, b)]) for m in methods}
            row: list[Any] = [pname] + [med[m] for m in methods]
            if "CMA-ES" in med and OPTUNA_CMA in med:
                ours, theirs = med["CMA-ES"], med[OPTUNA_CMA]
                ratio = ours / theirs if theirs > 0 else (1.0 if ours <= 0 else math.inf)
                row.append(f"{ratio:.2f}")
            rows.append(row)
        headers = ["problem", *methods]
        if "CMA-ES" in methods and OPTUNA_CMA in methods:
            headers.append("CMA-ES / Optuna")
        parts.append(
            f"**Median simple regret after {b} evaluations** ({seeds} seeds, "
            f"{PENDING} pending, random completion order; lower is better)\n\n"
            + table(headers, rows)
        )
    parts.append(
        "Local search starts at a random point of the box (seeded); both CMA-ES "
        "start at the box's centre (their default), which is Ackley's optimum and "
        "close to Levy's: read their Ackley and Levy figures with that in mind."
    )
    parts.append(
        "Mean wall time of one run of "
        f"{max(budgets)} evaluations (searcher + objective): "
        + ", ".join(f"{m} {statistics.mean(secs[m]):.2f} s" for m in methods)
    )
    return "\n\n".join(parts)


# -- part 2: PBT on an SGD learning-rate schedule task -------------------------------------

from benchmarks._schedule_task import (  # noqa: E402
    BATCH,
    DIM,
    EPOCH_SLEEP_S,
    EPOCHS,
    LR_HIGH,
    LR_LOW,
    STEPS,
    sgd_epochs,
    sgd_train,
)


def _lineage(
    changes: dict[str, list[tuple[float, str | None, float]]], tid: str
) -> list[tuple[float, float]]:
    """(from iteration, lr) segments of the model a trial ended with, following donors."""
    segs: list[tuple[float, float]] = []
    before = math.inf
    while True:
        hist = [c for c in changes[tid] if c[0] < before]
        last = hist[-1]
        segs.append((last[0], last[2]))
        if last[1] is None:
            return segs[::-1]
        tid, before = last[1], last[0]


def pbt_part(seeds: int) -> str:
    import ray

    import raytune_lite as rt
    from raytune_lite.schedulers.pbt import PBT

    if not ray.is_initialized():  # a fresh local Ray, even if another one runs on this host
        ray.init(address="local", num_cpus=8, include_dashboard=False, log_to_driver=False)
    space = {"lr": rt.loguniform(LR_LOW, LR_HIGH)}
    pop = 16  # half a CPU each: the whole population runs at once on 8 logical CPUs

    def make(kind: str) -> tuple[Any, int]:
        if kind == "PBT":
            return PBT(perturbation_interval=4, hyperparam_mutations=dict(space)), pop
        if kind == "ASHA":
            from raytune_lite.schedulers.asha import ASHA

            return ASHA(max_t=EPOCHS, grace_period=4, reduction_factor=3), 4 * pop
        return None, pop

    kinds = ["Random", "PBT"]
    try:
        importlib.import_module("raytune_lite.schedulers.asha")
        kinds.insert(1, "ASHA")
    except ImportError:
        print("note: skipping ASHA: raytune_lite.schedulers.asha is not available")
    rows, best_pbt = [], None
    storage = tempfile.mkdtemp(prefix="rtl_bench_pbt_")
    for kind in kinds:
        finals, epochs, walls = [], [], []
        for seed in range(seeds):
            scheduler, n = make(kind)
            t0 = time.perf_counter()
            res = rt.Tuner(
                sgd_train,
                space,
                metric="excess",
                mode="min",
                num_samples=n,
                scheduler=scheduler,
                seed=seed,
                verbose=0,
                storage_path=storage,
                resources={"cpu": 0.5},
                max_concurrent=pop,
            ).fit()
            walls.append(time.perf_counter() - t0)
            # the best model trained to the end (early-stopped trials are not candidates)
            done = [
                (float(r.metrics["excess"]), r.trial_id)
                for r in res
                if r.metrics.get("epoch") == EPOCHS - 1
                and math.isfinite(float(r.metrics["excess"]))
            ]
            final, best_id = min(done) if done else (math.inf, "")
            finals.append(final)
            epochs.append(len(res.history()))
            if kind == "PBT" and (best_pbt is None or final < best_pbt[0]):
                best_pbt = (final, res, best_id)
        rows.append(
            [
                kind,
                statistics.median(finals),
                min(finals),
                max(finals),
                int(statistics.mean(epochs)),
                statistics.mean(walls),
            ]
        )
        print(f"  {kind}: done", flush=True)
    grid = np.geomspace(LR_LOW, LR_HIGH, 40)
    fixed = min((sgd_epochs([lr] * EPOCHS), lr) for lr in grid)
    decay = min(
        (sgd_epochs([lr * d**e for e in range(EPOCHS)]), lr, d)
        for lr in grid[::2]
        for d in (0.8, 0.85, 0.88, 0.9, 0.92, 0.95)
    )
    rows.append(
        [
            f"oracle fixed lr ({fixed[1]:.3g}, 40-point grid)",
            fixed[0],
            "",
            "",
            EPOCHS * len(grid),
            "",
        ]
    )
    rows.append(
        [
            f"oracle exp. decay ({decay[1]:.3g} x {decay[2]}^epoch)",
            decay[0],
            "",
            "",
            EPOCHS * len(grid) * 3,
            "",
        ]
    )
    body = (
        f"Excess validation loss of minibatch SGD (linear regression, {DIM}-D, condition "
        f"100, label noise 1, {EPOCHS} epochs of {STEPS} steps, batch {BATCH}); lr "
        f"log-uniform in [{LR_LOW}, {LR_HIGH}]. Random: {pop} trials; PBT: population "
        f"{pop}, perturbation every 4 epochs; ASHA: {4 * pop} trials, grace 4, reduction 3. "
        f"{seeds} seeds; 8 logical CPUs; each epoch also sleeps {EPOCH_SLEEP_S} s to stand "
        f"in for real training time. The metric is that of the best trial that trained "
        f"all {EPOCHS} epochs; oracles: the best fixed lr and the best exponential decay "
        f"found by an exhaustive sweep (not a tuner).\n\n"
        + table(
            ["method", "best final excess (median)", "min", "max", "epochs run", "wall s"], rows
        )
    )
    if best_pbt is not None:
        _, res, tid = best_pbt
        ch = res.config_history()
        changes: dict[str, list[tuple[float, str | None, float]]] = {}
        for r in res:
            changes[r.trial_id] = [
                (0.0, None, float(r.config_history[0]["config"]["lr"]))
                if r.config_history
                else (0.0, None, float(r.config["lr"]))
            ]
        for _, h in ch.iterrows():
            if h["donor"] is not None and isinstance(h["donor"], str):
                changes[h["trial_id"]].append(
                    (float(h["training_iteration"]), h["donor"], float(h["config/lr"]))
                )
        for v in changes.values():
            v.sort(key=lambda c: c[0])
        segs = _lineage(changes, tid)
        sched = [
            [f"{int(a) + 1}-{int(segs[i + 1][0]) if i + 1 < len(segs) else EPOCHS}", lr]
            for i, (a, lr) in enumerate(segs)
        ]
        body += (
            f"\n\n**Schedule PBT found** (best trial {tid} of the best seed, following "
            f"its donors; iterations -> lr; {len(ch)} config records, exploits "
            f"included):\n\n" + table(["iterations", "lr"], sched)
        )
    return body


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2 seeds, 3 problems, 1 PBT seed")
    ap.add_argument("--skip-pbt", action="store_true", help="only the search benchmark")
    ap.add_argument("--seeds", type=int, default=None, help="seeds per problem (default 10)")
    ap.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    args = ap.parse_args(argv)
    seeds = args.seeds or (2 if args.quick else 10)
    problems = QUICK_PROBLEMS if args.quick else FULL_PROBLEMS
    print(f"Search: {problems}, {seeds} seeds, budgets 100/300", flush=True)
    body = search_part(problems, seeds, (100, 300))
    print(body)
    if not args.skip_pbt:
        print("PBT: SGD learning-rate schedule", flush=True)
        pbt = pbt_part(1 if args.quick else 3)
        print(pbt)
        body += "\n\n### Population Based Training on a learning-rate schedule\n\n" + pbt
    if args.quick or args.no_write:
        print("(quick run or --no-write: BENCHMARKS.md not updated)")
    else:
        write_section("population", "Population and adaptive search, PBT", body)


if __name__ == "__main__":
    main()
