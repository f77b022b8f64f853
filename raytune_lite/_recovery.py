"""What a resumed experiment takes up: the controller's experiment.json snapshot, and the
trial table rebuilt from that snapshot and from the trials' own files.

Plain JSON and file reads, no Ray. The snapshot is rewritten on a timer and at trial
boundaries, a trial's trial.json only at its status changes, while its rows are appended as
they arrive: so an unfinished trial's summary is rebuilt from its rows on disk, and it
restarts from its last saved checkpoint whose row made it to disk.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from raytune_lite._table import TrialTable
from raytune_lite.checkpoint import Checkpoint
from raytune_lite.schedulers.base import Scheduler
from raytune_lite.search.base import Searcher
from raytune_lite.space import Space
from raytune_lite.spec import ExperimentSpec
from raytune_lite.store import ExperimentStore, read_rows, saved_checkpoints
from raytune_lite.trial import Mode, Trial, TrialStatus


class ExperimentStatus(str, Enum):
    """The ``status`` an experiment.json snapshot records."""

    RUNNING = "running"
    FINISHED = "finished"


def experiment_snapshot(
    status: ExperimentStatus,
    spec: ExperimentSpec,
    space: Space,
    searcher: Searcher,
    scheduler: Scheduler,
    *,
    created: int,
    points_left: Iterable[dict[str, Any]],
    searcher_done: bool,
    started: float,
) -> dict[str, Any]:
    """The experiment.json content (less its format version) that :func:`recover` reads back.

    Args:
        status: whether the experiment still runs.
        spec: the experiment's settings.
        space: the search space.
        searcher: the searcher, whose ``state()`` is saved.
        scheduler: the scheduler, whose ``state()`` is saved.
        created: how many trials were created so far.
        points_left: the ``points_to_evaluate`` not launched yet.
        searcher_done: whether the searcher said FINISHED.
        started: when this run of the experiment started (epoch seconds).

    Returns:
        A JSON-able dict.
    """
    return {
        "status": status.value,
        "spec": spec.to_json(),
        "space": space.to_json(),
        "searcher": {"class": type(searcher).__name__, "state": searcher.state()},
        "scheduler": {"class": type(scheduler).__name__, "state": scheduler.state()},
        "created": created,
        "points_left": list(points_left),
        "searcher_done": searcher_done,
        "started": started,
        "updated": time.time(),
    }


def recover_trial(trial: Trial, store: ExperimentStore, metric: str | None, mode: Mode) -> None:
    """Rebuilds an unfinished trial's summary from its rows on disk, in place.

    The checkpoint becomes the last saved one whose row was written; without any, the
    recorded checkpoint stays if its folder still exists, else the trial starts over.

    Args:
        trial: the trial as its trial.json recorded it.
        store: the experiment directory.
        metric: the experiment's metric.
        mode: the experiment's mode.
    """
    rows = read_rows(store.path, trial.trial_id)
    trial.num_results, trial.last_result, trial.best_value = 0, None, None
    for row in rows:
        trial.observe(row, metric, mode)
    reported = {int(r.get("training_iteration", 0)) for r in rows}
    saved = saved_checkpoints(store.trial_dir(trial.trial_id))
    usable = [it for it in saved if it in reported]
    if usable:
        trial.checkpoint_iteration = max(usable)
        trial.checkpoint = Checkpoint(saved[trial.checkpoint_iteration])
    elif trial.checkpoint is None or not os.path.isdir(trial.checkpoint.path):
        trial.checkpoint, trial.checkpoint_iteration = None, 0


@dataclass
class Recovered:
    """The controller's state taken up from an interrupted experiment.

    Attributes:
        table: every trial, unfinished ones rebuilt from their files, and the best so far.
        to_run: the trials that were running or pending, to launch again first, in id order.
        created: how many trials were created (the next trial id).
        points_left: the ``points_to_evaluate`` not launched yet.
        searcher_done: whether the searcher had said FINISHED.
        searcher_state: the searcher's saved state.
        scheduler_state: the scheduler's saved state.
    """

    table: TrialTable
    to_run: list[str] = field(default_factory=list)
    created: int = 0
    points_left: list[dict[str, Any]] = field(default_factory=list)
    searcher_done: bool = False
    searcher_state: dict[str, Any] = field(default_factory=dict)
    scheduler_state: dict[str, Any] = field(default_factory=dict)


def recover(
    experiment: dict[str, Any],
    trials: list[dict[str, Any]],
    store: ExperimentStore,
    metric: str | None,
    mode: Mode,
) -> Recovered:
    """Takes up an interrupted experiment.

    Running trials become pending (their attempt died with the experiment); paused ones stay
    paused, for the scheduler to resume; finished ones are taken as recorded.

    Args:
        experiment: the experiment.json content (see :func:`experiment_snapshot`).
        trials: every trial's summary (:func:`raytune_lite.store.load_trials`).
        store: the experiment directory.
        metric: the experiment's metric.
        mode: the experiment's mode.

    Returns:
        The state to run on with.
    """
    out = Recovered(
        TrialTable(metric, mode),
        created=int(experiment.get("created", 0)),
        points_left=list(experiment.get("points_left", [])),
        searcher_done=bool(experiment.get("searcher_done", False)),
        searcher_state=experiment.get("searcher", {}).get("state", {}),
        scheduler_state=experiment.get("scheduler", {}).get("state", {}),
    )
    for d in trials:
        trial = Trial.from_json(d)
        out.table.add(trial)
        out.created = max(out.created, int(trial.trial_id) + 1)
        if not trial.status.is_finished:
            recover_trial(trial, store, metric, mode)
        if trial.status in (TrialStatus.RUNNING, TrialStatus.PENDING):
            trial.status = TrialStatus.PENDING
            out.to_run.append(trial.trial_id)
        out.table.offer_value(trial.best_value, trial.trial_id)
    return out
