"""Repeats with seeds: each suggested configuration runs several times, and the searcher
learns from their mean.

``Tuner(..., repeats=3)`` wraps the experiment's searcher in :class:`Repeated`. Every config
the inner searcher suggests becomes ``repeats`` trials that differ only in
``config["seed"]`` (also ``rt.get_seed()`` inside the trial). The seeds are common random
numbers: repeat ``k`` of every config gets the same seed ``base + k``, so configs are
compared under the same draws of data order, initialisation and noise. The inner searcher
hears of the config once all its repeats have finished, with the mean of their last values
(or, with ``robust_k > 0``, the mean plus ``robust_k`` standard deviations on the bad side:
a config that is good only on lucky seeds ranks lower). Each trial records its
``config_id`` and ``repeat`` (columns of ``results.dataframe()``); ``results.best`` ranks
configs by the same aggregate.

Schedulers (early stopping) still judge each repeat by its own rows.
"""

from __future__ import annotations

import copy
import math
from collections import deque
from typing import Any

import numpy as np

from raytune_lite.plugin_config import plugin_state
from raytune_lite.search.base import FINISHED, Searcher, Suggestion
from raytune_lite.space import Space
from raytune_lite.trial import Mode, ModeName, metric_value

#: the config key that carries a repeat's seed
SEED_KEY = "seed"


def aggregate(values: list[float | None], robust_k: float, mode: Mode) -> float | None:
    """The value a group of repeats counts as: the mean, moved ``robust_k`` standard
    deviations towards worse; None when no repeat has a finite value.

    Example:
        >>> aggregate([1.0, 3.0], 0.0, Mode.MIN), aggregate([1.0, 3.0], 1.0, Mode.MIN)
        (2.0, 3.0)
    """
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return None
    mean = float(np.mean(finite))
    std = float(np.std(finite)) if len(finite) > 1 else 0.0
    return mean + mode.sign() * robust_k * std


class Repeated(Searcher):
    """Runs each of ``searcher``'s suggestions ``repeats`` times with different seeds.

    Args:
        searcher: the searcher whose configs are repeated (it sees one trial per config).
        repeats: how many times each config runs (>= 1).
        robust_k: rank configs by mean + ``robust_k`` std (towards worse); 0 ranks by mean.
        base_seed: repeat ``k`` gets the seed ``base_seed + k``.
        max_pending: see :class:`~raytune_lite.search.Searcher`.

    Example:
        >>> import raytune_lite as rt
        >>> r = Repeated(rt.search.BasicSearch(), repeats=2)
        >>> r.setup(rt.Space({"x": rt.uniform(0, 1)}), "loss", "min", seed=0, num_samples=-1)
        >>> a, b = r.suggest("00000"), r.suggest("00001")
        >>> a["x"] == b["x"], (a["seed"], b["seed"]), r.trial_info("00001")
        (True, (0, 1), {'config_id': '00000', 'repeat': 1})
    """

    def __init__(
        self,
        searcher: Searcher,
        repeats: int = 3,
        *,
        robust_k: float = 0.0,
        base_seed: int = 0,
        max_pending: int | None = None,
    ) -> None:
        super().__init__(max_pending=max_pending)
        if not isinstance(searcher, Searcher) or isinstance(searcher, Repeated):
            raise TypeError(f"Repeated needs a raytune_lite Searcher to repeat; got {searcher!r}")
        if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
            raise ValueError(f"repeats must be an int >= 1; got {repeats=}")
        if (
            isinstance(robust_k, bool)
            or not isinstance(robust_k, (int, float))
            or not (0 <= robust_k < math.inf)
        ):
            raise ValueError(f"robust_k must be a finite number >= 0; got {robust_k=}")
        if isinstance(base_seed, bool) or not isinstance(base_seed, int) or base_seed < 0:
            raise ValueError(f"base_seed must be an int >= 0; got {base_seed=}")
        self.searcher = searcher
        self.repeats = repeats
        self.robust_k = float(robust_k)
        self.base_seed = base_seed
        self._queue: deque[tuple[str, int]] = deque()  # (config_id, repeat) still to launch
        self._configs: dict[str, dict[str, Any]] = {}  # config_id -> the inner suggestion
        self._of: dict[str, tuple[str, int]] = {}  # trial_id -> (config_id, repeat)
        self._values: dict[str, dict[int, float | None]] = {}  # config_id -> repeat -> value
        self._last: dict[str, dict[str, Any] | None] = {}  # config_id -> a last row
        self._inner_done = False

    @property
    def requires_metric(self) -> bool:  # type: ignore[override]
        return True

    def setup(
        self, space: Space, metric: str | None, mode: Mode | ModeName, seed: int | None,
        num_samples: int = 1,
    ) -> None:  # fmt: skip
        if any(p[0] == SEED_KEY for p in (*space.domains, *space.constants, *space.grid_axes)):
            raise ValueError(
                f"repeats give each trial config[{SEED_KEY!r}]; the param_space already has a "
                f"{SEED_KEY!r} key: rename it"
            )
        super().setup(space, metric, mode, seed, num_samples)
        self.searcher.setup(space, metric, mode, seed, num_samples)  # it counts configs

    def seed_of(self, repeat: int) -> int:
        """The seed repeat number ``repeat`` runs with."""
        return self.base_seed + repeat

    def suggest(self, trial_id: str) -> Suggestion:
        if not self._queue:
            if self._inner_done:
                return FINISHED
            suggestion = self.searcher.suggest(trial_id)
            if suggestion is FINISHED:
                self._inner_done = True
                return FINISHED
            if suggestion is None:
                return None
            assert isinstance(suggestion, dict)
            self._configs[trial_id] = suggestion
            self._values[trial_id] = {}
            self._queue.extend((trial_id, k) for k in range(self.repeats))
        config_id, k = self._queue.popleft()
        self._of[trial_id] = (config_id, k)
        return {**copy.deepcopy(self._configs[config_id]), SEED_KEY: self.seed_of(k)}

    def trial_info(self, trial_id: str) -> dict[str, Any]:
        if trial_id not in self._of:
            return {}
        config_id, k = self._of[trial_id]
        return {"config_id": config_id, "repeat": k}

    def add_trial(self, trial_id: str, config: dict[str, Any]) -> None:
        self.searcher.add_trial(trial_id, {k: v for k, v in config.items() if k != SEED_KEY})

    def on_complete(self, trial_id: str, row: dict[str, Any] | None, error: bool) -> None:
        if trial_id not in self._of:  # a trial of points_to_evaluate: the inner one's
            self.searcher.on_complete(trial_id, row, error)
            return
        config_id, k = self._of[trial_id]
        self._values[config_id][k] = None if error else metric_value(row, self.metric)
        if row is not None and not error:
            self._last[config_id] = dict(row)
        if len(self._values[config_id]) < self.repeats:
            return
        value = aggregate(list(self._values[config_id].values()), self.robust_k, self.mode)
        last = self._last.get(config_id)
        if value is None or last is None or self.metric is None:
            self.searcher.on_complete(config_id, last, True)
        else:
            self.searcher.on_complete(config_id, {**last, self.metric: value}, False)

    def state(self) -> dict[str, Any]:
        return {
            **super().state(),
            "inner_class": type(self.searcher).__name__,
            "inner_plugin": plugin_state(self.searcher).to_json(),  # rebuilds it on resume
            "inner": self.searcher.state(),
            "queue": [list(q) for q in self._queue],
            "configs": self._configs,
            "of": {t: list(v) for t, v in self._of.items()},
            "values": {c: {str(k): v for k, v in d.items()} for c, d in self._values.items()},
            "last": self._last,
            "inner_done": self._inner_done,
        }

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        self.searcher.load_state(state.get("inner", {}))
        self._queue = deque((str(c), int(k)) for c, k in state.get("queue", []))
        self._configs = dict(state.get("configs", {}))
        self._of = {t: (str(v[0]), int(v[1])) for t, v in state.get("of", {}).items()}
        self._values = {
            c: {int(k): v for k, v in d.items()} for c, d in state.get("values", {}).items()
        }
        self._last = dict(state.get("last", {}))
        self._inner_done = bool(state.get("inner_done", False))


__all__ = ["SEED_KEY", "Repeated", "aggregate"]
