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
    # 0, 1 and 2 reached t=4 before all four had: they are judged at their next report,
    # against what each had at t=4 (3's own 0.9 stays the worst: no cascade of exploits)
    later = report_all(p, losses, 5)
    assert all(d is Decision.CONTINUE for d in later.values())
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


# -- time-sharing and same-point judging, on a simulated clock (no Ray) ----------------------


class Clock:
    """A stand-in for the controller: ``slots`` trials run at once; each reports one
    iteration every ``speed[tid]`` time units; rows carry a checkpoint of the trial's state.
    PAUSE frees the slot; EXPLOIT restarts the trial from the donor's state at once."""

    def __init__(self, p: PBT, n: int, slots: int, iters: int, speed: dict[str, float]):
        self.p, self.slots, self.iters, self.speed = p, slots, iters, speed
        self.now = 0.0
        self.todo = [str(i) for i in range(n)]
        self.cfg: dict[str, dict[str, Any]] = {}
        self.it: dict[str, int] = {}
        self.w: dict[str, float] = {}  # the trained "weights"
        self.status: dict[str, TrialStatus] = {}
        self.due: dict[str, float] = {}  # running trial -> when it reports next
        self.scores: dict[tuple[str, int], float] = {}  # (trial, point) -> score there
        self.points_seen: list[tuple[str, int, dict[str, int]]] = []  # who was where
        #: (trial, point judged, donor, the scores there of the trials that had got there)
        self.exploits: list[tuple[str, int, str, dict[str, float]]] = []
        self.resumed: list[tuple[str, dict[str, int]]] = []

    def snap(self, tid: str) -> TrialSnapshot:
        s = snap(tid, self.cfg[tid], status=self.status[tid])
        return s

    def loss(self, tid: str) -> float:
        return 1.0 / (1.0 + self.w[tid])

    def point(self, tid: str) -> int:
        return self.it[tid] // int(self.p.perturbation_interval)

    def start(self, tid: str) -> None:
        self.status[tid] = TrialStatus.RUNNING
        self.due[tid] = self.now + self.speed[tid]

    def adopt(self, tid: str, d: Decision, point: int) -> None:
        assert d.donor is not None and d.config is not None
        assert self.status[d.donor] in (TrialStatus.RUNNING, TrialStatus.PAUSED)
        at_point = {t: v for (t, k), v in self.scores.items() if k == point}
        self.exploits.append((tid, point, d.donor, at_point))
        self.cfg[tid] = d.config
        self.it[tid], self.w[tid] = self.it[d.donor], self.w[d.donor]

    def fill(self) -> None:
        while len(self.due) < self.slots:
            self.p.set_capacity(self.slots, len(self.todo))
            rid = self.p.next_to_resume()
            if rid is not None:
                assert self.status[rid] is TrialStatus.PAUSED
                waiting = {t: self.it[t] for t, s in self.status.items() if s is TrialStatus.PAUSED}
                self.resumed.append((rid, waiting))
                d = self.p.on_resume(self.snap(rid))
                if d.action is Action.EXPLOIT:
                    self.adopt(rid, d, self.point(rid))
                self.start(rid)
            elif self.todo:
                tid = self.todo.pop(0)
                self.p.set_capacity(self.slots, len(self.todo))
                self.cfg[tid], self.it[tid], self.w[tid] = config(int(tid)), 0, 0.0
                self.status[tid] = TrialStatus.PENDING
                self.p.on_add(self.snap(tid))
                self.start(tid)
            else:
                return

    def run(self) -> None:
        while True:
            self.fill()
            if not self.due:
                assert not any(s is TrialStatus.PAUSED for s in self.status.values())
                return
            tid = min(self.due, key=lambda t: (self.due[t], t))
            self.now = self.due.pop(tid)
            self.it[tid] += 1
            self.w[tid] += self.cfg[tid]["lr"] * 100  # bigger lr, faster training
            k = self.point(tid)
            if self.it[tid] % int(self.p.perturbation_interval) == 0:
                self.scores[(tid, k)] = self.loss(tid)
                where = {t: self.point(t) for t, s in self.status.items() if not s.is_finished}
                self.points_seen.append((tid, k, where))
            row = {"loss": self.loss(tid), "training_iteration": self.it[tid]}
            d = self.p.on_result(self.snap(tid), row)
            if self.it[tid] >= self.iters:
                self.status[tid] = TrialStatus.TERMINATED
                self.p.on_complete(self.snap(tid))
            elif d.action is Action.PAUSE:
                self.status[tid] = TrialStatus.PAUSED
            elif d.action is Action.EXPLOIT:
                self.adopt(tid, d, k)
                self.start(tid)
            else:
                self.start(tid)


def clock(seed: int, slots: int = 2, n: int = 8, **kw: Any) -> Clock:
    rng = np.random.default_rng(seed)
    speed = {str(i): float(rng.uniform(0.5, 2.0)) for i in range(n)}
    p = make_pbt(hyperparam_mutations={"lr": loguniform(1e-4, 1e-1)}, **kw)
    c = Clock(p, n=n, slots=slots, iters=24, speed=speed)
    c.run()
    return c


@pytest.mark.parametrize("seed", range(5))
def test_a_population_larger_than_the_slots_advances_together(seed: int) -> None:
    c = clock(seed)
    # nobody reaches point k while a live trial has not reached point k - 2 (k - 1 but for
    # an exploit, which may copy a donor that is one point further on)
    for tid, k, where in c.points_seen:
        assert min(where.values()) >= k - 2, (tid, k, where)
    # the trial resumed is always one of the paused ones furthest behind
    for rid, waiting in c.resumed:
        assert waiting[rid] == min(waiting.values()), (rid, waiting)
    assert all(s is TrialStatus.TERMINATED for s in c.status.values())
    assert all(it == 24 for it in c.it.values())


@pytest.mark.parametrize("seed", range(5))
def test_time_shared_trials_are_judged_against_the_same_point(seed: int) -> None:
    c = clock(seed)
    assert c.exploits, "a time-shared population must exploit"
    for tid, k, donor, at_k in c.exploits:
        assert len(at_k) >= 4  # at least 1 / quantile_fraction and half of the live ones
        assert c.scores[(donor, k)] < c.scores[(tid, k)]
        worse = sum(v > c.scores[(tid, k)] for v in at_k.values())
        assert worse < 2  # the exploiter was in the bottom floor(0.25 * 8) at that point


def test_the_exploit_count_hardly_depends_on_arrival_order() -> None:
    counts = [len(clock(seed).exploits) for seed in range(8)]
    assert min(counts) > 0 and max(counts) <= 2 * min(counts), counts


def test_nothing_is_paused_when_the_population_fits() -> None:
    c = clock(0, slots=8)
    assert not c.resumed and c.exploits
    assert all(it == 24 for it in c.it.values())


def test_without_time_sharing_the_population_runs_in_waves_and_a_warning_says_so() -> None:
    with pytest.warns(RuntimeWarning, match="time_sharing=False"):
        c = clock(0, time_sharing=False)
    assert not c.resumed
    assert len(c.exploits) < len(clock(0).exploits)


def test_a_trial_without_checkpoint_is_not_paused() -> None:
    p = make_pbt()
    p.set_capacity(1, 3)  # three more trials to come: the running one would be paused
    p.on_add(snap("0", config(0), ckpt=False))
    with pytest.warns(RuntimeWarning, match="no checkpoint"):
        d = p.on_result(snap("0", config(0), ckpt=False), {"loss": 1.0, "training_iteration": 4})
    assert d is Decision.CONTINUE
    d = p.on_result(snap("0", config(0)), {"loss": 1.0, "training_iteration": 8})
    assert d is Decision.PAUSE


def test_new_trials_start_before_paused_ones_resume() -> None:
    p = make_pbt()
    p.set_capacity(1, 1)
    p.on_add(snap("0", config(0)))
    assert p.on_result(snap("0", config(0)), {"loss": 1, "training_iteration": 4}).action.name == (
        "PAUSE"
    )
    assert p.next_to_resume() is None  # trial 1 is still to come: it goes first
    p.on_add(snap("1", config(1)))
    p.set_capacity(1, 0)
    assert p.next_to_resume() == "0"  # nothing else is waiting
    assert p.next_to_resume() is None
    # a searcher that says "not now": asked twice with no trial added, the paused one resumes
    p.set_capacity(1, 5)
    assert p.on_result(snap("1", config(1)), {"loss": 1, "training_iteration": 4}) is (
        Decision.PAUSE
    )
    assert p.next_to_resume() is None and p.next_to_resume() == "1"


def test_a_trial_that_runs_ahead_is_judged_once_the_others_catch_up() -> None:
    p = make_pbt()
    # trial 0 runs ahead through three points while the others are still before the first
    for t in (4, 8, 12):
        assert report_all(p, {"0": 5.0}, t)["0"] is Decision.CONTINUE
    report_all(p, {"1": 0.1, "2": 0.2, "3": 0.3}, 4)
    # at its next report it is judged at the latest point that is ready (4): the worst there
    d = report_all(p, {"0": 5.0}, 13)["0"]
    assert d.action is Action.EXPLOIT and d.donor == "1"


@pytest.mark.parametrize(
    "bounds, low_times_08, int_low_down",
    [("reflect", 1e-4 / 0.8, 2), ("clip", 1e-4, 1), ("ignore", 1e-4 * 0.8, 1)],
)
def test_perturbation_at_a_bound(bounds: str, low_times_08: float, int_low_down: int) -> None:
    p = make_pbt(resample_probability=0.0, perturbation_factors=(0.8,), bounds=bounds)
    new = p.explore({"lr": 1e-4, "layers": 1, "act": "a"})
    assert math.isclose(new["lr"], low_times_08)
    if bounds == "ignore":  # Ray Tune's: a multiplied int is rounded, here to 1
        assert new["layers"] == 1
    else:
        assert new["layers"] == int_low_down
    assert new["act"] == ("b" if bounds == "reflect" else "a")


def test_bounds_validation() -> None:
    with pytest.raises(ValueError, match="bounds"):
        make_pbt(bounds="wrap")
    with pytest.raises(ValueError, match="time_sharing"):
        make_pbt(time_sharing="yes")


def test_state_round_trip_while_time_sharing_with_no_sample_limit() -> None:
    p = make_pbt()
    p.set_capacity(2, math.inf)  # num_samples=-1: trials keep coming
    p.on_add(snap("0", config(0)))
    assert p.on_result(snap("0", config(0)), {"loss": 1, "training_iteration": 4}) is (
        Decision.PAUSE
    )
    saved = json.loads(json.dumps(p.state(), allow_nan=False))
    twin = make_pbt()
    twin.load_state(saved)
    assert twin.next_to_resume() is None and twin.next_to_resume() == "0"
    assert p.next_to_resume() is None and p.next_to_resume() == "0"
