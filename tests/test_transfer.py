"""Checkpoints between nodes: the depot's file operations (no Ray), and trials on a worker
node that save and get back their checkpoints through the controller's node."""

from __future__ import annotations

import os
import tempfile

import pytest

import raytune_lite as rt
from raytune_lite.checkpoint import CheckpointError
from raytune_lite.transfer import CHUNK_BYTES, DIRECTORY, CheckpointDepot, chunks

BLOB = (bytes(range(251)) * (CHUNK_BYTES // 251 + 9))[: CHUNK_BYTES + 1234]  # > 1 chunk


def make_tree(root):
    os.makedirs(os.path.join(root, "sub", "deeper"))
    os.makedirs(os.path.join(root, "empty_dir"))
    with open(os.path.join(root, "sub", "deeper", "blob.bin"), "wb") as f:
        f.write(BLOB)
    open(os.path.join(root, "empty.txt"), "w").close()
    with open(os.path.join(root, "meta.json"), "w") as f:
        f.write('{"step": 3}')


def tree(root):
    out = {}
    for here, dirs, files in os.walk(root):
        for d in dirs:
            out[os.path.relpath(os.path.join(here, d), root)] = None
        for name in files:
            with open(os.path.join(here, name), "rb") as f:
                out[os.path.relpath(os.path.join(here, name), root)] = f.read()
    return out


def test_a_tree_sent_in_chunks_in_any_order_arrives_whole(tmp_path):
    src = str(tmp_path / "src")
    make_tree(src)
    pieces = list(chunks(src))
    assert all(data is None or len(data) <= CHUNK_BYTES for _, _, data in pieces)
    assert [off for rel, off, _ in pieces if rel.endswith("blob.bin")] == [0, CHUNK_BYTES]
    exp = str(tmp_path / "exp")
    depot = CheckpointDepot(exp)
    dest = os.path.join(exp, "trials", "t", "checkpoints", "checkpoint_000003")
    upload = depot.begin(dest)
    for rel, off, data in reversed(pieces):  # threads may deliver chunks in any order
        if data is None:
            depot.mkdir(upload, rel)
        else:
            depot.write(upload, rel, off, data)
    assert not os.path.exists(dest)  # nothing in place before the commit
    assert depot.commit(upload) == os.path.realpath(dest)
    assert tree(dest) == tree(src)
    assert not [n for n in os.listdir(os.path.dirname(dest)) if n.startswith(".tmp_")]
    listing = dict(depot.listing(dest))
    assert listing["empty_dir"] == DIRECTORY and listing["sub/deeper/blob.bin"] == len(BLOB)
    assert depot.read(dest, "sub/deeper/blob.bin", CHUNK_BYTES, CHUNK_BYTES) == BLOB[CHUNK_BYTES:]


def test_a_commit_replaces_an_older_save_and_an_abort_leaves_nothing(tmp_path):
    exp = str(tmp_path / "exp")
    depot = CheckpointDepot(exp)
    dest = os.path.join(exp, "checkpoints", "checkpoint_000001")
    for content in (b"old", b"new"):
        upload = depot.begin(dest)
        depot.write(upload, "f", 0, content)
        depot.commit(upload)
    assert tree(dest) == {"f": b"new"}
    upload = depot.begin(dest)
    depot.write(upload, "f", 0, b"half")
    depot.abort(upload)
    assert tree(dest) == {"f": b"new"}
    assert os.listdir(os.path.dirname(dest)) == ["checkpoint_000001"]
    with pytest.raises(CheckpointError, match="no checkpoint upload"):
        depot.commit(upload)


def test_a_trials_files_merge_into_its_folder_but_never_over_the_controllers(tmp_path):
    exp = str(tmp_path / "exp")
    depot = CheckpointDepot(exp)
    trial = os.path.join(exp, "trials", "t")
    os.makedirs(os.path.join(trial, "checkpoints", "checkpoint_000001"))
    with open(os.path.join(trial, "result.jsonl"), "w") as f:
        f.write('{"step": 1}\n')
    with open(os.path.join(trial, "mine.txt"), "w") as f:
        f.write("old")
    upload = depot.begin(trial, merge=True)
    depot.write(upload, "mine.txt", 0, b"new")
    depot.write(upload, "plots/curve.svg", 0, b"<svg/>")
    depot.write(upload, "result.jsonl", 0, b"not the controller's")
    depot.write(upload, "checkpoints/checkpoint_000001/x", 0, b"no")
    assert depot.commit(upload) == os.path.realpath(trial)
    assert tree(trial) == {
        "checkpoints": None,
        "checkpoints/checkpoint_000001": None,
        "result.jsonl": b'{"step": 1}\n',
        "mine.txt": b"new",
        "plots": None,
        "plots/curve.svg": b"<svg/>",
    }


def test_the_depot_stays_inside_its_experiment(tmp_path):
    exp = str(tmp_path / "exp")
    depot = CheckpointDepot(exp)
    with pytest.raises(CheckpointError, match="outside the experiment"):
        depot.begin(str(tmp_path / "elsewhere" / "checkpoint_000001"))
    with pytest.raises(CheckpointError, match="outside the experiment"):
        depot.listing("/etc")
    upload = depot.begin(os.path.join(exp, "c", "checkpoint_000001"))
    with pytest.raises(CheckpointError, match="must stay inside"):
        depot.write(upload, "../../escape", 0, b"x")
    with pytest.raises(CheckpointError, match="must stay inside"):
        depot.write(upload, "/abs", 0, b"x")


def on_the_worker(config):
    """Saves a multi-chunk checkpoint each step; the first attempt fails after step 2."""
    import ray

    here = ray.get_runtime_context().get_node_id()
    ckpt = rt.get_checkpoint()
    start = 0
    if ckpt is not None:
        with ckpt.as_directory() as d:
            with open(os.path.join(d, "sub", "deeper", "blob.bin"), "rb") as f:
                assert f.read() == BLOB
            with open(os.path.join(d, "meta.json")) as f:
                start = int(f.read().split(":")[1].strip(" }"))
            assert os.path.isdir(os.path.join(d, "empty_dir"))
        fetched = ckpt.path
    else:
        fetched = None
    for step in range(start + 1, 5):
        d = os.path.join(tempfile.mkdtemp(), str(step))
        make_tree(d)
        with open(os.path.join(rt.get_trial_dir(), f"notes_{step}.txt"), "w") as f:
            f.write(here)  # a file of the trial's own, written on the worker node
        with open(os.path.join(d, "meta.json"), "w") as f:
            f.write(f'{{"step": {step}}}')
        rt.report(
            {"loss": config["x"], "step": step, "node": here, "fetched": fetched},
            checkpoint=rt.Checkpoint.from_directory(d),
        )
        if step == 2 and ckpt is None:
            raise RuntimeError("first attempt fails after step 2")


@pytest.mark.ray
@pytest.mark.cluster
def test_a_trial_on_another_node_saves_and_gets_back_its_checkpoints(two_nodes, storage):
    import ray

    from raytune_lite.store import read_rows, saved_checkpoints

    _, worker = two_nodes
    results = rt.Tuner(
        on_the_worker,
        {"x": 1.0},
        metric="loss",
        resources={"cpu": 1, "big": 1},  # only the worker node has "big"
        max_failures=1,
        storage_path=storage,
        verbose=0,
    ).fit()
    r = results[0]
    assert r.status is rt.TrialStatus.TERMINATED, r.error
    rows = read_rows(results.path, r.trial_id)
    assert [row["step"] for row in rows] == [1, 2, 3, 4]
    assert {row["node"] for row in rows} == {worker.node_id}
    # the retry started from the checkpoint of step 2, fetched into a folder of its own
    assert rows[2]["fetched"] is not None and rows[2]["fetched"] != r.checkpoint.path
    assert not os.path.exists(rows[2]["fetched"])  # removed when the attempt ended
    saved = saved_checkpoints(r.path)
    assert sorted(saved) == [1, 2, 3, 4]
    assert tree(saved[4])["sub/deeper/blob.bin"] == BLOB
    assert tree(saved[4])["meta.json"] == b'{"step": 4}'
    for step in (1, 2, 3, 4):  # both attempts' own files reached the trial's folder
        with open(os.path.join(r.path, f"notes_{step}.txt")) as f:
            assert f.read() == worker.node_id
    depots = [a for a in ray._private.state.actors().values() if "CheckpointDepot" in str(a)]
    assert depots, "the depot was never started"
