"""``TBXLoggerCallback``: TensorBoard event files, one run per trial (needs tensorboardX).

Every numeric value of every row is a scalar at step ``training_iteration``; the trial's
config is written once as text. Point TensorBoard at ``<experiment>/tensorboard``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from raytune_lite.callbacks._flat import flat, numbers
from raytune_lite.callbacks.base import Callback, TrialView

__all__ = ["TBXLoggerCallback"]

_BOOKKEEPING = ("training_iteration", "timestamp")


class TBXLoggerCallback(Callback):
    """Writes each trial's metrics as TensorBoard scalars.

    Args:
        logdir: the folder holding one sub-folder per trial (default:
            ``<experiment>/tensorboard``).

    Example:
        >>> import raytune_lite as rt
        >>> cb = rt.callbacks.TBXLoggerCallback()  # doctest: +SKIP
    """

    def __init__(self, logdir: str | None = None):
        from tensorboardX import SummaryWriter  # the [tensorboard] extra

        self._writer_cls = SummaryWriter
        self.logdir = logdir
        self._writers: dict[str, Any] = {}

    def setup(self, experiment_path: str) -> None:
        if self.logdir is None:
            self.logdir = os.path.join(experiment_path, "tensorboard")

    def _writer(self, trial: TrialView) -> Any:
        writer = self._writers.get(trial.trial_id)
        if writer is None:
            assert self.logdir is not None
            writer = self._writer_cls(logdir=os.path.join(self.logdir, trial.trial_id))
            config = json.dumps(flat(trial.config), default=repr, sort_keys=True)
            writer.add_text("config", config, 0)
            self._writers[trial.trial_id] = writer
        return writer

    def on_trial_result(self, trial: TrialView, result: Mapping[str, Any]) -> None:
        writer = self._writer(trial)
        step = int(result.get("training_iteration", trial.num_results))
        for key, value in numbers(result).items():
            if key not in _BOOKKEEPING:
                writer.add_scalar(key, value, step)
        writer.flush()

    def _close(self, trial: TrialView) -> None:
        writer = self._writers.pop(trial.trial_id, None)
        if writer is not None:
            writer.close()

    def on_trial_complete(self, trial: TrialView) -> None:
        self._close(trial)

    def on_trial_error(self, trial: TrialView) -> None:
        self._close(trial)

    def on_experiment_end(self, trials: list[TrialView]) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
