"""Fault injection on real driver processes: nothing lost, nothing doubled.

Each test runs ``tests/resume_driver.py`` as a separate driver process (with its own local
Ray) and injects a fault: SIGKILLs at random moments, a kill during a trial's first attempt,
a torn last line, two drivers at once, Ctrl-C, and a stale writer (a driver killed while its
controller lives on, then restarted at once). Afterwards every trial's history is audited:
each ``training_iteration`` from 1 to the trial's last must appear exactly once.

Each test prints one ``FAULTS ...`` line with its figures (kills survived, rows lost, rows
duplicated): ``pytest -s tests/test_faults.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import pytest

import raytune_lite as rt
from raytune_lite.store import read_rows

pytestmark = [pytest.mark.ray, pytest.mark.heavy]
HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "resume_driver.py")
REPO = os.path.dirname(HERE)  # the driver imports this checkout even when it is not installed
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([REPO, os.environ.get("PYTHONPATH", "")])}


@dataclass
class Driver:
    """One driver process (its own session: a group kill takes its Ray along)."""

    proc: subprocess.Popen[str]
    out: str
    err: str

    def wait(self, timeout: float = 240) -> int:
        return self.proc.wait(timeout=timeout)

    def stdout(self) -> str:
        with open(self.out) as f:
            return f.read()

    def stderr(self) -> str:
        with open(self.err) as f:
            return f.read()

    def kill_all(self) -> None:
        """SIGKILL to the driver and every process of its session: its Ray (whose workers
        run in process groups of their own, in the driver's session)."""
        for pid in session_members(self.proc.pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait()


def session_members(sid: int) -> list[int]:
    """The processes of session ``sid`` (the driver's: it was started in a new session)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # after the command: state, ppid, pgrp, session
            out.append(int(entry))
    return out


def start(tmp, storage: str, name: str, n: int, *args: str, env: dict | None = None) -> Driver:
    tag = f"{name}_{time.monotonic_ns()}"
    out, err = os.path.join(tmp, f"{tag}.out"), os.path.join(tmp, f"{tag}.err")
    with open(out, "w") as o, open(err, "w") as e:
        proc = subprocess.Popen(
            [sys.executable, DRIVER, storage, name, str(n), *args],
            start_new_session=True,
            stdout=o,
            stderr=e,
            text=True,
            env={**ENV, **(env or {})},
        )
    return Driver(proc, out, err)


def rows_on_disk(path: str) -> int:
    total, root = 0, os.path.join(path, "trials")
    for tid in os.listdir(root) if os.path.isdir(root) else []:
        try:
            with open(os.path.join(root, tid, "result.jsonl"), "rb") as f:
                total += f.read().count(b"\n")
        except FileNotFoundError:
            pass
    return total


def wait_until(cond, deadline_s: float, driver: Driver | None = None) -> bool:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if cond():
            return True
        if driver is not None and driver.proc.poll() is not None:
            return cond()
        time.sleep(0.05)
    return False


def first_attempt_trial(path: str) -> str | None:
    """A trial with rows on disk but no trial.json: it is in its first attempt."""
    root = os.path.join(path, "trials")
    for tid in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        d = os.path.join(root, tid)
        res = os.path.join(d, "result.jsonl")
        if not os.path.exists(os.path.join(d, "trial.json")) and os.path.exists(res):
            with open(res, "rb") as f:
                if f.read().count(b"\n") >= 2:
                    return tid
    return None


@dataclass
class Audit:
    trials: int = 0
    lost: int = 0
    duplicated: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    bad: list[str] = field(default_factory=list)


def audit(path: str) -> Audit:
    """Counts, over every trial, the iterations missing below its last and those doubled."""
    out = Audit()
    for r in rt.ResultGrid.from_path(path):
        out.trials += 1
        out.statuses[r.status.value] = out.statuses.get(r.status.value, 0) + 1
        its = [row["training_iteration"] for row in read_rows(path, r.trial_id)]
        steps = [row["step"] for row in read_rows(path, r.trial_id)]
        out.duplicated += len(its) - len(set(its))
        out.lost += (max(its) if its else 0) - len(set(its))
        if steps != its or its != sorted(its):
            out.bad.append(r.trial_id)
    return out


def report(name: str, kills: int, a: Audit) -> None:
    print(
        f"\nFAULTS {name}: kills survived {kills}, trials {a.trials}, rows lost {a.lost}, "
        f"rows duplicated {a.duplicated}, statuses {a.statuses}",
        flush=True,
    )


def experiment_json(path: str) -> dict:
    with open(os.path.join(path, "experiment.json")) as f:
        return json.load(f)


def tear_a_line(path: str) -> bool:
    """Appends half a row to an unfinished trial's result.jsonl, as a crash mid-write does."""
    for r in rt.ResultGrid.from_path(path):
        if not r.status.is_finished:
            with open(os.path.join(r.path, "result.jsonl"), "a") as f:
                f.write('{"loss": 0.5, "training_iter')
            return True
    return False


def test_random_driver_kills_of_an_asha_run_lose_and_double_nothing(storage, tmp_path):
    """>= 5 SIGKILLs at random moments (the first during a trial's first attempt, a torn line
    after the second), ASHA, half the trials checkpointing every 3 steps, half never."""
    n, name, steps = 24, "asha_kills", 9
    path = os.path.join(storage, name)
    args = ("--asha", "--steps", str(steps), "--every", "3", "0", "--sleep", "0.05")
    rng = np.random.default_rng()
    kills, torn = 0, False
    while kills < 5:
        before = rows_on_disk(path)
        d = start(tmp_path, storage, name, n, *args)
        try:
            if kills == 0:  # during a trial's first attempt: rows on disk, no trial.json yet
                assert wait_until(lambda: first_attempt_trial(path), 120, d), d.stderr()[-3000:]
            else:  # at a random moment once this run has written rows of its own
                wait_until(lambda b=before: rows_on_disk(path) > b, 120, d)
                time.sleep(float(rng.uniform(0.0, 0.6)))
            alive = d.proc.poll() is None
        finally:
            d.kill_all()
        if not alive:
            assert "DONE" in d.stdout(), d.stderr()[-3000:]
            break  # it finished first: the kills so far are all there is
        kills += 1
        if kills == 2:
            torn = tear_a_line(path)
    d = start(tmp_path, storage, name, n, *args)
    try:
        assert d.wait() == 0 and f"DONE {n}" in d.stdout(), d.stderr()[-3000:]
    finally:
        d.kill_all()
    a = audit(path)
    report(name, kills, a)
    assert kills >= 5 and torn
    assert (a.lost, a.duplicated, a.bad) == (0, 0, [])
    assert a.trials == n and experiment_json(path)["created"] == n  # the budget counted once
    assert set(a.statuses) <= {"TERMINATED", "STOPPED_EARLY"}  # every trial complete
    assert a.statuses.get("TERMINATED", 0) >= 1
    for r in rt.ResultGrid.from_path(path):
        last = r.metrics["training_iteration"]
        assert last == steps if r.status is rt.TrialStatus.TERMINATED else last in (1, 3)


def test_ctrl_c_then_resume_continues_the_interrupted_trials(storage, tmp_path):
    n, name, steps = 6, "sigint", 12
    path = os.path.join(storage, name)
    args = ("--steps", str(steps), "--every", "2", "--sleep", "0.15")

    def checkpointed() -> int:
        root = os.path.join(path, "trials")
        return sum(
            os.path.isdir(os.path.join(root, t, "checkpoints", "checkpoint_000004"))
            for t in (os.listdir(root) if os.path.isdir(root) else [])
        )

    d = start(tmp_path, storage, name, n, *args)
    try:
        assert wait_until(lambda: checkpointed() >= 2, 120, d), d.stderr()[-3000:]
        d.proc.send_signal(signal.SIGINT)  # the driver only, as a terminal's Ctrl-C reaches it
        rc = d.wait(120)
    finally:
        d.kill_all()
    err = d.stderr()
    # ended by the KeyboardInterrupt raised again (Ray's exit hook makes Python's 130 a 1)
    assert rc != 0 and err.rstrip().endswith("KeyboardInterrupt"), err[-3000:]
    assert f"rt.Tuner.restore({path!r}, train).fit()" in err
    assert "raytune-lite resume" in err and "--trainable resume_driver:train" in err
    assert experiment_json(path)["status"] == "interrupted"
    cut = {r.trial_id: r for r in rt.ResultGrid.from_path(path)}
    interrupted = {t for t, r in cut.items() if r.status is rt.TrialStatus.INTERRUPTED}
    assert interrupted, {t: r.status for t, r in cut.items()}
    assert not any(r.status is rt.TrialStatus.STOPPED_EARLY for r in cut.values())
    restart_at: dict[str, int] = {}
    for t in interrupted:
        with open(os.path.join(path, "trials", t, "trial.json")) as f:
            restart_at[t] = json.load(f)["checkpoint_iteration"]
    d = start(tmp_path, storage, name, n, *args)
    try:
        assert d.wait() == 0 and f"DONE {n}" in d.stdout(), d.stderr()[-3000:]
    finally:
        d.kill_all()
    a = audit(path)
    report(name, 0, a)
    assert (a.lost, a.duplicated, a.bad) == (0, 0, []) and a.statuses == {"TERMINATED": n}
    for t in interrupted:  # continued from its checkpoint, not from scratch
        with open(os.path.join(path, "trials", t, "result.jsonl")) as f:
            marks = [json.loads(x)["__rewind__"] for x in f if x.startswith('{"__rewind__"')]
        assert marks and marks[0] == restart_at[t] and restart_at[t] >= 2, (t, marks)
        assert len(read_rows(path, t)) == steps


def test_two_drivers_at_once_one_runs_the_other_is_refused(storage, tmp_path):
    n, name = 4, "two"
    path = os.path.join(storage, name)
    gate = str(tmp_path / "gate")
    args = ("--steps", "6", "--every", "2", "--sleep", "0.02", "--gate", gate)
    first = start(tmp_path, storage, name, n, *args)
    second: Driver | None = None
    try:
        assert wait_until(lambda: rows_on_disk(path) >= 2, 120, first), first.stderr()[-3000:]
        second = start(tmp_path, storage, name, n, *args, env={"RAYTUNE_LITE_LOCK_WAIT_S": "1"})
        assert second.wait() == 3, second.stderr()[-3000:]
        assert f"is in use by pid {first.proc.pid} on host" in second.stdout()
        open(gate, "w").close()
        assert first.wait() == 0 and f"DONE {n}" in first.stdout(), first.stderr()[-3000:]
    finally:
        first.kill_all()
        if second is not None:
            second.kill_all()
    a = audit(path)
    report(name, 0, a)
    assert (a.lost, a.duplicated, a.bad) == (0, 0, []) and a.statuses == {"TERMINATED": n}


def test_a_stale_writer_after_kill_9_and_an_immediate_restart_doubles_nothing(storage, tmp_path):
    """The driver alone is SIGKILLed: its controller and trials live on for a while; the new
    driver, started at once, waits for them to end instead of running beside them."""
    n, name = 8, "stale"
    path = os.path.join(storage, name)
    args = ("--steps", "10", "--every", "2", "--sleep", "0.05")
    old = start(tmp_path, storage, name, n, *args)
    new: Driver | None = None
    try:
        assert wait_until(lambda: rows_on_disk(path) >= 12, 120, old), old.stderr()[-3000:]
        os.kill(old.proc.pid, signal.SIGKILL)  # the driver only: its Ray lives on for now
        new = start(tmp_path, storage, name, n, *args)
        left = len(session_members(old.proc.pid))  # the old controller, trials, Ray
        assert new.wait() == 0 and f"DONE {n}" in new.stdout(), new.stderr()[-3000:]
    finally:
        old.kill_all()  # whatever of the old session is left
        if new is not None:
            new.kill_all()
    a = audit(path)
    report(name, 1, a)
    print(f"FAULTS stale: {left} processes of the killed driver's session alive at the restart")
    assert (a.lost, a.duplicated, a.bad) == (0, 0, []) and a.statuses == {"TERMINATED": n}
