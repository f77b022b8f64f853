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
import os
import shutil
from collections import Counter
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
        self._protected: Counter[str] = Counter()

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
        return self._trim(kept)

    def _trim(self, kept: list[_Kept]) -> list[str]:
        gone = []
        assert self.num_to_keep is not None
        while len(kept) > self.num_to_keep:
            candidates = [k for k in kept[:-1] if k.path not in self._protected]
            if not candidates:  # the rest are protected: deleted once released and beyond
                break
            victim = min(candidates, key=lambda k: (k.score, k.iteration))
            kept.remove(victim)
            self._remove(victim.path)
            gone.append(victim.path)
        return gone

    def protect(self, path: str) -> None:
        """Never deletes ``path`` until as many :meth:`release` calls (an exploit copies it)."""
        self._protected[path] += 1

    def release(self, path: str) -> None:
        """Undoes one :meth:`protect` of ``path``."""
        self._protected[path] -= 1
        if self._protected[path] <= 0:
            del self._protected[path]

    def adopt(self, trial_id: str, path: str, iteration: int) -> list[str]:
        """A trial restarts from ``path`` (its copy of a donor's checkpoint, PBT).

        The copy becomes the trial's only recorded checkpoint: the newest, so it stays until
        the restarted trial saves newer ones. The trial's earlier checkpoints (the state it
        abandons) are deleted, except protected ones.

        Returns:
            The folders deleted.
        """
        if self.num_to_keep is None:
            return []
        old = [k for k in self._kept.get(trial_id, []) if k.path != path]
        self._kept[trial_id] = [_Kept(-math.inf, iteration, path)]  # first to go later
        gone = []
        for k in old:
            if k.path not in self._protected:
                self._remove(k.path)
                gone.append(k.path)
        return gone

    def kept(self, trial_id: str) -> list[str]:
        """The folders a trial keeps, oldest first."""
        return [k.path for k in self._kept.get(trial_id, [])]

    def forget(self, trial_id: str) -> None:
        """Drops a finished trial's record (its folders stay on disk)."""
        self._kept.pop(trial_id, None)


def own_copy(decision: Decision, trial_dir: str, trial_id: str) -> Decision:
    """Copies an exploit's donor checkpoint into the exploiting trial's own folder.

    Called once the exploiting trial's attempt has ended (nothing else writes its folder);
    the donor's checkpoint is protected from retention until then (see
    :meth:`CheckpointRetention.protect`).

    Args:
        decision: an EXPLOIT decision with a checkpoint.
        trial_dir: the exploiting trial's folder.
        trial_id: the exploiting trial (for the log).

    Returns:
        The decision pointing at the copy, or ``Decision.CONTINUE`` where the checkpoint
        could not be copied (a warning line says why; the trial resumes its own state).
    """
    if decision.checkpoint is None:
        raise ValueError("own_copy needs a decision with a checkpoint")
    dest = checkpoint_dir(trial_dir, checkpoint_iteration(decision.checkpoint.path))
    try:
        if not os.path.isdir(decision.checkpoint.path):
            raise CheckpointError(f"{decision.checkpoint.path!r} does not exist")
        return replace(decision, checkpoint=decision.checkpoint.persist(dest))
    except CheckpointError as e:
        logger.warning(
            "raytune_lite: exploit of trial %s (from trial %s) skipped: %s; it resumes "
            "its own checkpoint",
            trial_id,
            decision.donor,
            e,
        )
        return Decision.CONTINUE
