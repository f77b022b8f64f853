"""A driver that joins a running Ray cluster and tunes: run by test_cluster_processes.py.

    python cluster_driver.py ADDRESS STORAGE NAME HOLD_ON [WAIT_FOR_NODES_S]

Two trials need the resource ``slot`` (only worker nodes have it); each checkpoints every
step. A trial on the node named ``HOLD_ON`` (the node's ``RTL_TEST_NODE``) holds at step 3
until that node is killed. Prints one JSON line: how ``fit()`` ended.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
import time

import raytune_lite as rt

STEPS = 6
HOLD_AT = 3
PAD = bytes(range(256)) * (9 * 4096)  # ~9 MiB: a checkpoint of more than one chunk


def train(config):
    node = os.environ.get("RTL_TEST_NODE", "?")
    private = not os.path.exists(config["marker"])  # the marker is on the head's filesystem
    ckpt = rt.get_checkpoint()
    start = 0
    if ckpt is not None:
        data = ckpt.to_dict()
        assert data["pad"] == PAD, "the checkpoint came back damaged"
        start = data["step"]
    for step in range(start + 1, STEPS + 1):
        rt.report(
            {"loss": config["x"], "step": step, "node": node, "private": private, "start": start},
            checkpoint=rt.Checkpoint.from_dict({"step": step, "pad": PAD}),
        )
        deadline = time.monotonic() + 300
        while step == HOLD_AT and node == config["hold_on"] and time.monotonic() < deadline:
            time.sleep(0.05)


def main() -> None:
    address, storage, name, hold_on = sys.argv[1:5]
    wait = float(sys.argv[5]) if len(sys.argv) > 5 else None
    import ray

    ray.init(address=address, logging_level="ERROR")
    deadline = time.monotonic() + 120
    while ray.cluster_resources().get("slot", 0) < 1 and time.monotonic() < deadline:
        time.sleep(0.2)  # the worker node may still be registering
    options = {}
    if wait is not None and "wait_for_nodes_s" in inspect.signature(rt.Tuner).parameters:
        options["wait_for_nodes_s"] = wait
    try:
        results = rt.Tuner(
            train,
            {
                "x": rt.grid([0.1, 0.2]),
                "hold_on": hold_on,
                "marker": os.path.join(storage, "head_marker"),
            },
            metric="loss",
            resources={"cpu": 1, "slot": 1},
            max_failures=3,
            storage_path=storage,
            name=name,
            verbose=0,
            **options,
        ).fit()
        out = {"ok": True, "errors": [r.error for r in results]}
    except Exception as e:
        out = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
