"""Multi-node behaviour on an in-process ray.cluster_utils.Cluster."""

from __future__ import annotations

import time

import pytest

import raytune_lite as rt

pytestmark = [pytest.mark.ray, pytest.mark.cluster]


@pytest.fixture
def two_nodes():
    import ray
    from ray.cluster_utils import Cluster

    if ray.is_initialized():
        ray.shutdown()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 2})
    worker = cluster.add_node(num_cpus=2, resources={"big": 1})
    ray.init(address=cluster.address, logging_level="ERROR")
    cluster.wait_for_nodes()
    yield cluster, worker
    ray.shutdown()
    cluster.shutdown()


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


def steady(config):
    import ray

    ckpt = rt.get_checkpoint()
    start = ckpt.to_dict()["step"] if ckpt else 0
    for step in range(start + 1, 16):
        time.sleep(0.1)
        rt.report(
            {"loss": config["x"], "step": step, "node": ray.get_runtime_context().get_node_id()},
            checkpoint=rt.Checkpoint.from_dict({"step": step}),
        )


@pytest.mark.heavy
def test_trials_on_a_removed_node_are_retried_elsewhere(two_nodes, storage):
    import threading

    from raytune_lite.store import read_rows

    cluster, worker = two_nodes

    def remove_later():
        time.sleep(2.5)
        cluster.remove_node(worker)

    threading.Thread(target=remove_later).start()
    results = rt.Tuner(
        steady,
        {"x": rt.uniform(0, 1)},
        metric="loss",
        num_samples=4,
        max_failures=2,
        storage_path=storage,
        verbose=0,
    ).fit()
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
