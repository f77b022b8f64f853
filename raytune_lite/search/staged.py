"""Staged coarse-to-fine search: run one searcher for a number of trials, narrow the space
around the best of them, then run the next searcher on the narrowed space, and so on.

This is the workflow the practical guides recommend (a coarse random search, a look at the
promising region, a fine Bayesian search), in one experiment and one results folder. Each
trial records the stage it belongs to (the ``stage`` column of ``results.dataframe()``).

A stage starts once every trial of the previous one has completed, since its space is
narrowed around their results: slots stay idle while the last trials of a stage finish.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from raytune_lite.search._narrow import Narrow
from raytune_lite.search.base import FINISHED, Searcher, Suggestion
from raytune_lite.space import Space
from raytune_lite.trial import Mode, ModeName, metric_value


class Staged(Searcher):
    """Runs searchers one after the other, each on the space narrowed by the one before.

    Args:
        stages: ``[(searcher, n_trials), ...]``: each stage's searcher and how many trials
            it suggests. The experiment's ``num_samples`` should be at least their sum
            (or -1); the search finishes after the last stage.
        narrow: how each stage's space is narrowed around the previous stage's best trials
            (:class:`Narrow`); None runs every stage on the full space.
        max_pending: see :class:`~raytune_lite.search.Searcher`.

    Example:
        >>> import raytune_lite as rt
        >>> from raytune_lite.search import BasicSearch, Staged, TPE
        >>> staged = Staged([(BasicSearch(), 20), (TPE(), 30)], narrow=Narrow(top_k=5))
        >>> staged.setup(rt.Space({"x": rt.uniform(-5, 5)}), "loss", "min", seed=0)
        >>> config = staged.suggest("00000")
        >>> staged.trial_info("00000")
        {'stage': 0}
    """

    def __init__(
        self,
        stages: Sequence[tuple[Searcher, int]],
        *,
        narrow: Narrow | None = Narrow(),  # noqa: B008 - a frozen dataclass
        max_pending: int | None = None,
    ) -> None:
        super().__init__(max_pending=max_pending)
        if not isinstance(stages, Sequence) or isinstance(stages, str) or not stages:
            raise ValueError(
                f"Staged needs a non-empty list of (searcher, n_trials) pairs; got {stages=}"
            )
        checked: list[tuple[Searcher, int]] = []
        for i, stage in enumerate(stages):
            if not (isinstance(stage, (tuple, list)) and len(stage) == 2):
                raise ValueError(f"stage {i} must be a (searcher, n_trials) pair; got {stage!r}")
            searcher, n = stage
            if not isinstance(searcher, Searcher) or isinstance(searcher, Staged):
                raise TypeError(
                    f"stage {i}'s searcher must be a raytune_lite Searcher (not a Staged); "
                    f"got {searcher!r}"
                )
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ValueError(f"stage {i}'s n_trials must be an int >= 1; got {n!r}")
            if any(searcher is s for s, _ in checked):
                raise ValueError(
                    f"stage {i} reuses the searcher of an earlier stage: pass a new one"
                )
            checked.append((searcher, n))
        if narrow is not None and not isinstance(narrow, Narrow):
            raise TypeError(f"narrow must be a search.Narrow or None; got {narrow!r}")
        self.stages = checked
        self.narrow = narrow
        self.stage = 0
        self._suggested = 0  # by the current stage
        self._stage_of: dict[str, int] = {}
        self._done: dict[str, float | None] = {}  # finished trials' scores (lower is better)
        self._configs: dict[str, dict[str, Any]] = {}
        self._bests: list[list[dict[str, Any]]] = []  # per stage > 0: what it narrowed around
        self._seed: int | None = None

    @property
    def requires_metric(self) -> bool:  # type: ignore[override]
        return self.narrow is not None or any(s.requires_metric for s, _ in self.stages)

    def setup(
        self, space: Space, metric: str | None, mode: Mode | ModeName, seed: int | None,
        num_samples: int = 1,
    ) -> None:  # fmt: skip
        super().setup(space, metric, mode, seed, num_samples)
        self._seed = seed
        self.stage, self._suggested = 0, 0
        self._stage_of, self._done, self._configs = {}, {}, {}
        self._bests = []
        self._start(0, [])

    def _start(self, i: int, best: list[dict[str, Any]]) -> None:
        """Sets up stage ``i`` on the space narrowed around ``best`` (deterministic, so a
        resumed search rebuilds the same spaces from the same configs)."""
        searcher, n = self.stages[i]
        seed = None if self._seed is None else self._seed + 1000 * i
        space = self.space if self.narrow is None or i == 0 else self.narrow.apply(self.space, best)
        searcher.setup(space, self.metric, self.mode, seed, n)
        if i > 0:
            del self._bests[i - 1 :]
            self._bests.append(best)

    def _stage_complete(self) -> bool:
        mine = [t for t, s in self._stage_of.items() if s == self.stage]
        return all(t in self._done for t in mine)

    def _advance(self) -> None:
        best = sorted(
            (score, tid)
            for tid, score in self._done.items()
            if score is not None and self._stage_of.get(tid) == self.stage
        )
        top = self.narrow.top_k if self.narrow is not None else 0
        configs = [self._configs[tid] for _, tid in best[:top]]
        self.stage += 1
        self._suggested = 0
        self._start(self.stage, configs)

    def suggest(self, trial_id: str) -> Suggestion:
        while True:
            if self.stage >= len(self.stages):
                return FINISHED
            searcher, n = self.stages[self.stage]
            if self._suggested < n:
                suggestion = searcher.suggest(trial_id)
                if suggestion is FINISHED:
                    self._suggested = n  # this stage's searcher ran out early
                    continue
                if suggestion is None:
                    return None
                self._suggested += 1
                self._stage_of[trial_id] = self.stage
                self._configs[trial_id] = dict(suggestion)  # type: ignore[arg-type]
                return suggestion
            if not self._stage_complete():
                return None  # narrowing needs this stage's results
            if self.stage + 1 >= len(self.stages):
                self.stage += 1
                return FINISHED
            self._advance()

    def trial_info(self, trial_id: str) -> dict[str, Any]:
        stage = self._stage_of.get(trial_id)
        return {} if stage is None else {"stage": stage}

    def _owner(self, trial_id: str) -> Searcher | None:
        stage = self._stage_of.get(trial_id)
        return None if stage is None or stage >= len(self.stages) else self.stages[stage][0]

    def add_trial(self, trial_id: str, config: dict[str, Any]) -> None:
        stage = min(self.stage, len(self.stages) - 1)
        self._stage_of.setdefault(trial_id, stage)
        self._configs[trial_id] = dict(config)
        self.stages[stage][0].add_trial(trial_id, config)

    def on_result(self, trial_id: str, row: dict[str, Any]) -> None:
        owner = self._owner(trial_id)
        if owner is not None:
            owner.on_result(trial_id, row)

    def on_complete(self, trial_id: str, row: dict[str, Any] | None, error: bool) -> None:
        owner = self._owner(trial_id)
        if owner is not None:
            owner.on_complete(trial_id, row, error)
        value = None if error else metric_value(row, self.metric)
        self._done[trial_id] = None if value is None else self.mode.sign() * value

    def state(self) -> dict[str, Any]:
        return {
            **super().state(),
            "stage": self.stage,
            "suggested": self._suggested,
            "stage_of": dict(self._stage_of),
            "done": dict(self._done),
            "configs": dict(self._configs),
            "bests": list(self._bests),
            "searchers": [
                s.state() for s, _ in self.stages[: min(self.stage + 1, len(self.stages))]
            ],
        }

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        self.stage = int(state.get("stage", 0))
        self._suggested = int(state.get("suggested", 0))
        self._stage_of = {str(k): int(v) for k, v in state.get("stage_of", {}).items()}
        self._done = dict(state.get("done", {}))
        self._configs = dict(state.get("configs", {}))
        bests = [list(b) for b in state.get("bests", [])]
        self._bests = []
        for i, sub in enumerate(state.get("searchers", [])):
            if i > 0:  # stage 0 ran on the full space: set up already
                self._start(i, bests[i - 1] if i - 1 < len(bests) else [])
            self.stages[i][0].load_state(sub)


__all__ = ["Narrow", "Staged"]
