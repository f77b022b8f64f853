"""The observation table of the model-based searchers, :class:`~.bayes.BayesOpt` and
:class:`~.tpe.TPE`.

Both learn from the same bookkeeping: every trial they know of (suggested, given with
``add_trial``, or read from prior results) with its config, the searcher's vector for that
config and, once it ended, its loss. Prior results handed over before ``setup`` wait until
then (the vector and the metric are not known before). The table saves and restores itself
as part of the searcher's state.

Example:
    >>> import numpy as np
    >>> from raytune_lite.trial import Mode
    >>> table = Observations("MySearcher")
    >>> table.add_prior([{"config": {"x": 1.0}, "score": 2.0}])  # before setup: kept
    >>> table.setup(lambda c: np.array([c["x"]]), 1, "score", Mode.MAX)
    >>> table.add("a", {"x": 0.5}).done  # running
    False
    >>> table.complete("a", {"score": 3.0}, error=False)
    >>> table.finished()
    [({'x': 1.0}, 2.0), ({'x': 0.5}, 3.0)]
    >>> table["a"].loss  # sign * metric: always minimised
    -3.0
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from raytune_lite.search._prior import prior_records, prior_results
from raytune_lite.trial import Mode, metric_value

__all__ = ["Encode", "Observation", "Observations"]

#: the searcher's vector of a config (None: the config does not fit the space)
Encode = Callable[[Mapping[str, Any]], np.ndarray | None]


@dataclass
class Observation:
    """One trial as a model sees it."""

    config: dict[str, Any]
    x: np.ndarray | None  #: the searcher's vector of the config; None if it does not fit
    loss: float | None = None  #: ``sign * metric`` (minimised); None while running or if failed
    done: bool = False  #: the trial ended (with a value, or failed)


def _to_json(x: np.ndarray | None) -> list[float | None] | None:
    return None if x is None else [None if math.isnan(v) else float(v) for v in x]


class Observations(Mapping[str, Observation]):
    """Trials by id, in the order the searcher learnt of them (oldest first).

    A read-only mapping from trial id to :class:`Observation`; :meth:`add`,
    :meth:`complete` and :meth:`add_prior` change it.

    Args:
        searcher: the owner's name, for the error raised when a trial comes before setup.
    """

    def __init__(self, searcher: str) -> None:
        self._searcher = searcher
        self._trials: dict[str, Observation] = {}
        self._waiting: list[tuple[list[dict[str, Any]], str | None]] = []
        self._n_prior = 0
        self._encode: Encode | None = None
        self._dim = 0
        self._metric: str | None = None
        self._sign = 1.0

    def setup(self, encode: Encode, dim: int, metric: str | None, mode: Mode) -> None:
        """Starts an empty table for a searcher's :meth:`~.base.Searcher.setup`: ``encode``
        gives a config's vector (of length ``dim``); the prior results kept so far are read
        now."""
        self._encode, self._dim = encode, dim
        self._metric, self._sign = metric, mode.sign()
        self._trials = {}
        self._n_prior = 0
        waiting, self._waiting = self._waiting, []
        for rows, metric_name in waiting:
            self._read_prior(rows, metric_name)

    def __getitem__(self, trial_id: str) -> Observation:
        return self._trials[trial_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._trials)

    def __len__(self) -> int:
        return len(self._trials)

    def _vector(self, config: Mapping[str, Any]) -> np.ndarray | None:
        if self._encode is None:
            raise RuntimeError(
                f"{self._searcher}.setup() must be called before suggest (the Tuner does it)"
            )
        return self._encode(config)

    def add(self, trial_id: str, config: dict[str, Any]) -> Observation:
        """A trial now running with ``config`` (kept as given, not copied)."""
        obs = self._trials[trial_id] = Observation(config, self._vector(config))
        return obs

    def complete(self, trial_id: str, row: dict[str, Any] | None, error: bool) -> None:
        """A trial ended (an unknown id is ignored): its value is the metric of ``row``,
        none if it failed or the metric is missing or not finite."""
        obs = self._trials.get(trial_id)
        if obs is not None:
            self._end(obs, None if error else metric_value(row, self._metric))

    def _end(self, obs: Observation, value: float | None) -> None:
        obs.loss = None if value is None else self._sign * value
        obs.done = True

    def add_prior(self, records: Any, metric: str | None = None) -> None:
        """Prior results (see :func:`~._prior.prior_records`) as trials that ended; kept until
        :meth:`setup` if it was not called yet. ``metric``: the metric's column, if not the
        searcher's."""
        rows = prior_records(records)
        if self._encode is None:
            self._waiting.append((rows, metric))
        else:
            self._read_prior(rows, metric)

    def _read_prior(self, rows: list[dict[str, Any]], metric: str | None) -> None:
        for config, value in prior_results(rows, metric or self._metric):
            trial_id = f"__prior_{self._n_prior}"
            self._n_prior += 1
            self._end(self.add(trial_id, config), value)

    def finished(self) -> list[tuple[dict[str, Any], float | None]]:
        """Trials that ended, as ``(config, metric value or None for a failure)``."""
        return [
            (o.config, None if o.loss is None else self._sign * o.loss)
            for o in self._trials.values()
            if o.done
        ]

    def state(self) -> dict[str, Any]:
        """JSON-able: ``{"n_prior": ..., "trials": [...]}`` (NaN in a vector saved as None)."""
        return {
            "n_prior": self._n_prior,
            "trials": [
                {
                    "id": trial_id,
                    "config": o.config,
                    "loss": o.loss,
                    "done": o.done,
                    "x": _to_json(o.x),
                }
                for trial_id, o in self._trials.items()
            ],
        }

    def load_state(self, state: Mapping[str, Any]) -> None:
        """Restores :meth:`state` (after :meth:`setup`). A vector that is missing or of
        another length is computed again from the config. Also reads the states saved before
        the searchers shared this table (BayesOpt's ``"status"``, TPE's ``"values"``)."""
        self._n_prior = int(state.get("n_prior", 0))
        self._trials = {}
        for t in state.get("trials", []):
            x = t.get("x", t.get("values"))
            vector = (
                self._vector(t["config"])
                if x is None or len(x) != self._dim
                else np.array([np.nan if v is None else v for v in x], dtype=float)
            )
            done = bool(t["done"]) if "done" in t else t.get("status", "pending") != "pending"
            loss = t.get("loss")
            self._trials[str(t["id"])] = Observation(
                t["config"], vector, None if loss is None else float(loss), done
            )
