"""Taking up an interrupted experiment: the experiment.json snapshot and the trial table
rebuilt from it and from the trials' files (no Ray)."""

from __future__ import annotations

import json
import os

from raytune_lite.checkpoint import Checkpoint
from raytune_lite.controller.recovery import needs_rewind, recover, recover_trial
from raytune_lite.schedulers import FIFO
from raytune_lite.search import BasicSearch
from raytune_lite.space import Space
from raytune_lite.spec import ExperimentSpec
from raytune_lite.store import (
    ExperimentState,
    ExperimentStatus,
    ExperimentStore,
    PluginState,
    checkpoint_dir,
    load_trials,
)
from raytune_lite.trial import Mode, Trial, TrialStatus


def _store(tmp_path) -> ExperimentStore:
    return ExperimentStore(str(tmp_path / "exp"))


def _trial(store: ExperimentStore, tid: str, status: TrialStatus, **kw) -> dict:
    store.add_trial(tid, {"x": int(tid)})
    return Trial(tid, {"x": int(tid)}, {"cpu": 1.0}, status=status, **kw).to_json()


def _rows(store: ExperimentStore, tid: str, losses: list[float]) -> None:
    store.append_rows(
        tid, [{"training_iteration": i, "loss": v} for i, v in enumerate(losses, start=1)]
    )
    store.close_trial(tid)


def _checkpoint(store: ExperimentStore, tid: str, it: int) -> str:
    path = checkpoint_dir(store.trial_dir(tid), it)
    os.makedirs(path)
    return path


def test_the_snapshot_round_trips_through_json(tmp_path):
    searcher, scheduler = BasicSearch(), FIFO()
    space = Space({"x": 1})
    searcher.setup(space, "loss", "min", 0)
    searcher.suggest("00000")
    spec = ExperimentSpec("e", str(tmp_path), "loss", Mode.MIN, 4, {"cpu": 1.0})
    state = ExperimentState(
        ExperimentStatus.FINISHED,
        spec.to_json(),
        space.to_json(),
        PluginState("BasicSearch", searcher.state()),
        PluginState("FIFO", scheduler.state()),
        created=3,
        points_left=[{"x": 5}],
        searcher_done=True,
        started=12.5,
    )
    snap = json.loads(json.dumps(state.to_json()))
    assert snap["status"] == "finished" and snap["started"] == 12.5
    assert snap["searcher"]["class"] == "BasicSearch" and snap["searcher"]["state"]["count"] == 1
    assert snap["scheduler"]["class"] == "FIFO"
    got = recover(ExperimentState.from_json(snap), [], _store(tmp_path), "loss", Mode.MIN)
    assert (got.created, got.points_left, got.searcher_done) == (3, [{"x": 5}], True)
    assert got.searcher_state == searcher.state()
    assert got.scheduler_state == scheduler.state()
    assert len(got.table) == 0 and got.to_run == []


def test_an_unfinished_trial_is_rebuilt_from_its_rows_and_last_usable_checkpoint(tmp_path):
    store = _store(tmp_path)
    d = _trial(
        store,
        "00000",
        TrialStatus.RUNNING,
        num_results=1,
        last_result={"training_iteration": 1, "loss": 9.0},
        best_value=9.0,
    )
    _rows(store, "00000", [5.0, 2.0, 3.0, 1.0])
    store.rewind("00000", 3)  # the 4th row was superseded by a retry from iteration 3
    store.close_trial("00000")
    _checkpoint(store, "00000", 2)
    _checkpoint(store, "00000", 4)  # saved, but its row was superseded: not usable
    trial = Trial.from_json(d)
    recover_trial(trial, store, "loss", Mode.MIN)
    assert trial.num_results == 3 and trial.last_result == {"training_iteration": 3, "loss": 3.0}
    assert trial.best_value == 2.0 and trial.metric_seen
    assert trial.checkpoint_iteration == 2
    assert trial.checkpoint == Checkpoint(
        os.path.join(store.trial_dir("00000"), "checkpoints", "checkpoint_000002")
    )


def test_a_recorded_checkpoint_is_kept_only_while_its_folder_exists(tmp_path):
    store = _store(tmp_path)
    kept = str(tmp_path / "elsewhere" / "checkpoint_000007")
    os.makedirs(kept)
    alive = Trial.from_json(
        _trial(
            store, "00000", TrialStatus.PAUSED, checkpoint=Checkpoint(kept), checkpoint_iteration=7
        )
    )
    gone = Trial.from_json(
        _trial(
            store,
            "00001",
            TrialStatus.PAUSED,
            checkpoint=Checkpoint(str(tmp_path / "nope")),
            checkpoint_iteration=3,
        )
    )
    for t in (alive, gone):
        recover_trial(t, store, "loss", Mode.MIN)
    assert (alive.checkpoint, alive.checkpoint_iteration) == (Checkpoint(kept), 7)
    assert (gone.checkpoint, gone.checkpoint_iteration) == (None, 0)
    assert alive.num_results == 0 and alive.last_result is None


def test_recover_requeues_running_and_pending_trials_only(tmp_path):
    store = _store(tmp_path)
    done = _trial(
        store,
        "00000",
        TrialStatus.TERMINATED,
        num_results=2,
        last_result={"training_iteration": 2, "loss": 0.5},
        best_value=0.5,
    )
    _rows(store, "00000", [7.0])  # a finished trial's summary is taken as recorded
    trials = [
        done,
        _trial(store, "00001", TrialStatus.RUNNING),
        _trial(store, "00002", TrialStatus.PAUSED),
        _trial(store, "00003", TrialStatus.PENDING),
        _trial(store, "00004", TrialStatus.ERROR),
    ]
    for tid in ("00001", "00002", "00003"):
        _rows(store, tid, [1.0, 0.8])
    got = recover(ExperimentState.from_json({"created": 2}), trials, store, "loss", Mode.MIN)
    assert got.to_run == ["00001", "00003"]
    status = {t.trial_id: t.status for t in got.table}
    assert status == {
        "00000": TrialStatus.TERMINATED,
        "00001": TrialStatus.PENDING,
        "00002": TrialStatus.PAUSED,
        "00003": TrialStatus.PENDING,
        "00004": TrialStatus.ERROR,
    }
    assert got.table["00000"].num_results == 2
    assert got.table["00002"].num_results == 2
    assert got.created == 5  # never below the highest trial id + 1
    assert got.table.best == (0.5, "00000")


def test_recover_finds_the_best_by_mode_and_keeps_the_first_on_ties(tmp_path):
    store = _store(tmp_path)
    trials = [
        _trial(store, tid, TrialStatus.TERMINATED, best_value=v)
        for tid, v in (("00000", 0.3), ("00001", 0.9), ("00002", 0.3), ("00003", None))
    ]
    assert recover(ExperimentState.from_json({}), trials, store, "loss", Mode.MIN).table.best == (
        0.3,
        "00000",
    )
    assert recover(ExperimentState.from_json({}), trials, store, "loss", Mode.MAX).table.best == (
        0.9,
        "00001",
    )
    assert (
        recover(ExperimentState.from_json({"created": 9}), [], store, "loss", Mode.MIN).created == 9
    )


def test_a_trial_killed_in_its_first_attempt_is_rewound_to_its_checkpoint(tmp_path):
    # killed in its first attempt: rows and a checkpoint on disk, but no trial.json yet
    store = _store(tmp_path)
    store.add_trial("00000", {"x": 0})
    _rows(store, "00000", [0.9, 0.8, 0.7, 0.6, 0.5])
    _checkpoint(store, "00000", 3)
    (summary,) = load_trials(store.path)
    got = recover(ExperimentState.from_json({"created": 1}), [summary], store, "loss", Mode.MIN)
    trial = got.table["00000"]
    assert got.to_run == ["00000"] and trial.attempts == 0
    assert (trial.num_results, trial.checkpoint_iteration) == (5, 3)
    assert needs_rewind(trial)  # rows 4 and 5 are past the restart point: superseded first


def test_an_interrupted_trial_is_launched_again_from_its_checkpoint(tmp_path):
    store = _store(tmp_path)
    interrupted = _trial(store, "00000", TrialStatus.INTERRUPTED, attempts=1)
    _rows(store, "00000", [0.9, 0.8])
    ckpt = _checkpoint(store, "00000", 2)
    got = recover(ExperimentState.from_json({}), [interrupted], store, "loss", Mode.MIN)
    assert got.to_run == ["00000"]
    assert got.table["00000"].status is TrialStatus.PENDING
    assert got.table["00000"].checkpoint.path == ckpt
