"""Storage paths (raytune_lite.storage.uri): pure string and import checks, no network."""

from __future__ import annotations

import os
import sys

import pytest

import raytune_lite as rt
from raytune_lite.storage.uri import (
    ACCEPTED,
    CacheRole,
    StorageURIError,
    cache_dir,
    is_remote,
    join,
    storage_root,
)


def test_a_plain_folder_and_file_uris_are_local_and_absolute(tmp_path):
    assert storage_root(str(tmp_path)) == str(tmp_path)
    assert storage_root(f"file://{tmp_path}") == str(tmp_path)
    assert storage_root("~/x") == os.path.join(os.path.expanduser("~"), "x")
    assert not is_remote(f"file://{tmp_path}") and not is_remote("relative/dir")


def test_remote_uris_keep_their_form_without_a_trailing_slash():
    assert storage_root("s3://bucket/runs/") == "s3://bucket/runs"
    assert join("s3://bucket/runs", "exp") == "s3://bucket/runs/exp"
    assert is_remote("S3://bucket") and is_remote("gs://b/p")


@pytest.mark.parametrize(
    "uri, says",
    [
        ("zzz://bucket/p", "unknown scheme 'zzz'"),
        ("s3://", "names no bucket"),
        ("s3://bucket/p?endpoint_override=x", "AWS_ENDPOINT_URL"),
    ],
)
def test_a_bad_uri_names_the_value_and_what_is_accepted(uri, says):
    with pytest.raises(StorageURIError) as e:
        storage_root(uri)
    assert repr(uri) in str(e.value) and says in str(e.value)
    if "unknown" in says:
        assert ACCEPTED in str(e.value)


def test_a_missing_extra_names_the_package_and_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow.fs", None)  # as if pyarrow were not installed
    with pytest.raises(StorageURIError, match=r"needs the optional dependency pyarrow.*\[s3\]"):
        storage_root("s3://bucket/runs")
    with pytest.raises(StorageURIError, match=r"\[gcs\]"):
        storage_root("gs://bucket/runs")


def test_the_tuner_refuses_a_bad_storage_path_at_once():
    with pytest.raises(ValueError, match=r"storage_path 'zzz://b/p': unknown scheme"):
        rt.Tuner(lambda c: None, {"x": 1}, storage_path="zzz://b/p")


def test_every_uri_and_role_has_its_own_cache_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("RAYTUNE_LITE_CACHE_DIR", str(tmp_path))
    a = cache_dir("s3://b/runs/exp", CacheRole.WORK)
    assert a.startswith(str(tmp_path)) and "exp" in a
    assert (
        len(
            {
                a,
                cache_dir("s3://b/runs/exp", CacheRole.READ),
                cache_dir("s3://b/runs/ex", CacheRole.WORK),
                cache_dir("gs://b/runs/exp", CacheRole.WORK),
            }
        )
        == 4
    )
