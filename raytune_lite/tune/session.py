"""Inside a trial, with Ray Tune's names: ``report``, ``get_checkpoint``, ``get_context`` and
``Checkpoint``.

``report(metrics, checkpoint=...)`` is Ray Tune's signature (the older ``report(**metrics)``
works too). ``Checkpoint`` adds Ray's ``to_directory`` to raytune_lite's checkpoint.

Example:
    >>> from raytune_lite import tune
    >>> def train(config):
    ...     for step in range(3):
    ...         tune.report({"loss": config["lr"] / (step + 1)})
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from raytune_lite import checkpoint as _ckpt
from raytune_lite import session as _session

__all__ = ["Checkpoint", "TuneContext", "get_checkpoint", "get_context", "report"]


@dataclass(frozen=True)
class Checkpoint(_ckpt.Checkpoint):
    """A checkpoint directory, with Ray Tune's methods.

    Example:
        >>> import tempfile
        >>> from raytune_lite.tune import Checkpoint
        >>> ckpt = Checkpoint.from_directory(tempfile.mkdtemp())
        >>> os.path.isdir(ckpt.to_directory())
        True
    """

    def to_directory(self, path: str | os.PathLike[str] | None = None) -> str:
        """Copies the checkpoint's files into ``path`` (default: a new temporary folder)."""
        dest = os.fspath(path) if path is not None else tempfile.mkdtemp(prefix="rtl_ckpt_")
        shutil.copytree(self.path, dest, dirs_exist_ok=True)
        return dest

    def get_metadata(self) -> dict[str, Any]:
        """Not mirrored: raytune_lite keeps no checkpoint metadata (an empty dict)."""
        return {}


def report(
    metrics: Mapping[str, Any] | None = None,
    *,
    checkpoint: _ckpt.Checkpoint | None = None,
    checkpoint_dir_name: str | None = None,
    **kwargs: Any,
) -> None:
    """Reports one result (and optionally a checkpoint), as Ray Tune's ``tune.report``.

    Args:
        metrics: the result dict; keyword arguments are merged into it (older Ray style).
        checkpoint: a :class:`Checkpoint` (copied into the trial's folder at once, so the
            source folder may be deleted afterwards).
        checkpoint_dir_name: accepted; the saved folder is always named by iteration.
    """
    row = {**(metrics or {}), **kwargs}
    _session.report(row, checkpoint)


def get_checkpoint() -> Checkpoint | None:
    """The checkpoint to resume from (a retry, a resumed experiment, a PBT exploit), or None."""
    ckpt = _session.get_checkpoint()
    return None if ckpt is None else Checkpoint(ckpt.path)


class TuneContext:
    """What a trial knows about itself: Ray Tune's ``tune.get_context()``."""

    def get_trial_id(self) -> str:
        return _session.get_trial_id()

    def get_trial_name(self) -> str:
        """The trial's name (raytune_lite names trials by their id)."""
        return _session.get_trial_id()

    def get_trial_dir(self) -> str:
        return _session.get_trial_dir()

    def get_experiment_name(self) -> str:
        """The experiment folder's name (trial folders are ``<experiment>/trials/<id>``)."""
        return os.path.basename(os.path.dirname(os.path.dirname(_session.get_trial_dir())))

    def get_trial_resources(self) -> dict[str, float]:
        """Not mirrored: raises NotImplementedError."""
        raise NotImplementedError("TuneContext.get_trial_resources is not mirrored")


def get_context() -> TuneContext:
    """The running trial's context (its id, name and folder)."""
    return TuneContext()
