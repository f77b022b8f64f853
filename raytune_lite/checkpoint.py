"""Checkpoints: a directory of files, written by the user's code, saved with the trial.

A checkpoint is a directory. ``Checkpoint.from_dict`` writes a dict into a fresh directory
(one pickle file, ``data.pkl``); ``Checkpoint.from_directory`` wraps a directory the user wrote.
When reported, the checkpoint is copied atomically (write, then rename) into the trial's
folder; ``get_checkpoint()`` in a resumed or exploited trial returns that saved copy.

Only checkpoints are ever unpickled, and only with :meth:`Checkpoint.to_dict`, i.e. data the
user's own training function wrote.

Example:
    >>> from raytune_lite import Checkpoint
    >>> ckpt = Checkpoint.from_dict({"epoch": 3, "weights": [0.1, 0.2]})
    >>> ckpt.to_dict()["epoch"]
    3
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_DICT_FILE = "data.pkl"


class CheckpointError(RuntimeError):
    """A checkpoint could not be written or read."""


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint directory.

    Args:
        path: the directory holding the checkpoint's files.
    """

    path: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Checkpoint:
        """Writes ``data`` (anything picklable, in a dict) into a new temporary directory."""
        if not isinstance(data, dict):
            raise TypeError(f"Checkpoint.from_dict needs a dict; got {type(data).__name__}")
        path = tempfile.mkdtemp(prefix="rtl_ckpt_")
        with open(os.path.join(path, _DICT_FILE), "wb") as f:
            pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
        return cls(path)

    @classmethod
    def from_directory(cls, path: str | os.PathLike[str]) -> Checkpoint:
        """Wraps a directory of files the user wrote."""
        p = os.fspath(path)
        if not os.path.isdir(p):
            raise ValueError(f"Checkpoint.from_directory needs an existing directory; got {p!r}")
        return cls(os.path.abspath(p))

    def to_dict(self) -> dict[str, Any]:
        """Loads a checkpoint made with :meth:`from_dict` (unpickles the user's own data)."""
        file = os.path.join(self.path, _DICT_FILE)
        try:
            with open(file, "rb") as f:
                data = pickle.load(f)
        except FileNotFoundError:
            raise CheckpointError(
                f"checkpoint {self.path!r} holds no {_DICT_FILE}: it was not "
                "made with Checkpoint.from_dict; use as_directory()"
            ) from None
        except Exception as e:
            raise CheckpointError(f"checkpoint {self.path!r} could not be loaded: {e!r}") from e
        if not isinstance(data, dict):
            raise CheckpointError(f"checkpoint {self.path!r} does not hold a dict")
        return data

    @contextlib.contextmanager
    def as_directory(self) -> Iterator[str]:
        """Yields the checkpoint's directory (read it; do not modify it)."""
        if not os.path.isdir(self.path):
            raise CheckpointError(f"checkpoint directory {self.path!r} does not exist")
        yield self.path

    def persist(self, dest: str) -> Checkpoint:
        """Copies this checkpoint to ``dest`` atomically (temp dir, then rename)."""
        if os.path.abspath(self.path) == os.path.abspath(dest):
            return self
        parent = os.path.dirname(dest)
        os.makedirs(parent, exist_ok=True)
        tmp = os.path.join(parent, f".tmp_{uuid.uuid4().hex}")
        try:
            shutil.copytree(self.path, tmp)
            if os.path.exists(dest):
                shutil.rmtree(dest)
            os.replace(tmp, dest)
        except OSError as e:
            shutil.rmtree(tmp, ignore_errors=True)
            raise CheckpointError(
                f"could not save checkpoint {self.path!r} to {dest!r}: {e}"
            ) from e
        return Checkpoint(dest)
