"""The CMA-ES search distribution and its update (Hansen, "The CMA Evolution Strategy: A
Tutorial", 2016): weighted recombination of the best half, cumulative step-size adaptation,
rank-one and rank-mu covariance updates with negative weights for the worse half (active
CMA), an eigendecomposition only every few generations, a margin for discrete dimensions and
the restart criteria.

The distribution lives in the unit cube of the space's encoding; it knows nothing of trials,
generations in flight or restarts (:class:`~raytune_lite.search.cmaes.CMAES` does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

RESAMPLE_BATCHES = 4  #: 4 batches of 8 draws before mirroring a sample into the cube
TOL_FUN = 1e-12
MAX_CONDITION = 1e14


@dataclass
class Sample:
    """One suggested point: where it lies in the cube, when it was drawn, its result."""

    x: list[float]
    gen: int
    clip: bool = False  #: not an exact draw of its generation (repaired or injected)
    value: float | None = None  #: ``sign * metric``; None for a failure


class Distribution:
    """Mean, step size and covariance of one CMA-ES run.

    Args:
        cells: per dimension, one cell's width in the cube (0 for continuous dimensions);
            the margin keeps each discrete dimension's std >= ``min_std_cells`` cells.
        sigma0: the initial step size.
        min_std_cells: the margin, in cells.
        tol_sigma: restart once every continuous dimension's std is below this.

    Example:
        >>> d = Distribution(np.zeros(2), 0.2, 0.25, 1e-8)
        >>> d.reset(np.full(2, 0.5), 6)
        >>> x, repaired = d.draw(np.random.default_rng(0))
        >>> x.shape, bool(np.all((0 <= x) & (x <= 1)))
        ((2,), True)
    """

    def __init__(self, cells: np.ndarray, sigma0: float, min_std_cells: float, tol_sigma: float):
        self.cells = cells
        self.n = len(cells)
        self.sigma0 = sigma0
        self.min_std_cells = min_std_cells
        self.tol_sigma = tol_sigma
        self.reset(np.zeros(self.n), 2)

    def reset(self, mean: np.ndarray, lam: int) -> None:
        """A new run from ``mean`` with population ``lam``."""
        n = len(mean)
        self.lam = lam
        self.mean = mean.astype(float).copy()
        self.sigma = self.sigma0
        self.C = np.eye(n)
        self.B = np.eye(n)
        self.D = np.ones(n)
        self.pc = np.zeros(n)
        self.ps = np.zeros(n)
        self.run_gen = 0
        self.eigen_gen = 0
        self.hist: list[float] = []
        if n:
            self.apply_margin()

    def params(self) -> dict[str, Any]:
        """Strategy constants of the tutorial (with its negative, "active", weights)."""
        n, lam = self.n, self.lam
        mu = lam // 2
        wp = math.log((lam + 1) / 2) - np.log(np.arange(1, lam + 1))
        pos, neg = wp[:mu], wp[mu:]
        mueff = float(pos.sum() ** 2 / np.sum(pos**2))
        c1 = 2 / ((n + 1.3) ** 2 + mueff)
        cmu = min(1 - c1, 2 * (mueff - 2 + 1 / mueff) / ((n + 2) ** 2 + mueff))
        cs = (mueff + 2) / (n + mueff + 5)
        w = wp / pos.sum()
        w[mu:] = 0.0
        if cmu > 0 and np.any(neg < 0):
            mueff_neg = float(neg.sum() ** 2 / np.sum(neg**2))
            alpha = min(1 + c1 / cmu, 1 + 2 * mueff_neg / (mueff + 2), (1 - c1 - cmu) / (n * cmu))
            w[mu:] = alpha * neg / np.abs(neg[neg < 0]).sum()
        return {
            "mu": mu,
            "w": w,
            "mueff": mueff,
            "c1": c1,
            "cs": cs,
            "cmu": cmu,
            "cc": (4 + mueff / n) / (n + 4 + 2 * mueff / n),
            "damps": 1 + 2 * max(0.0, math.sqrt((mueff - 1) / (n + 1)) - 1) + cs,
            "chin": math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n**2)),
        }

    def draw(self, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
        """A point of the cube, and whether it had to be mirrored into it."""
        a = self.B * self.D  # columns scaled: y = B diag(D) z
        xs = np.zeros((0, self.n))
        for _ in range(RESAMPLE_BATCHES):
            z = rng.standard_normal((8, self.n))
            xs = self.mean + self.sigma * z @ a.T
            ok = np.flatnonzero(np.all((xs >= 0.0) & (xs <= 1.0), axis=1))
            if ok.size:
                return xs[ok[0]], False
        x = np.abs(xs[0]) % 2.0  # mirror into [0, 1]
        return np.where(x > 1.0, 2.0 - x, x), True

    def update(self, batch: list[Sample], gen: int) -> bool:
        """One generation's update from ``batch`` (drawn in generation ``gen`` or earlier);
        True when the run should restart."""
        n, p = self.n, self.params()
        ys = (np.array([s.x for s in batch]) - self.mean) / self.sigma
        cap = math.sqrt(n) + 2 * n / (n + 2)
        for i, s in enumerate(batch):
            if s.clip or s.gen != gen:  # injected, repaired or one generation stale
                norm = float(np.linalg.norm((self.B.T @ ys[i]) / self.D))
                if norm > cap:
                    ys[i] *= cap / norm
        valid = sorted((s.value, i) for i, s in enumerate(batch) if s.value is not None)
        order = [i for _, i in valid]  # failures rank last, with no weight at all
        mu = p["mu"]
        sel = [i for _, i in valid[:mu]]
        self.run_gen += 1
        if not sel:
            return False  # every result failed: nothing to learn, draw again from the same law
        w_pos = p["w"][: len(sel)] / p["w"][: len(sel)].sum()
        y_w = w_pos @ ys[sel]
        self.mean = self.mean + self.sigma * y_w
        cs, cc, c1, cmu, mueff = p["cs"], p["cc"], p["c1"], p["cmu"], p["mueff"]
        inv_sqrt_y = self.B @ ((self.B.T @ y_w) / self.D)
        self.ps = (1 - cs) * self.ps + math.sqrt(cs * (2 - cs) * mueff) * inv_sqrt_y
        ps_norm = float(np.linalg.norm(self.ps))
        hsig = ps_norm / math.sqrt(1 - (1 - cs) ** (2 * self.run_gen)) / p["chin"] < 1.4 + 2 / (
            n + 1
        )
        self.pc = (1 - cc) * self.pc + hsig * math.sqrt(cc * (2 - cc) * mueff) * y_w
        # rank-mu with the tutorial's weights: positive for the best mu (renormalized over the
        # valid ones), negative for the rest, rescaled by n / |C^-1/2 y|^2 (active CMA)
        w_neg = p["w"][mu : len(order)]
        idx_neg = order[mu:]
        ys_neg = ys[idx_neg]
        if len(idx_neg):
            mahal = np.sum(((ys_neg @ self.B) / self.D) ** 2, axis=1)
            w_neg = w_neg * n / np.maximum(mahal, 1e-12)
        y_all = np.vstack([ys[sel], ys_neg])
        w_all = np.concatenate([w_pos, w_neg])
        rank_mu = (y_all * w_all[:, None]).T @ y_all
        decay = (
            1
            - c1
            - cmu * float(np.sum(p["w"][mu : len(order)]) + 1.0)
            + (0.0 if hsig else c1 * cc * (2 - cc))
        )
        self.C = decay * self.C + c1 * np.outer(self.pc, self.pc) + cmu * rank_mu
        self.sigma *= math.exp(min(1.0, (cs / p["damps"]) * (ps_norm / p["chin"] - 1)))
        self.sigma = min(self.sigma, 2.0 / float(np.sqrt(self.C.diagonal().max())))
        forced = self.apply_margin()
        if forced or self.run_gen - self.eigen_gen >= max(1, int(1 / ((c1 + cmu) * n * 10))):
            self.eigen()
        self.hist.append(float(valid[0][0]))
        return self.should_restart([float(v) for v, _ in valid])

    def apply_margin(self) -> bool:
        """Keeps each integer/categorical dimension's sampling std >= min_std_cells cells."""
        floor = (self.min_std_cells * self.cells / self.sigma) ** 2
        diag = self.C.diagonal()
        low = floor > diag
        if not low.any():
            return False
        self.C[np.diag_indices(self.n)] = np.where(low, floor, diag)
        self.eigen()
        return True

    def eigen(self) -> None:
        self.C = np.triu(self.C) + np.triu(self.C, 1).T
        evals, self.B = np.linalg.eigh(self.C)
        self.D = np.sqrt(np.maximum(evals, 1e-30))
        self.eigen_gen = self.run_gen

    def should_restart(self, values: list[float]) -> bool:
        std = self.sigma * np.sqrt(self.C.diagonal())
        cont = self.cells == 0
        if cont.any() and bool(np.all(std[cont] < self.tol_sigma)):
            return True
        if (self.D.max() / self.D.min()) ** 2 > MAX_CONDITION:
            return True
        h = 10 + math.ceil(30 * self.n / self.lam)
        recent = self.hist[-h:]
        scale = max(1.0, abs(min(recent)))
        return (
            len(self.hist) >= h
            and max(recent) - min(recent) <= TOL_FUN * scale
            and max(values) - min(values) <= TOL_FUN * scale
        )

    # -- state -----------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {
            "run_gen": self.run_gen,
            "eigen_gen": self.eigen_gen,
            "lam": self.lam,
            "mean": self.mean.tolist(),
            "sigma": self.sigma,
            "C": self.C.tolist(),
            "B": self.B.tolist(),
            "D": self.D.tolist(),
            "pc": self.pc.tolist(),
            "ps": self.ps.tolist(),
            "hist": list(self.hist),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        n = self.n
        self.run_gen, self.eigen_gen = int(state["run_gen"]), int(state["eigen_gen"])
        self.lam = int(state["lam"])
        self.mean = np.array(state["mean"], dtype=float).reshape(n)
        self.sigma = float(state["sigma"])
        self.C = np.array(state["C"], dtype=float).reshape(n, n)
        self.B = np.array(state["B"], dtype=float).reshape(n, n)
        self.D = np.array(state["D"], dtype=float).reshape(n)
        self.pc = np.array(state["pc"], dtype=float).reshape(n)
        self.ps = np.array(state["ps"], dtype=float).reshape(n)
        self.hist = [float(v) for v in state["hist"]]
