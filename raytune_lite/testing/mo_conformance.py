"""Conformance checks for searchers that rank by several objectives
(``supports_multi_objective = True``), without Ray.

Example:
    >>> from raytune_lite.search import BasicSearch
    >>> check_multi_objective_searcher(BasicSearch)
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from raytune_lite import space as sp
from raytune_lite.multiobjective import Objectives, feasible, hypervolume
from raytune_lite.search.base import FINISHED, Searcher
from raytune_lite.trial import Mode

__all__ = ["check_multi_objective_searcher", "drive_multi", "zdt1_row"]

#: ZDT1 on 4 variables, one objective reported as a score to maximise
MO_SPACE: dict[str, Any] = {f"x{i}": sp.uniform(0.0, 1.0) for i in range(4)}
MO_OBJECTIVES = Objectives(("f0", "score"), (Mode.MIN, Mode.MAX))


def zdt1_row(cfg: dict[str, Any]) -> dict[str, float]:
    """ZDT1's objectives as a row: ``f0`` (minimise), ``score = -f1`` (maximise), and
    ``x0`` (for constraints)."""
    x = np.array([cfg[f"x{i}"] for i in range(len(cfg))], dtype=float)
    g = 1 + 9 * float(x[1:].mean())
    return {"f0": float(x[0]), "score": -g * (1 - math.sqrt(x[0] / g)), "x0": float(x[0])}


def drive_multi(
    searcher: Searcher,
    space: dict[str, Any],
    fn: Callable[[dict[str, Any]], dict[str, float]],
    n: int,
    seed: int,
    objectives: Objectives = MO_OBJECTIVES,
    constraints: Sequence[str] | None = None,
    pending: int = 1,
) -> list[tuple[dict[str, Any], dict[str, float]]]:
    """Runs ``n`` trials with up to ``pending`` outstanding (completing in a seeded shuffled
    order), as the Tuner would: objectives and constraints set after ``setup``, an
    infeasible trial reported as failed with its row. Returns ``(config, row)`` in
    completion order."""
    searcher.setup(sp.Space(space), objectives.primary, objectives.modes[0], seed, n)
    searcher.objectives, searcher.constraints = objectives, constraints
    order = np.random.default_rng(seed + 1000)
    out: list[tuple[dict[str, Any], dict[str, float]]] = []
    outstanding: list[tuple[str, dict[str, Any]]] = []
    started = 0
    while len(out) < n:
        while started < n and len(outstanding) < pending:
            cfg = searcher.suggest(str(started))
            if cfg is None or cfg is FINISHED:
                break
            assert isinstance(cfg, dict)
            outstanding.append((str(started), cfg))
            started += 1
        if not outstanding:
            raise AssertionError(f"the searcher stopped suggesting after {started} configs")
        tid, cfg = outstanding.pop(int(order.integers(len(outstanding))))
        row = fn(cfg)
        searcher.on_complete(tid, row, not feasible(row, constraints))
        out.append((cfg, row))
    return out


def _hv(rows: list[tuple[dict[str, Any], dict[str, float]]]) -> float:
    losses = np.array([MO_OBJECTIVES.losses(r) for _, r in rows])
    return hypervolume(losses, np.array([1.1, 11.0]))


def check_multi_objective_searcher(make: Callable[[], Searcher], n: int = 20) -> None:
    """Asserts the multi-objective contract on ZDT1 (``f0`` minimised, ``score`` maximised):
    configs in the space with 3 pending; failed trials, NaN objectives and infeasible
    trials (``x0 <= 0.5``) do not crash it; same seed, same configs; ``state()`` is JSON-able
    and a fresh instance continues with the same suggestion."""
    assert getattr(make(), "supports_multi_objective", False), "not a multi-objective searcher"
    space = sp.Space(MO_SPACE)

    def flaky(cfg: dict[str, Any]) -> dict[str, float]:
        row = zdt1_row(cfg)
        if cfg["x1"] > 0.9:
            row["score"] = math.nan  # a NaN objective: never counts
        return row

    runs = []
    for _ in range(2):
        s = make()
        rows = drive_multi(s, MO_SPACE, flaky, n, seed=4, constraints=["x0 <= 0.5"], pending=3)
        for cfg, _ in rows:
            assert not space.contains(cfg), f"{cfg} is outside the space: {space.contains(cfg)}"
        runs.append(json.dumps([c for c, _ in rows], sort_keys=True))
    assert runs[0] == runs[1], "same seed gave different suggestions"
    assert _hv(rows) > 0

    d = make()
    drive_multi(d, MO_SPACE, zdt1_row, n, seed=8)
    saved = json.loads(json.dumps(d.state()))
    e = make()
    e.setup(space, "f0", "min", seed=999, num_samples=n)
    e.objectives = MO_OBJECTIVES
    e.load_state(saved)
    nxt_d, nxt_e = d.suggest("next"), e.suggest("next")
    assert nxt_d == nxt_e, f"after load_state the next suggestion differs: {nxt_d} vs {nxt_e}"
