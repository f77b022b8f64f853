"""Starting Ray for a Tuner: a private local Ray on 127.0.0.1 (never a ``ray start`` cluster
found on the machine), and what is printed. Joining a cluster is exercised by the
``one_capable_node`` fixture of test_failing.py."""

from __future__ import annotations

import io
import os

import pytest

from raytune_lite.ray_init import check_reachable, init_ray


def test_an_unreachable_address_is_named_at_once():
    with pytest.raises(ConnectionError, match=r"cannot reach the Ray cluster at address="):
        check_reachable("ray://127.0.0.1:1", timeout_s=2)
    check_reachable("auto")  # resolved by Ray itself


@pytest.mark.ray
def test_a_local_ray_listens_on_127_0_0_1_only(monkeypatch, capfd):
    import ray

    if ray.is_initialized():
        ray.shutdown()  # the session's Ray: the next Ray test starts it again
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    out = io.StringIO()
    try:
        init_ray(None, verbose=1, stream=out)
        assert out.getvalue() == f"raytune_lite: starting Ray ({os.cpu_count()} CPUs)…\n"
        node = ray._private.worker._global_node
        assert node.gcs_address.startswith("127.0.0.1:")
        assert node.node_ip_address == "127.0.0.1"
        assert all(n["NodeManagerAddress"] == "127.0.0.1" for n in ray.nodes())
        assert "Token authentication is enabled" not in capfd.readouterr().err  # see README
    finally:
        ray.shutdown()
