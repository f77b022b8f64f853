"""The controller's experiment on disk: the folder's lock, experiment.json, and taking up a
resumed experiment under the lock (a part of :class:`~raytune_lite.controller.actor.Controller`).
"""

from __future__ import annotations

import os
from collections import deque
from typing import Any

from raytune_lite.controller.recovery import recover
from raytune_lite.controller.supply import TrialSupply
from raytune_lite.controller.table import TrialTable
from raytune_lite.experiment_lock import ExperimentLock
from raytune_lite.plugin_config import plugin_state
from raytune_lite.schedulers.base import Scheduler
from raytune_lite.search.base import Searcher
from raytune_lite.space import Space
from raytune_lite.spec import ExperimentSpec
from raytune_lite.storage import RemoteLock
from raytune_lite.store import (
    EXPERIMENT_FILE,
    ExperimentState,
    ExperimentStatus,
    ExperimentStore,
    load_trials,
    read_experiment,
)


class ExperimentOnDisk:
    """What the controller keeps on disk beside the rows: the lock it holds while it runs,
    and experiment.json (the settings, the space, the plugins and the trial supply)."""

    spec: ExperimentSpec
    space: Space
    searcher: Searcher
    scheduler: Scheduler
    store: ExperimentStore
    trials: TrialTable
    supply: TrialSupply
    queue: deque[str]
    lock: ExperimentLock | RemoteLock
    resume: bool
    started: float
    dirty: bool

    def start(self, owner: str, wait_s: float) -> None:
        """Takes the experiment's lock (waiting up to ``wait_s`` for a dying owner), then, on
        resume, reads the folder's state under it. Called once by the driver before
        :meth:`run`.

        Raises:
            ExperimentInUse: another driver's controller holds the lock.
            StoreError: the folder is malformed.
        """
        self.lock.owner = f"{owner} (controller pid {os.getpid()})"
        self.lock.acquire(wait_s)
        try:
            self.store.prepare()  # a remote experiment: its working copy made the remote's image
            path = self.store.path
            if self.resume and os.path.lexists(os.path.join(path, EXPERIMENT_FILE)):
                self._restore(read_experiment(path), load_trials(path))
            self._write_experiment(ExperimentStatus.RUNNING)  # an experiment folder from now on
        except BaseException:
            self.lock.release()
            raise

    def _write_experiment(self, status: ExperimentStatus) -> None:
        self.dirty = False
        self.store.write_experiment(
            ExperimentState(
                status=status,
                spec=self.spec.to_json(),
                space=self.space.to_json(),
                searcher=plugin_state(self.searcher),
                scheduler=plugin_state(self.scheduler),
                created=self.supply.created,
                points_left=list(self.supply.points),
                searcher_done=self.supply.searcher_done,
                started=self.started,
            )
        )

    def _restore(self, exp: ExperimentState, trials: list[dict[str, Any]]) -> None:
        """Takes up an interrupted experiment (trial summaries and plugin state)."""
        got = recover(exp, trials, self.store, self.spec.metric, self.spec.mode)
        self.searcher.load_state(got.searcher_state)
        self.scheduler.load_state(got.scheduler_state)
        self.trials = got.table
        self.supply.resume(
            got.created,
            got.points_left,
            got.searcher_done,
            pending=sum(t.from_searcher and not t.status.is_finished for t in self.trials),
        )
        self.queue.extend(got.to_run)
