"""The controller's store for a remote ``storage_path``: a local working copy, written
through to the remote before anything counts.

The controller, its depot and the trials on its node use the working copy (a folder under
:func:`~raytune_lite.storage.uri.cache_dir`) exactly as a local experiment folder, so nothing
else changes. Beside each local write the store writes the remote:

* rows: each batch the controller takes is one immutable segment object, PUT before
  :meth:`MirrorStore.append_rows` returns, i.e. before the searcher, the scheduler, the
  callbacks or the trial hear of the rows (acknowledged = in the remote store);
* ``params.json``, ``trial.json``, ``experiment.json``, ``error.txt``: PUT whole after
  each local write (an object PUT is atomic);
* checkpoints: uploaded by one background thread in the order they were saved, from a
  hard-linked snapshot taken when the row that reported them arrived (a later save of the
  same name does not mix in); deletions (``num_to_keep``) go through the same queue, and so
  do, when an attempt ends, the joining of its segments into one object (fewer GETs for
  readers; see :mod:`~raytune_lite.storage.layout`) and the upload of the trial's own files.

A checkpoint lags its row: a crash before its manifest is written leaves the previous one
as the trial's newest, and a resume continues from that (the rows after it are superseded,
as on a local disk). :meth:`close` waits for the queue and raises if an upload failed.

When the controller starts, :meth:`prepare` (under the lock) makes the working copy the
remote's image: whatever the working copy held that the remote does not — rows written
locally whose PUT never returned — is dropped.
"""

from __future__ import annotations

import enum
import json
import logging
import os
import queue
import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from raytune_lite._safe_files import StoreError
from raytune_lite.storage.download import (
    UPLOADS_DIR,
    delete_checkpoint,
    download_experiment,
    upload_checkpoint,
)
from raytune_lite.storage.layout import MANIFEST_SUFFIX, segment
from raytune_lite.storage.remote import RemoteFS
from raytune_lite.store import (
    ERROR_FILE,
    EXPERIMENT_FILE,
    PARAMS_FILE,
    TRIAL_FILE,
    TRIALS_DIR,
    ExperimentState,
    ExperimentStore,
    _json_default,
)
from raytune_lite.transfer import CONTROLLER_FILES

logger = logging.getLogger("raytune_lite")


class MirrorStore(ExperimentStore):
    """An :class:`~raytune_lite.store.ExperimentStore` on a local working copy whose every
    write also lands in the remote experiment ``uri``.

    Args:
        uri: the remote experiment (``s3://bucket/prefix/name``).
        local: the working copy (created if missing).
    """

    def __init__(self, uri: str, local: str) -> None:
        super().__init__(local)
        self.uri = uri
        self.remote = RemoteFS(uri)
        #: called before each remote write; raises when the experiment's lease is lost
        self.guard: Callable[[], None] | None = None
        self._next: dict[str, int] = {}
        self._queue: queue.Queue[_Op | None] = queue.Queue()
        self._written: dict[str, list[tuple[int, bytes]]] = {}  # segments since the last join
        self._errors: list[str] = []
        self._thread: threading.Thread | None = None
        self._sent: dict[str, tuple[int, int]] = {}  # trial files uploaded: (size, mtime)

    def _rel(self, path: str) -> str:
        return os.path.relpath(path, self.path).replace(os.sep, "/")

    def _put_file(self, path: str) -> None:
        if self.guard is not None:
            self.guard()
        with open(path, "rb") as f:
            self.remote.put(self._rel(path), f.read())

    # -- under the lock, before anything else --------------------------------------------
    def prepare(self) -> None:
        """Makes the working copy the remote's image (rows, summaries, checkpoints)."""
        got = download_experiment(self.remote, self.path, checkpoints=True)
        self._next = {k.split("/")[-1]: v for k, v in got.items()}
        os.makedirs(os.path.join(self.path, TRIALS_DIR), exist_ok=True)

    # -- written through -----------------------------------------------------------------
    def add_trial(self, trial_id: str, config: dict[str, Any]) -> None:
        super().add_trial(trial_id, config)
        self._put_file(os.path.join(self.trial_dir(trial_id), PARAMS_FILE))

    def append_rows(
        self, trial_id: str, rows: list[dict[str, Any]], attempt: int | None = None
    ) -> None:
        """Appends rows locally, then PUTs them as the trial's next segment: when this
        returns, the rows are in the remote store."""
        super().append_rows(trial_id, rows, attempt)
        if self.guard is not None:
            self.guard()
        n = self._next.get(trial_id, 0)
        data = "".join(json.dumps(r, default=_json_default) + "\n" for r in rows).encode()
        self.remote.put(segment(f"{TRIALS_DIR}/{trial_id}", n), data)
        self._next[trial_id] = n + 1
        self._written.setdefault(trial_id, []).append((n, data))

    def close_trial(self, trial_id: str) -> None:
        """Closes the trial's rows; queues the joining of its attempt's segments into one
        object, and the upload of the files the attempt wrote into its folder
        (``rt.get_trial_dir()``) that are new or changed."""
        super().close_trial(trial_id)
        rel = f"{TRIALS_DIR}/{trial_id}"
        written = self._written.pop(trial_id, [])
        if len(written) > 1:
            numbers = [n for n, _ in written]
            self._submit(
                _Op(_Kind.JOIN, rel, data=b"".join(d for _, d in written), numbers=numbers)
            )
        if os.path.isdir(self.trial_dir(trial_id)):
            self._submit(_Op(_Kind.FILES, rel))

    def write_trial(self, trial_id: str, summary: dict[str, Any]) -> None:
        super().write_trial(trial_id, summary)
        self._put_file(os.path.join(self.trial_dir(trial_id), TRIAL_FILE))

    def write_error(self, trial_id: str, attempt: int, text: str) -> None:
        super().write_error(trial_id, attempt, text)
        self._put_file(os.path.join(self.trial_dir(trial_id), ERROR_FILE))

    def write_experiment(self, state: ExperimentState) -> None:
        super().write_experiment(state)
        self._put_file(os.path.join(self.path, EXPERIMENT_FILE))

    # -- checkpoints: one background thread, in order ------------------------------------
    def saved_checkpoint(self, path: str) -> None:
        """Queues the upload of the checkpoint folder ``path`` (of the working copy), from
        a snapshot of its files taken now."""
        snap = os.path.join(self.path, UPLOADS_DIR, uuid.uuid4().hex)
        try:
            _snapshot(path, snap)
        except OSError as e:
            shutil.rmtree(snap, ignore_errors=True)
            self._errors.append(f"{path}: cannot snapshot it for its upload: {e}")
            return
        self._submit(_Op(_Kind.UPLOAD, self._rel(path), snap=snap))

    def remove_checkpoint(self, path: str) -> None:
        super().remove_checkpoint(path)
        if os.path.lexists(path + MANIFEST_SUFFIX):
            os.unlink(path + MANIFEST_SUFFIX)
        self._submit(_Op(_Kind.DELETE, self._rel(path)))

    def _submit(self, op: _Op) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._work, name="raytune_lite-uploads", daemon=True
            )
            self._thread.start()
        self._queue.put(op)

    def _work(self) -> None:
        while (op := self._queue.get()) is not None:
            try:
                if self.guard is not None:
                    self.guard()
                self._do(op)
            except Exception as e:  # kept for close(): the resume starts from an older one
                logger.error("raytune_lite: %s not saved to %s: %s", op.rel, self.uri, e)
                self._errors.append(f"{op.rel}: {e}")
            finally:
                if op.snap is not None:
                    shutil.rmtree(op.snap, ignore_errors=True)

    def _do(self, op: _Op) -> None:
        if op.kind is _Kind.DELETE:
            delete_checkpoint(self.remote, op.rel)
        elif op.kind is _Kind.FILES:
            self._trial_files(op.rel)
        elif op.kind is _Kind.JOIN:  # the joined object first: a crash after it doubles nothing
            first, last = op.numbers[0], op.numbers[-1]
            self.remote.put(segment(op.rel, first, last), op.data)
            for n in op.numbers:
                self.remote.delete(segment(op.rel, n))
        else:
            assert op.snap is not None
            data = upload_checkpoint(self.remote, op.snap, op.rel)
            local = os.path.join(self.path, *op.rel.split("/"))
            if os.path.isdir(local):  # beside the working copy: no download on resume
                with open(local + MANIFEST_SUFFIX, "wb") as f:
                    f.write(data)

    def _trial_files(self, rel: str) -> None:
        folder = os.path.join(self.path, *rel.split("/"))
        for here, dirs, files in os.walk(folder):
            if here == folder:
                dirs[:] = [d for d in dirs if d not in CONTROLLER_FILES]
            dirs[:] = [d for d in dirs if not d.startswith(".tmp_")]
            for name in files:
                path = os.path.join(here, name)
                if (here == folder and name in CONTROLLER_FILES) or name.startswith(".tmp_"):
                    continue
                try:
                    st = os.stat(path)
                except FileNotFoundError:
                    continue
                if self._sent.get(path) != (st.st_size, st.st_mtime_ns):
                    self.remote.upload_file(path, self._rel(path))
                    self._sent[path] = (st.st_size, st.st_mtime_ns)

    def flush(self) -> None:
        """Waits until every queued checkpoint upload and deletion is done."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def close(self) -> None:
        """Closes the rows' files and waits for the checkpoint uploads.

        Raises:
            StoreError: naming the checkpoints that could not be uploaded.
        """
        super().close()
        self.flush()
        if self._errors:
            errors, self._errors = self._errors, []
            raise StoreError(
                f"{len(errors)} checkpoint(s) could not be saved to {self.uri}: "
                + "; ".join(errors[:3])
            )


class _Kind(enum.Enum):
    UPLOAD = "upload"  #: a checkpoint, from its snapshot
    DELETE = "delete"  #: a checkpoint (num_to_keep)
    JOIN = "join"  #: an attempt's segments into one object
    FILES = "files"  #: a trial's own files


@dataclass(frozen=True)
class _Op:
    """One job of the background thread."""

    kind: _Kind
    rel: str
    snap: str | None = None
    data: bytes = b""
    numbers: list[int] = field(default_factory=list)


def _snapshot(src: str, dest: str) -> None:
    """``dest``: the tree of ``src`` with hard links to its files (a copy where links fail)."""
    for here, _, files in os.walk(src):
        target = os.path.join(dest, os.path.relpath(here, src))
        os.makedirs(target, exist_ok=True)
        for name in files:
            try:
                os.link(os.path.join(here, name), os.path.join(target, name))
            except OSError:
                shutil.copy2(os.path.join(here, name), os.path.join(target, name))
