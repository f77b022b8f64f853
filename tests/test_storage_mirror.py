"""The controller's store for a remote storage_path (raytune_lite.storage.mirror): whole
experiments on a real S3 API (moto's server on 127.0.0.1), read back by ResultGrid.from_path
and the CLI, against a local-path run of the same seed; a second driver refused by the lease.
The kill-and-resume test on S3 is in test_storage_faults.py."""

from __future__ import annotations

import json
import os

import pytest

import raytune_lite as rt
from raytune_lite.cli import main as cli
from raytune_lite.storage import Contents, readable
from raytune_lite.storage.lease import S3Lease
from raytune_lite.storage.remote import RemoteFS

pytestmark = pytest.mark.ray
VOLATILE = ("time", "timestamp", "date", "hostname", "pid", "node_ip", "path", "checkpoint")


def train(config):
    with open(os.path.join(rt.get_trial_dir(), "notes.txt"), "w") as f:
        f.write(f"x={config['x']}")  # a trial's own file: uploaded when its attempt ends
    ckpt = rt.get_checkpoint()
    start = ckpt.to_dict()["step"] if ckpt else 0
    for step in range(start + 1, 5):
        saved = rt.Checkpoint.from_dict({"step": step}) if step % 2 == 0 else None
        rt.report({"loss": config["x"] + 1.0 / step, "step": step}, checkpoint=saved)


def _run(storage_path: str):
    return rt.Tuner(
        train,
        {"x": rt.uniform(0, 1)},
        metric="loss",
        num_samples=4,
        seed=3,
        num_to_keep=1,
        storage_path=storage_path,
        name="exp",
        verbose=0,
    ).fit()


def _stable(df):
    keep = [c for c in df.columns if not any(v in c for v in VOLATILE)]
    return df[keep].sort_values("trial_id").reset_index(drop=True)


def test_an_s3_run_reads_back_as_a_local_run_of_the_same_seed(ray_s3, s3_root, storage, capsys):
    local, remote = _run(storage), _run(s3_root)
    uri = s3_root + "/exp"
    grid = rt.ResultGrid.from_path(uri)  # downloaded afresh into the read cache
    for got in (remote, grid):
        assert _stable(got.dataframe()).equals(_stable(local.dataframe()))
        assert got.best.config == local.best.config
        assert _stable(got.history()).equals(_stable(local.history()))
        assert got.history().groupby("trial_id")["step"].apply(list).tolist() == [[1, 2, 3, 4]] * 4
    best = grid.best
    assert best.checkpoint is not None and best.checkpoint.to_dict() == {"step": 4}
    names = RemoteFS(uri).listing()
    assert "experiment.json" in names and "trials/00000/trial.json" in names
    for t in range(4):  # one attempt each: its segments joined into one object
        assert len([n for n in names if n.startswith(f"trials/{t:05d}/result.jsonl.d/")]) == 1
    assert all(f"trials/{t:05d}/notes.txt" in names for t in range(4))
    with open(os.path.join(best.path, "notes.txt")) as f:
        assert f.read() == f"x={best.config['x']}"
    # num_to_keep=1: only the last checkpoint of each trial stays, manifest included
    assert sorted(n for n in names if n.endswith(".manifest.json")) == [
        f"trials/{t:05d}/checkpoints/checkpoint_000004.manifest.json" for t in range(4)
    ]
    again = rt.Tuner.restore(uri, train, verbose=0).fit()  # finished: nothing runs again
    assert _stable(again.dataframe()).equals(_stable(local.dataframe()))
    capsys.readouterr()
    assert cli(["show", uri, "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert cli(["show", storage + "/exp", "--format", "json"]) == 0
    assert len(shown) == 4
    assert [t["trial_id"] for t in shown] == [
        t["trial_id"] for t in json.loads(capsys.readouterr().out)
    ]


def bowl(config):
    ckpt = rt.get_checkpoint()
    start = ckpt.to_dict()["epoch"] if ckpt else 0
    for epoch in range(start + 1, 7):
        loss = (config["x"] - 0.5) ** 2 + 1.0 / epoch
        rt.report({"loss": loss}, checkpoint=rt.Checkpoint.from_dict({"epoch": epoch}))


def test_pbt_on_s3_exploits_and_keeps_only_what_retention_keeps(ray_s3, s3_root):
    from raytune_lite.schedulers import PBT

    results = rt.Tuner(
        bowl,
        {"x": rt.uniform(-2.0, 2.0)},
        metric="loss",
        num_samples=4,
        scheduler=PBT(perturbation_interval=2, hyperparam_mutations={"x": rt.uniform(-2, 2)}),
        max_concurrent=2,
        num_to_keep=1,
        seed=7,
        storage_path=s3_root,
        name="pbt",
        verbose=0,
    ).fit()
    assert results.num_exploits >= 1 and not results.errors
    uri = s3_root + "/pbt"
    grid = rt.ResultGrid.from_path(uri)  # a fresh download: the exploits' own copies included
    assert grid.num_exploits == results.num_exploits
    for r in grid:
        assert r.checkpoint is not None and r.checkpoint.to_dict() == {"epoch": 6}
    manifests = [n for n in RemoteFS(uri).listing() if n.endswith(".manifest.json")]
    assert sorted(manifests) == [
        f"trials/{t:05d}/checkpoints/checkpoint_000006.manifest.json" for t in range(4)
    ]


def test_a_second_driver_on_an_s3_experiment_is_refused_naming_the_first(
    ray_s3, s3_root, monkeypatch
):
    uri = s3_root + "/exp"
    holder = S3Lease(uri, "pid 4242 on host elsewhere", ttl_s=30)
    holder.acquire(0)  # the first driver, on another machine (no shared local lock)
    monkeypatch.setenv("RAYTUNE_LITE_LOCK_WAIT_S", "0.5")
    try:
        with pytest.raises(rt.StoreError, match=r"in use by pid 4242 on host elsewhere"):
            _run(s3_root)
        assert RemoteFS(uri).listing() == {".lock": RemoteFS(uri).listing()[".lock"]}
    finally:
        holder.release()


def test_a_uri_without_an_experiment_is_a_clear_error(moto_server, s3_root):
    with pytest.raises(rt.StoreError, match=r"is not a raytune_lite experiment"):
        readable(s3_root + "/nothing", Contents.RESULTS)
