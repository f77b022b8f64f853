"""A remote experiment folder through pyarrow.fs (raytune_lite.storage.remote), on a real S3
API (moto's server on 127.0.0.1) and on an fsspec filesystem."""

from __future__ import annotations

import os

import pytest

from raytune_lite.storage import remote as remote_mod
from raytune_lite.storage.remote import RemoteFS, s3_endpoint


def test_small_objects_round_trip_and_list_under_their_prefix(s3_root):
    fs = RemoteFS(s3_root + "/exp")
    assert fs.get("experiment.json") is None and fs.listing() == {}
    fs.put("experiment.json", b"{}")
    fs.put("trials/00000/params.json", b'{"x": 1}')
    assert fs.get("trials/00000/params.json") == b'{"x": 1}'
    assert fs.listing() == {"experiment.json": 2, "trials/00000/params.json": 8}
    assert fs.listing("trials") == {"trials/00000/params.json": 8}
    assert RemoteFS(s3_root + "/ex").listing() == {}  # a prefix of a name is not its folder
    fs.delete_tree("trials")
    fs.delete("missing.json")  # gone already: nothing to do
    assert fs.listing() == {"experiment.json": 2}


def test_a_file_larger_than_one_chunk_streams_both_ways(s3_root, tmp_path, monkeypatch):
    monkeypatch.setattr(remote_mod, "STREAM_BYTES", 1 << 16)  # several chunks, small test
    data = os.urandom(5 * (1 << 16) + 123)
    src, dst = tmp_path / "src.bin", tmp_path / "out" / "dst.bin"
    src.write_bytes(data)
    fs = RemoteFS(s3_root + "/exp")
    assert fs.upload_file(str(src), "ckpt/w.bin") == len(data)
    fs.download_file("ckpt/w.bin", str(dst))
    assert dst.read_bytes() == data


def test_the_endpoint_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    assert s3_endpoint() == {
        "endpoint_override": "127.0.0.1:9",
        "scheme": "http",
        "region": "eu-west-3",
    }


def test_any_fsspec_filesystem_serves_as_a_remote():
    pytest.importorskip("fsspec")
    fs = RemoteFS("memory://rtl-test-bucket/runs/exp")
    fs.put("trials/00000/trial.json", b"{}")
    assert fs.get("trials/00000/trial.json") == b"{}"
    assert fs.listing() == {"trials/00000/trial.json": 2}
