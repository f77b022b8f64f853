"""What a resumed experiment takes up: the experiment.json state
(:class:`~raytune_lite.store.ExperimentState`), and the trial table rebuilt from it and from
the trials' own files.

Plain JSON and file reads, no Ray. The snapshot is rewritten on a timer and at trial
boundaries, a trial's trial.json only at its status changes, while its rows are appended as
they arrive: so an unfinished trial's summary is rebuilt from its rows on disk, and it
restarts from its last saved checkpoint whose row made it to disk.

A trial restarted from iteration ``k`` gets a rewind marker (:func:`needs_rewind`) whenever
rows of it are on disk — whatever its attempt count says: a trial killed in its first attempt
has rows but no trial.json (it is written at the first status change), so it comes back as a
pending trial with no attempts and rows past its checkpoint.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from raytune_lite.checkpoint import Checkpoint
from raytune_lite.controller.table import TrialTable
from raytune_lite.store import ExperimentState, ExperimentStore, read_rows, saved_checkpoints
from raytune_lite.trial import Mode, Trial, TrialStatus


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


def needs_rewind(trial: Trial) -> bool:
    """Whether launching ``trial`` again must first mark its rows after the restart point as
    superseded: whenever rows of it are on disk (its ``num_results``, rebuilt from disk on
    resume), whatever its attempt count. A marker that supersedes nothing is harmless.

    Example:
        >>> t = Trial("00000", {}, {}, num_results=5)  # killed in its first attempt
        >>> t.attempts, needs_rewind(t)
        (0, True)
    """
    return trial.num_results > 0


#: statuses whose attempt died with the experiment (or was interrupted): launched again first
_RELAUNCHED = (TrialStatus.RUNNING, TrialStatus.PENDING, TrialStatus.INTERRUPTED)


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
    experiment: ExperimentState,
    trials: list[dict[str, Any]],
    store: ExperimentStore,
    metric: str | None,
    mode: Mode,
) -> Recovered:
    """Takes up an interrupted experiment.

    Running and interrupted (Ctrl-C) trials become pending (their attempt died with the
    experiment, or was ended by the interrupt): they continue from their last checkpoint;
    paused ones stay paused, for the scheduler to resume; finished ones are taken as recorded.

    Args:
        experiment: what experiment.json holds.
        trials: every trial's summary (:func:`raytune_lite.store.load_trials`).
        store: the experiment directory.
        metric: the experiment's metric.
        mode: the experiment's mode.

    Returns:
        The state to run on with.
    """
    out = Recovered(
        TrialTable(metric, mode),
        created=experiment.created,
        points_left=list(experiment.points_left),
        searcher_done=experiment.searcher_done,
        searcher_state=experiment.searcher.state,
        scheduler_state=experiment.scheduler.state,
    )
    for d in trials:
        trial = Trial.from_json(d)
        out.table.add(trial)
        out.created = max(out.created, int(trial.trial_id) + 1)
        if not trial.status.is_finished:
            recover_trial(trial, store, metric, mode)
        if trial.status in _RELAUNCHED:
            trial.status = TrialStatus.PENDING
            out.to_run.append(trial.trial_id)
        out.table.offer_value(trial.best_value, trial.trial_id)
    return out
