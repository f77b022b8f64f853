"""Resuming interrupted experiments: a real driver process SIGKILLed at random moments."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import raytune_lite as rt
from raytune_lite.store import read_rows

pytestmark = [pytest.mark.ray, pytest.mark.heavy]
HERE = os.path.dirname(os.path.abspath(__file__))


def _trial_count(path: str) -> int:
    d = os.path.join(path, "trials")
    return len(os.listdir(d)) if os.path.isdir(d) else 0


def test_driver_killed_five_times_loses_nothing(storage):
    n, name = 24, "killed"
    path = os.path.join(storage, name)
    rng = np.random.default_rng(0)
    cmd = [sys.executable, os.path.join(HERE, "resume_driver.py"), storage, name, str(n)]
    repo = os.path.dirname(HERE)  # the driver imports this checkout even when it is not installed
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([repo, os.environ.get("PYTHONPATH", "")])}
    kills = 0
    for _ in range(5):
        before = _trial_count(path)
        proc = subprocess.Popen(
            cmd,
            start_new_session=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        deadline = time.time() + 90
        while _trial_count(path) <= before and time.time() < deadline and proc.poll() is None:
            time.sleep(0.1)  # wait until this run has started trials of its own
        time.sleep(float(rng.uniform(0.2, 1.5)))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= 5
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)
    assert f"DONE {n}" in proc.stdout, proc.stderr[-3000:]

    results = rt.ResultGrid.from_path(path)
    assert len(results) == n
    assert {r.status for r in results} == {rt.TrialStatus.TERMINATED}
    superseded = 0
    for r in results:
        rows = read_rows(path, r.trial_id)
        assert [row["step"] for row in rows] == list(range(1, 9)), r.trial_id
        assert [row["training_iteration"] for row in rows] == list(range(1, 9))
        with open(os.path.join(path, "trials", r.trial_id, "result.jsonl")) as f:
            raw = f.read()
        superseded += sum("__rewind__" in line for line in raw.splitlines())
    with open(os.path.join(path, "experiment.json")) as f:
        exp = json.load(f)
    assert exp["status"] == "finished" and exp["created"] == n


def short(config):
    rt.report({"loss": config["x"]})


def test_restore_of_a_finished_experiment_runs_nothing_more(ray_local, storage):
    first = rt.Tuner(
        short,
        {"x": rt.uniform(0, 1)},
        metric="loss",
        num_samples=5,
        storage_path=storage,
        name="done",
        verbose=0,
    ).fit()
    again = rt.Tuner.restore(first.path, short, verbose=0).fit()
    assert [r.config for r in again] == [r.config for r in first]
    assert len(again) == 5


def test_restore_checks_its_input(storage, tmp_path):
    with pytest.raises(rt.StoreError, match="not a raytune_lite experiment"):
        rt.Tuner.restore(str(tmp_path), short)
    with pytest.raises(ValueError, match="resume=True needs the name"):
        rt.Tuner(short, {}, resume=True, storage_path=storage)
