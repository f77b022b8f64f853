"""Checkpoints between nodes that share no filesystem.

The experiment folder lives on the controller's node. A trial that runs on that node saves its
checkpoint straight into the folder, as on one machine (one copy, from the user's directory
into ``checkpoints/``). A trial on any other node streams it there through Ray instead: a small
:class:`CheckpointDepot` actor, pinned to the controller's node and started only when the
first such trial asks for it, takes the checkpoint's files in chunks of :data:`CHUNK_BYTES`
(at most :data:`IN_FLIGHT` chunks on their way at once, so memory stays bounded whatever the
checkpoint's size), writes them into a hidden temporary folder next to the destination and
renames it into place when the last chunk has landed: a checkpoint is in the folder whole or
not at all. A retry, a resume, a PBT exploit or a paused trial that restarts on another node
gets its checkpoint back the same way, into a temporary folder on its own node, removed when
the attempt ends.

The depot only reads and writes inside the experiment folder it was started for.

Example:
    >>> import tempfile, os
    >>> root = tempfile.mkdtemp()
    >>> depot = CheckpointDepot(root)
    >>> upload = depot.begin(os.path.join(root, "trials", "t", "checkpoints", "checkpoint_000001"))
    >>> depot.write(upload, "weights.bin", 0, b"abc")
    >>> saved = depot.commit(upload)
    >>> depot.listing(saved), depot.read(saved, "weights.bin", 1, 10)
    ([('weights.bin', 3)], b'bc')
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from typing import Any

from raytune_lite._hold import hold_get, hold_get_all
from raytune_lite.checkpoint import CheckpointError
from raytune_lite.store import CHECKPOINTS_DIR, ERROR_FILE, PARAMS_FILE, RESULT_FILE, TRIAL_FILE

#: Bytes per chunk on the wire (Ray moves each chunk through its object store).
CHUNK_BYTES = 8 * 1024 * 1024
#: Chunks on their way at once, per transfer: the memory a transfer holds is about
#: ``IN_FLIGHT * CHUNK_BYTES`` on each side.
IN_FLIGHT = 2
#: A listing entry's size for a directory.
DIRECTORY = -1
#: The prefix of the temporary folders a fetched checkpoint lands in.
FETCHED_PREFIX = "rtl_ckpt_fetched_"
#: The names in a trial's folder that belong to the controller: a trial's own files never
#: replace them.
CONTROLLER_FILES = frozenset({PARAMS_FILE, TRIAL_FILE, RESULT_FILE, ERROR_FILE, CHECKPOINTS_DIR})


def _relative(rel: str) -> str:
    """A path inside a checkpoint, refusing absolute paths and ``..``."""
    norm = os.path.normpath(rel)
    if os.path.isabs(norm) or norm == ".." or norm.startswith(".." + os.sep):
        raise CheckpointError(f"a checkpoint file's path must stay inside it; got {rel!r}")
    return norm


class CheckpointDepot:
    """Writes and reads checkpoints inside one experiment folder (runs on its node).

    As a Ray actor it is threaded (``max_concurrency``): chunks of one file may arrive in
    any order, each is written at its offset.

    Args:
        root: the experiment folder; every path it is given must lie inside it.
    """

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self._uploads: dict[str, tuple[str, str, bool]] = {}
        self._lock = threading.Lock()

    def _inside(self, path: str) -> str:
        real = os.path.realpath(path)
        if real != self.root and not real.startswith(self.root + os.sep):
            raise CheckpointError(
                f"the checkpoint depot of {self.root!r} refuses {path!r}: outside the experiment"
            )
        return real

    # -- uploads -------------------------------------------------------------------------
    def begin(self, dest: str, merge: bool = False) -> str:
        """Starts an upload of a checkpoint that will be saved at ``dest``; returns its id.

        With ``merge``, ``dest`` is a trial's folder and the upload is the trial's own files:
        each is renamed into place on commit, next to what is there (the controller's files
        are never replaced).
        """
        dest = self._inside(dest)
        parent = dest if merge else os.path.dirname(dest)
        os.makedirs(parent, exist_ok=True)
        upload = uuid.uuid4().hex
        tmp = os.path.join(parent, f".tmp_{upload}")
        os.mkdir(tmp)
        with self._lock:
            self._uploads[upload] = (tmp, dest, merge)
        return upload

    def _tmp(self, upload: str) -> str:
        with self._lock:
            got = self._uploads.get(upload)
        if got is None:
            raise CheckpointError(f"no checkpoint upload {upload!r} is open")
        return got[0]

    @staticmethod
    def _merge(tmp: str, dest: str) -> None:
        for here, _, files in os.walk(tmp):
            rel_here = os.path.relpath(here, tmp)
            for name in files:
                rel = os.path.normpath(os.path.join(rel_here, name))
                if rel.split(os.sep)[0] in CONTROLLER_FILES:
                    continue
                target = os.path.join(dest, rel)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                os.replace(os.path.join(here, name), target)
        shutil.rmtree(tmp, ignore_errors=True)

    def write(self, upload: str, rel: str, offset: int, data: bytes) -> None:
        """Writes ``data`` at ``offset`` of the file ``rel`` of an open upload."""
        path = os.path.join(self._tmp(upload), _relative(rel))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            os.pwrite(fd, data, offset)
        finally:
            os.close(fd)

    def mkdir(self, upload: str, rel: str) -> None:
        """Creates the (possibly empty) directory ``rel`` of an open upload."""
        os.makedirs(os.path.join(self._tmp(upload), _relative(rel)), exist_ok=True)

    def commit(self, upload: str) -> str:
        """Renames a complete upload into place (replacing an older save); returns its path."""
        with self._lock:
            got = self._uploads.pop(upload, None)
        if got is None:
            raise CheckpointError(f"no checkpoint upload {upload!r} is open")
        tmp, dest, merge = got
        if merge:
            self._merge(tmp, dest)
            return dest
        if os.path.exists(dest):
            shutil.rmtree(dest)
        os.replace(tmp, dest)
        return dest

    def abort(self, upload: str) -> None:
        """Drops an unfinished upload and its partial files."""
        with self._lock:
            got = self._uploads.pop(upload, None)
        if got is not None:
            shutil.rmtree(got[0], ignore_errors=True)

    # -- downloads -----------------------------------------------------------------------
    def listing(self, path: str) -> list[tuple[str, int]]:
        """``(relative path, size)`` of every file of a saved checkpoint (directories:
        size :data:`DIRECTORY`), parents before children."""
        path = self._inside(path)
        if not os.path.isdir(path):
            raise CheckpointError(f"checkpoint directory {path!r} does not exist")
        out: list[tuple[str, int]] = []
        for here, dirs, files in os.walk(path):
            dirs.sort()
            rel_here = os.path.relpath(here, path)
            for d in dirs:
                out.append((os.path.normpath(os.path.join(rel_here, d)), DIRECTORY))
            for name in sorted(files):
                full = os.path.join(here, name)
                out.append((os.path.normpath(os.path.join(rel_here, name)), os.path.getsize(full)))
        return out

    def read(self, path: str, rel: str, offset: int, size: int) -> bytes:
        """Up to ``size`` bytes of the checkpoint file ``rel`` from ``offset``."""
        file = os.path.join(self._inside(path), _relative(rel))
        with open(file, "rb") as f:
            f.seek(offset)
            return f.read(size)

    def memory_peak_bytes(self) -> int:
        """The peak resident memory of this process (for benchmarks; 0 where unknown)."""
        return _peak_rss()


def _peak_rss() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # no /proc (not Linux): a measurement only, reported as 0
        pass
    return 0


def chunks(src: str) -> Iterator[tuple[str, int, bytes | None]]:
    """``(relative path, offset, data)`` pieces of a directory's tree (data None: a
    directory), each at most :data:`CHUNK_BYTES`; an empty file is one empty piece."""
    for here, dirs, files in os.walk(src):
        dirs.sort()
        rel_here = os.path.relpath(here, src)
        for d in dirs:
            yield os.path.normpath(os.path.join(rel_here, d)), 0, None
        for name in sorted(files):
            rel = os.path.normpath(os.path.join(rel_here, name))
            with open(os.path.join(here, name), "rb") as f:
                offset = 0
                while True:
                    data = f.read(CHUNK_BYTES)
                    if data or offset == 0:
                        yield rel, offset, data
                    if len(data) < CHUNK_BYTES:
                        break
                    offset += len(data)


# -- the trial's side (inside a Ray task) --------------------------------------------------


def upload(depot: Any, src: str, dest: str, merge: bool = False) -> str:
    """Streams the checkpoint directory ``src`` to ``dest`` on the depot's node.

    Args:
        depot: the experiment's :class:`CheckpointDepot` actor handle.
        src: the checkpoint directory on this node.
        dest: where the store keeps it (a path on the depot's node).
        merge: ``src`` holds a trial's own files, to add to its folder ``dest``.

    Returns:
        The saved checkpoint's path (``dest``).
    """

    if not os.path.isdir(src):
        raise CheckpointError(f"checkpoint directory {src!r} does not exist")
    upload_id = hold_get(depot.begin.remote(dest, merge))
    pending: deque[Any] = deque()
    try:
        for rel, offset, data in chunks(src):
            if len(pending) >= IN_FLIGHT:
                hold_get(pending.popleft())
            if data is None:
                pending.append(depot.mkdir.remote(upload_id, rel))
            else:
                pending.append(depot.write.remote(upload_id, rel, offset, data))
            del data  # the object store holds it now
        hold_get_all(list(pending))
        saved: str = hold_get(depot.commit.remote(upload_id))
    except BaseException as e:
        depot.abort.remote(upload_id)
        if isinstance(e, Exception) and not isinstance(e, CheckpointError):
            raise CheckpointError(
                f"could not send checkpoint {src!r} to the experiment's node ({dest!r}): {e}"
            ) from e
        raise
    return saved


def fetch(depot: Any, path: str) -> str:
    """Copies the saved checkpoint ``path`` from the depot's node into a new temporary
    directory on this node; returns that directory (the caller removes it)."""

    entries: list[tuple[str, int]] = hold_get(depot.listing.remote(path))
    local = tempfile.mkdtemp(prefix=FETCHED_PREFIX)
    try:
        for rel, size in entries:
            target = os.path.join(local, _relative(rel))
            if size == DIRECTORY:
                os.makedirs(target, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                offsets = iter(range(0, max(size, 1), CHUNK_BYTES))
                pending: deque[Any] = deque()
                for off in offsets:
                    pending.append(depot.read.remote(path, rel, off, CHUNK_BYTES))
                    if len(pending) >= IN_FLIGHT:
                        f.write(hold_get(pending.popleft()))
                while pending:
                    f.write(hold_get(pending.popleft()))
    except BaseException as e:
        shutil.rmtree(local, ignore_errors=True)
        if isinstance(e, Exception) and not isinstance(e, CheckpointError):
            raise CheckpointError(
                f"could not fetch checkpoint {path!r} from the experiment's node: {e}"
            ) from e
        raise
    return local


def start_depot(root: str, node_id: str) -> Any:
    """Starts the experiment's depot actor on node ``node_id`` (called by the controller,
    which owns it: the depot ends with the controller)."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    return (
        ray.remote(CheckpointDepot)
        .options(
            num_cpus=0,
            max_concurrency=8,
            max_restarts=-1,
            scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=node_id, soft=False),
        )
        .remote(root)
    )


_depots: dict[str, Any] = {}


def depot_for(controller: Any, name: str) -> Any:
    """The depot of the experiment whose controller is ``controller`` (asked once per worker
    process and experiment)."""

    depot = _depots.get(name)
    if depot is None:
        depot = _depots[name] = hold_get(controller.depot.remote())
    return depot


def on_storage_node(storage_node: str | None) -> bool:
    """Whether this process runs on the experiment folder's node (None: not known, taken
    as yes: a trial run outside a Ray cluster writes locally)."""
    if storage_node is None:
        return True
    import ray

    if not ray.is_initialized():
        return True
    return bool(ray.get_runtime_context().get_node_id() == storage_node)
