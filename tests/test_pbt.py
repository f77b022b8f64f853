"""Tests of the Population Based Training scheduler (pure logic, no Ray)."""

from __future__ import annotations

import json
import math
from types import MappingProxyType
from typing import Any

import numpy as np
import pytest

from raytune_lite.checkpoint import Checkpoint
from raytune_lite.schedulers.base import Action, Decision
from raytune_lite.schedulers.pbt import PBT
from raytune_lite.space import choice, loguniform, randint, uniform
from raytune_lite.testing import check_scheduler
from raytune_lite.trial import TrialSnapshot, TrialStatus

MUTATIONS = {"lr": loguniform(1e-4, 1e-1), "layers": randint(1, 6), "act": choice(["a", "b", "c"])}


def snap(
    tid: str,
    config: dict[str, Any],
    *,
    ckpt: bool = True,
    status: TrialStatus = TrialStatus.RUNNING,
) -> TrialSnapshot:
    return TrialSnapshot(
        trial_id=tid,
        config=MappingProxyType(dict(config)),
        status=status,
        num_results=0,
        last_result=None,
        checkpoint=Checkpoint(f"/ckpt/{tid}") if ckpt else None,
        attempts=1,
        resources=MappingProxyType({"cpu": 1.0}),
    )


def config(i: int) -> dict[str, Any]:
    return {"lr": 1e-3 * (i + 1), "layers": 3, "act": "b", "other": i}


def make_pbt(**kw: Any) -> PBT:
    args: dict[str, Any] = {"perturbation_interval": 4, "hyperparam_mutations": MUTATIONS}
    p = PBT(**{**args, **kw})
    p.setup("loss", "min", seed=0)
    return p


def report_all(
    p: PBT,
    losses: dict[str, float],
    t: int,
    ckpt: bool = True,
    configs: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Decision]:
    return {
        tid: p.on_result(
            snap(tid, (configs or {}).get(tid, config(int(tid))), ckpt=ckpt),
            {"loss": v, "training_iteration": t},
        )
        for tid, v in losses.items()
    }


def test_conformance() -> None:
    check_scheduler(
        lambda: PBT(perturbation_interval=3, hyperparam_mutations={"i": randint(0, 30)})
    )
    check_scheduler(
        lambda: PBT(
            perturbation_interval=1,
            quantile_fraction=0.5,
            resample_probability=1.0,
            hyperparam_mutations={"i": [0, 1, 2, 3]},
        )
    )


def test_bottom_trial_exploits_a_top_one_at_the_interval() -> None:
    p = make_pbt()
    losses = {"0": 0.1, "1": 0.5, "2": 0.6, "3": 0.9}
    for tid in losses:
        p.on_add(snap(tid, config(int(tid))))
    for t in (1, 2, 3):
        assert all(d is Decision.CONTINUE for d in report_all(p, losses, t).values())
    decisions = report_all(p, losses, 4)
    # the worst trial reports last, when all four have reached t=4: it copies the best
    d = decisions["3"]
    assert d.action is Action.EXPLOIT and d.donor == "0"
    assert d.checkpoint == Checkpoint("/ckpt/0")
    assert d.config is not None and d.config["other"] == 0  # donor's config, explored
    assert d.config["lr"] != config(0)["lr"] or d.config["act"] != "b"
    assert decisions["0"].action is Action.CONTINUE and decisions["1"].action is Action.CONTINUE
    assert p.history["3"] == [{"time": 4.0, "donor": "0", "config": d.config}]
    # 0, 1 and 2 reached t=4 before all four had: they are judged at their next report; 2 is
    # now the worst at t=4 (3 took 0's state), so it exploits 0 or 3
    later = report_all(p, losses, 5)
    assert later["2"].action is Action.EXPLOIT and later["2"].donor in ("0", "3")
    assert all(later[x] is Decision.CONTINUE for x in ("0", "1", "3"))
    # then nothing until the next interval
    assert all(x is Decision.CONTINUE for x in report_all(p, losses, 6).values())


def test_only_trials_that_reached_the_point_are_compared() -> None:
    p = make_pbt()
    report_all(p, {"0": 0.1, "1": 0.2, "2": 0.3}, 1)
    # trial 3 is the first at t=4: no peer has got that far, so nothing to compare with
    assert report_all(p, {"3": 5.0}, 4)["3"] is Decision.CONTINUE
    assert all(d is Decision.CONTINUE for d in report_all(p, {"0": 0.1, "1": 0.2}, 4).values())
    assert report_all(p, {"2": 0.3}, 4)["2"] is Decision.CONTINUE  # 3 is the bottom one


def test_never_exploits_a_donor_without_checkpoint() -> None:
    p = make_pbt()
    report_all(p, {"0": 0.1, "1": 0.2, "2": 0.3}, 4, ckpt=False)
    assert report_all(p, {"3": 0.9}, 4)["3"] is Decision.CONTINUE
    report_all(p, {"0": 0.1}, 5)  # now the best has a checkpoint
    assert report_all(p, {"4": 0.9}, 4)["4"].donor == "0"


def test_trials_ahead_are_ranked_by_their_value_at_the_point() -> None:
    p = make_pbt()
    # trial 0 ran ahead: bad at t=4, good later; it is judged by its value at t=4
    report_all(p, {"0": 0.9}, 4)
    report_all(p, {"0": 0.01}, 6)
    report_all(p, {"1": 0.1, "2": 0.2}, 4)
    d = report_all(p, {"3": 0.5}, 4)["3"]
    assert d is Decision.CONTINUE  # 0 (0.9 at t=4) is the bottom one, not 3


def test_finished_trials_are_not_donors() -> None:
    p = make_pbt()
    report_all(p, {"0": 0.1, "1": 0.2, "2": 0.3}, 4)
    p.on_complete(snap("0", config(0), status=TrialStatus.TERMINATED))
    d = report_all(p, {"3": 0.9}, 4)["3"]
    assert d is Decision.CONTINUE  # the only top-quantile trial has finished
    d = report_all(p, {"4": 0.9}, 4)["4"]  # now 5 peers: still one per quantile
    assert d is Decision.CONTINUE


def test_nan_ranks_last_and_errored_trials_are_not_donors() -> None:
    p = make_pbt()
    # worst first: nobody is exploited while fewer than 1 / quantile_fraction have reported
    decisions = report_all(p, {"3": 0.4, "2": 0.3, "1": 0.2, "0": 0.1}, 4)
    assert all(d is Decision.CONTINUE for d in decisions.values())
    p.on_complete(snap("0", config(0), status=TrialStatus.ERROR))
    d = report_all(p, {"4": math.nan}, 4)["4"]
    assert d.action is Action.EXPLOIT and d.donor == "1"


def test_max_mode() -> None:
    p = PBT(perturbation_interval=2, hyperparam_mutations=MUTATIONS)
    p.setup("acc", "max", seed=0)
    for tid, acc in (("0", 0.9), ("1", 0.5), ("2", 0.4)):
        p.on_result(snap(tid, config(int(tid))), {"acc": acc, "training_iteration": 2})
    d = p.on_result(snap("3", config(3)), {"acc": 0.1, "training_iteration": 2})
    assert d.action is Action.EXPLOIT and d.donor == "0"


def test_perturbation_stays_within_bounds() -> None:
    p = make_pbt(resample_probability=0.0)
    for base in ({"lr": 0.1, "layers": 5, "act": "c"}, {"lr": 1e-4, "layers": 1, "act": "a"}):
        for _ in range(50):
            new = p.explore(base)
            assert 1e-4 <= new["lr"] <= 0.1 and 1 <= new["layers"] <= 5
            assert isinstance(new["layers"], int) and new["act"] in ("a", "b", "c")
    mid = {"lr": 0.01, "layers": 3, "act": "b"}
    seen_lr, seen_layers, seen_act = set(), set(), set()
    for _ in range(50):
        new = p.explore(mid)
        seen_lr.add(round(new["lr"], 12))
        seen_layers.add(new["layers"])
        seen_act.add(new["act"])
    assert seen_lr == {0.008, 0.012}  # x0.8 or x1.2
    assert seen_layers == {2, 4}  # rounded, at least one step
    assert seen_act == {"a", "c"}  # a neighbour


def test_resample_probability_one_draws_from_the_domain() -> None:
    p = make_pbt(
        resample_probability=1.0, hyperparam_mutations={"opt/lr": uniform(0.5, 0.6), "bs": [16, 32]}
    )
    lrs = []
    for _ in range(30):
        new = p.explore({"opt": {"lr": 100.0, "m": 0.9}, "bs": 64})
        assert 0.5 <= new["opt"]["lr"] <= 0.6 and new["bs"] in (16, 32)
        assert new["opt"]["m"] == 0.9
        lrs.append(new["opt"]["lr"])
    assert len(set(lrs)) > 20  # fresh draws, not a perturbation of 100.0


def test_nested_mutation_dicts_and_callables() -> None:
    p = make_pbt(
        resample_probability=0.0, hyperparam_mutations={"opt": {"lr": lambda: 0.5}, "n": lambda: 7}
    )
    new = p.explore({"opt": {"lr": 1.0}, "n": 10})
    assert new["opt"]["lr"] in (0.8, 1.2) and new["n"] in (8, 12)
    assert p.explore({"opt": {}})["n"] == 7  # missing keys are drawn


def test_seeding_and_state_round_trip() -> None:
    def run(seed: int, save_at: int | None = None) -> list[tuple[str, str, Any]]:
        p = PBT(perturbation_interval=2, hyperparam_mutations=MUTATIONS)
        p.setup("loss", "min", seed=seed)
        rng = np.random.default_rng(0)
        cfgs = {str(i): config(i) for i in range(8)}
        out = []
        for t in range(1, 13):
            if save_at == t:
                saved = json.loads(json.dumps(p.state()))
                p = PBT(perturbation_interval=2, hyperparam_mutations=MUTATIONS)
                p.setup("loss", "min", seed=12345)
                p.load_state(saved)
            for tid in rng.permutation(8):
                tid = str(tid)
                d = p.on_result(
                    snap(tid, cfgs[tid]), {"loss": float(rng.random()), "training_iteration": t}
                )
                if d.action is Action.EXPLOIT:
                    assert d.config is not None
                    cfgs[tid] = d.config
                out.append((tid, d.action.value, json.dumps(d.config, sort_keys=True)))
        return out

    a = run(1)
    assert any(x[1] == "EXPLOIT" for x in a)
    assert a == run(1) and a == run(1, save_at=7)
    assert a != run(2)


def test_sync_policy_and_checkpoints() -> None:
    p = make_pbt(time_attr="epoch", perturbation_interval=3)
    pol = p.sync_policy()
    assert pol.time_attr == "epoch" and pol.interval == 3.0 and not pol.never
    assert PBT.needs_checkpoints


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"perturbation_interval": 0}, "perturbation_interval"),
        ({"quantile_fraction": 0.7}, "quantile_fraction"),
        ({"resample_probability": 1.5}, "resample_probability"),
        ({"hyperparam_mutations": {}}, "hyperparam_mutations"),
        ({"hyperparam_mutations": {"lr": 3}}, "hyperparam_mutations"),
        ({"perturbation_factors": (0.8, -1)}, "perturbation_factors"),
        ({"synch": True}, "synch"),
        ({"time_attr": ""}, "time_attr"),
    ],
)
def test_validation(kwargs: dict[str, Any], match: str) -> None:
    args: dict[str, Any] = {"hyperparam_mutations": MUTATIONS, **kwargs}
    with pytest.raises(ValueError, match=match):
        PBT(**args)
