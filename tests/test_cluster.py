"""Multi-node behaviour on an in-process ray.cluster_utils.Cluster."""

from __future__ import annotations

import os
import time

import pytest

import raytune_lite as rt
from raytune_lite.store import read_rows

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


def _wait_until(condition, timeout_s: float) -> bool:
    """Polls ``condition`` until it holds (True) or ``timeout_s`` passes (False)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _reported_from(path: str, node_id: str) -> bool:
    """Whether any trial of the experiment at ``path`` has a row reported from ``node_id``."""
    trials = os.path.join(path, "trials")
    ids = os.listdir(trials) if os.path.isdir(trials) else []
    return any(row.get("node") == node_id for tid in ids for row in read_rows(path, tid))


def steady(config):
    """15 steps, a checkpoint at each; on the doomed node it holds after step 3 until the node
    is gone (the file ``released`` appears only after the removal, or if the test gives up), so
    that a trial there is mid-run when the node is removed, however slow the machine."""
    import ray

    ckpt = rt.get_checkpoint()
    start = ckpt.to_dict()["step"] if ckpt else 0
    node = ray.get_runtime_context().get_node_id()
    for step in range(start + 1, 16):
        time.sleep(0.05)  # the work of one step
        rt.report(
            {"loss": config["x"], "step": step, "node": node},
            checkpoint=rt.Checkpoint.from_dict({"step": step}),
        )
        if node == config["doomed"] and step == 3:
            _wait_until(lambda: os.path.exists(config["released"]), 120)


@pytest.mark.heavy
def test_trials_on_a_removed_node_are_retried_elsewhere(two_nodes, storage):
    import threading

    cluster, worker = two_nodes
    path = os.path.join(storage, "node_loss")
    released = os.path.join(storage, "node_removed")
    problems: list[str] = []

    def remove_once_a_trial_reports_from_it():
        try:
            if _wait_until(lambda: _reported_from(path, worker.node_id), 120):
                cluster.remove_node(worker)
            else:
                problems.append("no trial reported from the worker node within 120 s")
        except Exception as e:  # reported by the test below, not lost in the thread
            problems.append(repr(e))
        finally:
            open(released, "w").close()

    remover = threading.Thread(target=remove_once_a_trial_reports_from_it, daemon=True)
    remover.start()
    results = rt.Tuner(
        steady,
        {"x": rt.uniform(0, 1), "doomed": worker.node_id, "released": released},
        metric="loss",
        num_samples=4,
        max_failures=2,
        storage_path=storage,
        name="node_loss",
        verbose=0,
    ).fit()
    remover.join(timeout=10)
    assert not problems, problems
    assert {r.status for r in results} == {rt.TrialStatus.TERMINATED}
    moved = [
        r
        for r in results
        if worker.node_id in {row["node"] for row in read_rows(results.path, r.trial_id)}
    ]
    assert moved, "no trial ran on the removed node"
    for r in results:
        rows = read_rows(results.path, r.trial_id)
        assert [row["step"] for row in rows] == list(range(1, 16))
    for r in moved:
        assert not r.error  # a lost node is a retry, not a failure (tests/test_autoscaling.py)
        rows = read_rows(results.path, r.trial_id)
        nodes = [row["node"] for row in rows]
        assert nodes[-1] != worker.node_id  # finished elsewhere
        # rows it reported on the removed node (if it got that far) all come first
        assert nodes == sorted(nodes, key=lambda n: n != worker.node_id)
