"""``TuneReportCheckpointCallback`` for LightGBM, as in Ray Tune (imports lightgbm).

After each boosting round it reports the evaluation metrics named ``"<data>-<metric>"``
(e.g. ``"valid_0-binary_logloss"``; ``-mean`` / ``-stdv`` for ``lightgbm.cv``), saves the
model every ``frequency`` rounds and, with ``checkpoint_at_end``, with the last round's
report.

Example:
    >>> import lightgbm  # doctest: +SKIP
    >>> from raytune_lite.tune.integration.lightgbm import TuneReportCheckpointCallback
    >>> def train(config):  # doctest: +SKIP
    ...     lightgbm.train(config, dtrain, valid_sets=[dvalid],
    ...                    callbacks=[TuneReportCheckpointCallback({"loss": "valid_0-l2"})])
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import lightgbm

from raytune_lite.checkpoint import Checkpoint
from raytune_lite.tune.integration._report import Metrics, check_options, report, select

__all__ = ["TuneReportCallback", "TuneReportCheckpointCallback"]


class TuneReportCheckpointCallback:
    """Reports LightGBM's evaluation metrics to the trial and saves the model.

    Args:
        metrics: a name, a list of names (``"valid_0-l2"``), or ``{reported name: lightgbm
            name}``; None: every metric.
        filename: the model file in the checkpoint (``"model.txt"``).
        frequency: save every this many rounds (0: only at the end).
        checkpoint_at_end: save with the last round's report.
        results_postprocessing_fn: ``fn(row) -> row`` applied before reporting.
    """

    CHECKPOINT_NAME = "model.txt"
    order = 20  # LightGBM runs callbacks by this attribute, after its own (e.g. recording)

    def __init__(
        self,
        metrics: Metrics = None,
        filename: str = CHECKPOINT_NAME,
        frequency: int = 0,
        checkpoint_at_end: bool = True,
        results_postprocessing_fn: Callable[[dict[str, float]], dict[str, float]] | None = None,
    ):
        self._metrics = check_options(metrics, filename, frequency)
        self._filename = filename
        self._frequency = frequency
        self._checkpoint_at_end = checkpoint_at_end
        self._postprocess = results_postprocessing_fn

    def __call__(self, env: Any) -> None:
        available: dict[str, float] = {}
        for item in env.evaluation_result_list or []:
            if len(item) == 4:
                data, name, value, _ = item
                available[f"{data}-{name}"] = float(value)
            else:  # lightgbm.cv: (data, name, mean, is_higher_better, stdv)
                data, name, mean, _, stdv = item
                available[f"{data}-{name}-mean"] = float(mean)
                available[f"{data}-{name}-stdv"] = float(stdv)
        row = select(available, self._metrics, self._postprocess)
        rounds = env.iteration + 1
        last = rounds == env.end_iteration
        periodic = self._frequency and rounds % self._frequency == 0
        save = env.model.save_model if periodic or (self._checkpoint_at_end and last) else None
        report(row, save, self._filename)

    @classmethod
    def get_model(cls, checkpoint: Checkpoint, filename: str = CHECKPOINT_NAME) -> Any:
        """The ``lightgbm.Booster`` saved in ``checkpoint``."""
        return lightgbm.Booster(model_file=os.path.join(checkpoint.path, filename))


class TuneReportCallback(TuneReportCheckpointCallback):
    """Reports the metrics only (no checkpoint)."""

    def __init__(
        self,
        metrics: Metrics = None,
        results_postprocessing_fn: Callable[[dict[str, float]], dict[str, float]] | None = None,
    ):
        super().__init__(
            metrics, checkpoint_at_end=False, results_postprocessing_fn=results_postprocessing_fn
        )
