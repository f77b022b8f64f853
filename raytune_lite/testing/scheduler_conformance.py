"""Conformance checks for :class:`~raytune_lite.schedulers.base.Scheduler` implementations,
and a Ray-free driver that runs a scheduler on given learning curves (:func:`run_on_curves`),
with seeded curves that cross (:func:`crossing_losses`) to test it on."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from raytune_lite.checkpoint import Checkpoint
from raytune_lite.schedulers.base import Action, Decision, Scheduler
from raytune_lite.trial import Mode, ModeName, Trial, TrialStatus


class _Sim:
    """A tiny single-process stand-in for the controller's bookkeeping (no Ray)."""

    def __init__(
        self,
        n_trials: int,
        max_t: int,
        concurrency: int,
        seed: int,
        mode: Mode | ModeName,
        values: np.ndarray | None = None,
    ):
        self.values = values  # values[i, t - 1]: what trial i reports at t (else curve())
        self.rng = np.random.default_rng(seed)
        self.max_t = max_t
        self.concurrency = concurrency
        self.mode = Mode.parse(mode)
        self.trials: dict[str, Trial] = {}
        self.iteration: dict[str, int] = {}
        self.todo = [f"{i:05d}" for i in range(n_trials)]
        self.log: list[tuple[str, str, str]] = []

    def curve(self, tid: str, t: int) -> float:
        if self.values is not None:
            return float(self.values[int(tid), t - 1])
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


def crossing_losses(
    n: int, max_t: int, seed: int, tau0: float = 2.0, noise: float = 0.01
) -> tuple[np.ndarray, np.ndarray]:
    """Seeded learning curves that cross: ``(u, losses)``, ``losses[i, t - 1]`` being what
    configuration ``i`` reports at ``t``.

    Configuration ``i`` has a log learning rate ``u[i]`` drawn uniformly in [0, 1]; its loss
    decays as ``floor + (1 - floor) / (1 + t / tau) ** 2`` with ``tau = tau0 * 100 ** -u``
    towards ``floor = 0.03 + 0.5 * (u - 0.3) ** 2``, times ``exp(noise * N(0, 1))``. The
    large rates lead early; the best final loss belongs to a rather small rate that starts
    slowly (the larger ``tau0``, the later the curves cross).

    Example:
        >>> from raytune_lite.testing import crossing_losses
        >>> u, losses = crossing_losses(27, 27, seed=0)
        >>> winner = int(losses[:, -1].argmin())
        >>> bool(losses[winner, 0] > sorted(losses[:, 0])[9])  # not in the best third at t=1
        True
    """
    rng = np.random.default_rng(seed)
    u = rng.uniform(0.0, 1.0, n)
    tau = tau0 * 100.0 ** (-u)
    floor = 0.03 + 0.5 * (u - 0.3) ** 2
    t = np.arange(1, max_t + 1, dtype=float)
    clean = floor[:, None] + (1 - floor[:, None]) / (1 + t[None, :] / tau[:, None]) ** 2
    return u, clean * np.exp(noise * rng.standard_normal((n, max_t)))


@dataclass(frozen=True)
class CurveRun:
    """What a scheduler did on given curves (see :func:`run_on_curves`)."""

    trained: dict[int, int]  #: steps trained, by configuration
    finals: dict[int, float]  #: last value of the configurations that trained every step

    @property
    def steps(self) -> int:
        """Steps trained over all configurations."""
        return sum(self.trained.values())


def run_on_curves(
    make: Callable[[], Scheduler],
    values: np.ndarray,
    concurrency: int = 4,
    seed: int = 0,
    mode: Mode | ModeName = "min",
) -> CurveRun:
    """Drives a fresh scheduler from ``make`` over trial ``i`` reporting ``values[i, t - 1]``
    at ``training_iteration = t`` (trials created in order, ``concurrency`` at a time, each
    step of a running trial picked at random with ``seed``), as the controller would; trials
    end at ``values.shape[1]``.

    Example:
        >>> from raytune_lite.schedulers.asha import ASHA
        >>> from raytune_lite.testing import crossing_losses, run_on_curves
        >>> _, losses = crossing_losses(27, 27, seed=0)
        >>> run = run_on_curves(lambda: ASHA(max_t=27), losses)
        >>> run.steps < 27 * 27 and len(run.finals) >= 1
        True
    """
    n, max_t = values.shape
    s = make()
    s.setup("loss", mode, seed=seed)
    sim = _Sim(n, max_t, concurrency, seed, mode, values=values)
    steps = 0
    while sim.step(s):
        steps += 1
        assert steps < 100 * n * max_t, "the scheduler never lets the experiment end"
    trained = {int(tid): t for tid, t in sim.iteration.items()}
    finals = {i: float(values[i, -1]) for i, t in trained.items() if t >= max_t}
    return CurveRun(trained, finals)
