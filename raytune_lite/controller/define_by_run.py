"""What a define-by-run objective asks of the controller: one parameter's value (a part of
:class:`~raytune_lite.controller.actor.Controller`).

A trial's ``trial.suggest_*`` for a name it has no value for calls :meth:`suggest_param`:
the searcher picks the value (given the trial's values so far), the trial's config takes it
and its trial.json is rewritten *before* the answer goes back, so a retried or resumed
attempt finds every value it used in its config and asks nothing again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from raytune_lite.controller.table import TrialTable
from raytune_lite.define_by_run.distributions import distribution_from_json
from raytune_lite.define_by_run.objective import ParamAnswer
from raytune_lite.search.base import Searcher
from raytune_lite.store import ExperimentStore

logger = logging.getLogger("raytune_lite")


class ObjectiveCalls:
    """``suggest_param``: the round trip behind a define-by-run trial's ``suggest_*``."""

    searcher: Searcher
    store: ExperimentStore
    trials: TrialTable
    running: dict[str, Any]
    stopping: str | None
    dirty: bool

    if TYPE_CHECKING:  # the other parts of the Controller

        def _crashed(self, e: BaseException) -> None: ...

    async def suggest_param(
        self, trial_id: str, attempt: int, name: str, distribution: dict[str, Any]
    ) -> ParamAnswer:
        """The value of parameter ``name`` for the running attempt of ``trial_id``.

        Refused (``ParamAnswer.refused``) for an attempt that is not the running one; a value
        the trial has already (a race with a retry) is returned as recorded.
        """
        trial = self.trials.get(trial_id)
        if trial is None or attempt != trial.attempts or trial_id not in self.running:
            return ParamAnswer(refused=f"attempt {attempt} of trial {trial_id} has ended")
        if name in trial.config:
            return ParamAnswer(trial.config[name])
        try:
            dist = distribution_from_json(distribution)
            suggest = getattr(self.searcher, "suggest_param", None)
            if suggest is None:
                raise TypeError(
                    f"{type(self.searcher).__name__} has no suggest_param(): it cannot search "
                    "a define-by-run objective's space"
                )
            value = suggest(trial_id, name, dist, dict(trial.config))
            if not dist.contains(value):
                raise ValueError(
                    f"{type(self.searcher).__name__}.suggest_param({name!r}) returned "
                    f"{value!r}, outside {dist}"
                )
            config = {**trial.config, name: value}
            trial.set_config(config)
            if len(trial.config_history) == 1:  # the first config grows as values come
                trial.config_history[0] = {**trial.config_history[0], "config": config}
            self.store.write_trial(trial_id, trial.to_json())  # on disk before it is used
            self.dirty = True
        except Exception as e:  # the searcher or the store raised: the experiment stops
            self._crashed(e)
            return ParamAnswer(refused=f"the controller stopped: {self.stopping}")
        return ParamAnswer(value)
