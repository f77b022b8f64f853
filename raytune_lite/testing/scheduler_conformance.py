"""Conformance checks for :class:`~raytune_lite.schedulers.base.Scheduler` implementations."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable

import numpy as np

from raytune_lite.checkpoint import Checkpoint
from raytune_lite.schedulers.base import Action, Decision, Scheduler
from raytune_lite.trial import Mode, ModeName, Trial, TrialStatus


class _Sim:
    """A tiny single-process stand-in for the controller's bookkeeping (no Ray)."""

    def __init__(
        self, n_trials: int, max_t: int, concurrency: int, seed: int, mode: Mode | ModeName
    ):
        self.rng = np.random.default_rng(seed)
        self.max_t = max_t
        self.concurrency = concurrency
        self.mode = Mode.parse(mode)
        self.trials: dict[str, Trial] = {}
        self.iteration: dict[str, int] = {}
        self.todo = [f"{i:05d}" for i in range(n_trials)]
        self.log: list[tuple[str, str, str]] = []

    def curve(self, tid: str, t: int) -> float:
        q = 0.2 + int(tid) * 0.37 % 1.0
        v = q + 1.0 / (1 + t) + 0.01 * math.sin(int(tid) + t)
        return v if self.mode is Mode.MIN else -v

    def running(self) -> list[str]:
        return [t for t, tr in self.trials.items() if tr.status is TrialStatus.RUNNING]

    def step(self, s: Scheduler) -> bool:
        """One event; returns False when everything has ended."""
        if len(self.running()) < self.concurrency:
            s.set_capacity(self.concurrency, len(self.todo))
            rid = s.next_to_resume()
            if rid is not None:
                tr = self.trials.get(rid)
                assert tr is not None and tr.status is TrialStatus.PAUSED, (
                    f"next_to_resume returned {rid!r}, which is not a paused trial"
                )
                tr.status = TrialStatus.RUNNING
                d = s.on_resume(tr.snapshot())
                assert isinstance(d, Decision), f"on_resume must return a Decision; got {d!r}"
                if d.action is Action.EXPLOIT:
                    self._exploit(tid=rid, d=d)
                self.log.append((rid, "resume", d.action.value))
                return True
            if self.todo:
                tid = self.todo.pop(0)
                tr = Trial(tid, {"i": int(tid)}, {"cpu": 1.0}, status=TrialStatus.RUNNING)
                self.trials[tid] = tr
                self.iteration[tid] = 0
                s.on_add(tr.snapshot())
                return True
        running = self.running()
        if not running:
            for tr in self.trials.values():  # leftovers end as stopped early
                if tr.status is TrialStatus.PAUSED:
                    tr.status = TrialStatus.STOPPED_EARLY
                    s.on_complete(tr.snapshot())
            return False
        tid = running[int(self.rng.integers(len(running)))]
        tr = self.trials[tid]
        self.iteration[tid] += 1
        t = self.iteration[tid]
        row = {"loss": self.curve(tid, t), "training_iteration": t}
        tr.checkpoint = Checkpoint(f"/ckpt/{tid}/{t}")
        tr.observe(row, "loss", self.mode)
        d = s.on_result(tr.snapshot(), dict(row))
        assert isinstance(d, Decision), f"on_result must return a Decision; got {d!r}"
        self.log.append((tid, d.action.value, str(t)))
        if d.action in (Action.STOP, Action.COMPLETE) or t >= self.max_t:
            # max_t is the stop criterion: it ends the trial whatever the decision was
            tr.status = (
                TrialStatus.STOPPED_EARLY if d.action is Action.STOP else TrialStatus.TERMINATED
            )
            s.on_complete(tr.snapshot())
        elif d.action is Action.PAUSE:
            tr.status = TrialStatus.PAUSED
        elif d.action is Action.EXPLOIT:
            self._exploit(tid, d)
        return True

    def _exploit(self, tid: str, d: Decision) -> None:
        assert d.donor in self.trials and d.donor != tid, f"bad exploit donor {d.donor!r}"
        assert isinstance(d.config, dict)
        donor = self.trials[d.donor]
        assert d.checkpoint is not None and not donor.status.is_finished, "exploits a live donor"
        tr = self.trials[tid]
        tr.config = copy.deepcopy(d.config)
        self.iteration[tid] = self.iteration[d.donor]  # it continues from the donor's state


def check_scheduler(
    make: Callable[[], Scheduler], n_trials: int = 20, max_t: int = 27, concurrency: int = 4
) -> None:
    """Asserts the scheduler contract. ``make`` builds a fresh, un-setup scheduler.

    Drives add -> results -> complete in random event orders, for min and max; every answer
    is a Decision, next_to_resume only names paused trials, every trial ends; state() is
    JSON-able mid-way, and a fresh instance that loads it makes the same decisions.
    """
    for mode in ("min", "max"):
        for seed in range(3):
            s = make()
            s.setup("loss", mode, seed=seed)
            json.dumps(s.sync_policy().__dict__)
            sim = _Sim(n_trials, max_t, concurrency, seed, mode)
            steps = 0
            while sim.step(s):
                steps += 1
                assert steps < 100_000, "the scheduler never lets the experiment end"
            assert all(tr.status.is_finished for tr in sim.trials.values())
            assert len(sim.trials) == n_trials

    # state mid-way: a fresh scheduler loading it decides exactly like the original
    s = make()
    s.setup("loss", "min", seed=0)
    sim = _Sim(n_trials, max_t, concurrency, seed=7, mode="min")
    for _ in range(n_trials * max_t // 3):
        if not sim.step(s):
            break
    saved = json.loads(json.dumps(s.state()))
    twin = make()
    twin.setup("loss", "min", seed=0)
    twin.load_state(saved)
    sim_twin = copy.deepcopy(sim)
    sim.log.clear()
    sim_twin.log.clear()
    while sim.step(s):
        pass
    while sim_twin.step(twin):
        pass
    assert sim.log == sim_twin.log, "a scheduler restored from state() decided differently"
