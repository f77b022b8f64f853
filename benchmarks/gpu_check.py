"""What trials see of the GPUs: one prepared script for a machine with GPUs.

    python benchmarks/gpu_check.py                  # the GPUs Ray detects on this machine
    python benchmarks/gpu_check.py --logical-gpus 2 # no GPU here: Ray counts 2 logical ones

Three checks, each printing what every trial saw (``CUDA_VISIBLE_DEVICES``, Ray's GPU ids and,
where PyTorch is installed, the device it would train on):

1. four trials of ``resources={"gpu": 0.25}`` run at the same time (they meet at a barrier)
   and share devices: each sees exactly the one device Ray gave it;
2. two trials of ``{"gpu": 1}`` each see one whole device of their own;
3. a trial that asks for more GPUs than any node has is refused before it starts.

The test suite runs :func:`run_checks` with logical GPUs (tests/test_gpu_check.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import raytune_lite as rt

BARRIER = "gpu_check_barrier"
NAMESPACE = "gpu_check"


class Barrier:
    """Releases its callers once ``n`` have arrived (a Ray async actor)."""

    def __init__(self, n: int) -> None:
        import asyncio

        self.n = n
        self.arrived = 0
        self.all_here = asyncio.Event()

    async def arrive(self) -> int:
        self.arrived += 1
        if self.arrived >= self.n:
            self.all_here.set()
        await self.all_here.wait()
        return self.arrived


def what_i_see(config: dict[str, Any]) -> None:
    import ray

    if config["meet"]:
        barrier = ray.get_actor(BARRIER, namespace=NAMESPACE)
        ray.get(barrier.arrive.remote(), timeout=120)  # all four run at once
    device = "not checked (no torch)"
    try:
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    except ImportError:
        pass
    rt.report(
        {
            "CUDA_VISIBLE_DEVICES": os.environ.get("CUDA_VISIBLE_DEVICES", ""),
            "ray_gpu_ids": [str(g) for g in ray.get_gpu_ids()],
            "torch_device": device,
        }
    )


def _run(n: int, gpu: float, storage: str, meet: bool) -> list[dict[str, Any]]:
    import ray

    barrier = None
    if meet:
        barrier = (
            ray.remote(Barrier).options(name=BARRIER, namespace=NAMESPACE, num_cpus=0).remote(n)
        )
    try:
        results = rt.Tuner(
            what_i_see,
            {"i": rt.grid(list(range(n))), "meet": meet},
            resources={"cpu": 0.25, "gpu": gpu},
            storage_path=storage,
            verbose=0,
        ).fit()
    finally:
        if barrier is not None:
            ray.kill(barrier)
    seen = []
    for r in results:
        if r.error:
            raise RuntimeError(f"trial {r.trial_id} failed: {r.error}")
        seen.append({k: r.metrics[k] for k in ("CUDA_VISIBLE_DEVICES", "ray_gpu_ids")})
        seen[-1]["torch_device"] = r.metrics["torch_device"]
    return seen


def run_checks(storage: str) -> dict[str, Any]:
    """Runs the three checks on the connected Ray; returns what the trials saw.

    Returns:
        ``{"gpus": n, "quarter": [...], "whole": [...], "refused": message}``: per trial of
        checks 1 and 2 its ``CUDA_VISIBLE_DEVICES``, Ray GPU ids and torch device; the error
        of check 3.
    """
    import ray

    gpus = int(ray.cluster_resources().get("GPU", 0))
    if gpus < 1:
        raise RuntimeError("Ray sees no GPU: pass --logical-gpus N to check with logical ones")
    out: dict[str, Any] = {"gpus": gpus}
    out["quarter"] = _run(4, 0.25, storage, meet=True)
    out["whole"] = _run(2, 1, storage, meet=False)
    try:
        rt.Tuner(
            what_i_see, {"meet": False}, resources={"gpu": gpus + 1}, storage_path=storage
        ).fit()
        out["refused"] = None
    except ValueError as e:
        out["refused"] = str(e)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--logical-gpus", type=int, default=None, help="pretend to have N GPUs")
    args = p.parse_args()
    import ray

    ray.init(num_gpus=args.logical_gpus, logging_level="ERROR", include_dashboard=False)
    with tempfile.TemporaryDirectory() as storage:
        got = run_checks(storage)
    print(f"GPUs Ray counts: {got['gpus']}")
    for check in ("quarter", "whole"):
        label = "4 trials x 0.25 GPU" if check == "quarter" else "2 trials x 1 GPU"
        print(label)
        for i, seen in enumerate(got[check]):
            print(f"  trial {i}: {seen}")
    print(f"a trial asking for {got['gpus'] + 1} GPUs: {got['refused'] or 'NOT refused'}")
    ray.shutdown()


if __name__ == "__main__":
    main()
