"""benchmarks/gpu_check.py with logical GPUs (the session's Ray counts 2): fractional GPUs
share a device, whole GPUs are one device each, a request beyond the cluster is refused."""

from __future__ import annotations

import pytest

from benchmarks.gpu_check import run_checks

pytestmark = pytest.mark.ray


def test_trials_see_the_gpus_ray_gives_them(ray_local, storage):
    got = run_checks(storage)
    assert got["gpus"] == 2
    quarter = got["quarter"]
    assert len(quarter) == 4
    for seen in quarter:  # each sees exactly the one device Ray assigned to it
        assert seen["CUDA_VISIBLE_DEVICES"] in ("0", "1")
        assert seen["ray_gpu_ids"] == [seen["CUDA_VISIBLE_DEVICES"]]
    # four trials ran at once (they met at a barrier) on two devices: some share one
    assert len({s["CUDA_VISIBLE_DEVICES"] for s in quarter}) < 4
    assert len(got["whole"]) == 2
    for seen in got["whole"]:
        assert seen["CUDA_VISIBLE_DEVICES"] in ("0", "1")
        assert seen["ray_gpu_ids"] == [seen["CUDA_VISIBLE_DEVICES"]]
    assert got["refused"] is not None
    assert "no node of the Ray cluster can run a trial that requests" in got["refused"]
    assert "'gpu': 3.0" in got["refused"]
