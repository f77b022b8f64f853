"""Drives searchers in-process (no Ray) with trials in flight, for the search benchmarks.

A run keeps ``pending`` suggestions outstanding at all times; each step one of them, chosen
at random (seeded), completes, and a new suggestion takes its slot, as on a cluster where
trials finish in any order. raytune_lite's searchers are driven by ``setup`` / ``suggest`` /
``on_complete``; Optuna's samplers by ``study.ask`` / ``study.tell`` with the same number of
trials asked but not told (its TPE with ``constant_liar=True``, as Optuna recommends for
parallel runs).

Searcher names: ``random``, ``bayesopt``, ``tpe``, ``cmaes``, ``ga``, ``pso``,
``optuna-tpe``, ``optuna-gp``, ``optuna-cmaes``; a variant of ours takes keyword arguments
after a colon, e.g. ``bayesopt:pending=thompson`` or ``tpe:constant_liar=False``.
"""

from __future__ import annotations

import math
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from benchmarks.problems import Problem, get_problem
from raytune_lite.search.base import FINISHED, Searcher
from raytune_lite.space import Categorical, Float, Integer, Space

OURS = ("random", "bayesopt", "tpe", "cmaes", "ga", "pso")
OPTUNA = ("optuna-tpe", "optuna-gp", "optuna-cmaes")


def _value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"True": True, "False": False, "None": None}.get(text, text)


def parse(name: str) -> tuple[str, dict[str, Any]]:
    """``"bayesopt:pending=thompson,n_candidates=256"`` -> ``("bayesopt", {...})``."""
    base, _, args = name.partition(":")
    kwargs = {}
    for part in filter(None, args.split(",")):
        key, _, value = part.partition("=")
        kwargs[key.strip()] = _value(value.strip())
    return base, kwargs


def make_ours(name: str) -> Searcher:
    base, kw = parse(name)
    from raytune_lite import search

    classes = {
        "random": search.BasicSearch,
        "bayesopt": lambda **k: search.BayesOpt(**k),
        "tpe": lambda **k: search.TPE(**k),
        "cmaes": search.CMAES,
        "ga": search.GeneticSearch,
        "pso": search.ParticleSwarm,
    }
    if base not in classes:
        raise ValueError(f"unknown searcher {name!r}")
    return classes[base](**kw)  # type: ignore[no-any-return]


def optuna_sampler(name: str, seed: int) -> Any:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if name == "optuna-tpe":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True)
    if name == "optuna-cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    import torch

    torch.set_num_threads(1)  # small matrices: threads only fight over the cores
    return optuna.samplers.GPSampler(seed=seed)


def available(names: list[str]) -> tuple[list[str], list[str]]:
    """The searchers that can run here, and a note for each one that cannot."""
    ok, notes = [], []
    for name in names:
        try:
            if parse(name)[0] in OURS:
                make_ours(name)
            else:
                import warnings

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    optuna_sampler(name, 0)
                if name == "optuna-gp":
                    import torch  # noqa: F401
                if name == "optuna-cmaes":
                    import cmaes  # noqa: F401
        except ImportError as e:
            notes.append(f"{name} skipped: {e}")
            continue
        ok.append(name)
    return ok, notes


def optuna_params(trial: Any, space: Space) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, d in space.domains.items():
        key = "/".join(map(str, path))
        if isinstance(d, Float):
            out[key] = trial.suggest_float(key, d.low, d.high, log=d.log, step=d.q)
        elif isinstance(d, Integer):
            out[key] = trial.suggest_int(key, d.low, d.high - 1, log=d.log)
        elif isinstance(d, Categorical):
            out[key] = trial.suggest_categorical(key, d.choices)
        else:  # pragma: no cover - the benchmark problems are flat
            raise TypeError(f"no Optuna equivalent for {d!r}")
    return out


@dataclass
class RunResult:
    """Best value after each evaluation, the suggest times, or the error that stopped it."""

    best: list[float] = field(default_factory=list)
    suggest_s: list[float] = field(default_factory=list)  #: wall-clock time of each
    suggest_cpu_s: list[float] = field(default_factory=list)  #: CPU time of each
    error: str | None = None


def run_ours(name: str, problem: Problem, seed: int, budget: int, pending: int) -> RunResult:
    space = Space(problem.param_space)
    s = make_ours(name)
    s.setup(space, "loss", "min", seed=seed, num_samples=budget)
    order = np.random.default_rng(seed + 12345)
    res = RunResult()
    best = math.inf
    outstanding: list[tuple[str, dict[str, Any]]] = []
    started = 0
    while len(res.best) < budget:
        while started < budget and len(outstanding) < pending:
            t0, c0 = time.perf_counter(), time.process_time()
            cfg = s.suggest(str(started))
            res.suggest_s.append(time.perf_counter() - t0)
            res.suggest_cpu_s.append(time.process_time() - c0)
            if cfg is None or cfg is FINISHED:
                break
            assert isinstance(cfg, dict)
            outstanding.append((str(started), cfg))
            started += 1
        if not outstanding:
            raise RuntimeError(f"{name} stopped suggesting after {started} configs")
        tid, cfg = outstanding.pop(int(order.integers(len(outstanding))))
        value = problem(cfg)
        s.on_complete(tid, {"loss": value, "training_iteration": 1}, False)
        best = min(best, value)
        res.best.append(best)
    return res


def run_optuna(name: str, problem: Problem, seed: int, budget: int, pending: int) -> RunResult:
    import warnings

    import optuna

    warnings.simplefilter("ignore")  # experimental-feature warnings
    space = Space(problem.param_space)
    study = optuna.create_study(sampler=optuna_sampler(name, seed), direction="minimize")
    order = np.random.default_rng(seed + 12345)
    res = RunResult()
    best = math.inf
    outstanding: list[tuple[Any, dict[str, Any]]] = []
    started = 0
    while len(res.best) < budget:
        while started < budget and len(outstanding) < pending:
            t0, c0 = time.perf_counter(), time.process_time()
            trial = study.ask()
            params = optuna_params(trial, space)
            res.suggest_s.append(time.perf_counter() - t0)
            res.suggest_cpu_s.append(time.process_time() - c0)
            outstanding.append((trial, params))
            started += 1
        trial, params = outstanding.pop(int(order.integers(len(outstanding))))
        value = problem(params)
        study.tell(trial, value)
        best = min(best, value)
        res.best.append(best)
    return res


Task = tuple[str, str, int, int, int]  #: problem, searcher, seed, budget, pending


def run_one(task: Task) -> tuple[Task, RunResult]:
    """One run; errors are returned, not raised (the other runs go on)."""
    problem_name, searcher, seed, budget, pending = task
    try:
        problem = get_problem(problem_name)
        if parse(searcher)[0] in OURS:
            return task, run_ours(searcher, problem, seed, budget, pending)
        return task, run_optuna(searcher, problem, seed, budget, pending)
    except Exception:
        return task, RunResult(error=traceback.format_exc(limit=4))
