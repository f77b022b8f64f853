"""MLflowLoggerCallback against MLflow's local file store (its offline mode), read back with
MLflow's own client."""

from __future__ import annotations

import pytest

pytest.importorskip("mlflow")

from mlflow.tracking import MlflowClient

import raytune_lite as rt
from raytune_lite.callbacks.dispatch import Dispatcher
from raytune_lite.events import Event, EventKind


def test_runs_params_metrics_and_status(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    cb = rt.callbacks.MLflowLoggerCallback(uri, experiment_name="exp", tags={"team": "a"})
    d = Dispatcher([cb], str(tmp_path / "experiment"))
    specs = [
        (EventKind.TRIAL_START, "t1", {"config": {"lr": 0.1, "net": {"depth": 3}}, "attempt": 1}),
        (EventKind.TRIAL_RESULT, "t1", {"row": {"loss": 0.5, "training_iteration": 1}}),
        (EventKind.TRIAL_RESULT, "t1", {"row": {"loss": 0.25, "training_iteration": 2}}),
        (EventKind.TRIAL_COMPLETE, "t1", {"status": "TERMINATED"}),
        (EventKind.TRIAL_START, "t2", {"config": {"lr": 1.0, "net": {"depth": 1}}, "attempt": 1}),
        (EventKind.TRIAL_ERROR, "t2", {"status": "ERROR", "error": "boom"}),
    ]
    d.handle([Event(i + 1, k, t, data) for i, (k, t, data) in enumerate(specs)])
    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name("exp")
    runs = {r.info.run_name: r for r in client.search_runs([exp.experiment_id])}
    assert set(runs) == {"t1", "t2"}
    assert runs["t1"].data.params == {"lr": "0.1", "net/depth": "3"}
    assert runs["t1"].data.tags["team"] == "a" and runs["t1"].data.tags["trial_id"] == "t1"
    history = client.get_metric_history(runs["t1"].info.run_id, "loss")
    assert [(m.step, m.value) for m in sorted(history, key=lambda m: m.step)] == [
        (1, 0.5),
        (2, 0.25),
    ]
    assert runs["t1"].info.status == "FINISHED" and runs["t2"].info.status == "FAILED"
