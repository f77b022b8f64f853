"""Conformance checks for :class:`~raytune_lite.search.base.Searcher` implementations."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from raytune_lite import space as sp
from raytune_lite.search.base import FINISHED, Searcher
from raytune_lite.trial import Mode, ModeName

#: A mixed space: floats (linear, log, quantized), ints (linear, log), a categorical, a
#: constant, a nested dict and a conditional value.
CONFORMANCE_SPACE: dict[str, Any] = {
    "x": sp.uniform(-5.0, 10.0),
    "lr": sp.loguniform(1e-5, 1e-1),
    "q": sp.quniform(0.0, 1.0, 0.25),
    "n": sp.randint(1, 9),
    "width": sp.lograndint(8, 512),
    "act": sp.choice(["relu", "tanh", "gelu"]),
    "const": 7,
    "opt": {"momentum": sp.uniform(0.0, 0.99)},
    "twice_n": sp.sample_from(lambda cfg: 2 * cfg["n"]),
}


def _objective(cfg: Mapping[str, Any]) -> float:
    act_pen = {"relu": 0.0, "tanh": 0.5, "gelu": 1.0}[cfg["act"]]
    return float(
        (cfg["x"] - 1.0) ** 2 / 10
        + abs(math.log10(cfg["lr"]) + 3)
        + cfg["q"]
        + abs(cfg["n"] - 4) / 4
        + act_pen
        + cfg["opt"]["momentum"]
        + abs(math.log2(cfg["width"]) - 6) / 4
    )


def _drive(
    searcher: Searcher,
    space: sp.Space,
    n: int,
    seed: int,
    pending: int,
    mode: Mode | ModeName = "min",
    fail_every: int = 0,
) -> list[dict[str, Any]]:
    """Runs ``n`` trials with up to ``pending`` outstanding, completing in shuffled order."""
    rng = np.random.default_rng(seed + 1000)
    sign = 1.0 if mode == "min" else -1.0
    outstanding: list[tuple[str, dict[str, Any]]] = []
    configs: list[dict[str, Any]] = []
    started = 0
    stalls = 0
    while started < n or outstanding:
        while started < n and len(outstanding) < pending:
            tid = f"{started:05d}"
            cfg = searcher.suggest(tid)
            if cfg is FINISHED:
                started = n
                break
            if cfg is None:
                break
            assert isinstance(cfg, dict), (
                f"suggest must return a dict, None or FINISHED; got {cfg!r}"
            )
            problems = space.contains(cfg)
            assert not problems, f"suggested config outside the space: {problems}"
            assert cfg["const"] == 7 and cfg["twice_n"] == 2 * cfg["n"], cfg
            json.dumps(cfg)
            outstanding.append((tid, cfg))
            configs.append(cfg)
            started += 1
        if not outstanding:
            stalls += 1
            assert stalls < 1000, "searcher returned None with nothing pending, forever"
            continue
        tid, cfg = outstanding.pop(int(rng.integers(len(outstanding))))
        value = sign * _objective(cfg)
        idx = int(tid)
        if fail_every and idx % fail_every == 1:
            searcher.on_complete(tid, None, True)
        elif fail_every and idx % fail_every == 2:
            row = {"loss": float("nan"), "training_iteration": 1}
            searcher.on_result(tid, row)
            searcher.on_complete(tid, row, False)
        else:
            row = {"loss": value, "training_iteration": 1}
            searcher.on_result(tid, row)
            searcher.on_complete(tid, row, False)
    return configs


def check_searcher(
    make: Callable[[], Searcher],
    n: int = 24,
    pending: int = 4,
    param_space: dict[str, Any] | None = None,
) -> None:
    """Asserts the searcher contract. ``make`` builds a fresh, un-setup searcher.

    Checks: configs lie in the space (constants and conditionals resolved, JSON-able);
    several pending suggestions with out-of-order completion; failed trials and NaN
    metrics do not crash it; min and max; same seed gives the same configs; state() is
    JSON-able and load_state() on a fresh instance continues with the same suggestions;
    ``2 * pending`` suggestions made with nothing completing, from a fresh start and after
    ``n // 2`` results, are pairwise distinct and seeded-reproducible.
    """
    param_space = param_space or CONFORMANCE_SPACE
    space = sp.Space(param_space)

    for mode in ("min", "max"):
        s = make()
        s.setup(space, "loss", mode, seed=3, num_samples=n)
        configs = _drive(s, space, n, seed=3, pending=pending, mode=mode, fail_every=5)
        assert configs, "the searcher suggested nothing"

    # same seed, same suggestions
    a, b = make(), make()
    a.setup(space, "loss", "min", seed=11, num_samples=n)
    b.setup(space, "loss", "min", seed=11, num_samples=n)
    ca = _drive(a, space, n, seed=11, pending=pending)
    cb = _drive(b, space, n, seed=11, pending=pending)
    assert ca == cb, "same seed gave different suggestions"

    # with trials pending, suggestions are distinct from each other, and the same seed
    # gives the same batch: from a fresh start, and once the searcher has a model
    for warm in (0, n // 2):
        batches = []
        for _ in range(2):
            c = make()
            c.setup(space, "loss", "min", seed=5, num_samples=n)
            _drive(c, space, warm, seed=5, pending=1)
            batch = []
            for i in range(2 * pending):
                cfg = c.suggest(f"p{i}")
                if isinstance(cfg, dict):
                    batch.append(json.dumps(cfg, sort_keys=True))
            assert len(set(batch)) == len(batch), (
                f"pending suggestions repeat each other after {warm} results: {batch}"
            )
            batches.append(batch)
        assert batches[0] == batches[1], (
            f"same seed gave different suggestions with trials pending after {warm} results"
        )

    # state round trip through JSON: a fresh instance continues identically
    d = make()
    d.setup(space, "loss", "min", seed=21, num_samples=n)
    _drive(d, space, n // 2, seed=21, pending=1)
    saved = json.loads(json.dumps(d.state()))
    e = make()
    e.setup(space, "loss", "min", seed=999, num_samples=n)
    e.load_state(saved)
    nxt_d, nxt_e = d.suggest("next"), e.suggest("next")
    assert nxt_d == nxt_e, f"after load_state the next suggestion differs: {nxt_d} vs {nxt_e}"


#: Stepped integers: an even grid, a grid whose range is not a multiple of its step, a
#: log-scaled grid (``qlograndint``), one with more values than the model-based searchers
#: model as levels (so it is searched as continuous and decoded onto the grid), and a float.
STEP_SPACE: dict[str, Any] = {
    "even": sp.randint(0, 21, step=2),
    "thirds": sp.randint(1, 21, step=3),
    "width": sp.qlograndint(8, 512, 8),
    "many": sp.randint(-3, 100_000, step=7),
    "x": sp.uniform(0.0, 1.0),
}


def check_step_grid(make: Callable[[], Searcher], n: int = 20, pending: int = 3) -> None:
    """Asserts that every suggestion of ``make()`` puts each stepped integer of
    :data:`STEP_SPACE` on its grid (``low + k * step``) within its bounds, as a Python int,
    while the searcher learns from results (minimising a smooth function of the values).
    """
    space = sp.Space(STEP_SPACE)
    ints = {k: d for k, d in STEP_SPACE.items() if isinstance(d, sp.Integer)}
    s = make()
    s.setup(space, "loss", "min", seed=7, num_samples=n)
    outstanding: list[tuple[str, dict[str, Any]]] = []
    started = 0
    while started < n or outstanding:
        while started < n and len(outstanding) < pending:
            cfg = s.suggest(f"{started:05d}")
            if not isinstance(cfg, dict):
                break
            for key, d in ints.items():
                v = cfg[key]
                assert type(v) is int, f"{key}={v!r} is a {type(v).__name__}, not an int"
                assert d.contains(v), f"{key}={v} is off the grid of {d!r}"
            outstanding.append((f"{started:05d}", cfg))
            started += 1
        if not outstanding:
            break
        tid, cfg = outstanding.pop(0)
        loss = (
            abs(cfg["even"] - 9) / 20
            + abs(cfg["thirds"] - 11) / 20
            + abs(math.log2(cfg["width"]) - 6) / 6
            + abs(cfg["many"] - 40_000) / 100_000
            + cfg["x"]
        )
        row = {"loss": float(loss), "training_iteration": 1}
        s.on_result(tid, row)
        s.on_complete(tid, row, False)
    assert started == n, f"the searcher stopped suggesting after {started} of {n} trials"


def drive(
    searcher: Searcher,
    space: dict[str, Any],
    fn: Callable[[dict[str, Any]], float],
    n: int,
    seed: int,
    mode: Mode | ModeName = "min",
) -> list[tuple[dict[str, Any], float]]:
    """Runs ``searcher`` sequentially for ``n`` trials on ``fn`` (no Ray): suggest, evaluate,
    ``on_complete``; returns each (config, value) in order.

    Example:
        >>> from raytune_lite.search import BasicSearch
        >>> out = drive(BasicSearch(), {"x": sp.uniform(0, 1)}, lambda c: c["x"], n=3, seed=0)
        >>> len(out), all(0 <= v <= 1 for _, v in out)
        (3, True)
    """
    searcher.setup(sp.Space(space), "loss", mode, seed=seed, num_samples=n)
    out = []
    for i in range(n):
        cfg = searcher.suggest(str(i))
        if not isinstance(cfg, dict):
            raise AssertionError(f"suggest returned {cfg!r} for trial {i} of {n}")
        v = fn(cfg)
        searcher.on_complete(str(i), {"loss": v}, False)
        out.append((cfg, v))
    return out
