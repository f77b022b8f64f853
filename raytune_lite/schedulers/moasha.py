"""MO-ASHA: asynchronous successive halving over several objectives (Schmucker et al., 2021).

The rungs, brackets and stopping rule are ASHA's (:mod:`raytune_lite.schedulers.asha`); only
the ranking at a rung differs. When a trial reaches a rung, it and every trial recorded
there before it are ordered by non-dominated rank (front 0 first, over the objectives as
losses), then within a front by crowding distance (larger first, as NSGA-II does, so the
spread of the front is kept), then by the order they arrived. The trial goes on only if its
place is in the first ``1/reduction_factor`` of that order; otherwise it is stopped. A trial
missing an objective (or reporting a NaN) at a rung ranks after every complete one. As in
ASHA, while fewer than ``min_samples_required`` trials are recorded at a rung a complete
trial goes on whatever it reports (one missing an objective still loses to a complete peer).

The objectives come from :attr:`MOASHA.objectives`, which the Tuner sets from
``metric=[...]``/``mode=[...]``; without it (one metric) MO-ASHA is ASHA on that metric.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from raytune_lite.multiobjective import Objectives, crowding_distance, non_dominated_ranks
from raytune_lite.schedulers._common import check_saved_rungs, row_time
from raytune_lite.schedulers.asha import ASHA
from raytune_lite.schedulers.base import Decision
from raytune_lite.trial import TrialSnapshot


def _keeps(recorded: list[list[float]], new: list[float], eta: float) -> bool:
    """Whether ``new`` (arriving last) is in the first ``1/eta`` of the rung's order."""
    pts = np.array([*recorded, new], dtype=float)
    ok = np.isfinite(pts).all(axis=1)
    ranks = np.full(len(pts), 10**6, dtype=float)
    if ok.any():
        ranks[ok] = non_dominated_ranks(pts[ok])
    crowd = np.zeros(len(pts))
    for r in np.unique(ranks[ok]):
        members = np.flatnonzero(ranks == r)
        crowd[members] = crowding_distance(pts[members])
    me = len(pts) - 1
    # strictly ahead of the newcomer: a better front, or the same front and more crowding
    ahead = (ranks < ranks[me]) | ((ranks == ranks[me]) & (crowd > crowd[me]))
    ahead[me] = False
    return int(ahead.sum()) * eta < len(pts)


class MOASHA(ASHA):
    """ASHA that ranks trials at a rung by non-dominated rank, then crowding distance.

    Takes ASHA's arguments (``time_attr``, ``max_t``, ``grace_period``, ``reduction_factor``,
    ``brackets``, ``min_samples_required``: a rung stops no complete trial until it holds
    that many, default 3). ``Tuner(metric=["loss", "latency"], mode=["min", "min"],
    scheduler=MOASHA(...))`` sets :attr:`objectives`.

    Example:
        >>> from raytune_lite.multiobjective import Objectives
        >>> from raytune_lite.trial import Mode, Trial
        >>> s = MOASHA(max_t=9, grace_period=1, reduction_factor=2, min_samples_required=1)
        >>> s.setup("loss", "min", seed=0)
        >>> s.objectives = Objectives(("loss", "size"), (Mode.MIN, Mode.MIN))
        >>> a, b, c = (Trial(i, {}, {}).snapshot() for i in "abc")
        >>> s.on_result(a, {"loss": 0.1, "size": 9, "training_iteration": 1}).action.name
        'CONTINUE'
        >>> s.on_result(b, {"loss": 0.9, "size": 1, "training_iteration": 1}).action.name
        'CONTINUE'
        >>> s.on_result(c, {"loss": 0.9, "size": 9, "training_iteration": 1}).action.name
        'STOP'
    """

    objectives: Any = None

    def _reset(self) -> None:
        super()._reset()
        # per bracket, per rung: trial -> its losses there (None for a missing value)
        self._mo_rungs: list[list[dict[str, list[float | None]]]] = [
            [{} for _ in lv] for lv in self._levels
        ]
        self._mo_last: dict[str, list[float]] = {}

    def _objs(self) -> Objectives:
        if isinstance(self.objectives, Objectives) and self.objectives.metrics:
            return self.objectives
        return Objectives((self.metric,) if self.metric else (), (self.mode,))

    def _losses(self, tid: str, row: dict[str, Any]) -> list[float]:
        objs = self._objs()
        now = objs.losses(row)
        if all(m in row for m in objs.metrics) and np.isfinite(now).all():
            self._mo_last[tid] = [float(v) for v in now]
            return self._mo_last[tid]
        if any(m not in row for m in objs.metrics) and tid in self._mo_last:
            return self._mo_last[tid]  # judged on its last complete row
        return [float(v) if math.isfinite(v) else math.nan for v in now]

    def on_result(self, trial: TrialSnapshot, row: dict[str, Any]) -> Decision:
        tid = trial.trial_id
        b = self._bracket.get(tid)
        if b is None:
            b = self._assign(tid)
        losses = self._losses(tid, row)
        t = row_time(row, self.time_attr)
        if t is None:
            return super().on_result(trial, row)  # ASHA's warning; it lets the trial go on
        if t >= self.max_t:
            return Decision.COMPLETE
        rungs, levels = self._mo_rungs[b], self._levels[b]
        i = self._next.get(tid, 0)
        decision = Decision.CONTINUE
        while i < len(levels) and t >= levels[i]:
            recorded = [[math.nan if v is None else v for v in ls] for ls in rungs[i].values()]
            keep = self._judge(recorded, losses)
            rungs[i][tid] = [v if math.isfinite(v) else None for v in losses]
            i += 1
            if not keep:
                decision = Decision.STOP
                break
        self._next[tid] = i
        return decision

    def _judge(self, recorded: list[list[float]], losses: list[float]) -> bool:
        """ASHA's order of checks, with the multi-objective ranking in place of the quantile."""
        complete = [all(math.isfinite(v) for v in ls) for ls in recorded]
        if not any(complete):
            return True  # nobody has a usable value: nothing to rank on
        if not all(math.isfinite(v) for v in losses):
            return False
        if len(recorded) < self.min_samples_required:
            return True
        return _keeps(recorded, losses, self.reduction_factor)

    def on_complete(self, trial: TrialSnapshot) -> None:
        super().on_complete(trial)
        self._mo_last.pop(trial.trial_id, None)

    def state(self) -> dict[str, Any]:
        return {
            **super().state(),
            "mo_rungs": [[list(r.items()) for r in bracket] for bracket in self._mo_rungs],
            "mo_last": dict(self._mo_last),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        saved = state.get("mo_rungs", [])
        check_saved_rungs(saved, self._mo_rungs, "MOASHA")
        for bracket, saved_bracket in zip(self._mo_rungs, saved, strict=True):
            for rung, items in zip(bracket, saved_bracket, strict=True):
                for tid, ls in items:
                    rung[str(tid)] = [None if v is None else float(v) for v in ls]
        self._mo_last = {str(k): [float(x) for x in v] for k, v in state.get("mo_last", {}).items()}


__all__ = ["MOASHA"]
