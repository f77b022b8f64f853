"""Multi-objective search quality: hypervolume after 100 and 300 evaluations.

Our :class:`~raytune_lite.search.NSGA2` and random search (``BasicSearch``) against Optuna's
``NSGAIISampler`` and its multi-objective ``TPESampler``, on ZDT1 and ZDT2 (6 variables, 2
objectives), DTLZ2 (6 variables, 3 objectives) and one real task: a scikit-learn
``MLPClassifier`` on the bundled digits, its validation error against its parameter count
(over a small grid of 90 models, trained once and cached in ``benchmarks/data``).

Every searcher is driven in-process (no Ray), sequentially (pending 1) or with 4 pending:
4 suggestions outstanding at all times, completing in a seeded random order; Optuna through
``study.ask``/``study.tell`` with 4 asked before one is told. The hypervolume of the first
100 and of all 300 evaluations is computed against a fixed reference point per problem
(objectives as losses; the MLP's parameter count divided by the grid's largest). Printed and
written to BENCHMARKS.md: the median over seeds per problem, searcher and pending.

Usage::

    python -m benchmarks.multi_objective --seeds 5
    python -m benchmarks.multi_objective --seeds 2 --budget 100 --no-write   # a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

import raytune_lite as rt
from benchmarks._report import table, write_section
from raytune_lite.multiobjective import Objectives, hypervolume
from raytune_lite.trial import Mode

DIMS = 6
CACHE = str(Path(__file__).resolve().parent.parent / ".multi_objective.json")
MLP_CACHE = Path(__file__).resolve().parent / "data" / "mlp_digits.json"
MLP_GRID = {
    "units": [8, 16, 32, 64, 128],
    "layers": [1, 2, 3],
    "lr": [1e-3, 3e-3, 1e-2],
    "alpha": [1e-4, 1e-2],
}


@dataclass(frozen=True)
class Problem:
    """A benchmark problem: its space (as choices or [0, 1] floats), losses, reference."""

    name: str
    space: dict[str, Any]  # name -> "unit" (a float in [0, 1]) or a list of choices
    fn: Callable[[dict[str, Any]], list[float]]
    reference: tuple[float, ...]


def _x(cfg: dict[str, Any]) -> np.ndarray:
    return np.array([cfg[f"x{i}"] for i in range(DIMS)], dtype=float)


def zdt1(cfg: dict[str, Any]) -> list[float]:
    x = _x(cfg)
    g = 1 + 9 * x[1:].mean()
    return [float(x[0]), float(g * (1 - np.sqrt(x[0] / g)))]


def zdt2(cfg: dict[str, Any]) -> list[float]:
    x = _x(cfg)
    g = 1 + 9 * x[1:].mean()
    return [float(x[0]), float(g * (1 - (x[0] / g) ** 2))]


def dtlz2(cfg: dict[str, Any]) -> list[float]:
    x = _x(cfg)
    g = float(((x[2:] - 0.5) ** 2).sum())
    a, b = x[0] * np.pi / 2, x[1] * np.pi / 2
    return [
        (1 + g) * np.cos(a) * np.cos(b),
        (1 + g) * np.cos(a) * np.sin(b),
        (1 + g) * np.sin(a),
    ]


def _mlp_key(cfg: dict[str, Any]) -> str:
    return f"{cfg['units']}-{cfg['layers']}-{cfg['lr']:g}-{cfg['alpha']:g}"


def build_mlp_cache() -> dict[str, list[float]]:
    """Trains every model of the grid once: ``key -> [validation error, parameter count]``."""
    import itertools

    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    x, y = load_digits(return_X_y=True)
    x_tr, x_va, y_tr, y_va = train_test_split(x / 16.0, y, test_size=0.3, random_state=0)
    out: dict[str, list[float]] = {}
    for units, layers, lr, alpha in itertools.product(*MLP_GRID.values()):
        model = MLPClassifier(
            hidden_layer_sizes=(units,) * layers,
            learning_rate_init=lr,
            alpha=alpha,
            max_iter=40,
            random_state=0,
        )
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(x_tr, y_tr)
        n_params = sum(w.size for w in model.coefs_) + sum(b.size for b in model.intercepts_)
        cfg = {"units": units, "layers": layers, "lr": lr, "alpha": alpha}
        out[_mlp_key(cfg)] = [1.0 - float(model.score(x_va, y_va)), float(n_params)]
    MLP_CACHE.parent.mkdir(parents=True, exist_ok=True)
    MLP_CACHE.write_text(json.dumps(out, indent=0, sort_keys=True))
    return out


def mlp_problem() -> Problem:
    cache = json.loads(MLP_CACHE.read_text()) if MLP_CACHE.exists() else build_mlp_cache()
    largest = max(v[1] for v in cache.values())

    def fn(cfg: dict[str, Any]) -> list[float]:
        err, n = cache[_mlp_key(cfg)]
        return [err, n / largest]

    return Problem("mlp_digits", {k: list(v) for k, v in MLP_GRID.items()}, fn, (1.0, 1.1))


def problems(names: list[str] | None = None) -> list[Problem]:
    """The problems named (all four by default); the MLP's cache is built on first use."""
    unit = {f"x{i}": "unit" for i in range(DIMS)}
    made: dict[str, Callable[[], Problem]] = {
        "zdt1": lambda: Problem("zdt1", unit, zdt1, (1.1, 11.0)),
        "zdt2": lambda: Problem("zdt2", unit, zdt2, (1.1, 11.0)),
        "dtlz2": lambda: Problem("dtlz2", unit, dtlz2, (2.5, 2.5, 2.5)),
        "mlp_digits": mlp_problem,
    }
    return [make() for name, make in made.items() if names is None or name in names]


# -- the drivers --------------------------------------------------------------------------


def run_ours(name: str, problem: Problem, seed: int, n: int, pending: int) -> np.ndarray:
    """The losses of ``n`` evaluations in completion order."""
    space = rt.Space(
        {k: rt.uniform(0, 1) if v == "unit" else rt.choice(v) for k, v in problem.space.items()}
    )
    k = len(problem.reference)
    searcher = OURS[name]()
    searcher.setup(space, "f0", "min", seed=seed, num_samples=n)
    searcher.objectives = Objectives(tuple(f"f{i}" for i in range(k)), (Mode.MIN,) * k)
    rng = np.random.default_rng(seed + 1000)
    out: list[list[float]] = []
    open_: list[tuple[str, dict[str, Any]]] = []
    started = 0
    while started < n or open_:
        while started < n and len(open_) < pending:
            open_.append((str(started), searcher.suggest(str(started))))
            started += 1
        tid, cfg = open_.pop(int(rng.integers(len(open_))))
        losses = problem.fn(cfg)
        searcher.on_complete(tid, {f"f{i}": v for i, v in enumerate(losses)}, False)
        out.append(losses)
    return np.array(out)


def run_optuna(name: str, problem: Problem, seed: int, n: int, pending: int) -> np.ndarray:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    k = len(problem.reference)
    sampler = (
        optuna.samplers.NSGAIISampler(seed=seed)
        if name == "optuna_nsga2"
        else optuna.samplers.TPESampler(seed=seed, constant_liar=pending > 1)
    )
    study = optuna.create_study(directions=["minimize"] * k, sampler=sampler)
    rng = np.random.default_rng(seed + 1000)
    out: list[list[float]] = []
    open_: list[tuple[Any, dict[str, Any]]] = []
    started = 0
    while started < n or open_:
        while started < n and len(open_) < pending:
            trial = study.ask()
            cfg = {
                key: trial.suggest_float(key, 0.0, 1.0)
                if v == "unit"
                else trial.suggest_categorical(key, v)
                for key, v in problem.space.items()
            }
            open_.append((trial, cfg))
            started += 1
        trial, cfg = open_.pop(int(rng.integers(len(open_))))
        losses = problem.fn(cfg)
        study.tell(trial, losses)
        out.append(losses)
    return np.array(out)


#: our searchers by name: NSGA-II, TPE as MOTPE, BayesOpt with ParEGO, random search
OURS: dict[str, Callable[[], rt.search.Searcher]] = {
    "nsga2": rt.search.NSGA2,
    "motpe": rt.search.TPE,
    "parego": rt.search.BayesOpt,
    "random": rt.search.BasicSearch,
}

SEARCHERS: dict[str, Callable[[str, Problem, int, int, int], np.ndarray]] = {
    **{name: run_ours for name in OURS},
    "optuna_nsga2": run_optuna,
    "optuna_tpe": run_optuna,
}


def _lookup(cache: dict[str, Any], key: str, budget: int, pending: int) -> float | None:
    """The hypervolume after ``budget`` evaluations of one run (problem|searcher|pending|seed
    ``key``): from a run of that length, or, sequentially (where a searcher does not know
    its budget, so a longer run starts the same), from the first ``budget`` of a longer one."""
    for run in (budget, *(r for r in (300, 1000) if r > budget and pending == 1)):
        hit = cache.get(f"{key}|{run}")
        if hit is not None and str(budget) in hit["hv"]:
            return float(hit["hv"][str(budget)])
    return None


def _ours(names: list[str]) -> list[str]:
    return [s for s in names if s in OURS and s != "random"]


def report(
    cache: dict[str, Any], probs: list[Problem], searchers: list[str], pending: list[int],
    budgets: list[int], seeds: int,
) -> str:  # fmt: skip
    """The table (median of the seeds found in the cache) and the target's count."""
    rows, wins, short = [], dict.fromkeys(budgets, 0), []
    for p in probs:
        for pend in pending:
            for b in budgets:
                med: dict[str, float] = {}
                for s in searchers:
                    vals = [
                        _lookup(cache, f"{p.name}|{s}|{pend}|{seed}", b, pend)
                        for seed in range(seeds)
                    ]
                    got = [v for v in vals if v is not None]
                    if len(got) < seeds:
                        short.append(f"{p.name}/{s}/{pend}/{b}: {len(got)}")
                    med[s] = float(np.median(got)) if got else float("nan")
                if all(np.isnan(v) for v in med.values()):
                    continue
                optuna_best = max(
                    (v for s, v in med.items() if s.startswith("optuna") and not np.isnan(v)),
                    default=float("nan"),
                )
                ours = [s for s in _ours(searchers) if not np.isnan(med[s])]
                best = max(ours, key=lambda s: med[s]) if ours else "-"
                ok = bool(ours) and med[best] >= optuna_best
                if pend == 1:
                    wins[b] += int(ok)
                rows.append([p.name, pend, b, *(med[s] for s in searchers), best,
                             "yes" if ok else "no"])  # fmt: skip
    headers = ["problem", "pending", "evals", *searchers, "our best", "ours >= optuna's best"]
    summary = "\n".join(
        f"At {b} evaluations (sequential): our best searcher at or above Optuna's best on "
        f"{wins[b]} of {len(probs)} problems." for b in budgets
    )  # fmt: skip
    missing = f"\n\nFewer than {seeds} seeds in: " + ", ".join(short) if short else ""
    return f"{table(headers, rows)}\n\n{summary}{missing}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--budget", type=int, default=300, help="evaluations per run")
    parser.add_argument("--pending", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--searchers", nargs="+", default=list(SEARCHERS))
    parser.add_argument("--problems", nargs="+", default=None)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--report", action="store_true", help="run nothing: tabulate the cache")
    parser.add_argument(
        "--cache", default=CACHE, help="JSON file of finished runs (reused; '' for none)"
    )
    args = parser.parse_args(argv)
    cache: dict[str, Any] = (
        json.loads(Path(args.cache).read_text()) if args.cache and Path(args.cache).exists() else {}
    )
    budgets = [b for b in (100, 300) if b <= args.budget] or [args.budget]
    probs = problems(args.problems)
    for p in [] if args.report else probs:
        for s in args.searchers:
            for pend in args.pending:
                for seed in range(args.seeds):
                    key = f"{p.name}|{s}|{pend}|{seed}"
                    if all(_lookup(cache, key, b, pend) is not None for b in budgets):
                        continue
                    t0 = time.perf_counter()
                    losses = SEARCHERS[s](s, p, seed, args.budget, pend)
                    cache[f"{key}|{args.budget}"] = {
                        "seconds": time.perf_counter() - t0,
                        "hv": {
                            str(b): hypervolume(losses[:b], np.array(p.reference)) for b in budgets
                        },
                    }
                    if args.cache:
                        Path(args.cache).write_text(json.dumps(cache))
            print(f"{p.name} {s} done", file=sys.stderr, flush=True)
    body = report(cache, probs, args.searchers, args.pending, budgets, args.seeds)
    notes = (
        f"Median hypervolume (higher is better) over {args.seeds} seeds; reference points: "
        + ", ".join(f"{p.name} {p.reference}" for p in probs)
        + ". Our searchers: NSGA2, TPE (as MOTPE), BayesOpt (as ParEGO), and random search; "
        "'our best' is the best of the first three. Sequentially, a 100-evaluation figure is "
        "the first 100 of a 300-evaluation run (the searchers do not know the budget). The "
        "machine is shared with other agents' jobs; the hypervolumes do not depend on the load."
    )
    text = f"{notes}\n\n{body}"
    print(text)
    if not args.no_write:
        write_section("multi_objective", "Multi-objective search: hypervolume", text)


if __name__ == "__main__":
    main()
