"""Resuming interrupted experiments: a real driver process SIGKILLed at random moments."""

from __future__ import annotations

import json
import os
import shutil
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


def stepping(config):
    ckpt = rt.get_checkpoint()
    start = ckpt.to_dict()["step"] if ckpt else 0
    every = config["every"]
    for step in range(start + 1, 9):
        saved = rt.Checkpoint.from_dict({"step": step}) if every and step % every == 0 else None
        rt.report({"loss": config["x"] + 1.0 / step, "step": step}, checkpoint=saved)


def _as_if_killed_in_the_first_attempt(path: str, trial_id: str, rows: int) -> None:
    """What a driver killed in a trial's first attempt leaves: rows, maybe a checkpoint, no
    trial.json (it is written at the trial's first status change)."""
    tdir = os.path.join(path, "trials", trial_id)
    os.unlink(os.path.join(tdir, "trial.json"))
    with open(os.path.join(tdir, "result.jsonl")) as f:
        kept = f.read().splitlines()[:rows]
    with open(os.path.join(tdir, "result.jsonl"), "w") as f:
        f.write("\n".join(kept) + "\n")
    for name in (
        os.listdir(os.path.join(tdir, "checkpoints"))
        if os.path.isdir(os.path.join(tdir, "checkpoints"))
        else []
    ):
        if int(name.split("_")[1]) > rows:
            shutil.rmtree(os.path.join(tdir, "checkpoints", name))


def test_a_trial_killed_in_its_first_attempt_is_resumed_without_duplicates(ray_local, storage):
    kwargs = dict(metric="loss", storage_path=storage, name="first", seed=0, verbose=0)
    space = {"x": rt.uniform(0, 1), "every": rt.grid([3, 0])}  # with and without a checkpoint
    first = rt.Tuner(stepping, space, **kwargs).fit()
    for r in first:
        _as_if_killed_in_the_first_attempt(first.path, r.trial_id, rows=5)
    with open(os.path.join(first.path, "experiment.json")) as f:
        exp = json.load(f)
    exp["status"] = "running"
    with open(os.path.join(first.path, "experiment.json"), "w") as f:
        json.dump(exp, f)
    again = rt.Tuner(stepping, space, resume=True, **kwargs).fit()
    for r in again:
        rows = read_rows(again.path, r.trial_id)
        assert [row["training_iteration"] for row in rows] == list(range(1, 9)), r.config
        assert [row["step"] for row in rows] == list(range(1, 9)), r.config
        assert r.status is rt.TrialStatus.TERMINATED


def test_a_second_driver_is_refused_while_the_experiment_is_in_use(ray_local, storage, monkeypatch):
    import socket

    from raytune_lite.experiment_lock import ExperimentLock

    done = rt.Tuner(short, {"x": rt.uniform(0, 1)}, storage_path=storage, name="held", verbose=0)
    path = done.fit().path
    monkeypatch.setenv("RAYTUNE_LITE_LOCK_WAIT_S", "0.5")
    with ExperimentLock(path), pytest.raises(rt.StoreError) as info:  # another driver's
        rt.Tuner.restore(path, short, verbose=0).fit()
    assert f"is in use by pid {os.getpid()} on host {socket.gethostname()}" in str(info.value)
    assert len(rt.Tuner.restore(path, short, verbose=0).fit()) == 1  # free again: it runs


def test_restore_rebuilds_the_searcher_and_scheduler_and_refuses_another_class(
    ray_local, storage, monkeypatch, capsys
):
    from raytune_lite.cli import main
    from raytune_lite.schedulers import ASHA, FIFO
    from raytune_lite.search import TPE, BayesOpt

    space = {"x": rt.uniform(0, 1), "every": 0}
    kwargs = dict(metric="loss", storage_path=storage, name="tpe", seed=0, verbose=0)
    first = rt.Tuner(
        stepping,
        space,
        num_samples=3,
        searcher=TPE(n_startup_trials=2),
        scheduler=ASHA(max_t=8),
        **kwargs,
    ).fit()
    with pytest.raises(
        ValueError, match="the experiment used searcher TPE; this Tuner has searcher BayesOpt"
    ):
        rt.Tuner(stepping, space, num_samples=3, searcher=BayesOpt(), resume=True, **kwargs).fit()
    with pytest.raises(
        ValueError, match="the experiment used scheduler ASHA; this Tuner has scheduler FIFO"
    ):
        rt.Tuner.restore(first.path, stepping, scheduler=FIFO())
    with open(os.path.join(first.path, "experiment.json")) as f:
        exp = json.load(f)
    exp["spec"]["num_samples"] = 5  # as if the run had been cut short at 3 of 5
    exp["status"] = "running"
    with open(os.path.join(first.path, "experiment.json"), "w") as f:
        json.dump(exp, f)
    assert (
        main(["resume", first.path, "--trainable", "test_restore:stepping", "--verbose", "0"]) == 0
    )
    again = rt.ResultGrid.from_path(first.path)
    assert len(again) == 5
    assert again.experiment["searcher"]["class"] == "TPE"
    assert again.experiment["searcher"]["config"] == {"args": [], "kwargs": {"n_startup_trials": 2}}
    assert again.experiment["scheduler"]["config"] == {"args": [], "kwargs": {"max_t": 8}}
