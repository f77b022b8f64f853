"""Bayesian optimization with a Gaussian process (numpy/scipy only).

After ``n_initial_points`` quasi-random configs (a scrambled Sobol sequence), each suggestion
fits a GP (Matérn 5/2, one length scale per column, MAP hyperparameters; see :mod:`._bo.gp`)
to the finished trials and maximises an acquisition function (log expected improvement by
default, UCB as an option; see :mod:`._bo.acquisition`). The encoding (:mod:`._bo.encoding`)
keeps floats continuous (log domains in log space), snaps integers and quantized floats to
their levels inside the kernel, and one-hot encodes categoricals and grid axes.

* **Outputs.** Values are standardised, then Yeo-Johnson warped (``warp_outputs``) so that
  heavy-tailed objectives (Rosenbrock-like) do not flatten the model near the optimum.
* **Parallel.** With trials still running, ``pending`` says how they are accounted for
  (:mod:`._bo.batch`): a pessimistic kriging believer, a constant liar, local penalisation,
  Monte Carlo fantasies (asynchronous q-EI), Thompson sampling or a TuRBO-like trust
  region; the default ``"auto"`` picks by the number of trials running, as measured by
  ``benchmarks/search_quality.py``. A suggestion keeps ``MIN_PENDING_DISTANCE`` length
  scales from running trials (:mod:`._bo.candidates`).
* **Failures.** A failed trial (error, NaN/inf or missing metric) is given the worst value
  seen so far (``impute_failures=True``), so the model learns to avoid its region; it is
  never the best. Before any value is known, failures are simply skipped.
* **Bounded cost.** Past ``max_fit_points`` trials the GP is fitted on the best half and the
  most recent ones; hyperparameters are re-optimised at every new observation while there
  are few, then every ``n // 10`` new observations (warm-started from the previous fit, with
  fewer random restarts); between refits only the Cholesky factor is updated.
* **Several objectives** (``Tuner(metric=[...])``): ParEGO (:mod:`._bo.parego`), each
  suggestion made on a random augmented-Chebyshev scalarisation of the objectives; an
  infeasible trial (``constraints=``) is penalised like a failure.
* **Warm start.** :meth:`BayesOpt.add_prior_results` takes a previous experiment's
  ``results.dataframe()`` (or a list of dicts) and counts its rows as finished trials.

Intermediate results are ignored: the model learns from each trial's last row.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.stats
from scipy.stats import qmc

from raytune_lite._checks import check_int
from raytune_lite.search._bo.acquisition import Acquisition, Score, acquisition_value, optimize
from raytune_lite.search._bo.batch import (
    BELIEVER_PESSIMISM,
    SOFT_PESSIMISM,
    Pending,
    TrustRegion,
    believe,
    fantasy_average,
    penalized,
    resolve,
    thompson,
)
from raytune_lite.search._bo.candidates import first_new
from raytune_lite.search._bo.encoding import Encoding
from raytune_lite.search._bo.gp import GaussianProcess, fit_theta, one_blas_thread, standardize
from raytune_lite.search._bo.parego import scalarize_table
from raytune_lite.search._mo_losses import MultiLosses, multi_objective
from raytune_lite.search._observations import Observations
from raytune_lite.search.base import Searcher, Suggestion
from raytune_lite.space import Space
from raytune_lite.trial import Mode, ModeName

__all__ = ["BELIEVER_PESSIMISM", "BayesOpt", "Pending"]

#: while fewer finite observations than this are known, suggestions stay quasi-random
MIN_MODEL_POINTS = 2
#: hyperparameters are refitted at every new observation up to this many
ALWAYS_REFIT = 40


class BayesOpt(Searcher):
    """Gaussian-process Bayesian optimization: seeded, asynchronous-safe, mixed spaces.

    Args:
        n_initial_points: quasi-random (Sobol) configs before the GP is used; trials added
            with ``add_trial`` and prior results count towards it. Default:
            ``number of parameters + 4``, clipped to ``[5, 10]``.
        acquisition: ``"ei"`` (log expected improvement) or ``"ucb"``.
        ucb_kappa: exploration weight of UCB (``mean - kappa * std`` is minimised).
        pending: how running trials are accounted for: ``"auto"`` (by their number),
            ``"believer"``, ``"soft_believer"``, ``"liar"``, ``"penalize"``, ``"fantasies"``,
            ``"thompson"`` or ``"trust_region"`` (see
            :class:`~raytune_lite.search._bo.batch.Pending`).
        impute_failures: give failed trials the worst observed value (else skip them).
        max_fit_points: the GP is fitted on at most this many trials (best half + most recent).
        n_candidates: random candidates scored per suggestion (half as many again near the
            best points); the best few are refined by L-BFGS-B.
        warp_outputs: Yeo-Johnson warp the standardised values before fitting.
        max_pending: see :class:`~raytune_lite.search.base.Searcher`.

    Example:
        >>> import raytune_lite as rt
        >>> from raytune_lite.search.bayes import BayesOpt
        >>> bo = BayesOpt(n_initial_points=5)
        >>> bo.setup(rt.Space({"x": rt.uniform(-5, 5), "act": rt.choice(["a", "b"])}),
        ...          "loss", "min", seed=0)
        >>> for i in range(15):
        ...     cfg = bo.suggest(str(i))
        ...     bo.on_complete(str(i), {"loss": cfg["x"] ** 2 + (cfg["act"] == "b")}, False)
        >>> best = min(bo.observations(), key=lambda o: o[1])
        >>> best[0]["act"], abs(best[0]["x"]) < 0.5
        ('a', True)
    """

    requires_metric = True
    supports_multi_objective = True

    def __init__(
        self,
        *,
        n_initial_points: int | None = None,
        acquisition: str | Acquisition = "ei",
        ucb_kappa: float = 2.0,
        pending: str | Pending = "auto",
        impute_failures: bool = True,
        max_fit_points: int = 300,
        n_candidates: int = 512,
        warp_outputs: bool = True,
        max_pending: int | None = None,
    ):
        super().__init__(max_pending=max_pending)
        self.n_initial_points = (
            None if n_initial_points is None else check_int("n_initial_points", n_initial_points, 1)
        )
        self.acquisition = Acquisition.parse(acquisition)
        if (
            isinstance(ucb_kappa, bool)
            or not isinstance(ucb_kappa, (int, float))
            or not math.isfinite(ucb_kappa)
            or ucb_kappa < 0
        ):
            raise ValueError(f"ucb_kappa must be a finite number >= 0; got {ucb_kappa=}")
        self.ucb_kappa = float(ucb_kappa)
        self.pending = Pending.parse(pending)
        self.impute_failures = bool(impute_failures)
        self.warp_outputs = bool(warp_outputs)
        self.max_fit_points = check_int("max_fit_points", max_fit_points, 10)
        self.n_candidates = check_int("n_candidates", n_candidates, 1)
        self._enc: Encoding | None = None
        self._obs = Observations("BayesOpt")
        self._mo = MultiLosses()
        self._design_seed = 0
        self._design_used = 0
        self._theta: np.ndarray | None = None
        self._fit_n = 0
        self._region = TrustRegion()

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
        self._enc = Encoding(space)
        self._design_seed = int(self.rng.integers(2**31))
        self._design_used = 0
        self._theta = None
        self._fit_n = 0
        self._region = TrustRegion()
        self._obs.setup(self._enc.encode, self._enc.dim, metric, self.mode)
        self._mo = MultiLosses()

    @property
    def encoding(self) -> Encoding:
        if self._enc is None:
            raise RuntimeError("BayesOpt.setup() must be called before suggest (the Tuner does it)")
        return self._enc

    @property
    def initial_points(self) -> int:
        """The number of quasi-random configs before the model is used."""
        if self.n_initial_points is not None:
            return self.n_initial_points
        return max(5, min(10, self.encoding.n_params + 4))

    def observations(self) -> list[tuple[dict[str, Any], float | None]]:
        """Finished trials as ``(config, metric value or None for a failure)``, oldest first."""
        return self._obs.finished()

    def add_trial(self, trial_id: str, config: dict[str, Any]) -> None:
        self._obs.add(trial_id, dict(config))

    def on_complete(self, trial_id: str, row: dict[str, Any] | None, error: bool) -> None:
        self._obs.complete(trial_id, row, error)
        objectives = multi_objective(self.objectives)
        if objectives is not None:
            self._mo.record(trial_id, row, error, objectives, self.constraints)
        if trial_id in self._obs and self._enc is not None:
            self._region.observe(self._obs[trial_id].loss, self._enc.n_params)

    def add_prior_results(self, records: Any, metric: str | None = None) -> None:
        """Warm start from earlier results.

        Args:
            records: a DataFrame such as ``ResultGrid.dataframe()`` (config columns named
                ``"config/<path>"``) or a list of dicts with those keys or a ``"config"``
                dict; each row also holds the metric. Rows whose metric is missing or NaN, or
                whose ``status`` is ``"ERROR"``, count as failures; rows whose config does not
                fit the space are kept out of the model.
            metric: the metric's column name, if not the searcher's metric.

        May be called before :meth:`setup` (the rows are kept until then).
        """
        self._obs.add_prior(records, metric)

    # -- suggestions -------------------------------------------------------------------------
    def suggest(self, trial_id: str) -> Suggestion:
        enc = self.encoding
        done = [o for o in self._obs.values() if o.x is not None and o.loss is not None]
        x: np.ndarray | None = None
        multi = multi_objective(self.objectives) is not None
        if (
            len(self._obs) >= self.initial_points
            and len(done) >= MIN_MODEL_POINTS
            and (not multi or scalarize_table(self._obs, self._mo, self.rng) >= MIN_MODEL_POINTS)
        ):
            with one_blas_thread():
                x = self._model_point()
        if x is None:
            x = self._design_point()
        config = enc.decode(x, self.rng)
        self._obs.add(trial_id, config)
        return config

    def _design_point(self) -> np.ndarray:
        enc = self.encoding
        i = self._design_used
        self._design_used += 1
        if enc.n_params == 0:
            return np.zeros(0)
        n = 1 << max(self.initial_points - 1, 1).bit_length()
        if i < n:
            sobol = qmc.Sobol(enc.n_params, scramble=True, seed=self._design_seed)
            u = sobol.random(n)[i]
        else:
            u = self.rng.random(enc.n_params)
        return enc.from_raw(u[None, :])[0]

    def _training_set(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Inputs and losses of the fit (failures imputed), and the pending inputs."""
        finished = [o for o in self._obs.values() if o.x is not None and o.done]
        losses = [o.loss for o in finished if o.loss is not None]
        worst = max(losses)
        keep = [o for o in finished if o.loss is not None or self.impute_failures]
        xs = np.array([o.x for o in keep])
        ys = np.array([worst if o.loss is None else o.loss for o in keep])
        if len(keep) > self.max_fit_points:
            half = self.max_fit_points // 2
            best = set(np.argsort(ys, kind="stable")[:half].tolist())
            recent = [i for i in range(len(keep) - 1, -1, -1) if i not in best]
            idx = sorted(best | set(recent[: self.max_fit_points - half]))
            xs, ys = xs[idx], ys[idx]
        pend = [o.x for o in self._obs.values() if o.x is not None and not o.done]
        xp = np.array(pend).reshape(len(pend), self.encoding.dim)
        return xs, ys, xp

    def _hyperparameters(self, xs: np.ndarray, y: np.ndarray) -> np.ndarray:
        n = len(xs)
        stale = self._theta is None or len(self._theta) != xs.shape[1] + 2
        if stale or (
            n != self._fit_n and (n <= ALWAYS_REFIT or abs(n - self._fit_n) >= max(1, n // 10))
        ):
            restarts = 2 if n <= ALWAYS_REFIT else 1
            self._theta = fit_theta(
                xs,
                y,
                self.rng,
                None if stale else self._theta,
                restarts=restarts,
                maxiter=100 if n > ALWAYS_REFIT else 200,
            )
            self._fit_n = n
        assert self._theta is not None
        return self._theta

    def _model_point(self) -> np.ndarray | None:
        enc = self.encoding
        xs, ys, xp = self._training_set()
        if enc.dim == 0:
            return None
        y = standardize(ys)
        if self.warp_outputs and len(y) >= 5 and float(np.ptp(y)) > 1e-9:
            y = standardize(scipy.stats.yeojohnson(y)[0])
        gp = GaussianProcess(xs, y, self._hyperparameters(xs, y))
        strategy = resolve(self.pending, len(xp) + 1)  # by concurrency
        if strategy is Pending.TRUST_REGION and not enc.layout.numeric:
            strategy = Pending.THOMPSON  # no box to draw in a purely categorical space
        anchors = xs[np.argsort(y, kind="stable")[:5]]
        if strategy in (Pending.THOMPSON, Pending.TRUST_REGION):
            gpf = believe(gp, xp, 0.0)
            if strategy is Pending.TRUST_REGION:
                raw = self._region.candidates(
                    self.rng, anchors[0], gp.lengthscales, enc.layout.numeric, self.n_candidates
                )
                cand = enc.layout.perturb(self.rng, enc.layout.snap(raw), len(raw), 0.0)
            else:
                cand = np.vstack(
                    [
                        enc.layout.random(self.rng, self.n_candidates),
                        enc.layout.perturb(self.rng, anchors, self.n_candidates // 2, 0.05),
                    ]
                )
            return first_new(thompson(gpf, cand, self.rng), gpf.x, xp, gp.lengthscales)
        kind, kappa = self.acquisition, self.ucb_kappa
        if strategy in (Pending.BELIEVER, Pending.SOFT_BELIEVER) and len(xp):
            soft = strategy is Pending.SOFT_BELIEVER
            gp = believe(gp, xp, SOFT_PESSIMISM if soft else BELIEVER_PESSIMISM, soft)
        elif strategy is Pending.LIAR and len(xp):
            gp = gp.condition(xp, np.zeros(len(xp)))
        best = float(np.min(gp.predict(gp.x)[0]))

        def log_ei(x: np.ndarray, grad: bool) -> tuple[np.ndarray, np.ndarray | None]:
            if grad:
                m, v, dm, dv = gp.predict_grad(x)
                return acquisition_value(kind, m, v, best, kappa, dm, dv)
            m, v = gp.predict(x)
            return acquisition_value(kind, m, v, best, kappa)

        score: Score = log_ei
        taken = gp.x
        if strategy is Pending.PENALIZE:
            probe = np.vstack([xs, enc.layout.random(self.rng, 128)])
            score = penalized(score, gp, xp, best, probe)
        elif strategy is Pending.FANTASIES:
            score = fantasy_average(gp, xp, self.rng, kind, kappa)
        if strategy in (Pending.PENALIZE, Pending.FANTASIES):
            taken = np.vstack([gp.x, xp])
        cand, _ = optimize(
            score,
            enc.layout,
            self.rng,
            anchors,
            n_random=self.n_candidates,
            n_local=self.n_candidates // 2,
        )
        return first_new(cand, taken, xp, gp.lengthscales)

    # -- resume ------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {
            **super().state(),
            **self._obs.state(),
            "design_seed": self._design_seed,
            "design_used": self._design_used,
            "theta": None if self._theta is None else [float(t) for t in self._theta],
            "fit_n": self._fit_n,
            "trust_region": self._region.state(),
            "mo": self._mo.state(),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        self._obs.load_state(state)
        self._design_seed = int(state.get("design_seed", self._design_seed))
        self._design_used = int(state.get("design_used", 0))
        theta = state.get("theta")
        self._theta = None if theta is None else np.array(theta, dtype=float)
        self._fit_n = int(state.get("fit_n", 0))
        self._region = TrustRegion(**state.get("trust_region", {}))
        self._mo.load_state(state.get("mo", {}))
