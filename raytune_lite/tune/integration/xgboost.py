"""``TuneReportCheckpointCallback`` for XGBoost, as in Ray Tune (imports xgboost).

After each boosting round it reports the evaluation metrics named ``"<data>-<metric>"``
(e.g. ``"eval-logloss"``; the mean for ``xgboost.cv``), saves the model every ``frequency``
rounds and, with ``checkpoint_at_end``, once more when training ends (that last report
repeats the last metrics, as in Ray Tune).

Example:
    >>> import xgboost  # doctest: +SKIP
    >>> from raytune_lite.tune.integration.xgboost import TuneReportCheckpointCallback
    >>> def train(config):  # doctest: +SKIP
    ...     xgboost.train(config, dtrain, evals=[(dvalid, "eval")],
    ...                   callbacks=[TuneReportCheckpointCallback({"loss": "eval-logloss"})])
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import xgboost
from xgboost.callback import TrainingCallback

from raytune_lite.checkpoint import Checkpoint
from raytune_lite.tune.integration._report import Metrics, check_options, report, select

__all__ = ["TuneReportCallback", "TuneReportCheckpointCallback"]


def _last(values: Any) -> float:
    v = values[-1]
    return float(v[0] if isinstance(v, tuple) else v)  # xgboost.cv logs (mean, std)


class TuneReportCheckpointCallback(TrainingCallback):
    """Reports XGBoost's evaluation metrics to the trial and saves the model.

    Args:
        metrics: a name, a list of names (``"eval-logloss"``), or ``{reported name: xgboost
            name}``; None: every metric.
        filename: the model file in the checkpoint (``"model.ubj"``).
        frequency: save every this many rounds (0: only at the end).
        checkpoint_at_end: save when training ends.
        results_postprocessing_fn: ``fn(row) -> row`` applied before reporting.
    """

    CHECKPOINT_NAME = "model.ubj"

    def __init__(
        self,
        metrics: Metrics = None,
        filename: str = CHECKPOINT_NAME,
        frequency: int = 0,
        checkpoint_at_end: bool = True,
        results_postprocessing_fn: Callable[[dict[str, float]], dict[str, float]] | None = None,
    ):
        super().__init__()
        self._metrics = check_options(metrics, filename, frequency)
        self._filename = filename
        self._frequency = frequency
        self._checkpoint_at_end = checkpoint_at_end
        self._postprocess = results_postprocessing_fn
        self._last_row: dict[str, float] | None = None
        self._saved_at: int | None = None

    def after_iteration(self, model: Any, epoch: int, evals_log: dict[str, Any]) -> bool:
        available = {
            f"{data}-{name}": _last(values)
            for data, by_name in evals_log.items()
            for name, values in by_name.items()
        }
        row = select(available, self._metrics, self._postprocess)
        self._last_row = row
        save = None
        if self._frequency and (epoch + 1) % self._frequency == 0:
            save, self._saved_at = model.save_model, epoch
        report(row, save, self._filename)
        return False

    def after_training(self, model: Any) -> Any:
        last = model.num_boosted_rounds() - 1
        if self._checkpoint_at_end and self._last_row is not None and self._saved_at != last:
            report(self._last_row, model.save_model, self._filename)
        return model

    @classmethod
    def get_model(cls, checkpoint: Checkpoint, filename: str = CHECKPOINT_NAME) -> Any:
        """The ``xgboost.Booster`` saved in ``checkpoint``."""
        booster = xgboost.Booster()
        booster.load_model(os.path.join(checkpoint.path, filename))
        return booster


#: Ray Tune's older name (reports without checkpoints unless asked).
class TuneReportCallback(TuneReportCheckpointCallback):
    """Reports the metrics only (no checkpoint at the end)."""

    def __init__(
        self,
        metrics: Metrics = None,
        results_postprocessing_fn: Callable[[dict[str, float]], dict[str, float]] | None = None,
    ):
        super().__init__(
            metrics, checkpoint_at_end=False, results_postprocessing_fn=results_postprocessing_fn
        )
