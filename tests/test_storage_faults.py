"""A driver SIGKILLed mid-run on an S3 storage_path, resumed by a driver on a fresh machine
(another local cache: every checkpoint comes back from S3), with a second driver refused in
between by the experiment's lease. Real driver processes (tests/resume_driver.py, the harness
of test_faults.py), a real S3 API (moto's server on 127.0.0.1)."""

from __future__ import annotations

import json
import os

import pytest
from s3_server import s3_env
from test_faults import audit, report, start, wait_until

from raytune_lite.storage import readable
from raytune_lite.storage.remote import RemoteFS

pytestmark = [pytest.mark.ray, pytest.mark.heavy]


def _raw_lines(local: str, tid: str) -> list[dict]:
    with open(os.path.join(local, "trials", tid, "result.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def test_a_sigkilled_driver_on_s3_resumes_elsewhere_losing_and_doubling_nothing(
    moto_server, s3_root, tmp_path
):
    uri, gate = s3_root + "/exp", tmp_path / "gate"
    env = {**s3_env(moto_server), "RAYTUNE_LITE_LEASE_TTL_S": "4"}

    def machine(name: str, **more: str) -> dict[str, str]:
        return {**env, "RAYTUNE_LITE_CACHE_DIR": str(tmp_path / name), **more}

    # 6 trials, 4 at once; each saves a checkpoint at every step and waits at step 2
    args = ("--every", "1", "--gate", str(gate))
    first = start(tmp_path, s3_root, "exp", 6, *args, env=machine("a"))
    remote = RemoteFS(uri)
    in_s3 = lambda: sum(n.endswith("checkpoint_000001.manifest.json") for n in remote.listing())  # noqa: E731
    assert wait_until(lambda: in_s3() >= 4, 180, first), first.stderr()[-3000:]
    # a second driver on another machine: refused by the lease, naming the first
    second = start(
        tmp_path, s3_root, "exp", 6, *args, env=machine("b", RAYTUNE_LITE_LOCK_WAIT_S="1")
    )
    assert second.wait() == 3, second.stderr()[-3000:]
    assert "REFUSED" in second.stdout() and f"in use by pid {first.proc.pid}" in second.stdout()
    first.kill_all()  # the driver and its Ray: the controller dies mid-run, the lease stays
    gate.touch()
    third = start(tmp_path, s3_root, "exp", 6, *args, env=machine("c"))
    assert third.wait() == 0, third.stderr()[-3000:]
    assert "DONE 6" in third.stdout()
    local = readable(uri)
    a = audit(local)
    report("s3 sigkill and resume", 1, a)
    assert (a.lost, a.duplicated, a.bad) == (0, 0, [])
    assert a.statuses == {"TERMINATED": 6}
    # the 4 trials killed at their gate went on from their step-1 checkpoint (from S3)
    resumed = [
        t
        for t in sorted(os.listdir(os.path.join(local, "trials")))
        if {"__rewind__": 1} in _raw_lines(local, t)
    ]
    assert len(resumed) == 4, resumed
