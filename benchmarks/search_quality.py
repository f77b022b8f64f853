"""Search quality with trials in flight: simple regret at 50, 100 and 200 evaluations with
1, 4, 16 and 64 trials pending, on synthetic problems and real-model landscapes.

Every searcher is driven in-process (no Ray) by :mod:`benchmarks._drive`: ``pending``
suggestions are outstanding at all times and complete in a seeded random order, as trials
do on a cluster; Optuna's samplers run at the same concurrency through ask/tell (its TPE with
``constant_liar=True``, its ``GPSampler`` and ``CmaEsSampler``). Printed and written to
BENCHMARKS.md: for each budget, the median simple regret (best value found minus the
optimum) over seeds with its interquartile range, per problem, searcher and concurrency, and
the targets of issue 19 checked from those medians.

Runs are cached by task in a JSON file (``--cache``), so that a table can be built from
several invocations (new searchers, more seeds) without rerunning the rest.

Usage::

    python -m benchmarks.search_quality --quick                     # a smoke run
    python -m benchmarks.search_quality --seeds 10 --workers 2      # the table
    python -m benchmarks.search_quality --problems branin --searchers bayesopt:pending=thompson
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

from benchmarks._drive import OPTUNA, RunResult, Task, available, parse, run_one
from benchmarks._report import table, write_section
from benchmarks.problems import LANDSCAPES, PROBLEMS, get_problem

FIVE = ["branin", "hartmann6", "rosenbrock4", "ackley5", "svm_digits"]
MORE = ["rastrigin6", "styblinski12", "mixed8"]
DEFAULT_PROBLEMS = FIVE + MORE + [p for p in LANDSCAPES if p != "svm_digits"]
BUDGETS = (50, 100, 200)
PENDING = (1, 4, 16, 64)
DEFAULT_SEARCHERS = (
    "random",
    "bayesopt",
    "tpe",
    "cmaes",
    "ga",
    "pso",
    "optuna-tpe",
    "optuna-gp",
    "optuna-cmaes",
)
MODEL_BASED = ("bayesopt", "tpe")
CACHE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".search_quality.json")


def _key(t: Task) -> str:
    return "|".join(map(str, t))


def load_cache(path: str) -> dict[str, list[float]]:
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)  # type: ignore[no-any-return]


def save_cache(path: str, cache: dict[str, list[float]]) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(cache, f)
    os.replace(tmp, path)


# -- aggregation ------------------------------------------------------------------------------


def _num(v: float) -> str:
    if v == 0 or not math.isfinite(v):
        return str(v) if v else "0"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 0.01:
        return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
    return f"{v:.1e}"


def median_iqr(xs: Sequence[float]) -> str:
    a = np.asarray(xs, dtype=float)
    if len(a) == 0:
        return "-"
    q1, med, q3 = np.percentile(a, [25, 50, 75])
    return f"{_num(float(med))} [{_num(float(q1))}, {_num(float(q3))}]"


Regrets = dict[tuple[str, str, int, int], list[float]]  # problem, searcher, pending, budget


def regrets_of(
    runs: dict[Task, list[float]], optima: dict[str, float], budgets: Sequence[int]
) -> Regrets:
    out: Regrets = {}
    for (p, s, _seed, budget, pend), best in runs.items():
        for b in budgets:
            if b <= budget and len(best) >= b:
                out.setdefault((p, s, pend, b), []).append(best[b - 1] - optima[p])
    return out


def med(r: Regrets, key: tuple[str, str, int, int]) -> float | None:
    return float(np.median(r[key])) if r.get(key) else None


def tables(
    r: Regrets, problems: list[str], searchers: list[str], pending: list[int], b: int
) -> str:
    rows = []
    for p in problems:
        for s in searchers:
            cells = [median_iqr(r.get((p, s, k, b), [])) for k in pending]
            if any(c != "-" for c in cells):
                n = [len(r.get((p, s, k, b), [])) for k in pending]
                rows.append([p, s, *cells, "/".join(map(str, n))])
    return table(
        ["problem", "searcher", *[f"{k} pending" for k in pending], "seeds (per column)"], rows
    )


def degradation(
    r: Regrets, problems: list[str], searchers: list[str], pending: list[int], b: int
) -> str:
    """Per searcher and concurrency: on how many problems the median regret at ``b``
    evaluations is more than 1.5x (and 2x) the sequential one."""
    rows = []
    for s in searchers:
        cells = []
        for k in (k for k in pending if k > 1):
            worse15 = worse2 = total = 0
            for p in problems:
                seq, par = med(r, (p, s, 1, b)), med(r, (p, s, k, b))
                if seq is None or par is None:
                    continue
                total += 1
                ratio = par / seq if seq > 1e-9 else (1.0 if par <= 1e-9 else math.inf)
                worse15 += ratio > 1.5
                worse2 += ratio > 2.0
            cells.append(f"{worse15} / {worse2} of {total}" if total else "-")
        rows.append([s, *cells])
    heads = [f"{k} pending: > 1.5x / > 2x" for k in pending if k > 1]
    return table(["searcher", *heads], rows)


def target_notes(r: Regrets, problems: list[str], searchers: list[str]) -> list[str]:
    """The targets of issue 19, checked from the medians."""
    notes = []
    optuna = [s for s in searchers if s in OPTUNA]
    ours = [s for s in searchers if parse(s)[0] in MODEL_BASED]
    synthetic = [p for p in problems if p not in LANDSCAPES]
    for s in ours:
        for pend, b, limit in ((4, 50, 1.5), (16, 100, 2.0)):
            met, missed = [], []
            for p in synthetic:
                seq, par = med(r, (p, s, 1, b)), med(r, (p, s, pend, b))
                if seq is None or par is None:
                    continue
                ratio = par / seq if seq > 1e-9 else (1.0 if par <= 1e-9 else math.inf)
                (met if ratio <= limit else missed).append(f"{p} {ratio:.2f}")
            if met or missed:
                notes.append(
                    f"{s}: {pend} pending vs sequential regret@{b} within {limit}x on "
                    f"{len(met)} of {len(met) + len(missed)} (met: {', '.join(met) or '-'}; "
                    f"missed: {', '.join(missed) or '-'})"
                )
        if optuna:
            for group, label in ((FIVE, "the five problems"), (problems, "all problems")):
                wins, total = [], 0
                for p in (q for q in group if q in problems):
                    mine = med(r, (p, s, 4, 50))
                    theirs = [v for o in optuna if (v := med(r, (p, o, 4, 50))) is not None]
                    if mine is None or not theirs:
                        continue
                    total += 1
                    if mine <= min(theirs) + 1e-12:
                        wins.append(p)
                notes.append(
                    f"{s}: 4 pending, regret@50 at or below Optuna's best sampler on "
                    f"{len(wins)} of {total} of {label} ({', '.join(wins) or 'none'})"
                )
        if "optuna-tpe" in searchers:
            for pend in (1, 4, 16):
                wins, total = [], 0
                for p in (q for q in problems if q in LANDSCAPES and q != "svm_digits"):
                    mine, theirs = med(r, (p, s, pend, 50)), med(r, (p, "optuna-tpe", pend, 50))
                    if mine is None or theirs is None:
                        continue
                    total += 1
                    if mine <= theirs + 1e-12:
                        wins.append(p)
                if total:
                    notes.append(
                        f"{s}: real-model landscapes, {pend} pending, regret@50 at or below "
                        f"optuna-tpe on {len(wins)} of {total} ({', '.join(wins) or 'none'})"
                    )
    return notes


# -- main -------------------------------------------------------------------------------------


def _csv(text: str | None, default: Sequence[Any], cast: Callable[[str], Any] = str) -> list[Any]:
    return [cast(x.strip()) for x in text.split(",") if x.strip()] if text else list(default)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 seeds, 50 evals, 3 problems")
    ap.add_argument("--problems", help=f"comma-separated, or 'all'; known: {sorted(PROBLEMS)}")
    ap.add_argument("--searchers", help=f"comma-separated; default {list(DEFAULT_SEARCHERS)}")
    ap.add_argument("--pending", help="comma-separated concurrency levels; default 1,4,16,64")
    ap.add_argument("--seeds", type=int, help="seeds per cell; default 10")
    ap.add_argument("--budget", type=int, help="evaluations per run; default 100")
    ap.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    ap.add_argument("--cache", default=CACHE, help="JSON file of finished runs (reused)")
    ap.add_argument("--write", action="store_true", help="write BENCHMARKS.md")
    ap.add_argument(
        "--from-cache", action="store_true", help="run nothing: tabulate the cached runs only"
    )
    ap.add_argument("--section", default="search_quality", help="BENCHMARKS.md section name")
    ap.add_argument("--title", default="Search quality with trials pending", help="its title")
    args = ap.parse_args(argv)

    seeds = args.seeds or (2 if args.quick else 10)
    budget = args.budget or (50 if args.quick else 100)
    if args.problems == "all":
        problems = list(PROBLEMS)
    else:
        quick = ["branin", "mixed8", "knn_cancer"]
        problems = _csv(args.problems, quick if args.quick else DEFAULT_PROBLEMS)
    unknown = [p for p in problems if p not in PROBLEMS]
    if unknown or seeds < 1 or budget < 1:
        ap.error(f"unknown problems {unknown} (known: {sorted(PROBLEMS)}), or {seeds=} {budget=}")
    pending = _csv(args.pending, PENDING, int)
    searchers, notes = available(_csv(args.searchers, DEFAULT_SEARCHERS))
    for n in notes:
        print("note:", n)
    budgets = sorted({b for b in BUDGETS if b <= budget} | {budget})

    cache = load_cache(args.cache)
    # seed by seed, so that a run cut short still covers every cell with its first seeds
    tasks = [
        (p, s, seed, budget, k)
        for seed in range(seeds)
        for k in pending
        for p in problems
        for s in searchers
    ]
    todo = [] if args.from_cache else [t for t in tasks if _key(t) not in cache]
    print(f"{len(tasks)} runs, {len(todo)} to do", flush=True)
    t0 = time.time()
    times: dict[str, list[float]] = {}
    run: Callable[..., Any] = map
    pool = ProcessPoolExecutor(args.workers) if args.workers > 1 else None
    if pool is not None:
        run = pool.map
    res: RunResult
    for done, (task, res) in enumerate(run(run_one, todo), start=1):
        if res.error:
            print(f"FAILED {task}: {res.error.strip().splitlines()[-1]}", flush=True)
            continue
        cache[_key(task)] = res.best
        times.setdefault(task[1], []).extend(res.suggest_s[len(res.suggest_s) // 2 :])
        save_cache(args.cache, cache)  # every run: on a loaded machine a run can take minutes
        if done % 20 == 0 or done == len(todo):
            print(f"  {done}/{len(todo)} runs, {time.time() - t0:.0f} s", flush=True)
    if pool is not None:
        pool.shutdown()
    save_cache(args.cache, cache)

    optima = {p: get_problem(p).optimum for p in problems}
    runs = {t: cache[_key(t)] for t in tasks if _key(t) in cache}
    r = regrets_of(runs, optima, budgets)
    parts = []
    for b in budgets:
        body = tables(r, problems, searchers, pending, b)
        parts.append(f"### Regret after {b} evaluations\n\n{body}")
        print(f"\nregret@{b}\n{body}")
    for b in budgets:
        body = degradation(r, problems, searchers, pending, b)
        parts.append(
            f"### Degradation with trials pending ({b} evaluations)\n\nProblems on which "
            f"the median regret is more than 1.5x / 2x the sequential one.\n\n{body}"
        )
        print(f"\ndegradation@{b}\n{body}")
    tnotes = target_notes(r, problems, searchers)
    print()
    for n in tnotes:
        print("-", n)
    print(f"\n{len(todo)} runs in {time.time() - t0:.0f} s")
    if not args.write:
        return 0
    text = (
        f"Simple regret (best value found minus the optimum; lower is better): median "
        f"[25th, 75th percentile] over the seeds shown (up to {seeds}). Searchers are driven "
        f"in-process (no Ray): with N suggestions pending, completing in random order. "
        f"optuna-tpe is `TPESampler(multivariate=True, constant_liar=True)`, optuna-gp "
        f"`GPSampler()`, optuna-cmaes `CmaEsSampler()`, all through ask/tell with the same "
        f"number of trials pending; ours run with their defaults. The real-model landscapes "
        f"({', '.join(p for p in LANDSCAPES if p != 'svm_digits')}) are tabulated 3-fold CV "
        f"losses of scikit-learn models over grids of ordinal and categorical values "
        f"(`benchmarks/build_landscapes.py`); svm_digits fits an SVM at every evaluation and "
        f"its optimum is the best point of a 20 x 20 grid (regret can dip below 0).\n\n"
        + "\n\n".join(parts)
        + "\n\n### Targets (issue 19)\n\n"
        + "\n".join(f"- {n}" for n in tnotes + notes)
    )
    write_section(args.section, args.title, text)
    print(f"wrote the {args.section} section of BENCHMARKS.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
