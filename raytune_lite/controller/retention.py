"""The controller's checkpoint bookkeeping: which saved checkpoints a trial keeps, and the
exploiting trial's own copy of a donor's checkpoint.

Plain file operations, no Ray. Where saved checkpoints live is the store's to say
(:func:`raytune_lite.store.checkpoint_dir`).

Example:
    >>> keep = CheckpointRetention(num_to_keep=1, score_key=None, metric=None, mode=Mode.MIN)
    >>> keep.add("00000", {"training_iteration": 1}, "/nowhere/checkpoint_000001")
    []
    >>> keep.add("00000", {"training_iteration": 2}, "/nowhere/checkpoint_000002")
    ['/nowhere/checkpoint_000001']
"""

from __future__ import annotations

import logging
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from raytune_lite.checkpoint import CheckpointError
from raytune_lite.schedulers.base import Decision
from raytune_lite.store import checkpoint_dir, checkpoint_iteration
from raytune_lite.trial import Mode, metric_value

logger = logging.getLogger("raytune_lite")


def _remove(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


@dataclass(frozen=True)
class _Kept:
    score: float
    iteration: int
    path: str


class CheckpointRetention:
    """Keeps at most ``num_to_keep`` saved checkpoints per trial.

    Beyond that the worst is deleted: the lowest ``checkpoint_score`` (the oldest on ties), or
    the oldest without a score key. The newest checkpoint always stays: retries and resuming
    start from it.

    Args:
        num_to_keep: how many checkpoints each trial keeps (>= 1); None keeps them all (and
            records none).
        score_key: the reported key that ranks checkpoints; None keeps the newest ones.
        metric: the experiment's metric: ``score_key == metric`` ranks by ``mode``; any other
            key ranks higher values as better.
        mode: the experiment's mode.
        remove: deletes a checkpoint folder (default: ``shutil.rmtree``, errors ignored).
    """

    def __init__(
        self,
        num_to_keep: int | None,
        score_key: str | None,
        metric: str | None,
        mode: Mode,
        remove: Callable[[str], None] = _remove,
    ) -> None:
        if num_to_keep is not None and num_to_keep < 1:
            raise ValueError(f"num_to_keep must be >= 1; got {num_to_keep=}")
        self.num_to_keep = num_to_keep
        self.score_key = score_key
        self._higher_is_better = score_key != metric or mode is Mode.MAX
        self._remove = remove
        self._kept: dict[str, list[_Kept]] = {}

    def score(self, row: dict[str, Any]) -> float:
        """The row's rank for keeping its checkpoint: higher is better.

        Args:
            row: the reported row that came with the checkpoint.

        Returns:
            The iteration without a score key; else the key's value (negated where lower is
            better), and ``-inf`` where the row has no finite value for it.
        """
        if self.score_key is None:
            return float(int(row.get("training_iteration", 0)))
        v = metric_value(row, self.score_key)
        if v is None:
            return -math.inf
        return v if self._higher_is_better else -v

    def add(self, trial_id: str, row: dict[str, Any], path: str) -> list[str]:
        """Records a trial's newly saved checkpoint and deletes those beyond ``num_to_keep``.

        Args:
            trial_id: the trial that saved it.
            row: the row reported with it.
            path: the saved checkpoint's folder.

        Returns:
            The folders deleted, in the order they went.
        """
        if self.num_to_keep is None:
            return []
        kept = self._kept.setdefault(trial_id, [])
        # the same folder saved again (a restart re-reaches an iteration it saved before):
        # the new record replaces the old one, which must not be deleted as a separate entry
        kept[:] = [k for k in kept if k.path != path]
        kept.append(_Kept(self.score(row), int(row.get("training_iteration", 0)), path))
        gone = []
        while len(kept) > self.num_to_keep:
            victim = min(kept[:-1], key=lambda k: (k.score, k.iteration))
            kept.remove(victim)
            self._remove(victim.path)
            gone.append(victim.path)
        return gone

    def kept(self, trial_id: str) -> list[str]:
        """The folders a trial keeps, oldest first."""
        return [k.path for k in self._kept.get(trial_id, [])]

    def forget(self, trial_id: str) -> None:
        """Drops a finished trial's record (its folders stay on disk)."""
        self._kept.pop(trial_id, None)


def own_copy(decision: Decision, trial_dir: str, trial_id: str) -> Decision:
    """Copies an exploit's donor checkpoint into the exploiting trial's own folder.

    The copy is made at once, so that the donor may delete or replace its checkpoint while
    this trial waits to restart.

    Args:
        decision: an EXPLOIT decision with a checkpoint.
        trial_dir: the exploiting trial's folder.
        trial_id: the exploiting trial (for the log).

    Returns:
        The decision pointing at the copy, or ``Decision.CONTINUE`` (logged) where the
        checkpoint could not be copied.
    """
    if decision.checkpoint is None:
        raise ValueError("own_copy needs a decision with a checkpoint")
    dest = checkpoint_dir(trial_dir, checkpoint_iteration(decision.checkpoint.path))
    try:
        return replace(decision, checkpoint=decision.checkpoint.persist(dest))
    except CheckpointError:
        logger.exception("raytune_lite: exploit of trial %s skipped", trial_id)
        return Decision.CONTINUE
