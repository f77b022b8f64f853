"""A driver process for the kill-and-resume tests: runs (or resumes) one experiment.

    python resume_driver.py STORAGE NAME N [--steps 8] [--every 2] [--asha] [--sleep 0.04]
                            [--gate FILE]

Each trial reports ``steps`` rows (``step`` = its training_iteration) and saves a checkpoint
every ``config["every"]`` steps (0: never); ``--every`` may list several values, one grid axis.
``--gate FILE``: trials wait at step 2 until FILE exists. Prints ``DONE <trials>``, or
``REFUSED <message>`` (exit 3) when the experiment's folder is refused (in use by another
driver).
"""

from __future__ import annotations

import argparse
import os
import time

import ray

import raytune_lite as rt
from raytune_lite.schedulers import ASHA


def train(config):
    ckpt = rt.get_checkpoint()
    start = ckpt.to_dict()["step"] if ckpt else 0
    every, gate = config["every"], config["gate"]
    for step in range(start + 1, config["steps"] + 1):
        time.sleep(config["sleep"])
        if gate and step == 2:
            deadline = time.monotonic() + 120
            while not os.path.exists(gate) and time.monotonic() < deadline:
                time.sleep(0.05)
        saved = rt.Checkpoint.from_dict({"step": step}) if every and step % every == 0 else None
        rt.report({"loss": config["x"] + 1.0 / step, "step": step}, checkpoint=saved)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("storage")
    ap.add_argument("name")
    ap.add_argument("n", type=int)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--every", type=int, nargs="+", default=[2])
    ap.add_argument("--asha", action="store_true")
    ap.add_argument("--sleep", type=float, default=0.04)
    ap.add_argument("--gate", default="")
    args = ap.parse_args()
    space = {
        "x": rt.uniform(0, 1),
        "every": rt.grid(args.every) if len(args.every) > 1 else args.every[0],
        "steps": args.steps,
        "sleep": args.sleep,
        "gate": args.gate,
    }
    ray.init(address="local", num_cpus=4, include_dashboard=False, logging_level="ERROR")
    try:
        results = rt.Tuner(
            train,
            space,
            metric="loss",
            num_samples=args.n // len(args.every),
            scheduler=ASHA(max_t=args.steps, grace_period=1, reduction_factor=3)
            if args.asha
            else None,
            seed=0,
            storage_path=args.storage,
            name=args.name,
            resume=True,
            max_concurrent=4,
            verbose=0,
        ).fit()
    except rt.StoreError as e:
        print(f"REFUSED {e}", flush=True)
        raise SystemExit(3) from None
    print(f"DONE {len(results)}", flush=True)


if __name__ == "__main__":
    main()
