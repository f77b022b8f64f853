"""``MLflowLoggerCallback``: one MLflow run per trial (needs the ``[mlflow]`` extra).

Each trial's config is logged as the run's parameters (flattened to ``a/b``; the first
config only: MLflow parameters cannot change, so a PBT exploit's new config is logged as the
tag ``config_<attempt>``), every numeric value of every row as a metric at step
``training_iteration``, and the run ends FINISHED or FAILED with the trial. Works with any
tracking URI, including a local database (``"sqlite:///mlflow.db"``: offline; MLflow 3 takes
a plain folder only with ``MLFLOW_ALLOW_FILE_STORE=true``).
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Mapping
from typing import Any

from raytune_lite.callbacks._flat import flat, numbers
from raytune_lite.callbacks.base import Callback, TrialView

__all__ = ["MLflowLoggerCallback"]

_BOOKKEEPING = ("training_iteration", "timestamp")


class MLflowLoggerCallback(Callback):
    """Logs each trial as an MLflow run.

    Args:
        tracking_uri: where MLflow stores runs (None: MLflow's default / ``MLFLOW_TRACKING_URI``).
        experiment_name: the MLflow experiment (default: the experiment folder's name).
        tags: tags set on every run. save_artifact: log the trial's folder at its end.

    Example:
        >>> import raytune_lite as rt
        >>> cb = rt.callbacks.MLflowLoggerCallback("file:///tmp/mlruns")  # doctest: +SKIP
    """

    def __init__(
        self,
        tracking_uri: str | None = None,
        *,
        experiment_name: str | None = None,
        tags: Mapping[str, str] | None = None,
        save_artifact: bool = False,
    ):
        from mlflow.tracking import MlflowClient  # the [mlflow] extra

        self._client_cls = MlflowClient
        self.tracking_uri = tracking_uri
        self.experiment_name = experiment_name
        self.tags = dict(tags or {})
        self.save_artifact = save_artifact
        self._client: Any = None
        self.experiment_id: str | None = None
        self.runs: dict[str, str] = {}  # trial id -> MLflow run id

    def setup(self, experiment_path: str) -> None:
        self._client = self._client_cls(tracking_uri=self.tracking_uri)
        name = self.experiment_name or os.path.basename(experiment_path)
        found = self._client.get_experiment_by_name(name)
        self.experiment_id = (
            found.experiment_id if found is not None else self._client.create_experiment(name)
        )

    def on_trial_start(self, trial: TrialView) -> None:
        from mlflow.entities import Param

        config = flat(trial.config)
        if trial.trial_id not in self.runs:
            run = self._client.create_run(
                self.experiment_id,
                run_name=trial.trial_id,
                tags={**self.tags, "trial_id": trial.trial_id},
            )
            self.runs[trial.trial_id] = run.info.run_id
            params = [Param(k, str(v)[:6000]) for k, v in config.items()]
            self._client.log_batch(self.runs[trial.trial_id], params=params)
        elif trial.attempt > 1:
            text = json.dumps(config, default=repr, sort_keys=True)
            self._client.set_tag(self.runs[trial.trial_id], f"config_{trial.attempt}", text)

    def on_trial_result(self, trial: TrialView, result: Mapping[str, Any]) -> None:
        from mlflow.entities import Metric

        run_id = self.runs.get(trial.trial_id)
        if run_id is None:
            return
        step = int(result.get("training_iteration", trial.num_results))
        now = int(time.time() * 1000)
        metrics = [
            Metric(k, v, now, step)
            for k, v in numbers(result).items()
            if k not in _BOOKKEEPING and math.isfinite(v)
        ]
        self._client.log_batch(run_id, metrics=metrics)

    def _end(self, trial: TrialView, status: str) -> None:
        run_id = self.runs.get(trial.trial_id)
        if run_id is None:
            return
        if self.save_artifact and os.path.isdir(trial.path):
            self._client.log_artifacts(run_id, trial.path)
        self._client.set_terminated(run_id, status)

    def on_trial_complete(self, trial: TrialView) -> None:
        self._end(trial, "FINISHED")

    def on_trial_error(self, trial: TrialView) -> None:
        self._end(trial, "FAILED")
