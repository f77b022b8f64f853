"""TPE: the tree-structured Parzen estimator (Bergstra et al. 2011), multivariate by default.

After ``n_startup_trials`` random configs, the finished trials are split by their metric into
a *good* group (the best ``gamma(n)``) and a *bad* group (the rest). Each group gets a kernel
density model ``l(x)`` / ``g(x)`` in the unit-cube encoding (see :mod:`._tpe.parzen`);
``n_ei_candidates`` points drawn from ``l`` are scored by ``log l(x) - log g(x)`` (which orders
them like expected improvement) and the best one is suggested.

* **Multivariate** (default, Falkner et al. 2018; Optuna's ``multivariate=True``): one kernel
  per observation over all dimensions of a group, so correlated parameters are modelled
  jointly; ``multivariate=False`` gives the original independent per-parameter TPE.
* **Conditional spaces.** A ``rt.choice`` whose choices are dicts holding domains is a branch:
  the domains inside a branch are modelled only on the trials that took it (each branch is a
  group of its own, searched after its selector is chosen), so a space such as
  ``{"model": rt.choice([{"type": "svm", "C": ...}, {"type": "tree", "depth": ...}])}`` is
  searched well. Values computed by ``rt.sample_from`` are not modelled (they are functions of
  the rest). Grid axes are searched like categorical choices.
* **Asynchronous.** With ``constant_liar`` (default) trials still running count in the bad
  group, so several concurrent suggestions spread out instead of piling on one mode.
* **Define-by-run objectives** (``objective(trial)`` with ``trial.suggest_*``): the space is
  learnt as trials ask for values (:mod:`._tpe.dynamic`: the parameters every trial has are
  drawn jointly when multivariate, the others one by one); :meth:`TPE.suggest_param` answers
  one ask.
* **Failures.** A failed trial, or one whose metric is NaN/inf/missing, ranks below every
  finished one (bad group): never the best, and its region becomes less likely.
* **Several objectives** (``Tuner(metric=[...])``): MOTPE, the good group made of whole
  non-dominated fronts and the last one cut by hypervolume contribution
  (:mod:`._tpe.motpe`); infeasible trials (``constraints=``) are always in the bad group.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from raytune_lite._checks import check_int
from raytune_lite.search._mo_losses import MultiLosses, multi_objective
from raytune_lite.search._observations import Observation, Observations
from raytune_lite.search._tpe.dynamic import DynamicSpace
from raytune_lite.search._tpe.motpe import mo_gamma, mo_split
from raytune_lite.search._tpe.parzen import Dim, ParzenConfig, ParzenEstimator, default_weights
from raytune_lite.search._tpe.space import Context, TreeSpace
from raytune_lite.search.base import Searcher, Suggestion
from raytune_lite.space import Space
from raytune_lite.trial import Mode, ModeName

__all__ = ["TPE", "default_gamma"]


def default_gamma(n: int) -> int:
    """Optuna's split: the best 10 % of the finished trials (rounded up), at most 25."""
    return min(math.ceil(0.1 * n), 25)


class TPE(Searcher):
    """Tree-structured Parzen estimator search: seeded, asynchronous-safe, conditional spaces.

    Args:
        n_startup_trials: random configs before the model is used (finished trials, failures
            and prior results included).
        n_ei_candidates: draws from the good model scored per suggestion.
        gamma: size of the good group: a callable ``n -> int`` of the number of finished
            trials with a value, or a fraction in ``(0, 1]`` (``ceil(gamma * n)``). Default:
            :func:`default_gamma` (10 %, at most 25); with several objectives 10 % uncapped.
        prior_weight: weight of the prior kernel (a broad one over the whole range, uniform
            over categorical choices), also the smoothing mass of categorical kernels.
        consider_prior: add the prior kernel to both models.
        consider_magic_clip: keep bandwidths above ``1 / min(100, 1 + kernels)`` of the range.
        consider_endpoints: univariate bandwidths also look at the range ends as neighbours.
        multivariate: joint kernels over a group's parameters (False: independent ones).
            Default (None): joint with one objective, independent with several (as Optuna's
            TPE; on the multi-objective benchmark independent kernels did better).
        constant_liar: count running trials in the bad group (spreads concurrent suggestions).
        weights: observation weights by age, ``n -> (n,)`` oldest first; default: the last 25
            weigh 1, older ones ramp down (as in Optuna).
        max_pending: see :class:`~raytune_lite.search.base.Searcher`.

    Example:
        >>> import raytune_lite as rt
        >>> from raytune_lite.search.tpe import TPE
        >>> tpe = TPE(n_startup_trials=5)
        >>> tpe.setup(rt.Space({"x": rt.uniform(-5, 5), "act": rt.choice(["a", "b"])}),
        ...           "loss", "min", seed=0)
        >>> for i in range(20):
        ...     cfg = tpe.suggest(str(i))
        ...     tpe.on_complete(str(i), {"loss": cfg["x"] ** 2 + (cfg["act"] == "b")}, False)
        >>> best = min(tpe.observations(), key=lambda o: o[1])
        >>> best[0]["act"], abs(best[0]["x"]) < 1.5
        ('a', True)
    """

    requires_metric = True
    supports_multi_objective = True

    def __init__(
        self,
        *,
        n_startup_trials: int = 10,
        n_ei_candidates: int = 24,
        gamma: Callable[[int], int] | float | None = None,
        prior_weight: float = 1.0,
        consider_prior: bool = True,
        consider_magic_clip: bool = True,
        consider_endpoints: bool = False,
        multivariate: bool | None = None,
        constant_liar: bool = True,
        weights: Callable[[int], np.ndarray] | None = None,
        max_pending: int | None = None,
    ):
        super().__init__(max_pending=max_pending)
        self.n_startup_trials = check_int("n_startup_trials", n_startup_trials, 0)
        self.n_ei_candidates = check_int("n_ei_candidates", n_ei_candidates, 1)
        if (
            gamma is not None
            and not callable(gamma)
            and (
                isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or not 0 < gamma <= 1
            )
        ):
            raise ValueError(
                f"gamma must be a fraction in (0, 1] or a callable n -> int; got {gamma=}"
            )
        self.gamma = gamma
        if (
            isinstance(prior_weight, bool)
            or not isinstance(prior_weight, (int, float))
            or not math.isfinite(prior_weight)
            or prior_weight <= 0
        ):
            raise ValueError(f"prior_weight must be a number > 0; got {prior_weight=}")
        if weights is not None and not callable(weights):
            raise ValueError(f"weights must be a callable n -> array of n weights; got {weights=}")
        self.weights = weights or default_weights
        self.constant_liar = bool(constant_liar)
        self.parzen = ParzenConfig(
            prior_weight=float(prior_weight),
            consider_prior=bool(consider_prior),
            consider_magic_clip=bool(consider_magic_clip),
            consider_endpoints=bool(consider_endpoints),
            multivariate=multivariate is not False,
        )
        self._multivariate = multivariate
        self._tree: TreeSpace | None = None
        self._obs = Observations("TPE")
        self._dynamic = DynamicSpace()  # a define-by-run objective's space, as it appears
        self._mo = MultiLosses()

    # -- set-up and bookkeeping ------------------------------------------------------------
    def setup(
        self,
        space: Space,
        metric: str | None,
        mode: Mode | ModeName,
        seed: int | None,
        num_samples: int = 1,
    ) -> None:
        super().setup(space, metric, mode, seed, num_samples)
        self._dynamic = DynamicSpace()
        self._tree = TreeSpace(space)
        self._obs.setup(self._tree.extract, self._tree.dim, metric, self.mode)
        self._mo = MultiLosses()

    @property
    def tree(self) -> TreeSpace:
        if self._tree is None:
            raise RuntimeError("TPE.setup() must be called before suggest (the Tuner does it)")
        return self._tree

    def observations(self) -> list[tuple[dict[str, Any], float | None]]:
        """Finished trials as ``(config, metric value or None for a failure)``, oldest first."""
        return self._obs.finished()

    def add_trial(self, trial_id: str, config: dict[str, Any]) -> None:
        self._obs.add(trial_id, dict(config))

    def on_complete(self, trial_id: str, row: dict[str, Any] | None, error: bool) -> None:
        self._obs.complete(trial_id, row, error)
        self._dynamic.ended(trial_id)
        objectives = multi_objective(self.objectives)
        if objectives is not None:
            self._mo.record(trial_id, row, error, objectives, self.constraints)

    def add_prior_results(self, records: Any, metric: str | None = None) -> None:
        """Warm start from earlier results: a DataFrame (``ResultGrid.dataframe()``) or a list
        of dicts with ``"config/<path>"`` keys (or a ``"config"`` dict) and the metric.

        Rows whose metric is missing or NaN, or whose ``status`` is ``"ERROR"``, count as
        failures. May be called before :meth:`setup` (the rows are kept until then).
        """
        self._obs.add_prior(records, metric)

    # -- suggestions -------------------------------------------------------------------------
    def suggest(self, trial_id: str) -> Suggestion:
        tree = self.tree
        n_done = sum(o.done for o in self._obs.values())
        startup = n_done < self.n_startup_trials
        values = self._random_values() if startup else self._model_values()
        config = tree.assemble(values, self.rng)
        self._obs.add(trial_id, config)
        return config

    def suggest_param(
        self, trial_id: str, name: str, distribution: Any, params: dict[str, Any]
    ) -> Any:
        """A define-by-run trial's value of ``name`` from ``distribution`` (a
        :mod:`raytune_lite.define_by_run.distributions` one), given its values so far
        (``params``); recorded as part of the trial's config."""
        value = self._dynamic.suggest(self, list(self._obs.values()), trial_id, name, distribution)
        obs = self._obs.get(trial_id)
        if obs is not None:
            obs.config = {**obs.config, **params, name: value}
        return value

    def _random_values(self) -> np.ndarray:
        tree = self.tree
        u = self.rng.random(tree.dim)
        for i, p in enumerate(tree.params):
            if p.categorical:
                u[i] = min(math.floor(u[i] * p.n_choices), p.n_choices - 1)
        return self._mask_inactive(u)

    def _mask_inactive(self, values: np.ndarray) -> np.ndarray:
        tree = self.tree
        for g in tree.groups:
            if g and not tree.active(g, values):
                values[tree.group_members[g]] = np.nan
        return values

    def _gamma(self, n: int) -> int:
        if self.gamma is None:
            k = (mo_gamma if multi_objective(self.objectives) else default_gamma)(n)
        elif callable(self.gamma):
            k = int(self.gamma(n))
        else:
            k = math.ceil(float(self.gamma) * n)
        return min(max(k, 1), n) if n else 0

    def _model_values(self) -> np.ndarray:
        tree = self.tree
        values = np.full(tree.dim, np.nan)
        obs = list(self._obs.values())
        xs = np.array([o.x for o in obs]).reshape(len(obs), tree.dim)
        for g in tree.groups:
            members = tree.group_members[g]
            if not members or not tree.active(g, values):
                continue
            values[members] = self._sample_group(g, members, obs, xs)
        return self._mask_inactive(values)

    def _split(self, rows: np.ndarray, obs: list[Observation]) -> tuple[np.ndarray, np.ndarray]:
        """Indices (oldest first) of the good and the bad trials among ``rows``."""
        if multi_objective(self.objectives) is not None:
            return self._split_multi(rows, obs)
        finite = [i for i in rows if obs[i].done and obs[i].loss is not None]
        finite.sort(key=lambda i: (obs[i].loss, i))
        n_below = self._gamma(len(finite))
        below = sorted(finite[:n_below])
        above = sorted(
            finite[n_below:]
            + [
                i
                for i in rows
                if (obs[i].done and obs[i].loss is None) or (not obs[i].done and self.constant_liar)
            ]
        )
        return np.array(below, dtype=int), np.array(above, dtype=int)

    def _split_multi(
        self, rows: np.ndarray, obs: list[Observation]
    ) -> tuple[np.ndarray, np.ndarray]:
        """MOTPE's split (:func:`._tpe.motpe.mo_split`): trials that count by front and
        hypervolume; failed, infeasible and (liar) running ones in the bad group."""
        ids = list(self._obs)
        rows = np.asarray(rows, dtype=int)
        done = np.array([obs[i].done for i in rows], dtype=bool)
        losses, ok = self._mo.matrix([ids[i] for i in rows])
        ok &= done
        good = set(rows[mo_split(losses, ok, self._gamma(int(ok.sum())))].tolist())
        bad = [int(i) for i, d in zip(rows, done, strict=True) if (d or self.constant_liar)]
        return np.array(sorted(good), dtype=int), np.array(
            [i for i in bad if i not in good], dtype=int
        )

    def _sample_group(
        self, g: Context, members: list[int], obs: list[Observation], xs: np.ndarray
    ) -> np.ndarray:
        tree = self.tree
        rows = np.flatnonzero(tree.active(g, xs)) if g else np.arange(len(obs))
        below, above = self._split(rows, obs)
        dims = [Dim(tree.params[m].n_choices, tree.params[m].edges) for m in members]
        cols = np.array(members, dtype=int)
        wb = np.ones(len(below)) if multi_objective(self.objectives) else self._weights(len(below))
        cfg = self.parzen
        if self._multivariate is None and multi_objective(self.objectives) is not None:
            cfg = dataclasses.replace(cfg, multivariate=False)
        lx = ParzenEstimator(xs[np.ix_(below, cols)], wb, dims, cfg)
        gx = ParzenEstimator(xs[np.ix_(above, cols)], self._weights(len(above)), dims, cfg)
        cand = lx.sample(self.rng, self.n_ei_candidates)
        score = lx.log_pdf(cand) - gx.log_pdf(cand)
        if score.ndim == 1:
            return np.asarray(cand[int(np.argmax(score))])
        best = np.argmax(score, axis=0)
        return np.asarray(cand[best, np.arange(len(members))])

    def _weights(self, n: int) -> np.ndarray:
        w = np.asarray(self.weights(n), dtype=float) if n else np.zeros(0)
        if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError(f"weights({n}) must return {n} finite weights >= 0; got {w!r}")
        return w if n == 0 or w.sum() > 0 else np.ones(n)

    # -- resume ------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        dynamic = {"dynamic": self._dynamic.state()} if self._dynamic.dists else {}
        return {**super().state(), **self._obs.state(), "mo": self._mo.state(), **dynamic}

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        self._obs.load_state(state)
        self._dynamic = DynamicSpace.from_state(state.get("dynamic"))
        self._mo.load_state(state.get("mo", {}))
