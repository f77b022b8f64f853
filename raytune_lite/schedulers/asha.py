"""ASHA: asynchronous successive halving (Li et al., 2018), the stopping variant.

Each bracket has *rungs* at ``grace_period * reduction_factor**k`` (below ``max_t``). When a
trial first reports a ``time_attr`` at or past a rung, it is judged there against the *m*
trials recorded at that rung before it (every trial that reached the rung so far, whether
still running, stopped or finished): while ``m < min_samples_required`` it goes on; otherwise
it goes on only if its score is no worse than the ``1/reduction_factor`` quantile of theirs
(linearly interpolated, the rule of Ray Tune's ``ASHAScheduler``), and is stopped if worse.
Its score is then recorded at the rung for the trials that come after. Nothing ever waits
for a rung to fill, so slots never idle: a stopped trial's slot goes to a new configuration.

Trials reaching ``max_t`` end there (``Decision.COMPLETE``, status TERMINATED: they had
their full budget), so that no trial trains past it.
"""

from __future__ import annotations

import bisect
import math
import warnings
from typing import Any

import numpy as np

from raytune_lite._checks import check_int
from raytune_lite.schedulers._common import (
    check_positive,
    check_reduction_factor,
    check_saved_rungs,
    check_time_attr,
    quantile,
    row_score,
    row_time,
    rung_levels,
)
from raytune_lite.schedulers.base import Decision, Scheduler, SyncPolicy
from raytune_lite.trial import Mode, ModeName, TrialSnapshot


class _Rung:
    """The scores recorded at one rung: by trial, and the finite ones kept sorted."""

    def __init__(self, level: float):
        self.level = level
        self.scores: dict[str, float | None] = {}
        self._sorted: list[float] = []

    def add(self, trial_id: str, score: float | None) -> None:
        self.scores[trial_id] = score
        if score is not None:
            bisect.insort(self._sorted, score)

    def cutoff(self, eta: float) -> float | None:
        """The ``1/eta`` quantile of the finite recorded scores (lower is better), linearly
        interpolated between the two nearest; None while there is none."""
        return quantile(self._sorted, 1.0 / eta)

    def keeps(self, score: float | None, eta: float, min_peers: int) -> bool:
        """Whether a trial arriving with ``score`` goes on: while fewer than ``min_peers``
        trials are recorded here, yes; then only if ``score`` is no worse than the cutoff.
        A score of None (NaN, inf, no metric) loses to any finite peer."""
        if not self._sorted:
            return True  # nobody has a usable metric: nothing to rank on
        if score is None:
            return False
        if len(self.scores) < min_peers:
            return True
        cut = self.cutoff(eta)
        return cut is None or score <= cut


#: Trials a rung must hold before it stops anyone. 1 would judge the second trial at a rung
#: against the first alone; on learning curves that cross, that stops slow starters that win
#: in the end (benchmarks/early_stopping.py --curves crossing).
MIN_SAMPLES_DEFAULT = 3


class ASHA(Scheduler):
    """Asynchronous successive halving: stops trials that fall behind at a rung.

    Args:
        time_attr: the reported key that measures training progress (it must grow).
        max_t: the budget per trial in ``time_attr`` units; trials are stopped on reaching it.
        grace_period: the first rung: no trial is stopped before this much progress.
        reduction_factor: keep the best ``1/reduction_factor`` at each rung (eta; > 1): a
            trial goes on if its score is no worse than that quantile of the scores recorded
            at the rung before it.
        brackets: how many brackets (1 = plain ASHA). Bracket b starts its rungs at
            ``grace_period * reduction_factor**b``; trials are spread over brackets at random
            (seeded), more of them to the brackets with more rungs, as Hyperband allots them.
        min_samples_required: a rung stops no trial until at least this many trials have
            been recorded there (>= 1; 1 is Ray Tune's behaviour): the first few trials to
            reach each rung always go on.

    Trials wait for the decision exactly at the rungs (see :meth:`sync_policy`); rows in
    between are sent without waiting. A trial whose metric is NaN or infinite at a rung counts
    as the worst; one whose row lacks the metric is judged on its last finite value.

    Example:
        >>> from raytune_lite.schedulers.asha import ASHA
        >>> from raytune_lite.trial import Trial
        >>> asha = ASHA(max_t=9, grace_period=1, reduction_factor=3, min_samples_required=2)
        >>> asha.setup("loss", "min", seed=0)
        >>> asha.sync_policy().milestones
        (1.0, 3.0, 9.0)
        >>> a, b, c, d = (Trial(i, {}, {}).snapshot() for i in "abcd")
        >>> def at_rung_1(trial, loss):
        ...     return asha.on_result(trial, {"loss": loss, "training_iteration": 1}).action.name
        >>> at_rung_1(a, 0.1), at_rung_1(b, 0.5)  # fewer than 2 recorded: both go on
        ('CONTINUE', 'CONTINUE')
        >>> at_rung_1(c, 0.3)  # the 1/3 quantile of (0.1, 0.5) is 0.233...
        'STOP'
        >>> at_rung_1(d, 0.2)
        'CONTINUE'
    """

    def __init__(
        self,
        *,
        time_attr: str = "training_iteration",
        max_t: float = 100,
        grace_period: float = 1,
        reduction_factor: float = 3,
        brackets: int = 1,
        min_samples_required: int = MIN_SAMPLES_DEFAULT,
    ):
        super().__init__()
        self.time_attr = check_time_attr(time_attr)
        self.max_t = check_positive("max_t", max_t)
        self.grace_period = check_positive("grace_period", grace_period)
        if self.max_t <= self.grace_period:
            raise ValueError(f"max_t must be > grace_period; got {max_t=}, {grace_period=}")
        self.reduction_factor = check_reduction_factor(reduction_factor)
        self.brackets = check_int("brackets", brackets, 1)
        self.min_samples_required = check_int("min_samples_required", min_samples_required, 1)
        n_rungs = len(rung_levels(self.grace_period, self.reduction_factor, self.max_t))
        if self.brackets > n_rungs + 1:
            raise ValueError(
                f"brackets must be <= {n_rungs + 1} for {max_t=}, {grace_period=}, "
                f"{reduction_factor=} (the last bracket has no rung left); got {brackets=}"
            )
        self._levels = [
            rung_levels(
                self.grace_period * self.reduction_factor**b, self.reduction_factor, self.max_t
            )
            for b in range(self.brackets)
        ]
        s_max = len(self._levels[0])
        weights = np.array(
            [
                math.ceil((s_max + 1) / (len(lv) + 1) * self.reduction_factor ** len(lv))
                for lv in self._levels
            ],
            dtype=float,
        )
        self._weights = weights / weights.sum()
        self.rng = np.random.default_rng()
        self._reset()

    def _reset(self) -> None:
        self._rungs = [[_Rung(level) for level in lv] for lv in self._levels]
        self._bracket: dict[str, int] = {}  # trial -> bracket
        self._next: dict[str, int] = {}  # trial -> index of its next rung
        self._last: dict[str, float] = {}  # trial -> last finite score seen
        self._warned_time = False

    def setup(self, metric: str | None, mode: Mode | ModeName, seed: int | None = None) -> None:
        super().setup(metric, mode, seed)
        self.rng = np.random.default_rng(seed)
        self._reset()

    def sync_policy(self) -> SyncPolicy:
        """Trials wait for the decision at every rung level and at ``max_t``."""
        levels = sorted({lv for bracket in self._levels for lv in bracket} | {self.max_t})
        return SyncPolicy(self.time_attr, milestones=tuple(levels))

    def _assign(self, trial_id: str) -> int:
        b = 0 if self.brackets == 1 else int(self.rng.choice(self.brackets, p=self._weights))
        self._bracket[trial_id] = b
        self._next[trial_id] = 0
        return b

    def on_add(self, trial: TrialSnapshot) -> None:
        if trial.trial_id not in self._bracket:
            self._assign(trial.trial_id)

    def on_result(self, trial: TrialSnapshot, row: dict[str, Any]) -> Decision:
        tid = trial.trial_id
        b = self._bracket.get(tid)
        if b is None:  # a trial that was never added (e.g. restored): give it a bracket now
            b = self._assign(tid)
        if self.metric in row:
            score = row_score(row, self.metric, self.mode)
            if score is not None:
                self._last[tid] = score
        else:
            score = self._last.get(tid)
        t = row_time(row, self.time_attr)
        if t is None:
            if not self._warned_time:
                self._warned_time = True
                warnings.warn(
                    f"ASHA: trial {tid} reported a row without a numeric "
                    f"{self.time_attr!r}; ASHA cannot judge such rows and lets the "
                    "trial go on",
                    RuntimeWarning,
                    stacklevel=2,
                )
            return Decision.CONTINUE
        if t >= self.max_t:
            return Decision.COMPLETE
        rungs = self._rungs[b]
        i = self._next.get(tid, 0)
        decision = Decision.CONTINUE
        while i < len(rungs) and t >= rungs[i].level:
            rung = rungs[i]
            keep = rung.keeps(score, self.reduction_factor, self.min_samples_required)
            rung.add(tid, score)
            i += 1
            if not keep:
                decision = Decision.STOP
                break
        self._next[tid] = i
        return decision

    def on_complete(self, trial: TrialSnapshot) -> None:
        self._next.pop(trial.trial_id, None)
        self._last.pop(trial.trial_id, None)

    def state(self) -> dict[str, Any]:
        return {
            "rng": self.rng.bit_generator.state,
            "bracket": dict(self._bracket),
            "next": dict(self._next),
            "last": dict(self._last),
            "rungs": [[list(r.scores.items()) for r in bracket] for bracket in self._rungs],
            "warned_time": self._warned_time,
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self._reset()
        if "rng" in state:
            self.rng.bit_generator.state = state["rng"]
        self._bracket = {str(k): int(v) for k, v in state.get("bracket", {}).items()}
        self._next = {str(k): int(v) for k, v in state.get("next", {}).items()}
        self._last = {str(k): float(v) for k, v in state.get("last", {}).items()}
        self._warned_time = bool(state.get("warned_time", False))
        saved = state.get("rungs", [])
        check_saved_rungs(saved, self._rungs, "ASHA")
        for bracket, saved_bracket in zip(self._rungs, saved, strict=True):
            for rung, items in zip(bracket, saved_bracket, strict=True):
                for tid, score in items:
                    rung.add(str(tid), None if score is None else float(score))
