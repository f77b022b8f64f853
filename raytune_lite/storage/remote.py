"""A remote experiment folder through ``pyarrow.fs``: small objects, listings, and files
streamed in bounded memory.

Why pyarrow: Ray's own storage layer uses it (``ray[tune]`` installs it), its S3 and GCS
clients are native (multipart uploads written in the background, ranged reads), and any
fsspec filesystem plugs into it (``pyarrow.fs.FSSpecHandler``): one code path for them all.
S3's endpoint comes from ``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL`` (pyarrow itself does
not read them), its region from ``AWS_REGION`` / ``AWS_DEFAULT_REGION``, its credentials from
the usual chain (environment, ``~/.aws``, the instance's role).

Every path given to :class:`RemoteFS` is relative to the experiment's URI (``/``-separated).
"""

from __future__ import annotations

import os
import shutil
from typing import Any
from urllib.parse import urlsplit

from raytune_lite._safe_files import StoreError
from raytune_lite.storage.uri import PYARROW_SCHEMES, check_uri, scheme_of

#: bytes per read and write when a file streams (the memory one transfer holds)
STREAM_BYTES = 8 * 1024 * 1024


def s3_endpoint() -> dict[str, Any]:
    """pyarrow's S3 options from the environment (endpoint, scheme, region)."""
    out: dict[str, Any] = {}
    url = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if url:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        out["endpoint_override"] = parts.netloc
        out["scheme"] = parts.scheme or "https"
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        out["region"] = region
    return out


def filesystem_for(uri: str) -> tuple[Any, str]:
    """``(pyarrow filesystem, base path inside it)`` for a remote URI."""
    check_uri(uri)
    import pyarrow.fs as pafs

    scheme = scheme_of(uri) or ""
    rest = uri.split("://", 1)[1].strip("/")
    kind = PYARROW_SCHEMES.get(scheme)
    if kind == "s3":  # parts are written as they fill: no queue of parts in memory
        return pafs.S3FileSystem(background_writes=False, **s3_endpoint()), rest
    if kind == "gcs":
        return pafs.GcsFileSystem(), rest
    if kind == "hdfs":
        fs, path = pafs.FileSystem.from_uri(uri)
        return fs, path.rstrip("/")
    import fsspec

    ffs = fsspec.filesystem(scheme)
    base = ffs._strip_protocol(uri).rstrip("/")
    return pafs.PyFileSystem(pafs.FSSpecHandler(ffs)), base


class RemoteFS:
    """The files of one remote experiment folder.

    Args:
        uri: the experiment's URI (``s3://bucket/prefix/name``).

    Example:
        >>> RemoteFS("memory://rtl-doc/exp").put("a/b.json", b"{}")  # doctest: +SKIP
    """

    def __init__(self, uri: str) -> None:
        self.uri = uri.rstrip("/")
        self.fs, self.base = filesystem_for(self.uri)

    def _p(self, rel: str) -> str:
        return f"{self.base}/{rel.strip('/')}" if rel.strip("/") else self.base

    def _fail(self, what: str, rel: str, e: Exception) -> StoreError:
        return StoreError(f"cannot {what} {self.uri}/{rel}: {type(e).__name__}: {e}")

    def put(self, rel: str, data: bytes) -> None:
        """Writes the object ``rel`` whole (one PUT on an object store)."""
        try:
            with self.fs.open_output_stream(self._p(rel)) as f:
                f.write(data)
        except OSError as e:
            raise self._fail("write", rel, e) from e

    def get(self, rel: str) -> bytes | None:
        """The object ``rel``, None where it does not exist."""
        import pyarrow.fs as pafs

        try:
            with self.fs.open_input_stream(self._p(rel)) as f:
                data: bytes = f.read()
                return data
        except FileNotFoundError:
            return None
        except OSError as e:
            info = self.fs.get_file_info(self._p(rel))
            if info.type == pafs.FileType.NotFound:
                return None
            raise self._fail("read", rel, e) from e

    def listing(self, rel: str = "") -> dict[str, int]:
        """``{path relative to the experiment: size}`` of every file under ``rel``."""
        import pyarrow.fs as pafs

        try:
            infos = self.fs.get_file_info(
                pafs.FileSelector(self._p(rel), recursive=True, allow_not_found=True)
            )
        except OSError as e:
            raise self._fail("list", rel, e) from e
        cut = len(self.base) + 1
        return {i.path[cut:]: int(i.size or 0) for i in infos if i.type == pafs.FileType.File}

    def delete(self, rel: str) -> None:
        """Deletes the object ``rel`` (gone already: nothing to do)."""
        try:
            self.fs.delete_file(self._p(rel))
        except FileNotFoundError:  # deleting is idempotent: an earlier run removed it
            pass
        except OSError as e:
            if self.get(rel) is not None:
                raise self._fail("delete", rel, e) from e

    def delete_tree(self, rel: str) -> None:
        """Deletes every object under ``rel/``."""
        for name in self.listing(rel):
            self.delete(name)

    def upload_file(self, local: str, rel: str) -> int:
        """Streams the local file to ``rel`` (:data:`STREAM_BYTES` at a time); its size."""
        try:
            with open(local, "rb") as src, self.fs.open_output_stream(self._p(rel)) as dst:
                shutil.copyfileobj(src, dst, STREAM_BYTES)
                return src.tell()
        except FileNotFoundError:
            raise
        except OSError as e:
            raise self._fail("upload to", rel, e) from e

    def download_file(self, rel: str, local: str) -> None:
        """Streams ``rel`` into the local file (created with its folders)."""
        os.makedirs(os.path.dirname(local), exist_ok=True)
        try:
            with self.fs.open_input_stream(self._p(rel)) as src, open(local, "wb") as dst:
                while True:
                    data = src.read(STREAM_BYTES)
                    if not data:
                        break
                    dst.write(data)
        except OSError as e:
            raise self._fail("download", rel, e) from e
