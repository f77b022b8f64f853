"""Storage paths: a local folder, or the URI of a remote filesystem (``s3://bucket/prefix``).

Pure string work and import checks, no network: a bad ``storage_path`` is refused when the
Tuner is made, naming the value and what is accepted.

Example:
    >>> is_remote("s3://bucket/runs"), is_remote("/tmp/runs"), is_remote("file:///tmp/runs")
    (True, False, False)
    >>> join("s3://bucket/runs/", "exp_1")
    's3://bucket/runs/exp_1'
    >>> storage_root("file:///tmp/runs")
    '/tmp/runs'
"""

from __future__ import annotations

import enum
import hashlib
import importlib
import os
import re

_URI = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://(.*)$")
#: schemes pyarrow serves itself (``raytune_lite[s3]`` / ``[gcs]`` / ``[hdfs]``)
PYARROW_SCHEMES = {"s3": "s3", "gs": "gcs", "gcs": "gcs", "hdfs": "hdfs", "viewfs": "hdfs"}
ACCEPTED = (
    "a local folder, file://FOLDER, s3://BUCKET/PREFIX (pip install 'raytune_lite[s3]'), "
    "gs://BUCKET/PREFIX (raytune_lite[gcs]), hdfs://HOST/PATH, or the URI of any installed "
    "fsspec filesystem (raytune_lite[fsspec] plus its package, e.g. adlfs for az://)"
)


class StorageURIError(ValueError):
    """A ``storage_path`` that is not a local folder nor a usable remote URI."""


class CacheRole(enum.Enum):
    """What a local copy of a remote experiment is for (each has its own folder)."""

    WORK = "work"  #: the controller's working copy, written through to the remote
    READ = "read"  #: what ResultGrid.from_path and the CLI download to read
    LOGS = "logs"  #: the files of the driver's logger callbacks


def scheme_of(path: str) -> str | None:
    """The URI scheme of ``path`` in lower case, None for a plain path."""
    m = _URI.match(path)
    return m.group(1).lower() if m else None


def is_remote(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a remote filesystem (a URI whose scheme is not ``file``)."""
    scheme = scheme_of(os.fspath(path))
    return scheme is not None and scheme != "file"


def join(root: str, *names: str) -> str:
    """``root/name/...`` for a URI (``/`` separators); ``os.path.join`` for a folder."""
    if not is_remote(root):
        return os.path.join(root, *names)
    return "/".join([root.rstrip("/"), *(n.strip("/") for n in names)])


def storage_root(storage_path: str | os.PathLike[str]) -> str:
    """The normalized root: an absolute local folder, or a checked URI without a trailing
    slash.

    Raises:
        StorageURIError: for an unknown scheme, a missing optional dependency, or a URI
            without a bucket (or with a query string).
    """
    raw = os.fspath(storage_path)
    scheme = scheme_of(raw)
    if scheme is None:
        return os.path.abspath(os.path.expanduser(raw))
    if scheme == "file":
        return os.path.abspath(raw[len("file://") :] or "/")
    check_uri(raw)
    return raw.rstrip("/")


def check_uri(uri: str) -> None:
    """Refuses a remote URI that cannot be served, naming it and what is accepted."""
    scheme = scheme_of(uri)
    rest = uri.split("://", 1)[1] if "://" in uri else ""
    if scheme is None:
        raise StorageURIError(f"storage_path {uri!r} is not a URI; accepted: {ACCEPTED}")
    if "?" in rest or "#" in rest:
        raise StorageURIError(
            f"storage_path {uri!r} has a query or fragment; pass the bare URI and configure "
            "the endpoint with environment variables (e.g. AWS_ENDPOINT_URL for an S3 server)"
        )
    if not rest.strip("/"):
        raise StorageURIError(f"storage_path {uri!r} names no bucket; accepted: {ACCEPTED}")
    kind = PYARROW_SCHEMES.get(scheme)
    if kind is not None:
        _need("pyarrow.fs", uri, f"raytune_lite[{kind}]")
        if kind == "s3":
            _need("boto3", uri, "raytune_lite[s3]")  # the lease's conditional writes
        return
    try:
        fsspec = importlib.import_module("fsspec")
    except ImportError:
        raise StorageURIError(
            f"storage_path {uri!r}: unknown scheme {scheme!r} (not one of "
            f"{sorted(PYARROW_SCHEMES)}, and fsspec is not installed for the others); "
            f"accepted: {ACCEPTED}"
        ) from None
    try:
        fsspec.get_filesystem_class(scheme)
    except ValueError:
        raise StorageURIError(
            f"storage_path {uri!r}: unknown scheme {scheme!r}; accepted: {ACCEPTED}"
        ) from None
    except ImportError as e:
        raise StorageURIError(
            f"storage_path {uri!r}: the fsspec filesystem for {scheme!r} is not installed ({e})"
        ) from None
    _need("pyarrow.fs", uri, "raytune_lite[fsspec]")


def _need(module: str, uri: str, extra: str) -> None:
    try:
        importlib.import_module(module)
    except ImportError:
        name = module.split(".")[0]
        raise StorageURIError(
            f"storage_path {uri!r} needs the optional dependency {name}: pip install '{extra}'"
        ) from None


def cache_root() -> str:
    """Where local copies of remote experiments live: ``RAYTUNE_LITE_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/raytune_lite`` (``~/.cache/raytune_lite``)."""
    own = os.environ.get("RAYTUNE_LITE_CACHE_DIR")
    if own:
        return os.path.abspath(os.path.expanduser(own))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return os.path.join(os.path.abspath(os.path.expanduser(base)), "raytune_lite")


def cache_dir(uri: str, role: CacheRole) -> str:
    """The local folder of ``role`` for the remote experiment ``uri``: readable names, and a
    short hash so that two URIs never share one.

    Example:
        >>> p = cache_dir("s3://bucket/runs/exp_1", CacheRole.READ)
        >>> p.split(os.sep)[-3:-1], p.endswith("exp_1")
        (['read', 's3'], False)
    """
    scheme, rest = uri.split("://", 1)
    digest = hashlib.sha256(uri.encode()).hexdigest()[:10]
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", rest.strip("/"))[-80:]
    return os.path.join(cache_root(), role.value, scheme.lower(), f"{safe}-{digest}")
