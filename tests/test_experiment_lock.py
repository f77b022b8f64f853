"""One driver per experiment: the folder's lock (no Ray; a real second process)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading

import pytest

from raytune_lite.experiment_lock import LOCK_FILE, ExperimentInUse, ExperimentLock, lock_wait_s
from raytune_lite.store import StoreError

HOLD = """
import sys, time
from raytune_lite.experiment_lock import ExperimentLock
ExperimentLock(sys.argv[1], owner="pid 4242 on host far").acquire()
print("held", flush=True)
sys.stdin.read()  # until killed
"""


def test_a_second_holder_is_refused_naming_the_owner_then_gets_it_once_free(tmp_path):
    first = ExperimentLock(str(tmp_path))
    first.acquire()
    with pytest.raises(ExperimentInUse) as info:
        ExperimentLock(str(tmp_path)).acquire(wait_s=0.2)
    assert f"is in use by pid {os.getpid()} on host {socket.gethostname()}" in str(info.value)
    releaser = threading.Timer(0.2, first.release)  # the owner ends while the second waits
    releaser.start()
    second = ExperimentLock(str(tmp_path))
    second.acquire(wait_s=30)
    releaser.join()
    assert second.held and not first.held
    second.release()


def test_a_killed_owner_leaves_no_stale_lock(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        with pytest.raises(ExperimentInUse, match="in use by pid 4242 on host far"):
            ExperimentLock(str(tmp_path)).acquire()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    with ExperimentLock(str(tmp_path)) as lock:
        assert lock.held


def test_a_symlinked_lock_file_is_refused(tmp_path):
    os.symlink(tmp_path / "elsewhere", tmp_path / LOCK_FILE)
    with pytest.raises(StoreError, match="cannot open the experiment's lock file"):
        ExperimentLock(str(tmp_path)).acquire()
    assert not (tmp_path / "elsewhere").exists()


def test_the_wait_can_be_set_from_the_environment(monkeypatch):
    monkeypatch.setenv("RAYTUNE_LITE_LOCK_WAIT_S", "2.5")
    assert lock_wait_s() == 2.5
    monkeypatch.setenv("RAYTUNE_LITE_LOCK_WAIT_S", "soon")
    assert lock_wait_s() == 30.0
