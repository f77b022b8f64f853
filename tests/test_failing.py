"""The controller's failure rules (controller/failing.py): first-failure lines, the fatal
failure, crash messages, the escalation of a swallowed stop (pure), and the bounded wait
for a node that can run the trials (on a real two-node Cluster)."""

from __future__ import annotations

import asyncio
import io
import os
from typing import Any

import pytest

import raytune_lite as rt
from raytune_lite.controller.failing import Escalation, FailureLog, NodeWait, crash_message
from raytune_lite.ray_init import init_ray

TB = "Traceback (most recent call last):\nValueError: bad"


def log(**kwargs: Any) -> FailureLog:
    return FailureLog(
        kwargs.get("fail_fast", False),
        kwargs.get("systematic_failures", 3),
        lambda t: os.path.join("/exp/trials", t),
    )


def test_one_line_per_trial_at_its_first_failure():
    f = log()
    f.failed("00000", 1, TB, None)
    f.failed("00000", 2, TB, None)  # its retry: no second line
    f.succeeded()
    f.failed("00001", 1, "KeyError: 'lr'\n", None)
    assert f.lines == [
        "trial 00000 failed: ValueError: bad (error file: /exp/trials/00000/error.txt)",
        "trial 00001 failed: KeyError: 'lr' (error file: /exp/trials/00001/error.txt)",
    ]
    assert f.progress(1) == {"failures": f.lines[1:], "failures_from": 1, "fatal": None}
    assert f.fatal is None


def test_fail_fast_makes_the_first_failure_fatal_once():
    f = log(fail_fast=True)
    fatal = f.failed("00003", 1, TB, b"x")
    assert fatal is not None and fatal.reason.startswith("fail_fast=True: trial 00003 failed")
    assert f.failed("00004", 1, TB, None) is None
    assert f.progress(0)["fatal"]["trial_id"] == "00003"


def test_the_systematic_stop_names_the_trials():
    f = log(systematic_failures=2)
    assert f.failed("00000", 1, TB, None) is None
    fatal = f.failed("00001", 1, TB, None)
    assert fatal is not None and fatal.reason.startswith(
        "the first 2 trials to fail (00000, 00001) all failed with ValueError: bad "
        "and none succeeded"
    )


def test_crash_messages_name_what_raised():
    from raytune_lite.search.basic import BasicSearch

    with pytest.raises(ValueError) as info:
        BasicSearch(max_pending=0)  # raises inside raytune_lite/search/
    message = crash_message(info.value, "/exp", "BasicSearch", "FIFO")
    assert message.startswith("the experiment stopped: the searcher BasicSearch raised ")
    full = crash_message(OSError(28, "No space left on device"), "/exp", "S", "F")
    assert full == (
        "the experiment stopped: writing the experiment folder '/exp' raised OSError: "
        "[Errno 28] No space left on device (in '/exp')"
    )


def test_node_wait():
    w = NodeWait(10.0)
    assert w.update(0, lambda: "none fits", now=0.0) is None
    assert w.update(2, lambda: "none fits", now=5.0) is None  # a node came back: reset
    assert w.update(0, lambda: "none fits", now=6.0) is None
    assert w.update(0, lambda: "none fits", now=16.0) == (
        "none fits (waited wait_for_nodes_s=10 s for one)"
    )
    assert NodeWait(None).update(0, lambda: "x", now=1e9) is None


def test_escalation_interrupts_then_kills_an_attempt_that_goes_on():
    cancels: list[tuple[str, bool]] = []
    refs = {"00000": object(), "00001": object()}

    async def scenario() -> None:
        esc = Escalation(lambda t, r, force: cancels.append((t, force)), refs.get, 0.01)
        esc.told("00000", refs["00000"])
        esc.told("00000", refs["00000"])  # told again: one escalation
        esc.told("00001", refs["00001"])
        esc.ended("00001")  # it ended by itself
        while len(cancels) < 2:
            await asyncio.sleep(0.01)

    asyncio.run(asyncio.wait_for(scenario(), timeout=30))
    assert cancels == [("00000", False), ("00000", True)]


# -- a cluster that loses its only capable node ------------------------------------------------


@pytest.fixture
def one_capable_node():
    import ray
    from ray.cluster_utils import Cluster

    if ray.is_initialized():
        ray.shutdown()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    capable = cluster.add_node(num_cpus=2, resources={"big": 2})
    cluster.wait_for_nodes()
    joined = io.StringIO()
    init_ray(cluster.address, verbose=1, stream=joined)  # joining: says what it joined
    assert joined.getvalue() == (
        f"raytune_lite: joined the Ray cluster at {cluster.address!r}: 2 node(s), 3 CPUs, 0 GPUs\n"
    )
    yield cluster, capable
    ray.shutdown()
    cluster.shutdown()


def waits_for_a_signal(config: dict[str, Any]) -> None:
    rt.report({"loss": 1.0})
    while True:  # runs until its node goes away
        rt.report({"loss": 1.0})
        import time

        time.sleep(0.2)


@pytest.mark.ray
@pytest.mark.cluster
@pytest.mark.heavy
def test_trials_no_node_can_run_end_as_errors_after_wait_for_nodes_s(one_capable_node, storage):
    """Case ``only-capable-node-lost``: the node with the "big" resource leaves; the trials
    retried (max_failures=1) pend, then end as ERROR naming the request; fit() returns."""
    cluster, capable = one_capable_node
    path = os.path.join(storage, "lost")

    def remove_once_running() -> None:
        import time

        from raytune_lite.store import read_rows

        deadline = time.time() + 120
        while not all(read_rows(path, t) for t in ("00000", "00001")):
            assert time.time() < deadline
            time.sleep(0.1)
        cluster.remove_node(capable)

    import threading

    remover = threading.Thread(target=remove_once_running)
    remover.start()
    results = rt.Tuner(
        waits_for_a_signal,
        {},
        metric="loss",
        num_samples=3,
        resources={"cpu": 1, "big": 1},
        max_failures=1,
        wait_for_nodes_s=2,
        storage_path=storage,
        name="lost",
        verbose=0,
    ).fit()
    remover.join()
    errors = results.errors
    assert len(errors) >= 2, [(r.trial_id, r.status, (r.error or "")[-300:]) for r in results]
    for text in errors.values():
        assert "no node of the Ray cluster can run a trial that requests" in text
        assert "(waited wait_for_nodes_s=2 s for one)" in text
