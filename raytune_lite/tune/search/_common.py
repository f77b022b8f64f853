"""What the Ray-named searchers share: the arguments they were given, and the searchers that
need no optional import (``BasicVariantGenerator``, ``ConcurrencyLimiter``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from raytune_lite.search.base import Searcher, Suggestion
from raytune_lite.search.basic import BasicSearch
from raytune_lite.space import Space
from raytune_lite.trial import Mode, ModeName

__all__ = ["BasicVariantGenerator", "ConcurrencyLimiter", "RaySearcher", "unsupported"]


def unsupported(cls: str, **given: tuple[Any, Any]) -> None:
    """Raises NotImplementedError for the first argument that is not at its default."""
    for name, (value, default) in given.items():
        if value is not default and value != default:
            raise NotImplementedError(
                f"{cls}({name}={value!r}) is not mirrored by raytune_lite; leave it at its "
                f"default ({default!r})"
            )


class RaySearcher:
    """Keeps the arguments Ray Tune takes on a searcher that the Tuner maps: its own space,
    metric, mode, points to evaluate and seed."""

    requested_space: Mapping[str, Any] | None = None
    requested_metric: str | None = None
    requested_mode: str | None = None
    requested_points: list[dict[str, Any]] | None = None
    requested_seed: int | None = None

    def _request(
        self,
        space: Mapping[str, Any] | None,
        metric: str | None,
        mode: str | None,
        points_to_evaluate: list[dict[str, Any]] | None,
        seed: int | None,
    ) -> None:
        name = type(self).__name__
        if mode is not None and mode not in ("min", "max"):
            raise ValueError(f"{name}: mode must be 'min', 'max' or None; got {mode=}")
        if space is not None and not isinstance(space, Mapping):
            raise NotImplementedError(
                f"{name}(space={space!r}): only a dict of tune domains is mirrored (a "
                "define-by-run function or a library's own space objects are not); put the "
                "space in Tuner(param_space=...)"
            )
        if points_to_evaluate is not None and not isinstance(points_to_evaluate, list):
            raise TypeError(f"{name}: points_to_evaluate must be a list of dicts")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"{name}: the seed must be an int or None; got {seed!r}")
        self.requested_space = space
        self.requested_metric = metric
        self.requested_mode = mode
        self.requested_points = points_to_evaluate
        self.requested_seed = seed


class BasicVariantGenerator(RaySearcher, BasicSearch):
    """Grid + random search (the default): Ray Tune's ``BasicVariantGenerator``.

    Args:
        points_to_evaluate: configs to try first. max_concurrent: at most this many of its
            trials at once (0: no limit). random_state: the seed.
        constant_grid_search: only False (each grid repeat draws its random values afresh).

    Example:
        >>> BasicVariantGenerator(max_concurrent=2).max_pending
        2
    """

    def __init__(
        self,
        points_to_evaluate: list[dict[str, Any]] | None = None,
        max_concurrent: int = 0,
        constant_grid_search: bool = False,
        random_state: int | None = None,
    ):
        unsupported("BasicVariantGenerator", constant_grid_search=(constant_grid_search, False))
        super().__init__(max_pending=max_concurrent or None)
        self._request(None, None, None, points_to_evaluate, random_state)


class ConcurrencyLimiter(Searcher):
    """At most ``max_concurrent`` of ``searcher``'s trials run at once.

    Every hook is the wrapped searcher's; only the limit is this wrapper's.

    Args:
        searcher: any searcher (Ray-named or raytune_lite's); max_concurrent: >= 1.
        batch: only False.

    Example:
        >>> from raytune_lite.search import BasicSearch
        >>> ConcurrencyLimiter(BasicSearch(), max_concurrent=2).max_pending
        2
    """

    def __init__(self, searcher: Searcher, max_concurrent: int, batch: bool = False):
        if not isinstance(searcher, Searcher):
            raise TypeError(f"ConcurrencyLimiter needs a searcher; got {searcher!r}")
        unsupported("ConcurrencyLimiter", batch=(batch, False))
        if max_concurrent is None:
            raise ValueError(f"max_concurrent must be an int >= 1; got {max_concurrent=}")
        super().__init__(max_pending=max_concurrent)
        if searcher.max_pending is not None:
            self.max_pending = min(searcher.max_pending, max_concurrent)
        self.searcher = searcher
        self.requires_metric = searcher.requires_metric

    def setup(
        self,
        space: Space,
        metric: str | None,
        mode: Mode | ModeName,
        seed: int | None,
        num_samples: int = 1,
    ) -> None:
        super().setup(space, metric, mode, seed, num_samples)
        self.searcher.setup(space, metric, mode, seed, num_samples)

    def suggest(self, trial_id: str) -> Suggestion:
        return self.searcher.suggest(trial_id)

    def add_trial(self, trial_id: str, config: dict[str, Any]) -> None:
        self.searcher.add_trial(trial_id, config)

    def on_result(self, trial_id: str, row: dict[str, Any]) -> None:
        self.searcher.on_result(trial_id, row)

    def on_complete(self, trial_id: str, row: dict[str, Any] | None, error: bool) -> None:
        self.searcher.on_complete(trial_id, row, error)

    def state(self) -> dict[str, Any]:
        return self.searcher.state()

    def load_state(self, state: dict[str, Any]) -> None:
        self.searcher.load_state(state)
