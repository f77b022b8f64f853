"""A large checkpoint between two nodes: time and peak memory of the transfer.

    python benchmarks/checkpoint_transfer.py [--mb 256 1024] [--write]

On a ``ray.cluster_utils.Cluster`` (a head that runs only the controller, a worker node for
the trial), one trial saves a checkpoint of ``--mb`` MiB (one file) on the worker node; it is
streamed to the experiment folder on the head through the checkpoint depot. Its first attempt
then fails, and the retry (on the worker node again) fetches the checkpoint back. The table
gives the time of the save (``report()``) and of the fetch (``get_checkpoint()``), and the
peak resident memory (VmHWM) of the controller's process and of the depot's process.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import raytune_lite as rt
from benchmarks._report import table, write_section

BLOCK = bytes(range(256)) * 4096  # 1 MiB


def _peak_of(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def big_checkpoint(config):
    import shutil

    from raytune_lite import outbox, session, transfer

    ctx = session._current().ctx  # type: ignore[union-attr]
    controller = outbox.controller_handle(ctx.controller)
    t0 = time.perf_counter()
    ckpt = rt.get_checkpoint()  # the retry's fetch happens here
    fetch_s = time.perf_counter() - t0
    if ckpt is not None:
        fetched = os.path.getsize(os.path.join(ckpt.path, "weights.bin"))
        import ray

        depot = transfer.depot_for(controller, ctx.controller)
        rt.report(
            {
                "fetched_mb": fetched / 2**20,
                "depot_peak": ray.get(depot.memory_peak_bytes.remote()),
                "controller_peak": _peak_of(ray.get(controller.progress.remote())["pid"]),
                "t": fetch_s,
            }
        )
        return
    d = tempfile.mkdtemp(prefix="bench_ckpt_")
    with open(os.path.join(d, "weights.bin"), "wb") as f:
        for _ in range(config["mb"]):
            f.write(BLOCK)
    t0 = time.perf_counter()
    rt.report({"phase": "save"}, checkpoint=rt.Checkpoint.from_directory(d))
    save_s = time.perf_counter() - t0
    shutil.rmtree(d)
    rt.report({"save_s": save_s})
    raise RuntimeError("the first attempt ends here: the retry fetches the checkpoint")


def measure(mb: int) -> dict[str, float]:
    import ray
    from ray.cluster_utils import Cluster

    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 0, "object_store_memory": 200 * 2**20},
    )
    cluster.add_node(num_cpus=1, resources={"remote": 1}, object_store_memory=200 * 2**20)
    ray.init(address=cluster.address, logging_level="ERROR")
    cluster.wait_for_nodes()
    try:
        with tempfile.TemporaryDirectory() as storage:
            t0 = time.perf_counter()
            results = rt.Tuner(
                big_checkpoint,
                {"mb": mb},
                resources={"cpu": 1, "remote": 1},
                max_failures=1,
                storage_path=storage,
                verbose=0,
            ).fit()
            wall = time.perf_counter() - t0
            import json

            with open(os.path.join(results[0].path, "result.jsonl")) as f:
                rows = [json.loads(line) for line in f]  # superseded rows too
    finally:
        ray.shutdown()
        cluster.shutdown()
    save = next(r["save_s"] for r in rows if "save_s" in r)
    last = rows[-1]
    assert last["fetched_mb"] == mb, last
    return {
        "mb": mb,
        "save_s": save,
        "fetch_s": last["t"],
        "controller_peak_mb": last["controller_peak"] / 2**20,
        "depot_peak_mb": last["depot_peak"] / 2**20,
        "wall_s": wall,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mb", type=int, nargs="+", default=[256])
    p.add_argument("--write", action="store_true", help="write the table into BENCHMARKS.md")
    args = p.parse_args()
    load = os.getloadavg()
    rows = []
    for mb in args.mb:
        m = measure(mb)
        print(m, flush=True)
        rows.append(
            [
                m["mb"],
                m["save_s"],
                m["mb"] / m["save_s"],
                m["fetch_s"],
                m["mb"] / m["fetch_s"],
                m["controller_peak_mb"],
                m["depot_peak_mb"],
            ]
        )
    body = (
        "One checkpoint file sent from a worker node to the head's experiment folder and "
        "fetched back by the retry (chunks of 8 MiB, 2 in flight; 200 MiB object store per "
        "node). Both nodes are on this one machine, so the bytes cross loopback, not a "
        f"network. Load average at the start: {'/'.join(f'{x:.1f}' for x in load)}.\n\n"
        + table(
            [
                "checkpoint MiB",
                "save s",
                "save MiB/s",
                "fetch s",
                "fetch MiB/s",
                "controller peak RSS MiB",
                "depot peak RSS MiB",
            ],
            rows,
        )
    )
    print(body)
    if args.write:
        write_section(
            "checkpoint_transfer",
            "Checkpoints between nodes (benchmarks/checkpoint_transfer.py)",
            body,
        )


if __name__ == "__main__":
    main()
