"""NSGA-II (Deb et al. 2002) for several objectives, asynchronous (steady state).

The first ``population_size`` suggestions are random. After that each suggestion is a child
of two parents picked by binary tournament from the *archive*: the finished trials ranked by
constrained non-dominated sorting (feasible before infeasible, failed last; then the front,
then the crowding distance within it), the best ``population_size`` of them kept. A child is
made in the [0, 1] encoding of the space: simulated binary crossover (SBX) of the parents,
then polynomial mutation of each coordinate with probability ``1 / dims``; categorical and
integer coordinates are decoded to their nearest value. Nothing waits for a generation:
every finished trial joins the archive as it arrives, so workers never idle.

With one objective it is a steady-state genetic algorithm on that one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from raytune_lite.multiobjective import Objectives, crowding_distance, feasible
from raytune_lite.multiobjective import non_dominated_ranks as _ranks
from raytune_lite.search.base import Searcher, Suggestion


class NSGA2(Searcher):
    """Non-dominated sorting genetic search for one or several objectives.

    Args:
        population_size: the random start, and the archive's size (>= 4).
        crossover_eta: SBX's distribution index (larger: children nearer their parents).
        mutation_eta: polynomial mutation's distribution index.
        max_pending: see :class:`~raytune_lite.search.Searcher`.

    Example:
        >>> import raytune_lite as rt
        >>> from raytune_lite.multiobjective import Objectives
        >>> s = NSGA2(population_size=4)
        >>> s.setup(rt.Space({"x": rt.uniform(0, 1)}), "f1", "min", seed=0)
        >>> s.objectives = Objectives(("f1", "f2"), (rt.trial.Mode.MIN,) * 2)
        >>> for i in range(6):
        ...     cfg = s.suggest(str(i))
        ...     s.on_complete(str(i), {"f1": cfg["x"], "f2": (1 - cfg["x"]) ** 2}, False)
        >>> 0 <= s.suggest("6")["x"] <= 1
        True
    """

    supports_multi_objective = True
    requires_metric = True

    def __init__(
        self,
        *,
        population_size: int = 20,
        crossover_eta: float = 15.0,
        mutation_eta: float = 20.0,
        max_pending: int | None = None,
    ) -> None:
        super().__init__(max_pending=max_pending)
        if (
            isinstance(population_size, bool)
            or not isinstance(population_size, int)
            or (population_size < 4)
        ):
            raise ValueError(f"population_size must be an int >= 4; got {population_size=}")
        for name, v in (("crossover_eta", crossover_eta), ("mutation_eta", mutation_eta)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v < math.inf:
                raise ValueError(f"{name} must be a finite number > 0; got {name}={v!r}")
        self.population_size = population_size
        self.crossover_eta = float(crossover_eta)
        self.mutation_eta = float(mutation_eta)
        self._suggested = 0
        self._done: dict[str, tuple[list[float], list[float], bool]] = {}  # x, losses, ok
        self._pending: dict[str, list[float]] = {}

    def _objectives(self) -> Objectives:
        if isinstance(self.objectives, Objectives):
            return self.objectives
        return Objectives((self.metric,) if self.metric else (), (self.mode,))

    def suggest(self, trial_id: str) -> Suggestion:
        dims = self.space.dim
        if self._suggested < self.population_size or len(self._done) < 2 or dims == 0:
            config = self.space.sample(self.rng)
        else:
            archive = self._archive()
            a, b = self._tournament(archive), self._tournament(archive)
            child = self._mutate(self._crossover(a, b))
            config = self.space.decode(child, self.rng)
        self._suggested += 1
        self._pending[trial_id] = [float(u) for u in self.space.encode(config)]
        return config

    # -- the archive ---------------------------------------------------------------------
    def _archive(self) -> list[tuple[np.ndarray, tuple[int, float]]]:
        """The best ``population_size`` finished trials: ``(x, (rank key, -crowding))``."""
        ids = list(self._done)
        losses = np.array([self._done[t][1] for t in ids], dtype=float)
        ok = np.array([self._done[t][2] for t in ids])
        ranks = np.full(len(ids), 10**6, dtype=float)
        if ok.any():
            ranks[ok] = _ranks(losses[ok])
        ranks[~ok] += 10**6  # infeasible or failed: after every feasible one
        crowd = np.zeros(len(ids))
        for r in np.unique(ranks):
            members = np.flatnonzero(ranks == r)
            finite = np.isfinite(losses[members]).all(axis=1)
            if finite.all() and len(members) > 0:
                crowd[members] = crowding_distance(losses[members])
        keys = [(float(ranks[i]), -float(crowd[i])) for i in range(len(ids))]
        order = sorted(range(len(ids)), key=lambda i: keys[i])[: self.population_size]
        return [(np.array(self._done[ids[i]][0]), (int(keys[i][0]), keys[i][1])) for i in order]

    def _tournament(self, archive: list[tuple[np.ndarray, tuple[int, float]]]) -> np.ndarray:
        i, j = self.rng.integers(len(archive), size=2)
        return archive[min(int(i), int(j), key=lambda k: archive[k][1])][0]

    def _crossover(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Simulated binary crossover in [0, 1], one child, each coordinate with prob. 1/2."""
        u = self.rng.random(len(a))
        beta = np.where(
            u <= 0.5,
            (2 * u) ** (1 / (self.crossover_eta + 1)),
            (1 / (2 * (1 - u) + 1e-12)) ** (1 / (self.crossover_eta + 1)),
        )
        child = 0.5 * ((1 + beta) * a + (1 - beta) * b)
        swap = self.rng.random(len(a)) < 0.5
        return np.clip(np.where(swap, child, a), 0.0, 1.0)

    def _mutate(self, x: np.ndarray) -> np.ndarray:
        """Polynomial mutation, each coordinate with probability 1 / dims."""
        out = x.copy()
        for k in np.flatnonzero(self.rng.random(len(x)) < 1 / len(x)):
            u = self.rng.random()
            e = 1 / (self.mutation_eta + 1)
            delta = (2 * u) ** e - 1 if u < 0.5 else 1 - (2 * (1 - u)) ** e
            out[k] = min(1.0, max(0.0, out[k] + delta))
        return out

    # -- results -------------------------------------------------------------------------
    def add_trial(self, trial_id: str, config: dict[str, Any]) -> None:
        try:
            self._pending[trial_id] = [float(u) for u in self.space.encode(config)]
        except (KeyError, TypeError, ValueError):
            return  # a partial config: it cannot be encoded, so it does not breed

    def on_complete(self, trial_id: str, row: dict[str, Any] | None, error: bool) -> None:
        x = self._pending.pop(trial_id, None)
        if x is None:
            return
        losses = self._objectives().losses(row)
        ok = not error and bool(np.isfinite(losses).all()) and feasible(row, self.constraints)
        self._done[trial_id] = (x, [float(v) for v in losses], ok)

    def state(self) -> dict[str, Any]:
        return {
            **super().state(),
            "suggested": self._suggested,
            "done": {t: [x, [v if math.isfinite(v) else None for v in ls], ok]
                     for t, (x, ls, ok) in self._done.items()},
            "pending": self._pending,
        }  # fmt: skip

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        self._suggested = int(state.get("suggested", 0))
        self._done = {
            t: (list(x), [math.nan if v is None else float(v) for v in ls], bool(ok))
            for t, (x, ls, ok) in state.get("done", {}).items()
        }
        self._pending = {t: list(x) for t, x in state.get("pending", {}).items()}


__all__ = ["NSGA2"]
