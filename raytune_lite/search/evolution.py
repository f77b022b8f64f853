"""A steady-state (asynchronous) genetic algorithm.

There are no generations to wait for: every free slot gets one child, bred from the trials
that have finished so far. The parent pool is the ``population_size`` most recently finished
successful trials (an *aging* population, as in regularized evolution, Real et al. 2019) plus
the ``elite`` best trials ever seen, which never age out. Two parents are picked by tournament;
the child takes each key (each domain's path in the nested config; grid axes count as keys)
from one parent or the other at random (uniform crossover), then each key mutates with
probability ``mutation_rate``: numbers move by a Gaussian step of ``mutation_sigma`` in the
encoded unit interval (mirrored at the bounds, so log/int/quantized domains stay valid),
categoricals are redrawn among the other choices (but a ``choice`` of sorted numbers is
ordinal: it steps to a nearby choice, a Gaussian number of ranks with std
``mutation_sigma * n``). A child identical to a parent, to a trial of the pool or to one still
running gets forced mutations. ``sample_from`` values are recomputed from the child's
assembled config.

Until ``population_size`` trials have finished successfully, suggestions are random draws of
the space (never ``None``: no worker waits for the initial population). Failed trials and
trials whose metric is missing, NaN or infinite never become parents.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from raytune_lite._checks import check_int
from raytune_lite.search._ordinal import ordinal
from raytune_lite.search._population import (
    Codec,
    Genome,
    check_float,
    reflect,
    score_of,
    tournament,
)
from raytune_lite.search.base import Searcher, Suggestion
from raytune_lite.space import Categorical, Space
from raytune_lite.trial import Mode, ModeName


class GeneticSearch(Searcher):
    """Asynchronous steady-state genetic algorithm: tournament, uniform crossover, mutation.

    Args:
        population_size: finished trials kept as parents (the newest ones), and the number of
            random trials that must finish before breeding starts; >= 2.
        tournament_size: entries drawn per tournament (larger: greedier); 1 <= it <=
            ``population_size``.
        elite: best trials ever seen that stay in the parent pool however old; 0 <= it <=
            ``population_size``.
        mutation_rate: probability that each key of a child mutates, in (0, 1]; None means
            ``1 / number of keys``.
        mutation_sigma: standard deviation of a numeric mutation in the encoded ``[0, 1]``
            interval; > 0.
        max_pending: see :class:`~raytune_lite.search.base.Searcher`.

    Example:
        >>> from raytune_lite.space import Space, uniform
        >>> ga = GeneticSearch(population_size=4, tournament_size=2)
        >>> ga.setup(Space({"x": uniform(-1, 1)}), "loss", "min", seed=0)
        >>> for i in range(12):
        ...     cfg = ga.suggest(str(i))
        ...     ga.on_complete(str(i), {"loss": cfg["x"] ** 2}, False)
        >>> abs(ga.best_config["x"]) < 0.5
        True
    """

    requires_metric = True

    def __init__(
        self,
        *,
        population_size: int = 10,
        tournament_size: int = 3,
        elite: int = 2,
        mutation_rate: float | None = None,
        mutation_sigma: float = 0.15,
        max_pending: int | None = None,
    ):
        super().__init__(max_pending=max_pending)
        self.population_size = check_int("population_size", population_size, low=2)
        self.tournament_size = check_int("tournament_size", tournament_size, low=1)
        if self.tournament_size > self.population_size:
            raise ValueError(
                f"tournament_size must be <= population_size; got "
                f"{tournament_size=}, {population_size=}"
            )
        self.elite = check_int("elite", elite, low=0)
        if self.elite > self.population_size:
            raise ValueError(f"elite must be <= population_size; got {elite=}, {population_size=}")
        self.mutation_rate = (
            None
            if mutation_rate is None
            else check_float("mutation_rate", mutation_rate, low=0.0, high=1.0, low_open=True)
        )
        self.mutation_sigma = check_float("mutation_sigma", mutation_sigma, low=0.0, low_open=True)
        self._codec = Codec(Space({}))
        self._reset()

    def _reset(self) -> None:
        self._pending: dict[str, Genome] = {}
        self._last_score: dict[str, float] = {}
        self._recent: list[tuple[Genome, float]] = []  # oldest first
        self._elite: list[tuple[Genome, float]] = []  # best first
        self._n_done = 0
        self._n_failed = 0

    def setup(
        self,
        space: Space,
        metric: str | None,
        mode: Mode | ModeName,
        seed: int | None,
        num_samples: int = 1,
    ) -> None:
        super().setup(space, metric, mode, seed, num_samples)
        self._codec = Codec(space)
        self._reset()

    # -- public views ----------------------------------------------------------------------
    @property
    def num_finished(self) -> int:
        """Trials that finished with a usable metric (failed ones are not counted)."""
        return self._n_done

    @property
    def best_config(self) -> dict[str, Any] | None:
        """The best config seen so far (needs ``elite >= 1``; else the best of the pool)."""
        pool = self._pool()
        if not pool:
            return None
        genome = min(pool, key=lambda e: e[1])[0]
        return self._codec.config(genome, np.random.default_rng(0))

    def parent_pool(self) -> list[tuple[dict[str, Any], float]]:
        """The current parent pool as (config, score-to-minimize) pairs (for inspection)."""
        rng = np.random.default_rng(0)
        return [(self._codec.config(g, rng), s) for g, s in self._pool()]

    # -- searcher hooks --------------------------------------------------------------------
    def suggest(self, trial_id: str) -> Suggestion:
        if self._n_done < self.population_size or self._codec.dim == 0:
            genome = self._codec.random(self.rng)
        else:
            genome = self._breed()
        self._pending[trial_id] = genome
        return self._codec.config(genome, self.rng)

    def add_trial(self, trial_id: str, config: dict[str, Any]) -> None:
        self._pending[trial_id] = self._codec.genome(config)

    def on_result(self, trial_id: str, row: dict[str, Any]) -> None:
        s = score_of(row, self.metric, self.mode)
        if trial_id in self._pending and s is not None:
            self._last_score[trial_id] = s

    def on_complete(self, trial_id: str, row: dict[str, Any] | None, error: bool) -> None:
        genome = self._pending.pop(trial_id, None)
        last = self._last_score.pop(trial_id, None)
        if genome is None:
            return
        score = (
            None if error else (score_of(row, self.metric, self.mode) if row is not None else last)
        )
        if score is None:
            self._n_failed += 1
            return
        self._n_done += 1
        self._recent.append((genome, score))
        if len(self._recent) > self.population_size:
            self._recent.pop(0)
        if self.elite:
            self._elite.append((genome, score))
            self._elite.sort(key=lambda e: e[1])  # stable: earlier wins ties
            del self._elite[self.elite :]

    # -- breeding --------------------------------------------------------------------------
    def _pool(self) -> list[tuple[Genome, float]]:
        pool = list(self._recent)
        for g, s in self._elite:
            if not any(s == s2 and g == g2 for g2, s2 in self._recent):
                pool.append((g, s))
        return pool

    def _breed(self) -> Genome:
        pool = self._pool()
        scores = [s for _, s in pool]
        i = tournament(scores, self.tournament_size, self.rng)
        if len(pool) > 1:
            others = [k for k in range(len(pool)) if k != i]
            j = others[tournament([scores[k] for k in others], self.tournament_size, self.rng)]
        else:
            j = i
        a, b = pool[i][0], pool[j][0]
        dim = self._codec.dim
        take_a = self.rng.random(dim) < 0.5
        child = [a[k] if take_a[k] else b[k] for k in range(dim)]
        rate = self.mutation_rate if self.mutation_rate is not None else 1.0 / dim
        for idx in np.flatnonzero(self.rng.random(dim) < rate):
            child[int(idx)] = self._mutate(int(idx), child[int(idx)])
        # never a repeat of a parent, of a trial in the pool or of one still running
        taken = [g for g, _ in pool] + list(self._pending.values())
        tries = 0
        while (child in (a, b) or child in taken) and tries < 10:
            k = int(self.rng.integers(dim))
            child[k] = self._mutate(k, child[k])
            tries += 1
        return child

    def _mutate(self, k: int, value: Any) -> Any:
        d = self._codec.domains[k]
        if isinstance(d, Categorical):
            n = len(d.choices)
            if n < 2:
                return value
            try:
                cur = d.index(value)
            except ValueError:
                return d.sample(self.rng)
            if ordinal(d):  # sorted numbers: a step to a nearby choice, never nowhere
                step = round(self.mutation_sigma * n * self.rng.standard_normal())
                step = step or (1 if self.rng.random() < 0.5 else -1)
                j = cur + step
                j = -j if j < 0 else (2 * (n - 1) - j if j > n - 1 else j)
                return d.choices[min(max(j, 0), n - 1)]
            other = int(self.rng.integers(n - 1))
            return d.choices[other + (other >= cur)]
        u = self._codec.value_unit(k, value) + self.mutation_sigma * self.rng.standard_normal()
        return d.from_unit(float(reflect(np.array([u]))[0]))

    # -- state -----------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        c = self._codec
        return {
            **super().state(),
            "pending": {t: c.to_json(g) for t, g in self._pending.items()},
            "last_score": dict(self._last_score),
            "recent": [[c.to_json(g), s] for g, s in self._recent],
            "elite": [[c.to_json(g), s] for g, s in self._elite],
            "n_done": self._n_done,
            "n_failed": self._n_failed,
        }

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        c = self._codec
        self._pending = {t: c.from_json(g) for t, g in state.get("pending", {}).items()}
        self._last_score = {t: float(s) for t, s in state.get("last_score", {}).items()}
        self._recent = [(c.from_json(g), float(s)) for g, s in state.get("recent", [])]
        self._elite = [(c.from_json(g), float(s)) for g, s in state.get("elite", [])]
        self._n_done = int(state.get("n_done", 0))
        self._n_failed = int(state.get("n_failed", 0))
