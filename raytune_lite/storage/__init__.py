"""Where an experiment's bytes live: a local folder (the default, unchanged), or a remote
filesystem named by a URI (``s3://``, ``gs://``, ``hdfs://``, any fsspec scheme).

For a remote ``storage_path`` the controller works on a local copy written through to the
remote (:mod:`~raytune_lite.storage.mirror`), holds the experiment's lease on S3
(:mod:`~raytune_lite.storage.lease`), and readers download the experiment before reading it
(:func:`readable`). Everything else in raytune_lite reads and writes local folders.

Example:
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> readable(folder) == folder, type(open_store(folder)).__name__
    (True, 'ExperimentStore')
"""

from __future__ import annotations

import enum
import os
from types import TracebackType
from typing import Any

from raytune_lite.experiment_lock import ExperimentLock
from raytune_lite.storage.uri import (
    CacheRole,
    StorageURIError,
    cache_dir,
    check_uri,
    is_remote,
    join,
    scheme_of,
    storage_root,
)
from raytune_lite.store import EXPERIMENT_FILE, ExperimentStore, StoreError


class Contents(enum.Enum):
    """How much of a remote experiment :func:`readable` downloads."""

    EXPERIMENT = "experiment"  #: experiment.json only
    RESULTS = "results"  #: everything but the checkpoints
    ALL = "all"  #: with the saved checkpoints


def open_store(path: str) -> ExperimentStore:
    """The controller's store of the experiment ``path`` (a folder or a remote URI)."""
    if not is_remote(path):
        return ExperimentStore(path)
    from raytune_lite.storage.mirror import MirrorStore

    return MirrorStore(path, cache_dir(path, CacheRole.WORK))


class RemoteLock:
    """The lock of a remote experiment: the working copy's local lock (one controller per
    machine) and, on S3, the lease (one per experiment anywhere). Other remote schemes have
    the local lock only: two drivers on two machines are not kept apart there.

    Args:
        uri: the remote experiment.
        store: its store, whose writes the lease guards.
    """

    def __init__(self, uri: str, store: ExperimentStore) -> None:
        self.uri = uri
        self.local = ExperimentLock(store.path)
        self.owner = self.local.owner
        self.store = store
        self.lease: Any = None  # an S3Lease while held

    @property
    def held(self) -> bool:
        return self.local.held

    def acquire(self, wait_s: float = 0.0) -> None:
        self.local.owner = self.owner
        self.local.acquire(wait_s)
        if scheme_of(self.uri) != "s3":
            return
        from raytune_lite.storage.lease import S3Lease

        lease = S3Lease(self.uri, self.owner)
        try:
            lease.acquire(wait_s)
        except BaseException:
            self.local.release()
            raise
        self.lease = lease
        if hasattr(self.store, "guard"):
            self.store.guard = lease.check

    def release(self) -> None:
        lease, self.lease = self.lease, None
        if lease is not None:
            lease.release()
        self.local.release()

    def __enter__(self) -> RemoteLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def open_lock(path: str, store: ExperimentStore) -> ExperimentLock | RemoteLock:
    """The single-driver lock of the experiment ``path``."""
    return RemoteLock(path, store) if is_remote(path) else ExperimentLock(path)


def readable(path: str, contents: Contents = Contents.ALL) -> str:
    """A local folder to read the experiment ``path`` from: ``path`` itself when local,
    else a copy downloaded into the read cache (``RAYTUNE_LITE_CACHE_DIR``).

    Raises:
        StorageURIError: a URI that cannot be served.
        StoreError: the remote cannot be read, or holds no experiment.
    """
    root = storage_root(path)
    if not is_remote(root):
        return root
    from raytune_lite.storage.download import download_experiment
    from raytune_lite.storage.remote import RemoteFS

    remote = RemoteFS(root)
    local = cache_dir(root, CacheRole.READ)
    if contents is Contents.EXPERIMENT:
        os.makedirs(local, exist_ok=True)
        data = remote.get(EXPERIMENT_FILE)
        target = os.path.join(local, EXPERIMENT_FILE)
        if data is None:
            if os.path.lexists(target):
                os.unlink(target)
        else:
            with open(target, "wb") as f:
                f.write(data)
    else:
        download_experiment(remote, local, checkpoints=contents is Contents.ALL)
    if not os.path.exists(os.path.join(local, EXPERIMENT_FILE)):
        raise StoreError(f"{root!r} is not a raytune_lite experiment: it has no {EXPERIMENT_FILE}")
    return local


def logs_dir(path: str) -> str:
    """Where the driver's logger callbacks write: the experiment folder, or for a remote
    experiment a local folder of the driver's machine (not uploaded)."""
    return cache_dir(path, CacheRole.LOGS) if is_remote(path) else path


def has_experiment(path: str) -> bool:
    """Whether ``path`` (a folder or a URI) holds an experiment.json."""
    if not is_remote(path):
        return os.path.lexists(os.path.join(path, EXPERIMENT_FILE))
    from raytune_lite.storage.remote import RemoteFS

    return RemoteFS(path).get(EXPERIMENT_FILE) is not None


__all__ = [
    "CacheRole",
    "Contents",
    "RemoteLock",
    "StorageURIError",
    "cache_dir",
    "check_uri",
    "has_experiment",
    "is_remote",
    "join",
    "logs_dir",
    "open_lock",
    "open_store",
    "readable",
    "storage_root",
]
