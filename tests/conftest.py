"""Shared fixtures: one real local Ray for the session (8 logical CPUs, 2 logical GPUs, a
custom resource); multi-node tests shut it down and build a ray.cluster_utils.Cluster.

Every ``ray.init`` in the suite names its address (``"local"`` or a Cluster's own), so that a
``ray start`` cluster on the machine, or ``RAY_ADDRESS``, is never joined by the tests."""

from __future__ import annotations

import os

import pytest

LOCAL = {"num_cpus": 8, "num_gpus": 2, "resources": {"custom": 4}}


def start_local_ray() -> None:
    import ray

    if ray.is_initialized():
        res = ray.cluster_resources()
        if res.get("CPU") == LOCAL["num_cpus"] and res.get("custom") == 4 and len(ray.nodes()) == 1:
            return
        ray.shutdown()
    ray.init(
        address="local",  # a new instance: never join a `ray start` cluster or RAY_ADDRESS
        **LOCAL,
        include_dashboard=False,
        logging_level="ERROR",
        object_store_memory=200 * 1024 * 1024,
    )


@pytest.fixture
def ray_local():
    """A real local Ray instance, shared by the tests that need one."""
    import ray

    start_local_ray()
    yield ray


@pytest.fixture
def two_nodes():
    """A ray.cluster_utils.Cluster: a head (2 CPUs) and a worker node (2 CPUs, ``big``: 1)."""
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


@pytest.fixture
def storage(tmp_path):
    """A fresh storage_path for one test."""
    path = tmp_path / "results"
    path.mkdir()
    return str(path)


def pytest_sessionfinish(session, exitstatus):
    import ray

    if ray.is_initialized():
        ray.shutdown()


os.environ.setdefault("RAY_DEDUP_LOGS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")  # figures are drawn off-screen
# Ray workers import the test modules' functions by name: put tests/ on their path.
_here = os.path.dirname(os.path.abspath(__file__))
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (_here, os.environ.get("PYTHONPATH", "")) if p
)

# scripts that tests run as programs (Ray Tune-style scripts): not test modules, and they may
# import optional packages (xgboost, lightgbm) that the doctest collection must not import
collect_ignore_glob = ["tune_scripts/*", "optuna_scripts/*"]

from s3_server import moto_server, s3_root  # noqa: E402, F401  (a real S3 API)


@pytest.fixture
def ray_s3(request):
    """The suite's local Ray, with workers that see the S3 server's environment (restarted
    once when it was started before the server)."""
    import ray

    endpoint = request.getfixturevalue("moto_server")
    if ray.is_initialized():
        probe = ray.remote(num_cpus=0)(lambda: __import__("os").environ.get("AWS_ENDPOINT_URL"))
        if ray.get(probe.remote()) != endpoint:
            ray.shutdown()
    start_local_ray()
    yield ray
