"""Shared fixtures: one real local Ray for the session (8 logical CPUs, 2 logical GPUs, a
custom resource); multi-node tests shut it down and build a ray.cluster_utils.Cluster."""

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
        address="local",  # never join another process's cluster (the machine is shared)
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
