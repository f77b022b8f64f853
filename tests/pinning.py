"""Replays a searcher with fixed seeds, to pin its suggestions across refactorings.

The test modules of CMAES and LocalSearch keep sequences recorded from the code before their
helpers were split out (commit 3290faf); the same seed must keep giving them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np

import raytune_lite as rt
from raytune_lite.search.base import Searcher

SPACE: dict[str, Any] = {
    "x": rt.uniform(-2.0, 2.0),
    "lr": rt.loguniform(1e-4, 1e-1),
    "n": rt.randint(0, 12),
    "act": rt.choice(["relu", "tanh", "gelu"]),
    "const": 3,
}


def loss(c: dict[str, Any]) -> float:
    return (
        (c["x"] - 0.5) ** 2
        + abs(math.log10(c["lr"]) + 2)
        + abs(c["n"] - 4) / 4
        + (c["act"] != "tanh")
    )


def replay(
    make: Callable[[], Searcher], seed: int, rounds: int, pending: int = 3
) -> list[tuple[float, float, int, str]]:
    """``pending`` trials outstanding, finishing in a seeded random order; a given point,
    failures, NaN results and a resume (state, JSON, load_state) half-way. Returns every
    suggestion as ``(x, lr, n, act)``."""
    s = make()
    s.setup(rt.Space(SPACE), "loss", "min", seed=seed)
    s.add_trial("given", {"x": 0.1, "lr": 0.01, "n": 3, "act": "relu", "const": 3})
    s.on_complete("given", {"loss": 2.0}, False)
    order = np.random.default_rng(seed + 1)
    out: list[tuple[str, dict[str, Any]]] = []
    got: list[tuple[float, float, int, str]] = []
    k = 0
    for r in range(rounds):
        while len(out) < pending:
            c = s.suggest(f"t{k}")
            assert isinstance(c, dict) and c["const"] == 3
            got.append((c["x"], c["lr"], c["n"], c["act"]))
            out.append((f"t{k}", c))
            k += 1
        i, c = out.pop(int(order.integers(len(out))))
        if k % 7 == 3:
            s.on_complete(i, None, True)
        elif k % 11 == 5:
            s.on_complete(i, {"loss": math.nan}, False)
        else:
            s.on_complete(i, {"loss": loss(c)}, False)
        if r == rounds // 2:
            saved = json.loads(json.dumps(s.state()))
            s = make()
            s.setup(rt.Space(SPACE), "loss", "min", seed=seed + 100)
            s.load_state(saved)
    return got


def assert_same(got: list[tuple[float, float, int, str]], pinned: list[tuple[Any, ...]]) -> None:
    import pytest

    assert len(got) == len(pinned)
    assert [(n, a) for _, _, n, a in got] == [(n, a) for _, _, n, a in pinned]
    assert [x for x, *_ in got] == pytest.approx([x for x, *_ in pinned], rel=1e-9, abs=1e-12)
    assert [lr for _, lr, *_ in got] == pytest.approx([p[1] for p in pinned], rel=1e-9)
