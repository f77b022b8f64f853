"""Grid and random search: the default searcher."""

from __future__ import annotations

from typing import Any

from raytune_lite.search.base import FINISHED, Searcher, Suggestion
from raytune_lite.trial import Mode, ModeName


class BasicSearch(Searcher):
    """Expands the grid axes (cartesian product) and draws every other domain at random.

    The whole grid is repeated ``num_samples`` times (the Tuner's argument), each repeat
    with fresh random draws, so ``num_samples * grid_size`` trials in all. Seeded: the same
    seed gives the same configs in the same order.

    Example:
        >>> import raytune_lite as rt
        >>> s = rt.search.BasicSearch()
        >>> s.setup(rt.Space({"a": rt.grid([1, 2]), "b": rt.uniform(0, 1)}), "loss", "min",
        ...         seed=0, num_samples=2)
        >>> [s.suggest(str(i))["a"] for i in range(4)], s.suggest("4")
        ([1, 2, 1, 2], <SearchStatus.FINISHED: 'FINISHED'>)
    """

    supports_multi_objective = True  # random search ranks nothing

    def __init__(self, *, max_pending: int | None = None):
        super().__init__(max_pending=max_pending)
        self._count = 0
        self._grid_size = 1

    def setup(
        self,
        space: Any,
        metric: str | None,
        mode: Mode | ModeName,
        seed: int | None,
        num_samples: int = 1,
    ) -> None:
        super().setup(space, metric, mode, seed, num_samples)
        self._grid_size = self.space.grid_size  # points are made one at a time, never listed

    def suggest(self, trial_id: str) -> Suggestion:
        total = self.num_samples * self._grid_size
        if self.num_samples >= 0 and self._count >= total:
            return FINISHED
        point = self.space.grid_point(self._count % self._grid_size)
        self._count += 1
        return self.space.sample(self.rng, grid_point=point)

    def suggest_param(
        self, trial_id: str, name: str, distribution: Any, params: dict[str, Any]
    ) -> Any:
        """A define-by-run trial's value of ``name``: drawn at random from ``distribution``."""
        from raytune_lite.define_by_run.distributions import sample

        return sample(distribution, self.rng)

    def state(self) -> dict[str, Any]:
        return {**super().state(), "count": self._count}

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        self._count = int(state.get("count", 0))
