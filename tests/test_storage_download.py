"""Checkpoints to and from a remote experiment, and a remote experiment made into a local
folder (raytune_lite.storage.download), on a real S3 API (moto's server on 127.0.0.1)."""

from __future__ import annotations

import json
import os

from raytune_lite.storage.download import download_experiment, upload_checkpoint
from raytune_lite.storage.layout import manifest, segment
from raytune_lite.storage.remote import RemoteFS
from raytune_lite.store import read_rows, saved_checkpoints

CKPT = "trials/00000/checkpoints/checkpoint_000002"


def _checkpoint(tmp_path, text: str) -> str:
    src = tmp_path / f"src_{text}"
    (src / "sub").mkdir(parents=True)
    (src / "empty").mkdir()
    (src / "w.txt").write_text(text)
    (src / "sub" / "x.bin").write_bytes(b"\0" * 10)
    return str(src)


def test_rows_come_in_segment_order_once_and_checkpoints_with_a_manifest_come_back(
    s3_root, tmp_path
):
    fs = RemoteFS(s3_root + "/exp")
    fs.put("experiment.json", b'{"format_version": 1}')
    fs.put("trials/00000/params.json", b'{"x": 1}')
    for n, rows in enumerate([[1, 2], [3], [4]]):  # out of order on purpose below
        text = "".join(json.dumps({"training_iteration": i}) + "\n" for i in rows)
        fs.put(segment("trials/00000", n), text.encode())
    fs.put(segment("trials/00000", 3), b'{"__rewind__": 2}\n{"training_iteration": 3}\n')
    # 0..1 joined into one object, the singles not deleted yet (a crash in between)
    joined = b"".join(json.dumps({"training_iteration": i}).encode() + b"\n" for i in (1, 2, 3))
    fs.put(segment("trials/00000", 0, 1), joined)
    upload_checkpoint(fs, _checkpoint(tmp_path, "a"), CKPT)
    fs.put("trials/00000/checkpoints/checkpoint_000004/w.txt", b"half")  # no manifest: not one
    local = str(tmp_path / "local")
    nxt = download_experiment(fs, local, checkpoints=True)
    assert nxt == {"trials/00000": 4}
    assert [r["training_iteration"] for r in read_rows(local, "00000")] == [1, 2, 3]
    saved = saved_checkpoints(os.path.join(local, "trials", "00000"))
    assert list(saved) == [2]
    with open(os.path.join(saved[2], "w.txt")) as f:
        assert f.read() == "a"
    assert os.path.isdir(os.path.join(saved[2], "empty"))
    assert os.path.getsize(os.path.join(saved[2], "sub", "x.bin")) == 10


def test_the_local_copy_becomes_the_remote_image(s3_root, tmp_path):
    fs = RemoteFS(s3_root + "/exp")
    fs.put("experiment.json", b'{"format_version": 1}')
    fs.put(segment("trials/00000", 0), b'{"training_iteration": 1}\n')
    upload_checkpoint(fs, _checkpoint(tmp_path, "a"), CKPT)
    local = str(tmp_path / "local")
    download_experiment(fs, local, checkpoints=True)
    # rows written locally whose PUT never returned, a checkpoint the remote never got
    with open(os.path.join(local, "trials", "00000", "result.jsonl"), "a") as f:
        f.write('{"training_iteration": 2}\n')
    stray = os.path.join(local, "trials", "00000", "checkpoints", "checkpoint_000009")
    os.makedirs(stray)
    with open(os.path.join(local, ".lock"), "w") as f:  # the local lock of a controller
        f.write("pid 1")
    kept = os.path.join(local, CKPT, "w.txt")
    before = os.stat(kept).st_ino
    download_experiment(fs, local, checkpoints=True)
    assert [r["training_iteration"] for r in read_rows(local, "00000")] == [1]
    assert not os.path.exists(stray)
    assert os.path.exists(os.path.join(local, ".lock"))  # never unlinked under its holder
    assert os.stat(kept).st_ino == before  # the same manifest: not downloaded again
    upload_checkpoint(fs, _checkpoint(tmp_path, "b"), CKPT)  # saved again under its name
    download_experiment(fs, local, checkpoints=True)
    with open(kept) as f:
        assert f.read() == "b"


def test_a_checkpoint_saved_again_has_a_new_manifest_written_last(s3_root, tmp_path):
    fs = RemoteFS(s3_root + "/exp")
    first = json.loads(upload_checkpoint(fs, _checkpoint(tmp_path, "a"), CKPT))
    second = json.loads(upload_checkpoint(fs, _checkpoint(tmp_path, "bb"), CKPT))
    assert first["id"] != second["id"]
    assert second["files"] == {"sub/x.bin": 10, "w.txt": 2}
    assert json.loads(fs.get(manifest(CKPT)) or b"") == second
