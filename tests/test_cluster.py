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

    results = rt.Tuner(which_node, {"x": rt.uniform(0, 1)}, metric="loss", num_samples=8,
                       storage_path=storage, verbose=0).fit()
    nodes = {r.metrics["node"] for r in results}
    assert len(nodes) == 2 and nodes == {n["NodeID"] for n in ray.nodes() if n["Alive"]}
    only_big = rt.Tuner(which_node, {"x": rt.uniform(0, 1)}, metric="loss", num_samples=2,
                        resources={"cpu": 1, "big": 1}, storage_path=storage, verbose=0).fit()
    _, worker = two_nodes
    assert {r.metrics["node"] for r in only_big} == {worker.node_id}
