"""Repeats with seeds: search.Repeated and Tuner(repeats=...)."""

from __future__ import annotations

import json
from typing import Any

import pytest

import raytune_lite as rt
from raytune_lite.search import TPE, BasicSearch, Repeated
from raytune_lite.search.repeated import aggregate
from raytune_lite.trial import Mode


class _Recorder(BasicSearch):
    """A BasicSearch that records what it is told on completion."""

    def __init__(self) -> None:
        super().__init__()
        self.told: list[tuple[str, float | None, bool]] = []

    def on_complete(self, trial_id: str, row: dict[str, Any] | None, error: bool) -> None:
        self.told.append((trial_id, None if row is None else row.get("loss"), error))


def test_each_config_runs_with_common_seeds_and_the_inner_searcher_hears_the_mean() -> None:
    inner = _Recorder()
    r = Repeated(inner, repeats=3)
    r.setup(rt.Space({"x": rt.uniform(0, 1)}), "loss", "min", seed=0, num_samples=2)
    configs = [r.suggest(f"{i:05d}") for i in range(6)]
    assert [c["seed"] for c in configs] == [0, 1, 2, 0, 1, 2]  # type: ignore[index]
    assert len({c["x"] for c in configs}) == 2  # type: ignore[index]
    assert r.trial_info("00004") == {"config_id": "00003", "repeat": 1}
    for i, loss in enumerate([1.0, 2.0, 6.0]):
        r.on_complete(f"{i:05d}", {"loss": loss, "training_iteration": 1}, False)
    assert inner.told == [("00000", 3.0, False)]
    for i in (3, 4, 5):  # every repeat of the second config fails
        r.on_complete(f"{i:05d}", None, True)
    assert inner.told[-1] == ("00003", None, True)
    assert r.suggest("00006") is rt.search.FINISHED


def test_robust_ranking_moves_the_mean_towards_worse() -> None:
    assert aggregate([1.0, 3.0], 0.0, Mode.MIN) == 2.0
    assert aggregate([1.0, 3.0], 1.0, Mode.MIN) == 3.0
    assert aggregate([1.0, 3.0], 1.0, Mode.MAX) == 1.0
    assert aggregate([None, float("nan")], 1.0, Mode.MIN) is None


def test_conformance_of_a_repeated_tpe_and_its_state_round_trip() -> None:
    space = rt.Space({"x": rt.uniform(0, 1), "act": rt.choice(["a", "b"])})

    def run(r: Repeated, n: int) -> list[dict[str, Any]]:
        out = []
        for i in range(n):
            cfg = r.suggest(f"{i:05d}")
            assert isinstance(cfg, dict)
            out.append(cfg)
            r.on_complete(f"{i:05d}", {"loss": cfg["x"] + cfg["seed"] / 10}, False)
        return out

    a, b = Repeated(TPE(n_startup_trials=2), 2), Repeated(TPE(n_startup_trials=2), 2)
    for s in (a, b):
        s.setup(space, "loss", "min", seed=7, num_samples=-1)
    assert run(a, 10) == run(b, 10)  # same seed, same suggestions
    saved = json.loads(json.dumps(a.state()))
    c = Repeated(TPE(n_startup_trials=2), 2)
    c.setup(space, "loss", "min", seed=1, num_samples=-1)
    c.load_state(saved)
    assert c.suggest("next") == a.suggest("next")


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Repeated("tpe", 2), "needs a raytune_lite Searcher"),  # type: ignore[arg-type]
        (lambda: Repeated(BasicSearch(), 0), "repeats must be an int >= 1"),
        (lambda: Repeated(BasicSearch(), 2, robust_k=-1), "robust_k must be a finite number"),
    ],
)
def test_bad_arguments_are_named(make: Any, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        make()


def test_a_space_with_its_own_seed_key_is_refused() -> None:
    r = Repeated(BasicSearch(), 2)
    with pytest.raises(ValueError, match="already has a 'seed' key"):
        r.setup(rt.Space({"seed": rt.randint(0, 9)}), "loss", "min", seed=0)


def noisy(config: dict[str, Any]) -> None:
    rt.report({"loss": config["x"] + 0.01 * rt.get_seed()})  # type: ignore[operator]


@pytest.mark.ray
def test_repeats_through_the_tuner_rank_configs_by_their_mean(ray_local: Any, storage: str) -> None:
    results = rt.Tuner(
        noisy, {"x": rt.grid([0.0, 1.0])}, metric="loss", num_samples=1, repeats=3,
        storage_path=storage, verbose=0, seed=0,
    ).fit()  # fmt: skip
    assert len(results) == 6
    df = results.dataframe()
    assert sorted(df["config/seed"]) == [0, 0, 1, 1, 2, 2]
    assert set(df["mean_loss"].round(6)) == {0.01, 1.01}
    table = results.repeats()
    assert list(table["n"]) == [3, 3]
    assert results.best.config["x"] == 0.0
