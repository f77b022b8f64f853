"""Population Based Training (Jaderberg et al. 2017), asynchronous.

Every ``perturbation_interval`` (in ``time_attr`` units) a trial waits for a decision. If its
metric ranks in the bottom ``quantile_fraction`` of the N trials that have reached that point
of training (each compared by the value it reported when it got there, so trials that ran
ahead are judged fairly; each quantile holds ``floor(quantile_fraction * N)`` trials), it
EXPLOITs a trial of the top quantile that is still running. A trial that gets to a point
before ``1 / quantile_fraction`` trials and half of the running ones have is judged later, at
one of its next reports, once they have (that decision takes effect at its following report):
otherwise the trials that run ahead would never be judged. On an EXPLOIT the controller ends
the trial and restarts it from the donor's checkpoint with the donor's config, *explored*:
each key of ``hyperparam_mutations`` is, with ``resample_probability``, drawn afresh from its
domain, else perturbed -- numbers multiplied by one of ``perturbation_factors`` and kept within the
domain's bounds (integers rounded, moving at least one step), categorical values and value
lists moved to a neighbouring choice. A trial with a NaN/inf metric ranks last. A donor
without a checkpoint, or one that has finished, is never used (the trial CONTINUEs). Each
trial's config changes are kept in :attr:`PBT.history`: the schedule PBT discovered.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from raytune_lite.checkpoint import Checkpoint
from raytune_lite.schedulers.base import Decision, Scheduler, SyncPolicy
from raytune_lite.space import Categorical, Domain, Float, Integer, SampleFrom
from raytune_lite.trial import Mode, ModeName, TrialSnapshot, TrialStatus, metric_value

#: How one key is explored: a domain, a list of values, or a callable drawing a value.
Mutation = Domain | list[Any] | Callable[[], Any]


def _flatten_mutations(
    node: Mapping[str, Any], prefix: tuple[str, ...] = ()
) -> dict[tuple[str, ...], Mutation]:
    out: dict[tuple[str, ...], Mutation] = {}
    for key, v in node.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"hyperparam_mutations keys must be non-empty strings; got {key!r}")
        path = prefix + tuple(key.split("/"))
        if isinstance(v, Mapping):
            out.update(_flatten_mutations(v, path))
        elif isinstance(v, SampleFrom):
            raise ValueError(
                f"hyperparam_mutations[{'/'.join(path)!r}]: sample_from cannot be "
                "resampled without a config; use a domain, a list or a callable"
            )
        elif isinstance(v, Domain) or callable(v):
            out[path] = v
        elif isinstance(v, (list, tuple)) and len(v) > 0:
            out[path] = list(v)
        else:
            raise ValueError(
                f"hyperparam_mutations[{'/'.join(path)!r}] must be a domain "
                f"(e.g. rt.loguniform), a non-empty list of values or a "
                f"callable; got {v!r}"
            )
    return out


class PBT(Scheduler):
    """Population Based Training: bottom trials copy top ones and perturb their config.

    Args:
        time_attr: the row key that measures training progress.
        perturbation_interval: a trial is considered for exploitation each time ``time_attr``
            has grown by this much.
        quantile_fraction: the share of trials in the top (donors) and bottom (exploiters)
            quantiles, in ``(0, 0.5]``.
        resample_probability: chance that a key is drawn afresh instead of perturbed.
        hyperparam_mutations: ``{key path: domain | list of values | callable}`` (nested dicts
            or ``"a/b"`` paths): the keys to explore. Callables are called without arguments;
            prefer domains or lists, which draw from this scheduler's seeded generator.
        perturbation_factors: the multipliers for numeric values, one drawn at random.
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
        if synch is not False:
            raise ValueError(f"only asynchronous PBT is supported; got {synch=} (use False)")
        self.time_attr = time_attr
        self.perturbation_interval = float(perturbation_interval)
        self.quantile_fraction = float(quantile_fraction)
        self.resample_probability = float(resample_probability)
        self.hyperparam_mutations = hyperparam_mutations
        self._mutations = _flatten_mutations(hyperparam_mutations)
        self.perturbation_factors = [float(f) for f in factors]
        self.synch = synch
        self.rng = np.random.default_rng()
        #: per trial, its config changes: ``[{"time", "donor", "config"}, ...]``
        self.history: dict[str, list[dict[str, Any]]] = {}
        self._trials: dict[str, dict[str, Any]] = {}

    def setup(self, metric: str | None, mode: Mode | ModeName, seed: int | None = None) -> None:
        super().setup(metric, mode, seed)
        self.rng = np.random.default_rng(seed)
        self.history, self._trials = {}, {}

    def sync_policy(self) -> SyncPolicy:
        return SyncPolicy(self.time_attr, interval=self.perturbation_interval)

    # -- bookkeeping -----------------------------------------------------------------------
    def _record(self, trial: TrialSnapshot) -> dict[str, Any]:
        rec = self._trials.setdefault(
            trial.trial_id,
            {
                "scores": {},
                "last_k": None,
                "last_perturb": 0.0,
                "pending": None,
                "done": False,
                "error": False,
            },
        )
        rec["config"] = copy.deepcopy(dict(trial.config))
        if trial.checkpoint is not None:
            rec["checkpoint"] = trial.checkpoint.path
        rec.setdefault("checkpoint", None)
        return rec

    def on_add(self, trial: TrialSnapshot) -> None:
        self._record(trial)

    def on_complete(self, trial: TrialSnapshot) -> None:
        rec = self._record(trial)
        rec["done"] = True
        rec["error"] = trial.status is TrialStatus.ERROR

    def on_result(self, trial: TrialSnapshot, row: dict[str, Any]) -> Decision:
        rec = self._record(trial)
        t = metric_value(row, self.time_attr)
        if t is None:
            return Decision.CONTINUE
        v = metric_value(row, self.metric)
        score = None if v is None else self.mode.sign() * v
        # the score at each point k * interval of training: the report that reached it
        k = str(int(t / self.perturbation_interval + 1e-9))
        due = t - rec["last_perturb"] >= self.perturbation_interval
        if k != rec["last_k"] or due:
            rec["scores"][k] = score
            rec["last_k"] = k
        if due:
            rec["last_perturb"] = t
            rec["pending"] = k
        if rec.get("pending") is None:
            return Decision.CONTINUE
        ready, donor = self._judge(trial.trial_id, rec["pending"])
        if not ready:
            return Decision.CONTINUE  # too few peers at that point yet: judged later
        point, rec["pending"] = rec["pending"], None
        if donor is None:
            return Decision.CONTINUE
        drec = self._trials[donor]
        new_config = self.explore(drec["config"])
        rec["scores"][point] = drec["scores"][point]  # it now continues from the donor's state
        self.history.setdefault(trial.trial_id, []).append(
            {"time": t, "donor": donor, "config": copy.deepcopy(new_config)}
        )
        return Decision.exploit(new_config, Checkpoint(drec["checkpoint"]), donor)

    def _judge(self, trial_id: str, k: str) -> tuple[bool, str | None]:
        """Whether enough trials have reached point ``k`` to judge ``trial_id`` there, and
        if it ranks in the bottom quantile, a top-quantile donor.

        Trials are ranked by their score at that point of training (trials that ran ahead
        are compared by the value they had there). A judgement waits until at least
        ``1 / quantile_fraction`` trials, and half of those still running, have reached the
        point. Donors must still be running and have a checkpoint."""
        peers = []
        for tid, r in self._trials.items():
            if k in r["scores"] and not r["error"]:
                sc = r["scores"][k]
                peers.append((math.inf if sc is None else sc, tid))
        alive = sum(1 for r in self._trials.values() if not r["done"])
        if len(peers) < max(math.ceil(1 / self.quantile_fraction - 1e-9), math.ceil(alive / 2)):
            return False, None
        peers.sort()
        n = int(len(peers) * self.quantile_fraction + 1e-9)
        if trial_id not in {tid for _, tid in peers[-n:]}:
            return True, None
        top = [
            tid
            for sc, tid in peers[:n]
            if math.isfinite(sc)
            and tid != trial_id
            and not self._trials[tid]["done"]
            and self._trials[tid]["checkpoint"] is not None
        ]
        if not top:
            return True, None
        return True, top[int(self.rng.integers(len(top)))]

    # -- explore ---------------------------------------------------------------------------
    def explore(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of ``config`` with every ``hyperparam_mutations`` key resampled or perturbed."""
        new = copy.deepcopy(dict(config))
        for path, mutation in self._mutations.items():
            node: Any = new
            for p in path[:-1]:
                if not isinstance(node.get(p), dict):
                    node[p] = {}
                node = node[p]
            key = path[-1]
            if key in node and self.rng.random() >= self.resample_probability:
                node[key] = self._perturb(node[key], mutation)
            else:
                node[key] = self._resample(mutation)
        return new

    def _resample(self, mutation: Mutation) -> Any:
        if isinstance(mutation, Domain):
            return mutation.sample(self.rng)
        if isinstance(mutation, list):
            return copy.deepcopy(mutation[int(self.rng.integers(len(mutation)))])
        return mutation()

    def _perturb(self, value: Any, mutation: Mutation) -> Any:
        factor = self.perturbation_factors[int(self.rng.integers(len(self.perturbation_factors)))]
        choices = (
            mutation.choices
            if isinstance(mutation, Categorical)
            else mutation
            if isinstance(mutation, list)
            else None
        )
        if choices is not None:
            idx = next((i for i, c in enumerate(choices) if c is value or c == value), None)
            if idx is None:
                return self._resample(mutation)
            step = -1 if factor < 1 else 1
            return copy.deepcopy(choices[min(max(idx + step, 0), len(choices) - 1)])
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return self._resample(mutation)
        if isinstance(mutation, Integer):
            target = round(value * factor)
            if target == value and factor != 1:  # small ints: move at least one step
                target = int(value) + (1 if factor > 1 else -1)
            return int(min(max(target, mutation.low), mutation.high - 1))
        if isinstance(mutation, Float):
            x = min(max(value * factor, mutation.low), mutation.high)
            return mutation.from_unit(mutation.to_unit(x)) if mutation.q is not None else x
        return round(value * factor) if isinstance(value, int) else value * factor

    # -- state -----------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {
            "rng": self.rng.bit_generator.state,
            "trials": copy.deepcopy(self._trials),
            "history": copy.deepcopy(self.history),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        if "rng" in state:
            self.rng.bit_generator.state = state["rng"]
        self._trials = copy.deepcopy(state.get("trials", {}))
        self.history = copy.deepcopy(state.get("history", {}))
