"""A driver process for the kill-and-resume test: runs (or resumes) one experiment."""

from __future__ import annotations

import sys
import time

import ray

import raytune_lite as rt


def train(config):
    ckpt = rt.get_checkpoint()
    start = ckpt.to_dict()["step"] if ckpt else 0
    for step in range(start + 1, 9):
        time.sleep(0.04)
        saved = rt.Checkpoint.from_dict({"step": step}) if step % 2 == 0 else None
        rt.report({"loss": config["x"] + 1.0 / step, "step": step}, checkpoint=saved)


if __name__ == "__main__":
    storage, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ray.init(address="local", num_cpus=4, include_dashboard=False, logging_level="ERROR")
    results = rt.Tuner(
        train,
        {"x": rt.uniform(0, 1)},
        metric="loss",
        num_samples=n,
        seed=0,
        storage_path=storage,
        name=name,
        resume=True,
        max_concurrent=4,
        verbose=0,
    ).fit()
    print(f"DONE {len(results)}", flush=True)
