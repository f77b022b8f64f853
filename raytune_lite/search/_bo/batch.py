"""How :class:`~raytune_lite.search.bayes.BayesOpt` picks a point while other trials are
still running (batch / asynchronous Bayesian optimization).

Each strategy is a :class:`Pending` value:

* ``BELIEVER``: kriging believer: the running trials are fantasised at the GP's prediction
  plus half a standard deviation and the GP is conditioned on them (their variance
  collapses), then log EI is maximised.
* ``SOFT_BELIEVER``: the kriging believer keeping the fantasised variance: the fantasies
  are the GP's prediction itself (``SOFT_PESSIMISM`` = 0 standard deviations), observed
  with their predicted variance as noise, so a running trial's variance halves instead of
  collapsing and points next to it keep some of their expected improvement.
* ``LIAR``: constant liar: the fantasy is the mean of the observed values.
* ``PENALIZE``: local penalisation (González et al. 2016): log EI of the GP of the finished
  trials, plus for each running trial ``log Phi((M + L d - mu_j) / sigma_j)``, which
  excludes the ball its result probably lies in (``L``: a Lipschitz estimate of the mean).
* ``FANTASIES``: the expected improvement averaged over Monte Carlo fantasies of the
  running trials' results, drawn jointly from the posterior (Snoek et al. 2012); the
  asynchronous form of q-EI.
* ``THOMPSON``: Thompson sampling: one joint posterior sample over a candidate set (the GP
  conditioned on kriging-believer fantasies), its minimiser is the suggestion.
* ``TRUST_REGION``: TuRBO-like (Eriksson et al. 2019): Thompson sampling restricted to a box
  around the best point whose side grows after successes and shrinks after failures.
* ``AUTO``: the strategy the benchmark picked for the concurrency (see :func:`resolve`).

Example:
    >>> resolve(Pending.AUTO, 4), resolve(Pending.AUTO, 16)
    (<Pending.SOFT_BELIEVER: 'soft_believer'>, <Pending.BELIEVER: 'believer'>)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any

import numpy as np
import scipy.linalg
import scipy.special

from raytune_lite.search._bo.acquisition import Acquisition, Score, acquisition_value
from raytune_lite.search._bo.gp import GaussianProcess, matern52

__all__ = ["Pending", "TrustRegion", "fantasy_average", "penalized", "resolve", "thompson"]

#: the believer's fantasy is the predicted mean plus this many predicted standard deviations
BELIEVER_PESSIMISM = 0.5
#: the soft believer's fantasy: the predicted mean plus this many standard deviations. At 4
#: pending / 50 evaluations (4 seeds, benchmarks/search_quality.py) 0 gave Hartmann-6 a
#: median regret of 0.020 against 0.054 at 0.5, Rosenbrock-4 53 against 111: pessimism
#: pushed suggestions away from the best basin, which the kept variance already does.
SOFT_PESSIMISM = 0.0
#: Monte Carlo fantasies averaged by ``FANTASIES``
N_FANTASIES = 8


class Pending(str, Enum):
    """How running trials are accounted for when suggesting (see the module docs)."""

    AUTO = "auto"
    BELIEVER = "believer"
    SOFT_BELIEVER = "soft_believer"
    LIAR = "liar"
    PENALIZE = "penalize"
    FANTASIES = "fantasies"
    THOMPSON = "thompson"
    TRUST_REGION = "trust_region"

    @classmethod
    def parse(cls, value: str | Pending) -> Pending:
        try:
            return cls(value)
        except ValueError:
            raise ValueError(
                f"pending must be one of {[p.value for p in cls]}; got {value!r}"
            ) from None


#: ``AUTO``'s pick by concurrency (the trials running plus the one being suggested), from
#: benchmarks/search_quality.py: (at least this concurrency, strategy), the last matching
#: row wins. With 4 running, the soft believer (fantasy at the mean, ``SOFT_PESSIMISM``)
#: had the lowest median regret at 50 evaluations of those measured (4 seeds: Hartmann-6
#: 0.020 against the fantasies' 0.094 and the believer's 0.080; Rosenbrock-4 53
#: against 75 and 30), at half the fantasies' CPU time; with 16 running the believer had it at 100
#: (Hartmann-6 0.084 against 0.11-0.15 for the trust region, Thompson sampling and the
#: fantasies; Branin a tie with the fantasies), and it costs a fifth of their time. Two
#: seeds each on a loaded machine: see BENCHMARKS.md before trusting the boundary.
AUTO_TABLE: tuple[tuple[int, Pending], ...] = (
    (0, Pending.BELIEVER),
    (2, Pending.SOFT_BELIEVER),
    (16, Pending.BELIEVER),
)


def resolve(pending: Pending, concurrency: int) -> Pending:
    """The strategy used at ``concurrency`` (trials running + the one being suggested)."""
    if pending is not Pending.AUTO:
        return pending
    pick = Pending.BELIEVER
    for at_least, p in AUTO_TABLE:
        if concurrency >= at_least:
            pick = p
    return pick


def believe(
    gp: GaussianProcess, xp: np.ndarray, pessimism: float, keep_variance: bool = False
) -> GaussianProcess:
    """The GP conditioned on fantasies ``mean + pessimism * std`` at ``xp``; with
    ``keep_variance`` each fantasy is observed with its predicted variance as noise."""
    if not len(xp):
        return gp
    m, v = gp.predict(xp)
    return gp.condition(xp, m + pessimism * np.sqrt(v), v if keep_variance else None)


def joint(gp: GaussianProcess, xq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and full covariance of the latent function at ``xq``."""
    ks = matern52(xq, gp.x, gp.lengthscales, gp.signal)
    v = scipy.linalg.solve_triangular(gp.chol, ks.T, lower=True, check_finite=False)
    cov = matern52(xq, xq, gp.lengthscales, gp.signal) - v.T @ v
    return ks @ gp.alpha, cov


def sample_joint(mean: np.ndarray, cov: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` draws (rows) of ``N(mean, cov)``, with jitter until the factor exists."""
    jitter = 1e-8 * max(float(np.mean(np.diag(cov))), 1e-12)
    eye = np.eye(len(mean))
    while True:
        try:
            chol = np.linalg.cholesky(cov + jitter * eye)
            break
        except np.linalg.LinAlgError:
            jitter *= 10
    return mean[None, :] + rng.standard_normal((n, len(mean))) @ chol.T


def penalized(
    score: Score, gp: GaussianProcess, xp: np.ndarray, best: float, cand: np.ndarray
) -> Score:
    """``score`` (a log acquisition) plus the local penalties of the running trials ``xp``;
    the Lipschitz constant is the largest gradient norm of the mean over ``cand``."""
    if not len(xp):
        return score
    _, _, dm, _ = gp.predict_grad(cand)
    lip = max(float(np.max(np.linalg.norm(dm, axis=1))), 1e-7)
    mu, var = gp.predict(xp)
    sd = np.sqrt(var)

    def out(x: np.ndarray, grad: bool) -> tuple[np.ndarray, np.ndarray | None]:
        val, g = score(x, grad)
        diff = x[:, None, :] - xp[None, :, :]  # (m, k, D)
        dist = np.sqrt(np.maximum(np.sum(diff * diff, axis=2), 1e-24))
        z = (best + lip * dist - mu[None, :]) / sd[None, :]
        logphi = scipy.special.log_ndtr(z)
        val = val + logphi.sum(1)
        if not grad or g is None:
            return val, None
        ratio = np.exp(-0.5 * z * z - 0.5 * math.log(2 * math.pi) - logphi)  # phi / Phi
        coef = ratio * lip / sd[None, :] / dist  # (m, k)
        return val, g + np.einsum("mk,mkd->md", coef, diff)

    return out


def fantasy_average(
    gp: GaussianProcess,
    xp: np.ndarray,
    rng: np.random.Generator,
    kind: Acquisition,
    kappa: float,
    n: int = N_FANTASIES,
) -> Score:
    """``log`` of the acquisition averaged over ``n`` joint fantasies of the results at
    ``xp`` (for EI: the asynchronous Monte Carlo q-EI)."""
    if len(xp):
        m, cov = joint(gp, xp)
        ys = sample_joint(m, cov + gp.noise * np.eye(len(xp)), rng, n)
        gps = [gp.condition(xp, y) for y in ys]
    else:
        gps = [gp]
    bests = [float(np.min(g.predict(g.x)[0])) for g in gps]

    def out(x: np.ndarray, grad: bool) -> tuple[np.ndarray, np.ndarray | None]:
        vals: list[np.ndarray] = []
        grads: list[np.ndarray] = []
        for g, b in zip(gps, bests, strict=True):
            if grad:
                mm, vv, dm, dv = g.predict_grad(x)
                v, gr = acquisition_value(kind, mm, vv, b, kappa, dm, dv)
                assert gr is not None
                grads.append(gr)
            else:
                mm, vv = g.predict(x)
                v, _ = acquisition_value(kind, mm, vv, b, kappa)
            vals.append(v)
        a = np.array(vals)  # (S, m)
        if kind is Acquisition.UCB:  # not a log: a plain average
            return a.mean(0), (np.mean(grads, axis=0) if grad else None)
        top = a.max(0)
        w = np.exp(a - top[None, :])
        val = top + np.log(w.mean(0))
        if not grad:
            return val, None
        w = w / w.sum(0)[None, :]
        return val, np.einsum("sm,smd->md", w, np.array(grads))

    return out


def thompson(gp: GaussianProcess, cand: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``cand`` ordered by one joint posterior sample, best (lowest) first."""
    m, cov = joint(gp, cand)
    f = sample_joint(m, cov, rng, 1)[0]
    return cand[np.argsort(f, kind="stable")]


@dataclass
class TrustRegion:
    """TuRBO's trust region: side ``length`` (in length-scale-weighted unit-cube units),
    doubled after ``SUCCESSES`` improvements in a row, halved after ``max(4, dim)``
    failures in a row, reset once below ``MIN_LENGTH``.

    Example:
        >>> tr = TrustRegion()
        >>> for v in [3.0, 2.0, 1.0, 0.5]:
        ...     tr.observe(v, dim=2)
        >>> tr.length
        1.6
    """

    length: float = 0.8
    successes: int = 0
    failures: int = 0
    best: float | None = None

    SUCCESSES = 3
    MIN_LENGTH = 0.5**7
    MAX_LENGTH = 1.6

    def observe(self, loss: float | None, dim: int) -> None:
        """One finished trial's loss (None for a failure)."""
        if loss is not None and (self.best is None or loss < self.best - 1e-3 * abs(self.best)):
            first = self.best is None
            self.best = loss
            if first:
                return
            self.successes, self.failures = self.successes + 1, 0
        else:
            self.successes, self.failures = 0, self.failures + 1
        if self.successes >= self.SUCCESSES:
            self.length, self.successes = min(2 * self.length, self.MAX_LENGTH), 0
        elif self.failures >= max(4, dim):
            self.length, self.failures = self.length / 2, 0
            if self.length < self.MIN_LENGTH:
                self.length = 0.8

    def candidates(
        self,
        rng: np.random.Generator,
        centre: np.ndarray,
        lengthscales: np.ndarray,
        numeric: list[int],
        n: int,
    ) -> np.ndarray:
        """``n`` raw points uniform in the box around ``centre`` (numeric columns only; the
        others stay at the centre's values), before snapping."""
        w = lengthscales[numeric] / np.exp(np.mean(np.log(lengthscales[numeric])))
        half = 0.5 * self.length * w
        x = np.repeat(centre[None, :], n, axis=0)
        lo, hi = np.clip(centre[numeric] - half, 0, 1), np.clip(centre[numeric] + half, 0, 1)
        x[:, numeric] = lo + (hi - lo) * rng.random((n, len(numeric)))
        return x

    def state(self) -> dict[str, Any]:
        return asdict(self)
