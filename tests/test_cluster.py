"""Multi-node behaviour on an in-process ray.cluster_utils.Cluster."""

from __future__ import annotations

import os
import time

import pytest

import raytune_lite as rt

pytestmark = [pytest.mark.ray, pytest.mark.cluster]


def which_node(config):
    import ray

    time.sleep(0.3)
    rt.report({"node": ray.get_runtime_context().get_node_id(), "loss": config["x"]})


def test_trials_run_on_both_nodes_and_capacity_counts_them(two_nodes, storage):
    import ray

    results = rt.Tuner(
        which_node,
        {"x": rt.uniform(0, 1)},
        metric="loss",
        num_samples=8,
        storage_path=storage,
        verbose=0,
    ).fit()
    nodes = {r.metrics["node"] for r in results}
    assert len(nodes) == 2 and nodes == {n["NodeID"] for n in ray.nodes() if n["Alive"]}
    only_big = rt.Tuner(
        which_node,
        {"x": rt.uniform(0, 1)},
        metric="loss",
        num_samples=2,
        resources={"cpu": 1, "big": 1},
        storage_path=storage,
        verbose=0,
    ).fit()
    _, worker = two_nodes
    assert {r.metrics["node"] for r in only_big} == {worker.node_id}
    spread = rt.Tuner(
        which_node,
        {"x": rt.grid([0.1, 0.2])},
        metric="loss",
        resources={"cpu": 0.5},  # both fit on one node: spread puts them on two
        placement="spread",
        storage_path=storage,
        verbose=0,
    ).fit()
    assert len({r.metrics["node"] for r in spread}) == 2


def steady(config):
    """Checkpoints each step; on the node ``config["hold_on"]`` it holds at step 3 until
    that node goes away."""
    import ray

    here = ray.get_runtime_context().get_node_id()
    ckpt = rt.get_checkpoint()
    start = ckpt.to_dict()["step"] if ckpt else 0
    for step in range(start + 1, 16):
        time.sleep(0.05)
        rt.report(
            {"loss": config["x"], "step": step, "node": here},
            checkpoint=rt.Checkpoint.from_dict({"step": step}),
        )
        deadline = time.monotonic() + 300
        while step == 3 and here == config["hold_on"] and time.monotonic() < deadline:
            time.sleep(0.05)


def remove_once_it_holds(cluster, worker, storage, deadline_s=120.0):
    """Removes ``worker`` once a trial on it has saved its checkpoint of step 3."""
    import glob
    import json

    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        for file in glob.glob(os.path.join(storage, "*", "trials", "*", "result.jsonl")):
            with open(file) as f:
                rows = [json.loads(line) for line in f if line.strip().startswith("{")]
            if any(r.get("node") == worker.node_id and r.get("step") == 3 for r in rows):
                cluster.remove_node(worker)
                return
        time.sleep(0.1)


@pytest.mark.heavy
def test_trials_on_a_removed_node_are_retried_elsewhere(two_nodes, storage):
    import threading

    from raytune_lite.store import read_rows

    cluster, worker = two_nodes
    remover = threading.Thread(target=remove_once_it_holds, args=(cluster, worker, storage))
    remover.start()
    results = rt.Tuner(
        steady,
        {"x": rt.uniform(0, 1), "hold_on": worker.node_id},
        metric="loss",
        num_samples=4,
        max_failures=2,
        storage_path=storage,
        verbose=0,
    ).fit()
    remover.join()
    assert {r.status for r in results} == {rt.TrialStatus.TERMINATED}
    moved = [r for r in results if r.error]
    assert moved, "no trial ran on the removed node"
    for r in results:
        rows = read_rows(results.path, r.trial_id)
        assert [row["step"] for row in rows] == list(range(1, 16))
    for r in moved:
        assert "Died" in r.error or "died" in r.error
        rows = read_rows(results.path, r.trial_id)
        nodes = [row["node"] for row in rows]
        assert nodes[-1] != worker.node_id  # finished elsewhere
        # rows it reported on the removed node (if it got that far) all come first
        assert nodes == sorted(nodes, key=lambda n: n != worker.node_id)
