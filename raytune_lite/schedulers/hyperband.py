"""Hyperband (Li et al., 2017): synchronous successive halving in several brackets.

Bracket ``s`` (``s = s_max, ..., 0``) takes ``ceil((s_max + 1) / (s + 1) * eta**s)`` new
trials and has ``s`` rungs below ``max_t``, at ``grace_period * eta**(s_max - s + i)``. A trial
reaching its bracket's current rung is PAUSED (its function ends after its checkpoint is
saved). When every live trial of the bracket has reached the rung (or ended), the best
``1/eta`` of them are resumed from their checkpoints with the next rung as target; the others
stay paused and end as STOPPED_EARLY when the experiment ends. Trials are stopped at ``max_t``
(pass ``stop={time_attr: max_t}`` to the Tuner to have them end as TERMINATED instead).

**Checkpoints.** A paused trial resumes from its last saved checkpoint
(``rt.get_checkpoint()``). A trial that never saves one restarts *from scratch* when resumed
(the scheduler warns once): report ``checkpoint=`` at least at every rung.

**How brackets fill.** One Hyperband iteration opens all its brackets at once, and each new
trial joins the bracket that is least full relative to its quota, so that with any
``num_samples`` every bracket gets its share (143 trials fill one iteration for ``max_t=81,
eta=3``; 81 trials give about 46, 19, 8, 5 and 3). A bracket's first rung is judged once the
bracket is full, or once no new trial comes: when :meth:`next_to_resume` is called twice with
no trial added in between, or once while nothing runs. Then the open brackets close with the
trials they have, so an experiment never deadlocks (a searcher that answers "nothing now"
also closes them, giving smaller brackets). A trial that errors or ends before its rung
simply leaves the rung. With a single slot (``max_concurrent=1``) a bracket never fills:
every trial then runs its full budget, so use ASHA or median stopping there.
"""

from __future__ import annotations

import math
import warnings
from collections import deque
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from raytune_lite._checks import check_int
from raytune_lite.schedulers._common import (
    check_positive,
    check_reduction_factor,
    check_time_attr,
    row_score,
    row_time,
)
from raytune_lite.schedulers.base import Decision, Scheduler, SyncPolicy
from raytune_lite.trial import TrialSnapshot


class _State(str, Enum):
    RUNNING = "RUNNING"  #: training towards its bracket's current rung
    WAITING = "WAITING"  #: paused at the current rung until the rung is complete
    QUEUED = "QUEUED"  #: promoted; paused until next_to_resume hands it out
    LOST = "LOST"  #: not promoted: stays paused (STOPPED_EARLY at the end)
    DONE = "DONE"  #: reached max_t or ended


@dataclass
class _Bracket:
    s: int  #: number of rungs below max_t
    capacity: int  #: how many trials it takes
    members: list[str] = field(default_factory=list)
    closed: bool = False
    rung: int = 0  #: index of the current rung (== s: heading for max_t)
    scores: dict[str, float | None] = field(default_factory=dict)  #: at the current rung

    def to_json(self) -> dict[str, Any]:
        return {
            "s": self.s,
            "capacity": self.capacity,
            "members": self.members,
            "closed": self.closed,
            "rung": self.rung,
            "scores": list(self.scores.items()),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> _Bracket:
        return cls(
            int(d["s"]),
            int(d["capacity"]),
            [str(m) for m in d["members"]],
            bool(d["closed"]),
            int(d["rung"]),
            {str(k): None if v is None else float(v) for k, v in d["scores"]},
        )


class Hyperband(Scheduler):
    """Synchronous Hyperband: pauses trials at rungs, resumes the best ``1/eta`` of each rung.

    Args:
        time_attr: the reported key that measures training progress (it must grow).
        max_t: the budget per trial in ``time_attr`` units (R); trials are stopped there.
        grace_period: the smallest budget a trial gets (the most aggressive bracket's first
            rung).
        reduction_factor: eta (> 1); each rung keeps the best ``1/eta`` of its trials.
        brackets: how many brackets to cycle through, most aggressive first (None: all
            ``s_max + 1``; 1: synchronous successive halving).

    Example:
        >>> from raytune_lite.schedulers.hyperband import Hyperband
        >>> from raytune_lite.checkpoint import Checkpoint
        >>> from raytune_lite.trial import Trial
        >>> hb = Hyperband(max_t=9, grace_period=1, reduction_factor=3, brackets=1)
        >>> hb.setup("loss", "min")
        >>> hb.bracket_sizes()
        [(9, [1.0, 3.0])]
        >>> trials = [Trial(str(i), {}, {}, checkpoint=Checkpoint(f"/ckpt/{i}")) for i in range(9)]
        >>> for tr in trials:
        ...     hb.on_add(tr.snapshot())
        >>> # the last one completes the rung, but is not among the best
        >>> [hb.on_result(tr.snapshot(), {"loss": float(i), "training_iteration": 1}).action.name
        ...  for i, tr in enumerate(trials)][-2:]
        ['PAUSE', 'PAUSE']
        >>> [hb.next_to_resume() for _ in range(4)]  # the best 9 // 3 resume
        ['0', '1', '2', None]
    """

    needs_checkpoints = True

    def __init__(
        self,
        *,
        time_attr: str = "training_iteration",
        max_t: float = 81,
        grace_period: float = 1,
        reduction_factor: float = 3,
        brackets: int | None = None,
    ):
        super().__init__()
        self.time_attr = check_time_attr(time_attr)
        self.max_t = check_positive("max_t", max_t)
        self.grace_period = check_positive("grace_period", grace_period)
        if self.max_t <= self.grace_period:
            raise ValueError(f"max_t must be > grace_period; got {max_t=}, {grace_period=}")
        self.reduction_factor = check_reduction_factor(reduction_factor)
        eta = self.reduction_factor
        self.s_max = math.floor(math.log(self.max_t / self.grace_period) / math.log(eta) + 1e-9)
        if self.s_max < 1:
            raise ValueError(
                f"max_t must be >= grace_period * reduction_factor so that there is "
                f"at least one rung; got {max_t=}, {grace_period=}, "
                f"{reduction_factor=}"
            )
        if brackets is not None:
            check_int("brackets", brackets, 1)
            if brackets > self.s_max + 1:
                raise ValueError(
                    f"brackets must be <= {self.s_max + 1} (s_max + 1) for "
                    f"{max_t=}, {grace_period=}, {reduction_factor=}; got "
                    f"{brackets=}"
                )
        self.brackets = self.s_max + 1 if brackets is None else brackets
        self._cycle = [self.s_max - i for i in range(self.brackets)]
        self._reset()

    # -- bracket geometry -------------------------------------------------------------------

    def levels(self, s: int) -> list[float]:
        """The rung levels (below ``max_t``) of bracket ``s``."""
        first = self.s_max - s
        return [
            float(f"{self.grace_period * self.reduction_factor ** (first + i):.9g}")
            for i in range(s)
        ]

    def quota(self, s: int) -> int:
        """How many trials bracket ``s`` takes (Li et al.'s n)."""
        return math.ceil((self.s_max + 1) / (s + 1) * self.reduction_factor**s - 1e-9)

    def bracket_sizes(self) -> list[tuple[int, list[float]]]:
        """``(quota, rung levels)`` of each bracket of one iteration, most aggressive first."""
        return [(self.quota(s), self.levels(s)) for s in self._cycle]

    def sync_policy(self) -> SyncPolicy:
        """Trials wait for the decision at every rung level of every bracket and at max_t."""
        levels = {lv for s in self._cycle for lv in self.levels(s)} | {self.max_t}
        return SyncPolicy(self.time_attr, milestones=tuple(sorted(levels)))

    # -- bookkeeping ------------------------------------------------------------------------

    def _reset(self) -> None:
        self._brackets: list[_Bracket] = []
        self._where: dict[str, int] = {}  # trial -> index in _brackets
        self._state: dict[str, _State] = {}
        self._running: set[str] = set()
        self._queue: deque[str] = deque()
        self._last: dict[str, float] = {}  # trial -> last finite score
        self._group: list[int] = []  # the current iteration's brackets
        self._probe = False  # next_to_resume said None; no trial came since
        self._warned: set[str] = set()

    def _set(self, tid: str, state: _State) -> None:
        self._state[tid] = state
        if state is _State.RUNNING:
            self._running.add(tid)
        else:
            self._running.discard(tid)

    def _target(self, b: _Bracket) -> float:
        return self.levels(b.s)[b.rung] if b.rung < b.s else self.max_t

    def _open(self) -> list[_Bracket]:
        return [self._brackets[i] for i in self._group if not self._brackets[i].closed]

    def _pick_bracket(self) -> int:
        """The open bracket least full relative to its quota (a new iteration if none)."""
        if not self._open():
            self._group = list(range(len(self._brackets), len(self._brackets) + len(self._cycle)))
            self._brackets.extend(_Bracket(s, self.quota(s)) for s in self._cycle)
        return min(
            (i for i in self._group if not self._brackets[i].closed),
            key=lambda i: (len(self._brackets[i].members) / self._brackets[i].capacity, i),
        )

    def _advance(self, b: _Bracket) -> list[str]:
        """Judges the bracket's current rung if it is complete; returns the promoted trials."""
        if not b.closed or b.rung >= b.s:
            return []
        if any(self._state[m] in (_State.RUNNING, _State.QUEUED) for m in b.members):
            return []
        waiting = [m for m in b.members if self._state[m] is _State.WAITING]
        if not waiting:
            return []
        order = {m: i for i, m in enumerate(b.members)}
        waiting.sort(key=lambda m: (b.scores.get(m) is None, b.scores.get(m) or 0.0, order[m]))
        k = max(1, int(len(waiting) // self.reduction_factor))
        for m in waiting[k:]:
            self._set(m, _State.LOST)
        for m in waiting[:k]:
            self._set(m, _State.QUEUED)
            self._queue.append(m)
        b.rung += 1
        b.scores = {}
        return waiting[:k]

    # -- the scheduler interface ------------------------------------------------------------

    def on_add(self, trial: TrialSnapshot) -> None:
        tid = trial.trial_id
        if tid in self._where:
            return
        self._probe = False
        i = self._pick_bracket()
        b = self._brackets[i]
        b.members.append(tid)
        self._where[tid] = i
        self._set(tid, _State.RUNNING)
        if len(b.members) >= b.capacity:
            b.closed = True

    def on_result(self, trial: TrialSnapshot, row: dict[str, Any]) -> Decision:
        tid = trial.trial_id
        if tid not in self._where:
            self.on_add(trial)
        if self.metric in row:
            score = row_score(row, self.metric, self.mode)
            if score is not None:
                self._last[tid] = score
        else:
            score = self._last.get(tid)
        state = self._state[tid]
        if state in (_State.LOST, _State.DONE):
            return Decision.STOP
        if state is _State.WAITING:
            return Decision.PAUSE
        if state is _State.QUEUED:  # resumed without next_to_resume (e.g. after a restore)
            self._queue.remove(tid)
            self._set(tid, _State.RUNNING)
        t = row_time(row, self.time_attr)
        if t is None:
            self._warn_once(
                "time",
                f"Hyperband: trial {tid} reported a row without a numeric "
                f"{self.time_attr!r}; it cannot be judged and goes on",
            )
            return Decision.CONTINUE
        b = self._brackets[self._where[tid]]
        if t >= self.max_t:
            self._set(tid, _State.DONE)
            self._advance(b)
            return Decision.COMPLETE
        if t < self._target(b):
            return Decision.CONTINUE
        b.scores[tid] = score
        self._set(tid, _State.WAITING)
        if tid in self._advance(b):  # it completed the rung and won: no need to pause
            self._queue.remove(tid)
            self._set(tid, _State.RUNNING)
            return Decision.CONTINUE
        if trial.checkpoint is None:
            self._warn_once(
                "checkpoint",
                f"Hyperband pauses trial {tid} at {self.time_attr}="
                f"{t:g} but it has saved no checkpoint: if resumed it restarts from "
                "scratch. Report rt.Checkpoint.from_dict(...) with checkpoint= at "
                "least at every rung.",
            )
        return Decision.PAUSE

    def on_complete(self, trial: TrialSnapshot) -> None:
        tid = trial.trial_id
        state = self._state.get(tid)
        if state is None or state is _State.DONE:
            return
        if state is _State.QUEUED:
            self._queue.remove(tid)
        self._set(tid, _State.DONE)
        self._last.pop(tid, None)
        b = self._brackets[self._where[tid]]
        b.scores.pop(tid, None)
        self._advance(b)

    def next_to_resume(self) -> str | None:
        if not self._queue and any(b.members for b in self._open()):
            if self._probe:  # asked twice with no new trial: judge what we have
                self._probe = False
                for b in self._open():
                    b.closed = True
                    self._advance(b)
            else:
                self._probe = True
        if not self._queue:
            return None
        tid = self._queue.popleft()
        self._set(tid, _State.RUNNING)
        return tid

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(message, RuntimeWarning, stacklevel=3)

    # -- state ------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return {
            "brackets": [b.to_json() for b in self._brackets],
            "where": dict(self._where),
            "state": {k: v.value for k, v in self._state.items()},
            "queue": list(self._queue),
            "last": dict(self._last),
            "group": list(self._group),
            "probe": self._probe,
            "warned": sorted(self._warned),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self._reset()
        self._brackets = [_Bracket.from_json(d) for d in state.get("brackets", [])]
        self._where = {str(k): int(v) for k, v in state.get("where", {}).items()}
        for tid, value in state.get("state", {}).items():
            self._set(str(tid), _State(value))
        self._queue = deque(str(t) for t in state.get("queue", []))
        self._last = {str(k): float(v) for k, v in state.get("last", {}).items()}
        self._group = [int(i) for i in state.get("group", [])]
        self._probe = bool(state.get("probe", False))
        self._warned = set(state.get("warned", []))
