"""Learning curves that cross, and an event-driven simulation that runs schedulers on them.

The curves (:func:`crossing_curves`) model a learning-rate sweep: each configuration has a
log learning rate ``u`` in [0, 1]; a large one learns fast but levels off high, a small one
learns slowly towards a low floor, and the best final loss belongs to a rather small rate
that is mediocre for the first epochs. So early leaders are not the final winners. Each epoch
adds seeded multiplicative noise (a noisy validation set), and each trial has its own epoch
time (seeded), so the order in which trials reach a rung changes with the seed.

:func:`simulate_ours` drives one of raytune_lite's schedulers through its plugin interface
(``on_add`` / ``on_result`` / ``on_complete`` / ``next_to_resume``, in the order the
controller calls them), :func:`simulate_ray` one of Ray Tune's through its own
(``on_trial_add`` / ``on_trial_result`` / ``on_trial_complete`` / ``choose_trial_to_run``,
with a small stand-in for the parts of Ray's ``TuneController`` they call). Both run
``slots`` trials at once on a simulated clock with the same epoch times; nothing sleeps and
no Ray cluster starts, so the figures (epochs, final losses) are exact and repeatable.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

METRIC = "val_loss"
TIME = "training_iteration"


@dataclass(frozen=True)
class Curves:
    """``loss[i, t - 1]``: what configuration ``i`` reports after epoch ``t``;
    ``epoch_s[i, t - 1]``: how long that epoch takes on the simulated clock."""

    u: np.ndarray
    loss: np.ndarray
    epoch_s: np.ndarray

    @property
    def n(self) -> int:
        return int(self.loss.shape[0])

    @property
    def epochs(self) -> int:
        return int(self.loss.shape[1])


#: The two families of curves the benchmark runs: the time constant of the slowest rate.
FAMILIES = {"crossing": 2.0, "crossing late": 8.0}


def crossing_curves(
    n: int, epochs: int, seed: int, tau0: float = 2.0, noise: float = 0.01
) -> Curves:
    """``n`` seeded learning curves of ``epochs`` epochs whose ranking changes over time
    (:func:`raytune_lite.testing.crossing_losses`), with seeded epoch times.

    Configuration ``i`` has a log learning rate ``u`` drawn uniformly in [0, 1]. Its loss
    decays as ``floor + (1 - floor) / (1 + t / tau) ** 2`` with a time constant
    ``tau = tau0 * 100 ** -u`` epochs towards a floor ``0.03 + 0.5 * (u - 0.3) ** 2``, lowest
    at ``u = 0.3``: the large rates learn fastest, a rather small one ends best. Each
    reported value is multiplied by ``exp(noise * N(0, 1))``. With 81 configurations the
    final winner ranks about 40th after epoch 1, 13th after epoch 3 and 4th after epoch 9
    with ``tau0 = 2`` ("crossing"); about 60th, 45th and 20th with ``tau0 = 8`` ("crossing
    late", among the first 5 only after epoch 27). 2 to 5 configurations end within 2% of
    the best.
    """
    from raytune_lite.testing import crossing_losses

    u, loss = crossing_losses(n, epochs, seed, tau0=tau0, noise=noise)
    rng = np.random.default_rng([seed, 1])  # the epoch times
    speed = rng.lognormal(0.0, 0.3, n)  # some trials run on slower workers
    epoch_s = speed[:, None] * rng.lognormal(0.0, 0.1, (n, epochs))
    return Curves(u, loss, epoch_s)


@dataclass
class Outcome:
    """What one scheduler did on one set of curves."""

    epochs: int = 0  #: epochs trained, over all trials
    trained: dict[int, int] = field(default_factory=dict)  #: epochs per configuration
    finals: dict[int, float] = field(default_factory=dict)  #: last loss of complete trials

    def best_complete(self) -> float:
        """The best final loss of the trials that trained every epoch (nan if none did)."""
        return min(self.finals.values(), default=math.nan)


class _Clock:
    """Epoch completions in time order, over ``slots`` parallel workers."""

    def __init__(self, curves: Curves):
        self.curves = curves
        self.now = 0.0
        self.heap: list[tuple[float, int, int]] = []
        self.seq = itertools.count()
        self.done: dict[int, int] = {}  # configuration -> epochs done
        self.out = Outcome()

    def start(self, i: int) -> None:
        t = self.done.setdefault(i, 0)
        heapq.heappush(self.heap, (self.now + self.curves.epoch_s[i, t], next(self.seq), i))

    def next(self) -> tuple[int, int, float] | None:
        """The next epoch to complete: (configuration, epoch, loss), or None when idle."""
        if not self.heap:
            return None
        self.now, _, i = heapq.heappop(self.heap)
        self.done[i] += 1
        t = self.done[i]
        self.out.epochs += 1
        self.out.trained[i] = t
        loss = float(self.curves.loss[i, t - 1])
        if t == self.curves.epochs:
            self.out.finals[i] = loss
        return i, t, loss

    def drop(self, i: int) -> None:
        """Cancels configuration ``i``'s epoch in flight (it was stopped from outside)."""
        self.heap = [e for e in self.heap if e[2] != i]
        heapq.heapify(self.heap)


def simulate_fifo(curves: Curves) -> Outcome:
    """Every trial trains every epoch."""
    out = Outcome(epochs=curves.n * curves.epochs)
    out.trained = dict.fromkeys(range(curves.n), curves.epochs)
    out.finals = {i: float(curves.loss[i, -1]) for i in range(curves.n)}
    return out


def simulate_ours(make: Callable[[], Any], curves: Curves, slots: int, seed: int) -> Outcome:
    """Runs a raytune_lite scheduler as the controller does (resume first, then new trials)."""
    from raytune_lite.checkpoint import Checkpoint
    from raytune_lite.schedulers.base import Action
    from raytune_lite.trial import Mode, Trial, TrialStatus

    sched = make()
    sched.setup(METRIC, "min", seed=seed)
    clock = _Clock(curves)
    trials: dict[int, Trial] = {}
    todo = list(range(curves.n))
    running: set[int] = set()

    def fill() -> None:
        while len(running) < slots:
            sched.set_capacity(slots, len(todo))
            rid = sched.next_to_resume()
            if rid is not None:
                i = int(rid)
                assert trials[i].status is TrialStatus.PAUSED, f"resumes {rid}, not paused"
                trials[i].status = TrialStatus.RUNNING
                sched.on_resume(trials[i].snapshot())
            elif todo:
                i = todo.pop(0)
                trials[i] = Trial(str(i), {"u": float(curves.u[i])}, {"cpu": 1.0})
                trials[i].status = TrialStatus.RUNNING
                sched.on_add(trials[i].snapshot())
            else:
                return
            running.add(i)
            clock.start(i)

    def end(i: int, status: TrialStatus) -> None:
        trials[i].status = status
        running.discard(i)
        sched.on_complete(trials[i].snapshot())

    fill()
    while (ev := clock.next()) is not None:
        i, t, loss = ev
        tr = trials[i]
        row = {METRIC: loss, TIME: t}
        tr.observe(row, METRIC, Mode.MIN, checkpoint=f"/sim/{i}/{t}")
        tr.checkpoint = Checkpoint(f"/sim/{i}/{t}")
        action = sched.on_result(tr.snapshot(), dict(row)).action
        if action is Action.STOP:
            end(i, TrialStatus.STOPPED_EARLY)
        elif action is Action.COMPLETE or t >= curves.epochs:
            end(i, TrialStatus.TERMINATED)
        elif action is Action.PAUSE:
            tr.status = TrialStatus.PAUSED
            running.discard(i)
        else:
            clock.start(i)
        fill()
    for tr in trials.values():  # still paused when nothing else runs: stopped early
        if tr.status is TrialStatus.PAUSED:
            tr.status = TrialStatus.STOPPED_EARLY
            sched.on_complete(tr.snapshot())
    return clock.out


class _RayTrial:
    """What Ray Tune's schedulers read of a trial: its id, status and whether it is saving."""

    def __init__(self, i: int):
        self.trial_id = str(i)
        self.index = i
        self.status = "PENDING"
        self.is_saving = False
        self.last_result: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"Trial({self.trial_id})"


class _RayController:
    """The parts of Ray Tune's TuneController that its schedulers call."""

    def __init__(self, sched: Any, clock: _Clock, running: set[int]):
        self.sched = sched
        self.clock = clock
        self.running = running
        self.trials: list[_RayTrial] = []

    def get_trials(self) -> list[_RayTrial]:
        return list(self.trials)

    def get_live_trials(self) -> list[_RayTrial]:
        return [t for t in self.trials if t.status not in ("TERMINATED", "ERROR")]

    def stop_trial(self, trial: _RayTrial) -> None:
        """As TuneController.stop_trial: PENDING/PAUSED -> on_trial_remove, RUNNING ->
        on_trial_complete; then the trial is TERMINATED."""
        if trial.status in ("TERMINATED", "ERROR"):
            return
        if trial.status in ("PENDING", "PAUSED"):
            self.sched.on_trial_remove(self, trial)
        else:
            self.sched.on_trial_complete(self, trial, dict(trial.last_result))
            self.clock.drop(trial.index)
            self.running.discard(trial.index)
        trial.status = "TERMINATED"


def simulate_ray(
    make: Callable[[], Any], curves: Curves, slots: int, seed: int, pending: int = 16
) -> Outcome:
    """Runs a Ray Tune scheduler as Tune does: up to ``pending`` trials are created ahead
    (``on_trial_add``) and wait as PENDING; a free slot goes to ``choose_trial_to_run``."""
    np.random.seed(seed)  # Ray's ASHA draws brackets from numpy's global generator
    sched = make()
    sched.set_search_properties(METRIC, "min")
    clock = _Clock(curves)
    running: set[int] = set()
    ctl = _RayController(sched, clock, running)
    todo = list(range(curves.n))

    def fill() -> None:
        while todo and sum(t.status == "PENDING" for t in ctl.trials) < pending:
            tr = _RayTrial(todo.pop(0))
            ctl.trials.append(tr)
            sched.on_trial_add(ctl, tr)
        while len(running) < slots:
            tr = sched.choose_trial_to_run(ctl)
            if tr is None:
                return
            assert tr.status in ("PENDING", "PAUSED"), f"{tr} chosen while {tr.status}"
            tr.status = "RUNNING"
            running.add(tr.index)
            clock.start(tr.index)
            while todo and sum(t.status == "PENDING" for t in ctl.trials) < pending:
                new = _RayTrial(todo.pop(0))
                ctl.trials.append(new)
                sched.on_trial_add(ctl, new)

    fill()
    while (ev := clock.next()) is not None:
        i, t, loss = ev
        tr = ctl.trials[[x.index for x in ctl.trials].index(i)]
        tr.last_result = {METRIC: loss, TIME: t}
        action = sched.on_trial_result(ctl, tr, dict(tr.last_result))
        if tr.status == "TERMINATED":  # the scheduler stopped it through the controller
            pass
        elif action == "STOP" or t >= curves.epochs:
            ctl.stop_trial(tr)
        elif action == "PAUSE":
            tr.status = "PAUSED"
            running.discard(i)
        else:
            clock.start(i)
        fill()
    for tr in ctl.trials:  # Tune ends with nothing running: paused leftovers are stopped
        if tr.status == "PAUSED":
            ctl.stop_trial(tr)
    return clock.out


def learn_curve(
    config: dict[str, Any],
    report: Callable[[dict[str, Any], dict[str, Any] | None], None],
    state: dict[str, Any] | None,
) -> None:
    """A trainable body for real runs: reports configuration ``config["idx"]``'s curve epoch by
    epoch (the signature of ``benchmarks._mlp_task.learn``), sleeping ``config["sleep"]``
    times each epoch's simulated time; resumes after the epoch saved in ``state``."""
    import time

    curves = _cached(config["n"], config["epochs"], config["seed"], config["tau0"])
    i = config["idx"]
    for epoch in range(0 if state is None else state["epoch"] + 1, config["epochs"]):
        time.sleep(config["sleep"] * float(curves.epoch_s[i, epoch]))
        metrics = {METRIC: float(curves.loss[i, epoch]), "epoch": epoch, "wall": time.time()}
        report(metrics, {"epoch": epoch} if config["ckpt"] else None)


_CACHE: dict[tuple[int, int, int, float], Curves] = {}


def _cached(n: int, epochs: int, seed: int, tau0: float) -> Curves:
    key = (n, epochs, seed, tau0)
    if key not in _CACHE:
        _CACHE[key] = crossing_curves(n, epochs, seed, tau0=tau0)
    return _CACHE[key]
