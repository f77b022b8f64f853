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


def _rows(path: str) -> int:
    """How many rows the experiment's trials hold now (superseded ones not counted)."""
    d = os.path.join(path, "trials")
    try:
        return sum(len(read_rows(path, tid)) for tid in (os.listdir(d) if os.path.isdir(d) else []))
    except (OSError, rt.StoreError):  # a file mid-write or mid-repair: look again
        return -1


def test_driver_killed_five_times_loses_nothing(storage):
    n, name = 24, "killed"
    path = os.path.join(storage, name)
    rng = np.random.default_rng(0)
    cmd = [sys.executable, os.path.join(HERE, "resume_driver.py"), storage, name, str(n)]
    repo = os.path.dirname(HERE)  # the driver imports this checkout even when it is not installed
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([repo, os.environ.get("PYTHONPATH", "")])}
    kills = 0
    for _ in range(5):
        # a random moment, counted in progress, not in seconds: after 1 to 24 new rows (of 192);
        # five runs cannot finish the experiment however fast the machine, and each gets far
        # enough to be killed in the middle of its work however slow
        target = _rows(path) + int(rng.integers(1, 25))
        proc = subprocess.Popen(
            cmd,
            start_new_session=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        deadline = time.monotonic() + 90
        while _rows(path) < target and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
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
