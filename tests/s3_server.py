"""A real S3 API on 127.0.0.1 for the storage tests: moto's server as a subprocess.

``moto_server`` starts ``python -m moto.server`` on a free port once per test session (the
tests are skipped with the reason when moto is not installed), points the AWS environment
variables of this process at it (so that Ray workers started afterwards, and subprocess
drivers given :func:`s3_env`, use it), and kills it by its PID at the end.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def s3_env(endpoint: str) -> dict[str, str]:
    """The environment a process needs to use the test's S3 server."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory) -> Iterator[str]:
    """The endpoint URL of a moto S3 server running for the session (the local copies of
    remote experiments go to a session folder: ``RAYTUNE_LITE_CACHE_DIR``)."""
    try:
        import boto3  # noqa: F401
        import moto  # noqa: F401
        import pyarrow.fs  # noqa: F401
    except ImportError as e:
        pytest.skip(f"the S3 storage tests need moto[server], boto3 and pyarrow: {e}")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"moto's S3 server did not start on port {port}") from None
            time.sleep(0.1)
    env = {**s3_env(endpoint), "RAYTUNE_LITE_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield endpoint
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        proc.kill()
        proc.wait(timeout=30)


@pytest.fixture
def s3_root(moto_server: str) -> str:
    """A fresh bucket on the test's S3 server, as a storage_path ``s3://<bucket>/runs``."""
    import boto3

    bucket = f"rtl-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    return f"s3://{bucket}/runs"
