"""Checkpoint folders to and from a remote experiment, and a remote experiment made into a
local folder that the local readers (and the controller) use as they are.

Every file streams (:data:`~raytune_lite.storage.remote.STREAM_BYTES` at a time), so memory
stays bounded whatever a checkpoint weighs. A checkpoint is uploaded file by file, then its
manifest (:mod:`raytune_lite.storage.layout`); it is downloaded into a hidden folder renamed
into place when complete. A local copy whose manifest is the remote one is kept, not fetched
again.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from raytune_lite._safe_files import StoreError
from raytune_lite.experiment_lock import LOCK_FILE
from raytune_lite.storage.layout import (
    LEASE,
    MANIFEST_SUFFIX,
    SEGMENTS,
    cover,
    manifest,
    segment_range,
)
from raytune_lite.storage.remote import RemoteFS
from raytune_lite.store import CHECKPOINTS_DIR, RESULT_FILE, TRIALS_DIR, checkpoint_iteration

#: the hidden folder of the working copy where checkpoints wait for their upload
UPLOADS_DIR = ".uploads"
#: small objects (rows, summaries) fetched at once when an experiment is downloaded
PARALLEL_GETS = 8


def _walk(local: str) -> tuple[dict[str, str], list[str]]:
    files: dict[str, str] = {}
    dirs: list[str] = []
    for here, subdirs, names in os.walk(local):
        subdirs.sort()
        rel_here = os.path.relpath(here, local)
        for d in subdirs:
            dirs.append(os.path.normpath(os.path.join(rel_here, d)).replace(os.sep, "/"))
        for n in sorted(names):
            rel = os.path.normpath(os.path.join(rel_here, n)).replace(os.sep, "/")
            files[rel] = os.path.join(here, n)
    return files, dirs


def upload_checkpoint(remote: RemoteFS, local: str, rel: str) -> bytes:
    """Uploads the checkpoint folder ``local`` to ``rel`` (replacing one saved there before,
    whose manifest goes first); returns the manifest written last."""
    remote.delete(manifest(rel))
    remote.delete_tree(rel)
    files, dirs = _walk(local)
    sizes = {name: remote.upload_file(path, f"{rel}/{name}") for name, path in files.items()}
    data = json.dumps({"id": uuid.uuid4().hex, "files": sizes, "dirs": dirs}).encode()
    remote.put(manifest(rel), data)
    return data


def delete_checkpoint(remote: RemoteFS, rel: str) -> None:
    """Deletes a saved checkpoint: its manifest first (no longer a checkpoint), then files."""
    remote.delete(manifest(rel))
    remote.delete_tree(rel)


def _parse_manifest(rel: str, data: bytes) -> dict[str, Any]:
    try:
        m = json.loads(data)
        if isinstance(m, dict) and isinstance(m.get("files"), dict):
            return m
    except ValueError:  # not JSON: reported as malformed just below, with the object's name
        pass
    raise StoreError(f"the checkpoint manifest {rel!r} is malformed")


def download_checkpoint(remote: RemoteFS, rel: str, data: bytes, dest: str) -> None:
    """Downloads the checkpoint ``rel`` described by the manifest ``data`` into ``dest``
    (renamed into place when whole), and writes the manifest beside it."""
    m = _parse_manifest(manifest(rel), data)
    parent = os.path.dirname(dest)
    tmp = os.path.join(parent, f".tmp_{uuid.uuid4().hex}")
    try:
        os.makedirs(tmp)
        for d in m.get("dirs") or []:
            os.makedirs(os.path.join(tmp, _safe(d)), exist_ok=True)
        for name in m["files"]:
            remote.download_file(f"{rel}/{name}", os.path.join(tmp, _safe(name)))
        if os.path.exists(dest):
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with open(dest + MANIFEST_SUFFIX, "wb") as f:
        f.write(data)


def _safe(rel: str) -> str:
    norm = os.path.normpath(rel)
    if os.path.isabs(norm) or norm == ".." or norm.startswith(".." + os.sep):
        raise StoreError(f"a remote checkpoint names a file outside it: {rel!r}; refused")
    return norm


def _same(dest: str, data: bytes) -> bool:
    """Whether ``dest`` is the local copy of the checkpoint described by ``data``."""
    try:
        with open(dest + MANIFEST_SUFFIX, "rb") as f:
            if f.read() != data:
                return False
        files = json.loads(data)["files"]
        return all(os.path.getsize(os.path.join(dest, n)) == s for n, s in files.items())
    except (OSError, ValueError, KeyError, TypeError):
        return False


def download_experiment(remote: RemoteFS, local: str, checkpoints: bool) -> dict[str, int]:
    """Makes ``local`` a copy of the remote experiment: its JSON files, each trial's rows
    joined into ``result.jsonl``, and (with ``checkpoints``) its saved checkpoints. What
    ``local`` held that the remote does not is removed.

    Returns:
        ``{trial folder relative to the experiment: next segment number}``.
    """
    listing = remote.listing()
    os.makedirs(local, exist_ok=True)
    keep_ckpts: set[str] = set()
    segments: dict[str, list[str]] = {}
    small: list[str] = []
    manifests: list[str] = []
    for name in listing:
        parts = name.split("/")
        if name == LEASE:
            continue
        if len(parts) == 4 and parts[0] == TRIALS_DIR and parts[2] == SEGMENTS:
            if segment_range(parts[3]) is not None:
                segments.setdefault("/".join(parts[:2]), []).append(parts[3])
        elif len(parts) == 4 and parts[2] == CHECKPOINTS_DIR and name.endswith(MANIFEST_SUFFIX):
            if checkpoint_iteration(name[: -len(MANIFEST_SUFFIX)]):
                manifests.append(name)
        elif CHECKPOINTS_DIR not in parts[2:3]:
            small.append(name)
    _clear(local)
    for name, data in _get_all(remote, small):
        if data is not None:
            _write(os.path.join(local, *name.split("/")), data)
    nxt: dict[str, int] = {}
    for trial, names in segments.items():
        ordered = cover(names)
        folder = os.path.join(local, *trial.split("/"))
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, RESULT_FILE), "wb") as f:
            for _, data in _get_all(remote, [f"{trial}/{SEGMENTS}/{n}" for n in ordered]):
                f.write(data or b"")
        nxt[trial] = max(r[1] for n in names if (r := segment_range(n))) + 1
    for name in manifests if checkpoints else []:
        rel = name[: -len(MANIFEST_SUFFIX)]
        dest = os.path.join(local, *rel.split("/"))
        data = remote.get(name)
        if data is None:
            continue
        keep_ckpts.add(dest)
        if not _same(dest, data):
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            download_checkpoint(remote, rel, data, dest)
    _drop_checkpoints(local, keep_ckpts)
    return nxt


def _get_all(remote: RemoteFS, names: list[str]) -> Iterator[tuple[str, bytes | None]]:
    """``(name, object)`` in order, fetched :data:`PARALLEL_GETS` at a time."""
    with ThreadPoolExecutor(PARALLEL_GETS) as pool:
        for i in range(0, len(names), 4 * PARALLEL_GETS):
            part = names[i : i + 4 * PARALLEL_GETS]
            yield from zip(part, pool.map(remote.get, part), strict=True)


def _write(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp_{uuid.uuid4().hex}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _clear(local: str) -> None:
    """Removes everything but the saved checkpoints (and their manifests) of ``local``."""
    for here, dirs, files in os.walk(local, topdown=True):
        rel = os.path.relpath(here, local).split(os.sep)
        if len(rel) == 3 and rel[0] == TRIALS_DIR and rel[2] == CHECKPOINTS_DIR:
            dirs[:] = []  # checkpoints: judged by _drop_checkpoints against the remote
            continue
        if rel == ["."] and UPLOADS_DIR in dirs:
            shutil.rmtree(os.path.join(here, UPLOADS_DIR), ignore_errors=True)
            dirs.remove(UPLOADS_DIR)
        for f in files:
            if rel == ["."] and f == LOCK_FILE:
                continue  # the working copy's local lock: held open by its controller
            os.unlink(os.path.join(here, f))


def _drop_checkpoints(local: str, keep: set[str]) -> None:
    root = os.path.join(local, TRIALS_DIR)
    for tid in os.listdir(root) if os.path.isdir(root) else []:
        folder = os.path.join(root, tid, CHECKPOINTS_DIR)
        for name in os.listdir(folder) if os.path.isdir(folder) else []:
            path = os.path.join(folder, name)
            base = path[: -len(MANIFEST_SUFFIX)] if name.endswith(MANIFEST_SUFFIX) else path
            if base not in keep:
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    os.unlink(path)
