"""Population Based Training (Jaderberg et al. 2017), asynchronous, with time-sharing.

**Perturbation points.** A trial reaches point ``k`` the first time it reports a ``time_attr``
at or past ``k * perturbation_interval``; it waits for the decision there. Its score at that
report is its score at the point.

**Time-sharing.** When more trials are waiting to run than there are slots (a trial PBT paused,
or trials still to be created: the controller tells, see :meth:`set_capacity`), a trial that
reaches a point is PAUSED (its function ends after that report's checkpoint) and
:meth:`next_to_resume` hands out the paused trial furthest behind (the least ``time_attr``;
the one paused first on ties), after any trial still to be created. So a population larger
than the slots advances together, in turns, as Ray Tune's PBT does. With the whole
population running at once nothing is paused. ``time_sharing=False`` turns it off (a warning
says when the population cannot then advance together).

**Judging (exploit).** A trial is judged at a point against the N trials that have reached the
same point, each by its score there, never against a peer that has not got there: it is judged
when it is resumed (time-sharing), else at the point or, when too few have got there yet, at
one of its next reports, once at least ``1 / quantile_fraction`` trials and half of the live
ones have (at the latest of its points that is then ready; older ones are dropped). If it
ranks in the bottom ``floor(quantile_fraction * N)`` of them (N also counting the live trials
still on their way to the point), it EXPLOITs a trial of the top quantile
that is still live and has a checkpoint: the controller restarts it from the donor's
checkpoint with the donor's config, *explored* (see :mod:`raytune_lite.schedulers._explore`).
A trial with a NaN/inf metric ranks last. Each trial's config changes are kept in
:attr:`PBT.history`: the schedule PBT discovered.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from raytune_lite.checkpoint import Checkpoint
from raytune_lite.schedulers._explore import Bounds, Explorer, Mutation, flatten_mutations
from raytune_lite.schedulers.base import Decision, Scheduler, SyncPolicy
from raytune_lite.trial import Mode, ModeName, TrialSnapshot, TrialStatus, metric_value

__all__ = ["PBT", "Bounds", "Mutation"]


@dataclass
class _Member:
    """What PBT knows of one trial."""

    config: dict[str, Any]
    checkpoint: str | None = None
    scores: dict[str, float | None] = field(default_factory=dict)  #: point -> score there
    last_point: int = 0  #: the last point reached (0: none yet)
    time: float = 0.0  #: the last reported ``time_attr``
    pending: list[int] = field(default_factory=list)  #: points reached, not judged yet
    paused: bool = False  #: paused by PBT, waiting for next_to_resume
    paused_seq: int = 0  #: order of pausing (ties of next_to_resume)
    done: bool = False
    error: bool = False
    exploits: int = 0

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> _Member:
        return cls(**{**d, "pending": [int(p) for p in d.get("pending", [])]})


class PBT(Scheduler):
    """Population Based Training: bottom trials copy top ones and perturb their config.

    Args:
        time_attr: the row key that measures training progress.
        perturbation_interval: a trial is considered for exploitation each time ``time_attr``
            reaches a multiple of this.
        quantile_fraction: the share of trials in the top (donors) and bottom (exploiters)
            quantiles, in ``(0, 0.5]``.
        resample_probability: chance that a key is drawn afresh instead of perturbed.
        hyperparam_mutations: ``{key path: domain | list of values | callable}`` (nested dicts
            or ``"a/b"`` paths): the keys to explore. Callables are called without arguments;
            prefer domains or lists, which draw from this scheduler's seeded generator.
        perturbation_factors: the multipliers for numeric values, one drawn at random.
        bounds: what a perturbation does at a domain's bounds: ``"reflect"`` (default:
            mirrored back inside, so it always moves), ``"clip"`` (stays at the bound), or
            ``"ignore"`` (Ray Tune's behaviour: multiplied regardless of the domain).
        time_sharing: pause trials at their points so that a population larger than the
            slots advances together (see the module docstring).
        synch: only asynchronous PBT (False) is supported.

    Example:
        >>> from raytune_lite.space import loguniform
        >>> pbt = PBT(perturbation_interval=4, hyperparam_mutations={"lr": loguniform(1e-4, 1)})
        >>> pbt.setup("loss", "min", seed=0)
        >>> pbt.sync_policy().interval, pbt.needs_checkpoints
        (4.0, True)
    """

    needs_checkpoints = True

    def __init__(
        self,
        *,
        time_attr: str = "training_iteration",
        perturbation_interval: float = 5,
        quantile_fraction: float = 0.25,
        resample_probability: float = 0.25,
        hyperparam_mutations: Mapping[str, Any] | None = None,
        perturbation_factors: Sequence[float] = (0.8, 1.2),
        bounds: Bounds | str = Bounds.REFLECT,
        time_sharing: bool = True,
        synch: bool = False,
    ):
        super().__init__()
        if not isinstance(time_attr, str) or not time_attr:
            raise ValueError(f"time_attr must be a non-empty string; got {time_attr=}")
        if (
            isinstance(perturbation_interval, bool)
            or not isinstance(perturbation_interval, (int, float))
            or not perturbation_interval > 0
            or not math.isfinite(perturbation_interval)
        ):
            raise ValueError(
                f"perturbation_interval must be a number > 0; got {perturbation_interval=}"
            )
        if (
            isinstance(quantile_fraction, bool)
            or not isinstance(quantile_fraction, (int, float))
            or not 0 < quantile_fraction <= 0.5
        ):
            raise ValueError(f"quantile_fraction must be in (0, 0.5]; got {quantile_fraction=}")
        if (
            isinstance(resample_probability, bool)
            or not isinstance(resample_probability, (int, float))
            or not 0 <= resample_probability <= 1
        ):
            raise ValueError(f"resample_probability must be in [0, 1]; got {resample_probability=}")
        if not isinstance(hyperparam_mutations, Mapping) or not hyperparam_mutations:
            raise ValueError(
                "PBT needs hyperparam_mutations, a non-empty dict of the keys to "
                "explore, e.g. {'lr': rt.loguniform(1e-4, 1e-1)}; "
                f"got {hyperparam_mutations=}"
            )
        factors = (
            list(perturbation_factors) if isinstance(perturbation_factors, (list, tuple)) else []
        )
        if not factors or any(
            isinstance(f, bool) or not isinstance(f, (int, float)) or not 0 < f < math.inf
            for f in factors
        ):
            raise ValueError(
                f"perturbation_factors must be a non-empty list of numbers > 0; "
                f"got {perturbation_factors=}"
            )
        if not isinstance(time_sharing, bool):
            raise ValueError(f"time_sharing must be True or False; got {time_sharing=}")
        if synch is not False:
            raise ValueError(f"only asynchronous PBT is supported; got {synch=} (use False)")
        self.time_attr = time_attr
        self.perturbation_interval = float(perturbation_interval)
        self.quantile_fraction = float(quantile_fraction)
        self.resample_probability = float(resample_probability)
        self.hyperparam_mutations = hyperparam_mutations
        self.perturbation_factors = [float(f) for f in factors]
        self.bounds = Bounds.parse(bounds)
        self.time_sharing = time_sharing
        self.synch = synch
        self._explorer = Explorer(
            flatten_mutations(hyperparam_mutations),
            self.resample_probability,
            self.perturbation_factors,
            self.bounds,
        )
        self.rng = np.random.default_rng()
        self._reset()

    def _reset(self) -> None:
        #: per trial, its config changes: ``[{"time", "donor", "config"}, ...]``
        self.history: dict[str, list[dict[str, Any]]] = {}
        self._members: dict[str, _Member] = {}
        self._slots: int | None = None  # unknown until the controller tells
        self._to_come = 0.0
        self._probed = False  # next_to_resume let a new trial go first; none came since
        self._seq = 0
        self._warned: set[str] = set()

    def setup(self, metric: str | None, mode: Mode | ModeName, seed: int | None = None) -> None:
        super().setup(metric, mode, seed)
        self.rng = np.random.default_rng(seed)
        self._reset()

    def sync_policy(self) -> SyncPolicy:
        return SyncPolicy(self.time_attr, interval=self.perturbation_interval)

    @property
    def num_exploits(self) -> int:
        """How many exploits PBT has decided so far."""
        return sum(len(h) for h in self.history.values())

    # -- bookkeeping -----------------------------------------------------------------------
    def _member(self, trial: TrialSnapshot) -> _Member:
        m = self._members.get(trial.trial_id)
        if m is None:
            m = self._members[trial.trial_id] = _Member(copy.deepcopy(dict(trial.config)))
        else:
            m.config = copy.deepcopy(dict(trial.config))
        if trial.checkpoint is not None:
            m.checkpoint = trial.checkpoint.path
        return m

    def _live(self) -> int:
        return sum(1 for m in self._members.values() if not m.done)

    def set_capacity(self, slots: int, to_come: float) -> None:
        self._slots, self._to_come = slots, to_come
        if not self.time_sharing and self._live() + to_come > slots:
            self._warn_once(
                "waves",
                f"PBT: {self._live() + to_come:g} trials but {slots} slots and "
                "time_sharing=False: the population runs in waves, trials are compared with "
                "the few that reached the same point, and exploits are rare. Leave "
                "time_sharing=True to have the population advance together.",
            )

    def _others_wait(self, trial_id: str) -> bool:
        """Whether a trial is waiting for a slot: paused by PBT, or still to be created."""
        if not self.time_sharing or self._slots is None:
            return False
        return self._to_come > 0 or any(
            m.paused and not m.done for tid, m in self._members.items() if tid != trial_id
        )

    def on_add(self, trial: TrialSnapshot) -> None:
        self._member(trial)
        self._probed = False

    def on_complete(self, trial: TrialSnapshot) -> None:
        m = self._member(trial)
        m.done, m.paused = True, False
        m.error = trial.status is TrialStatus.ERROR

    # -- decisions ---------------------------------------------------------------------------
    def on_result(self, trial: TrialSnapshot, row: dict[str, Any]) -> Decision:
        m = self._member(trial)
        m.paused = False  # it runs (also when resumed without next_to_resume, e.g. restored)
        t = metric_value(row, self.time_attr)
        if t is None:
            return Decision.CONTINUE
        m.time = t
        v = metric_value(row, self.metric)
        k = int(t / self.perturbation_interval + 1e-9)
        if k > m.last_point:  # a new point: the score there is this report's
            m.scores[str(k)] = None if v is None else self.mode.sign() * v
            m.last_point = k
            m.pending.append(k)
            if self._others_wait(trial.trial_id):
                if trial.checkpoint is not None:
                    self._seq += 1
                    m.paused, m.paused_seq = True, self._seq
                    return Decision.PAUSE  # judged when resumed, once the others caught up
                self._warn_once(
                    "checkpoint",
                    f"PBT cannot pause trial {trial.trial_id} at {self.time_attr}={t:g} to "
                    "let others run: it has saved no checkpoint. Report "
                    "checkpoint=rt.Checkpoint.from_dict(...) at every perturbation point.",
                )
        return self._judge_pending(trial.trial_id, m, t)

    def next_to_resume(self) -> str | None:
        paused = [(m.time, m.paused_seq, tid) for tid, m in self._members.items() if m.paused]
        if not paused:
            return None
        if self._to_come > 0 and not self._probed:
            self._probed = True  # a new trial (at time 0) goes first; asked again: resume
            return None
        _, _, tid = min(paused)
        self._members[tid].paused = False
        return tid

    def on_resume(self, trial: TrialSnapshot) -> Decision:
        m = self._member(trial)
        m.paused = False
        return self._judge_pending(trial.trial_id, m, m.time)

    def _judge_pending(self, trial_id: str, m: _Member, t: float) -> Decision:
        """Judges the trial at the latest of its pending points that is ready."""
        for point in reversed(m.pending):
            ready, donor = self._judge(trial_id, str(point))
            if not ready:
                continue
            m.pending = [p for p in m.pending if p > point]
            if donor is None:
                return Decision.CONTINUE
            return self._exploit(trial_id, m, point, donor, t)
        return Decision.CONTINUE

    def _exploit(self, trial_id: str, m: _Member, point: int, donor: str, t: float) -> Decision:
        d = self._members[donor]
        assert d.checkpoint is not None
        new_config = self._explorer.explore(d.config, self.rng)
        # its own score at the point stays: the others at that point are judged against what
        # each trial had there (a copied score would push the next trial into the bottom)
        m.config = copy.deepcopy(new_config)
        m.last_point, m.time, m.pending = max(d.last_point, point), d.time, []
        m.checkpoint = None  # its own copy is made by the controller: known at its next report
        m.exploits += 1
        self.history.setdefault(trial_id, []).append(
            {"time": t, "donor": donor, "config": copy.deepcopy(new_config)}
        )
        return Decision.exploit(new_config, Checkpoint(d.checkpoint), donor)

    def _judge(self, trial_id: str, k: str) -> tuple[bool, str | None]:
        """Whether enough trials have reached point ``k`` to judge ``trial_id`` there, and
        if it ranks in the bottom quantile, a top-quantile donor.

        Trials are ranked by their score at that point of training (trials that ran ahead
        are compared by the value they had there). A judgement waits until at least
        ``1 / quantile_fraction`` trials, and half of those still live, have reached the
        point. Each quantile holds ``floor(quantile_fraction * N)`` trials, N counting the
        live trials still on their way to the point. Donors must still be live and have a
        checkpoint."""
        peers = []
        for tid, r in self._members.items():
            if k in r.scores and not r.error:
                sc = r.scores[k]
                peers.append((math.inf if sc is None else sc, tid))
        if len(peers) < max(
            math.ceil(1 / self.quantile_fraction - 1e-9), math.ceil(self._live() / 2)
        ):
            return False, None
        peers.sort()
        # the quantiles are shares of the whole population: the trials still on their way
        # to the point count too, so a judgement does not depend on how many have arrived
        behind = sum(1 for r in self._members.values() if not r.done and k not in r.scores)
        n = int((len(peers) + behind) * self.quantile_fraction + 1e-9)
        if trial_id not in {tid for _, tid in peers[-n:]}:
            return True, None
        top = [
            tid
            for sc, tid in peers[:n]
            if math.isfinite(sc)
            and tid != trial_id
            and not self._members[tid].done
            and self._members[tid].checkpoint is not None
        ]
        if not top:
            return True, None
        return True, top[int(self.rng.integers(len(top)))]

    # -- explore ---------------------------------------------------------------------------
    def explore(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of ``config`` with every ``hyperparam_mutations`` key resampled or perturbed."""
        return self._explorer.explore(config, self.rng)

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(message, RuntimeWarning, stacklevel=3)

    # -- state -----------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {
            "rng": self.rng.bit_generator.state,
            "members": {tid: asdict(m) for tid, m in self._members.items()},
            "history": copy.deepcopy(self.history),
            "to_come": self._to_come if math.isfinite(self._to_come) else None,  # None: inf
            "slots": self._slots,
            "probed": self._probed,
            "seq": self._seq,
            "warned": sorted(self._warned),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self._reset()
        if "rng" in state:
            self.rng.bit_generator.state = state["rng"]
        self._members = {
            str(tid): _Member.from_json(d) for tid, d in state.get("members", {}).items()
        }
        self.history = copy.deepcopy(state.get("history", {}))
        to_come = state.get("to_come", 0.0)
        self._to_come = math.inf if to_come is None else float(to_come)
        slots = state.get("slots")
        self._slots = None if slots is None else int(slots)
        self._probed = bool(state.get("probed", False))
        self._seq = int(state.get("seq", 0))
        self._warned = set(state.get("warned", []))
