"""Staged coarse-to-fine search (no Ray, but for one end-to-end run through the Tuner)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

import raytune_lite as rt
from raytune_lite.search import FINISHED, TPE, BasicSearch, Narrow, Staged
from raytune_lite.testing import check_searcher
from raytune_lite.testing.searcher_conformance import drive


def _staged(first: int = 6, second: int = 30) -> Staged:
    return Staged([(BasicSearch(), first), (TPE(n_startup_trials=3), second)])


def test_conformance() -> None:
    check_searcher(_staged)


def test_each_stage_suggests_its_trials_then_the_search_finishes() -> None:
    s = _staged(4, 3)
    s.setup(rt.Space({"x": rt.uniform(0, 10)}), "loss", "min", seed=0, num_samples=-1)
    ids = [f"{i:05d}" for i in range(8)]
    for tid in ids[:4]:
        assert isinstance(s.suggest(tid), dict)
        assert s.trial_info(tid) == {"stage": 0}
    assert s.suggest(ids[4]) is None  # stage 1 waits for stage 0's results
    for i, tid in enumerate(ids[:4]):
        s.on_complete(tid, {"loss": float(i)}, False)
    for tid in ids[4:7]:
        assert isinstance(s.suggest(tid), dict)
        assert s.trial_info(tid) == {"stage": 1}
    assert s.suggest(ids[7]) is None  # the last stage's trials are still running
    for tid in ids[4:7]:
        s.on_complete(tid, {"loss": 9.0}, False)
    assert s.suggest(ids[7]) is FINISHED


def test_the_second_stage_searches_the_narrowed_space_around_the_best() -> None:
    space = {"x": rt.uniform(-10, 10), "lr": rt.loguniform(1e-6, 1.0)}

    def fn(cfg: dict[str, Any]) -> float:
        return (cfg["x"] - 3) ** 2 + (math.log10(cfg["lr"]) + 3) ** 2

    s = Staged([(BasicSearch(), 30), (BasicSearch(), 20)], narrow=Narrow(top_k=5, margin=0.1))
    history = drive(s, space, fn, n=50, seed=1)
    first, second = history[:30], history[30:]
    top = sorted(first, key=lambda cv: cv[1])[:5]
    lo, hi = min(c["x"] for c, _ in top), max(c["x"] for c, _ in top)
    span = max(hi - lo, 0.05 * 20)
    assert all(lo - 0.6 * span <= c["x"] <= hi + 0.6 * span for c, _ in second)
    # a narrowed random search is better on the whole than the coarse one
    assert sorted(v for _, v in second)[len(second) // 2] < sorted(v for _, v in first)[15]


def test_same_seed_same_suggestions_and_state_round_trip() -> None:
    space = {"x": rt.uniform(0, 1), "act": rt.choice(["a", "b", "c"])}
    a = drive(_staged(5, 10), space, lambda c: c["x"], n=15, seed=4)
    b = drive(_staged(5, 10), space, lambda c: c["x"], n=15, seed=4)
    assert a == b
    s = _staged(5, 10)
    drive(s, space, lambda c: c["x"], n=8, seed=4)
    saved = json.loads(json.dumps(s.state()))
    t = _staged(5, 10)
    t.setup(rt.Space(space), "loss", "min", seed=123)
    t.load_state(saved)
    assert t.stage == 1 and t.suggest("x") == s.suggest("x")


@pytest.mark.parametrize(
    "stages, message",
    [
        ([], "non-empty list"),
        ([(BasicSearch(), 0)], "n_trials must be an int >= 1"),
        ([("tpe", 5)], "must be a raytune_lite Searcher"),
        ([(BasicSearch(), 5, 1)], r"must be a \(searcher, n_trials\) pair"),
    ],
)
def test_bad_stages_are_refused_by_name(stages: Any, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        Staged(stages)


def test_a_searcher_cannot_serve_two_stages() -> None:
    b = BasicSearch()
    with pytest.raises(ValueError, match="stage 1 reuses the searcher"):
        Staged([(b, 3), (b, 3)])


def loss_of_x(config: dict[str, Any]) -> None:
    rt.report({"loss": (config["x"] - 2.0) ** 2})


@pytest.mark.ray
def test_each_trial_records_its_stage_in_the_dataframe(ray_local: Any, storage: str) -> None:
    searcher = Staged([(BasicSearch(), 6), (BasicSearch(), 4)], narrow=Narrow(top_k=2))
    results = rt.Tuner(
        loss_of_x, {"x": rt.uniform(-10, 10)}, metric="loss", num_samples=10,
        searcher=searcher, storage_path=storage, verbose=0, seed=0,
    ).fit()  # fmt: skip
    df = results.dataframe().sort_values("trial_id")
    assert list(df["stage"]) == [0] * 6 + [1] * 4
    assert df[df["stage"] == 1]["loss"].median() < df[df["stage"] == 0]["loss"].median()
