"""Autoscaling and node loss: capacity from an autoscaler's config, trials that wait for the
controller keep their CPU (never more trials at once than slots), a node removed mid-trial is
a free retry, and a real fake-provider autoscaling cluster (``ray start --head
--autoscaling-config``, RAY_FAKE_CLUSTER=1) grows for the tuner's pending trials."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest

import raytune_lite as rt
from raytune_lite.autoscaling import CONFIG_ENV, Growth, growth_fits, load_config, node_types
from raytune_lite.store import read_rows

CONFIG = {
    "max_workers": 3,
    "head_node_type": "head",
    "available_node_types": {
        "head": {"resources": {"CPU": 0}, "max_workers": 0},
        "cpu2": {"resources": {"CPU": 2, "slot": 2}, "max_workers": 2},
        "gpu": {"resources": {"CPU": 4, "GPU": 1}, "max_workers": 4},
    },
}


def test_growth_counts_types_less_nodes_up_and_the_cluster_cap():
    types = node_types(CONFIG)
    assert [t.name for t in types] == ["cpu2", "gpu"]
    head = {"CPU": 0.0, "node:__internal_head__": 1.0}
    # 3 workers at most: best first (gpu nodes fit 4 one-CPU trials), so 3 gpu nodes
    assert growth_fits({"cpu": 1.0}, types, 3, [head]) == 12
    # one gpu node up: 2 more workers, both gpu
    assert growth_fits({"cpu": 1.0}, types, 3, [head, {"CPU": 4.0, "GPU": 1.0}]) == 8
    # a request only cpu2 nodes have: 2 of them
    assert growth_fits({"cpu": 1.0, "slot": 1.0}, types, 3, [head]) == 4
    # no cluster cap: every type's own max_workers
    assert growth_fits({"cpu": 1.0}, types, None, [head]) == 2 * 2 + 4 * 4
    assert growth_fits({"gpu": 2.0}, types, None, [head]) == 0
    assert Growth.from_config(None).fits({"cpu": 1.0}, [head]) == 0


def test_config_from_the_variable_and_clear_errors(tmp_path, monkeypatch):
    path = tmp_path / "cluster.json"
    path.write_text(json.dumps(CONFIG))
    monkeypatch.setenv(CONFIG_ENV, str(path))
    assert load_config() == CONFIG
    (tmp_path / "c.yaml").write_text(
        "max_workers: 1\navailable_node_types: {a: {max_workers: 1}}\n"
    )
    assert load_config(str(tmp_path / "c.yaml"))["max_workers"] == 1
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "missing.yaml"))
    with pytest.raises(ValueError, match=r"missing\.yaml"):
        load_config()
    with pytest.raises(ValueError, match="max_workers must be an int"):
        node_types({"available_node_types": {"a": {"resources": {}, "max_workers": "2"}}})
    with pytest.raises(ValueError, match="resources must map"):
        node_types({"available_node_types": {"a": {"resources": {"CPU": "x"}, "max_workers": 1}}})


def spans_file(config):
    return os.path.join(config["dir"], f"{os.getpid()}-{time.monotonic_ns()}")


def checkpointing(config):
    """Reports with a checkpoint at each step (from the worker node: sent through Ray, the
    trial waiting for the controller's depot), and writes when it ran."""
    start = time.time()
    for step in range(6):
        rt.report(
            {"loss": config["x"], "step": step},
            checkpoint=rt.Checkpoint.from_dict({"step": step, "pad": "x" * 8_000_000}),
        )
    with open(spans_file(config), "w") as f:
        json.dump([start, time.time()], f)


def most_at_once(folder: str) -> int:
    spans = []
    for name in os.listdir(folder):
        with open(os.path.join(folder, name)) as f:
            spans.append(json.load(f))
    edges = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
    now = peak = 0
    for _, d in edges:
        now += d
        peak = max(peak, now)
    return peak


@pytest.mark.ray
@pytest.mark.cluster
def test_trials_waiting_for_the_controller_keep_their_cpu(tmp_path):
    """The worker node has 2 CPUs; trials there upload checkpoints through Ray: a ray.get in
    the trial's main thread would lend its CPU to a queued trial (3 or more at once)."""
    import ray
    from ray.cluster_utils import Cluster

    if ray.is_initialized():
        ray.shutdown()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    try:
        cluster.add_node(num_cpus=2)
        ray.init(address=cluster.address, logging_level="ERROR")
        cluster.wait_for_nodes()
        spans = tmp_path / "spans"
        spans.mkdir()
        results = rt.Tuner(
            checkpointing,
            {"x": rt.uniform(0, 1), "dir": str(spans)},
            metric="loss",
            num_samples=8,
            storage_path=str(tmp_path / "results"),
            verbose=0,
        ).fit()
        assert {r.status for r in results} == {rt.TrialStatus.TERMINATED}
        assert len(os.listdir(spans)) == 8
        assert most_at_once(str(spans)) <= 2
    finally:
        ray.shutdown()
        cluster.shutdown()


@pytest.mark.ray
def test_hold_get_keeps_the_cpu_where_ray_get_lends_it(tmp_path):
    """On a 1-CPU Ray, a task waits in its main thread for an actor that answers only once
    a second task has had its chance to start: with ray.get the second task runs meanwhile
    (Ray lends the blocked task's CPU), with hold_get it waits for the first to end."""
    import ray

    from raytune_lite._hold import hold_get

    if ray.is_initialized():
        ray.shutdown()
    ray.init(num_cpus=1, address="local", include_dashboard=False, logging_level="ERROR")
    try:

        @ray.remote(num_cpus=0)
        class Gate:
            def __init__(self):
                self.second_started = False

            def started(self):
                self.second_started = True

            async def wait(self, limit_s: float) -> bool:
                import asyncio

                deadline = time.monotonic() + limit_s
                while not self.second_started and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
                return self.second_started

        @ray.remote(num_cpus=1)
        def first(gate, use_hold: bool) -> bool:
            ref = gate.wait.remote(5.0)  # the second task's start, or 5 s without it
            return hold_get(ref) if use_hold else ray.get(ref)

        @ray.remote(num_cpus=1)
        def second(gate) -> None:
            ray.get(gate.started.remote())

        for use_hold, overlapped in ((False, True), (True, False)):
            gate = Gate.remote()
            a = first.remote(gate, use_hold)
            b = second.remote(gate)
            assert ray.get(a) is overlapped, f"use_hold={use_hold}"
            ray.get(b)
    finally:
        ray.shutdown()


def held_on_doomed_node(config):
    """Reports from its node; on the doomed node it holds after its first report until the
    test has removed that node (the file ``released``)."""
    import ray

    ckpt = rt.get_checkpoint()
    start = ckpt.to_dict()["step"] if ckpt else 0
    node = ray.get_runtime_context().get_node_id()
    for step in range(start + 1, 4):
        rt.report(
            {"loss": config["x"], "step": step, "node": node},
            checkpoint=rt.Checkpoint.from_dict({"step": step}),
        )
        if node == config["doomed"]:
            wait_until(lambda: os.path.exists(config["released"]), 120)


def wait_until(condition, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.ray
@pytest.mark.cluster
@pytest.mark.heavy
def test_a_removed_node_costs_a_retry_not_a_failure(two_nodes, storage):
    """max_failures=0: a trial whose node is removed (as by a scale-down) is retried on the
    other node all the same, and ends TERMINATED with no error."""
    cluster, worker = two_nodes
    path = os.path.join(storage, "scale_down")
    released = os.path.join(storage, "released")

    def remove_once_a_trial_reports_from_it():
        def reported() -> bool:
            trials = os.path.join(path, "trials")
            ids = os.listdir(trials) if os.path.isdir(trials) else []
            return any(r.get("node") == worker.node_id for t in ids for r in read_rows(path, t))

        try:
            if wait_until(reported, 120):
                cluster.remove_node(worker)
        finally:
            open(released, "w").close()

    remover = threading.Thread(target=remove_once_a_trial_reports_from_it, daemon=True)
    remover.start()
    results = rt.Tuner(
        held_on_doomed_node,
        {"x": rt.uniform(0, 1), "doomed": worker.node_id, "released": released},
        metric="loss",
        num_samples=4,
        max_failures=0,
        storage_path=storage,
        name="scale_down",
        verbose=0,
    ).fit()
    remover.join(timeout=10)
    assert {r.status for r in results} == {rt.TrialStatus.TERMINATED}
    moved = [
        r
        for r in results
        if worker.node_id in {row["node"] for row in read_rows(results.path, r.trial_id)}
    ]
    assert moved, "no trial ran on the removed node"
    for r in moved:
        rows = read_rows(results.path, r.trial_id)
        assert rows[-1]["node"] != worker.node_id and rows[-1]["step"] == 3
        assert not r.error


def fake_autoscaler_config(port: int) -> dict:
    """A fake_multinode autoscaler config (the keys ray.cluster_utils.AutoscalingCluster
    reads from an example.yaml that the Ray 2.60 wheel lacks): a 0-CPU head, up to 2 nodes of
    2 CPUs, idle nodes removed after 3 s."""
    return {
        "cluster_name": "rtl-fake",
        "max_workers": 2,
        "upscaling_speed": 10.0,
        "idle_timeout_minutes": 0.05,
        "provider": {
            "type": "fake_multinode",
            "gcs_address": f"127.0.0.1:{port}",
            "disable_launch_config_check": True,
            "disable_node_updaters": True,
            "use_node_id_as_ip": True,
        },
        "auth": {"ssh_user": "ubuntu"},
        "head_node_type": "ray.head.default",
        "available_node_types": {
            "ray.head.default": {"resources": {}, "node_config": {}, "max_workers": 0},
            "cpu2": {
                "resources": {"CPU": 2},
                "node_config": {},
                "min_workers": 0,
                "max_workers": 2,
            },
        },
        **{k: [] for k in ("cluster_synced_files", "initialization_commands", "setup_commands")},
        **{k: [] for k in ("head_setup_commands", "worker_setup_commands")},
        **{k: [] for k in ("head_start_ray_commands", "worker_start_ray_commands")},
        "file_mounts": {},
        "file_mounts_sync_continuously": False,
    }


DRIVER = """
import json, sys
import raytune_lite as rt
from test_autoscaling import waits_for_company
address, running, base = sys.argv[1:4]
results = rt.Tuner(waits_for_company, {"x": rt.uniform(0, 1), "dir": running}, metric="loss",
    num_samples=4, address=address, storage_path=base + "/results", verbose=0).fit()
print(json.dumps([{"status": r.status.value, "seen": r.metrics.get("seen"),
    "node": r.metrics.get("node")} for r in results]))
"""


def waits_for_company(config):
    """Marks itself running and waits (up to 90 s) until 4 trials run at once: only two
    autoscaled nodes hold 4; then reports how many it saw."""
    import ray

    folder = config["dir"]
    mine = os.path.join(folder, f"{os.getpid()}-{time.monotonic_ns()}")
    open(mine, "w").close()
    wait_until(lambda: len(os.listdir(folder)) >= 4, 90)
    node = ray.get_runtime_context().get_node_id()
    rt.report({"loss": config["x"], "seen": len(os.listdir(folder)), "node": node})


@pytest.mark.ray
@pytest.mark.cluster
@pytest.mark.heavy
def test_fake_autoscaler_adds_nodes_for_pending_trials(tmp_path, monkeypatch):
    """A real ``ray start --head --autoscaling-config`` (fake provider) with no CPU: the
    tuner joins it, counts the 2 x 2 CPUs the autoscaler may add into max_concurrent, and
    its pending trials make the autoscaler add both nodes."""
    import secrets
    import shutil
    import signal
    import socket
    import subprocess
    import sys

    import ray

    if ray.is_initialized():
        ray.shutdown()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    config = tmp_path / "autoscaler.json"
    config.write_text(json.dumps(fake_autoscaler_config(port)))
    token = secrets.token_hex(32)
    for k, v in {
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN": token,
        CONFIG_ENV: str(config),
    }.items():
        monkeypatch.setenv(k, v)
    env = {
        **os.environ,
        "RAY_FAKE_CLUSTER": "1",
        "AUTOSCALER_UPDATE_INTERVAL_S": "1",
        "RAY_USAGE_STATS_ENABLED": "0",
    }
    temp = f"/tmp/rtl-as-{secrets.token_hex(4)}"  # short: Ray's socket paths <= 107 bytes
    ray_bin = os.path.join(os.path.dirname(sys.executable), "ray")
    out = tmp_path / "head.out"
    with open(out, "wb") as f:
        head = subprocess.Popen(
            [
                ray_bin,
                "start",
                "--head",
                "--block",
                f"--port={port}",
                "--node-ip-address=127.0.0.1",
                "--num-cpus=0",
                "--include-dashboard=false",
                f"--temp-dir={temp}",
                "--disable-usage-stats",
                f"--autoscaling-config={config}",
            ],
            stdout=f,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        assert wait_until(lambda: "Ray runtime started" in out.read_text(), 120), out.read_text()
        running = tmp_path / "running"
        running.mkdir()
        # a driver process of its own: Ray reads the auth token once per process
        driver = subprocess.run(
            [sys.executable, "-c", DRIVER, f"127.0.0.1:{port}", str(running), str(tmp_path)],
            env={**os.environ, "PYTHONPATH": os.path.dirname(os.path.abspath(__file__))},
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert driver.returncode == 0, driver.stderr[-3000:]
        rows = json.loads(driver.stdout.strip().splitlines()[-1])
        assert {r["status"] for r in rows} == {"TERMINATED"}
        assert [r["seen"] for r in rows] == [4] * 4  # all 4 ran at once
        assert len({r["node"] for r in rows}) == 2  # on the two nodes the autoscaler added
    finally:
        ray.shutdown()
        os.killpg(head.pid, signal.SIGKILL)  # the head, its monitor and the nodes it added
        head.wait()
        shutil.rmtree(temp, ignore_errors=True)
