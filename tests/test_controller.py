"""The controller's dispatch: scheduler decisions (stop, pause/resume, exploit), searcher
limits, and the loss of the controller itself, on a real local Ray."""

from __future__ import annotations

import itertools
import os
import threading
import time

import pytest

import raytune_lite as rt
from raytune_lite.schedulers import Decision, Scheduler, SyncPolicy
from raytune_lite.search import BasicSearch
from raytune_lite.store import read_rows

pytestmark = pytest.mark.ray


class StopHighX(Scheduler):
    """Stops trials with x > 0.5 at iteration 2."""

    def sync_policy(self):
        return SyncPolicy(milestones=(2,))

    def on_result(self, trial, row):
        if row["training_iteration"] == 2 and trial.config["x"] > 0.5:
            return Decision.STOP
        return Decision.CONTINUE


def counting(config):
    for _ in range(5):
        rt.report({"loss": config["x"]})


def test_stop_decisions_take_effect_at_the_synced_step(ray_local, storage):
    results = rt.Tuner(
        counting,
        {"x": rt.grid([0.1, 0.9, 0.2, 0.7])},
        metric="loss",
        scheduler=StopHighX(),
        storage_path=storage,
        verbose=0,
    ).fit()
    by_x = {r.config["x"]: r for r in results}
    for x in (0.9, 0.7):
        assert by_x[x].status is rt.TrialStatus.STOPPED_EARLY
        assert len(read_rows(results.path, by_x[x].trial_id)) == 2
    for x in (0.1, 0.2):
        assert by_x[x].status is rt.TrialStatus.TERMINATED
        assert by_x[x].metrics["training_iteration"] == 5


class PauseOnceAt3(Scheduler):
    """Pauses each trial at iteration 3, resumes paused trials in order of pausing."""

    needs_checkpoints = True

    def __init__(self):
        super().__init__()
        self.paused: list[str] = []
        self.done: set[str] = set()

    def sync_policy(self):
        return SyncPolicy(milestones=(3,))

    def on_result(self, trial, row):
        if row["training_iteration"] == 3 and trial.trial_id not in self.done:
            self.done.add(trial.trial_id)
            self.paused.append(trial.trial_id)
            return Decision.PAUSE
        return Decision.CONTINUE

    def next_to_resume(self):
        return self.paused.pop(0) if self.paused else None


def resumable(config):
    ckpt = rt.get_checkpoint()
    start = ckpt.to_dict()["it"] if ckpt else 0
    for it in range(start + 1, 7):
        rt.report(
            {"loss": config["x"] * it, "resumed": ckpt is not None},
            checkpoint=rt.Checkpoint.from_dict({"it": it}),
        )


def test_paused_trials_free_their_slot_and_resume_from_their_checkpoint(ray_local, storage):
    results = rt.Tuner(
        resumable,
        {"x": rt.uniform(0, 1)},
        metric="loss",
        num_samples=4,
        max_concurrent=2,
        scheduler=PauseOnceAt3(),
        storage_path=storage,
        verbose=0,
    ).fit()
    assert {r.status for r in results} == {rt.TrialStatus.TERMINATED}
    for r in results:
        rows = read_rows(results.path, r.trial_id)
        assert [row["training_iteration"] for row in rows] == [1, 2, 3, 4, 5, 6]
        assert [row["resumed"] for row in rows] == [False] * 3 + [True] * 3


class ExploitOnce(Scheduler):
    """At iteration 3 the trial with the higher loss copies the other one."""

    needs_checkpoints = True

    def __init__(self):
        super().__init__()
        self.at3: dict[str, object] = {}
        self.exploited = False

    def sync_policy(self):
        return SyncPolicy(milestones=(3,))

    def on_result(self, trial, row):
        if row["training_iteration"] != 3:
            return Decision.CONTINUE
        self.at3[trial.trial_id] = trial
        if len(self.at3) < 2 or self.exploited:
            return Decision.CONTINUE
        a, b = sorted(self.at3.values(), key=lambda t: t.last_result["loss"])
        if trial.trial_id != b.trial_id:
            return Decision.CONTINUE
        self.exploited = True
        return Decision.exploit(
            {**a.config, "x": a.config["x"] * 1.0}, a.checkpoint, donor=a.trial_id
        )


def _wait_until(condition, timeout_s: float) -> bool:
    """Polls ``condition`` until it holds (True) or ``timeout_s`` passes (False)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def paced(config):
    """The bad trial (x > 0.5) reports iteration 3 only after the good one has: it waits for
    the file the good one writes once its iteration 3 is decided."""
    ckpt = rt.get_checkpoint()
    start = ckpt.to_dict()["it"] if ckpt else 0
    good_at_3 = os.path.join(config["flags"], "good_at_3")
    for it in range(start + 1, 7):
        if it == 3 and config["x"] > 0.5 and ckpt is None:
            assert _wait_until(lambda: os.path.exists(good_at_3), 60), (
                "the good trial never got to 3"
            )
        rt.report(
            {"loss": config["x"], "from": ckpt.to_dict()["owner"] if ckpt else None},
            checkpoint=rt.Checkpoint.from_dict({"it": it, "owner": rt.get_trial_id()}),
        )
        if it == 3 and config["x"] < 0.5:
            open(good_at_3, "w").close()


def test_exploit_restarts_a_trial_from_the_donor_with_a_new_config(ray_local, storage):
    results = rt.Tuner(
        paced,
        {"x": rt.grid([0.2, 0.9]), "flags": storage},
        metric="loss",
        scheduler=ExploitOnce(),
        storage_path=storage,
        verbose=0,
    ).fit()
    good, bad = sorted(results, key=lambda r: r.config_history[0]["config"]["x"])
    assert bad.config["x"] == 0.2 and len(bad.config_history) == 2
    assert bad.config_history[1]["donor"] == good.trial_id
    rows = read_rows(results.path, bad.trial_id)
    assert [r["training_iteration"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert [r["from"] for r in rows[3:]] == [good.trial_id] * 3
    assert rows[2]["loss"] == 0.9 and rows[3]["loss"] == 0.2
    hist = results.config_history()
    assert len(hist[hist.trial_id == bad.trial_id]) == 2


def swallows_everything(config):
    for _ in range(10):
        try:  # noqa: SIM105 - written the way a user would
            rt.report({"loss": config["x"]})
        except Exception:  # a user's broad except must not swallow the stop
            pass


def test_a_broad_except_cannot_swallow_a_stop(ray_local, storage):
    results = rt.Tuner(
        swallows_everything,
        {"x": rt.grid([0.9])},
        metric="loss",
        scheduler=StopHighX(),
        storage_path=storage,
        verbose=0,
    ).fit()
    assert results[0].status is rt.TrialStatus.STOPPED_EARLY
    assert results[0].metrics["training_iteration"] == 2


def overlap(config):
    t = time.time()
    time.sleep(0.2)
    rt.report({"start": t, "end": time.time()})


def test_searcher_max_pending_limits_concurrency(ray_local, storage):
    results = rt.Tuner(
        overlap,
        {"x": rt.uniform(0, 1)},
        num_samples=4,
        searcher=BasicSearch(max_pending=1),
        storage_path=storage,
        verbose=0,
    ).fit()
    spans = sorted((r.metrics["start"], r.metrics["end"]) for r in results)
    assert all(b[0] >= a[1] for a, b in itertools.pairwise(spans))


def slow(config):
    for _ in range(100):
        time.sleep(0.05)
        rt.report({"loss": config["x"]})


def test_losing_the_controller_is_noticed_within_seconds(ray_local, storage):
    import ray

    path = os.path.join(storage, "killed")
    killed_at: list[float] = []

    def rows_of_both_trials() -> bool:
        trials = os.path.join(path, "trials")
        ids = os.listdir(trials) if os.path.isdir(trials) else []
        return len(ids) == 2 and all(len(read_rows(path, tid)) > 5 for tid in ids)

    def kill_controller():
        # once both trials are well under way (more than 5 rows each), not after a guess
        _wait_until(rows_of_both_trials, 60)
        for a in ray.util.list_named_actors(all_namespaces=True):
            if a["name"].startswith("controller_"):
                ray.kill(ray.get_actor(a["name"], namespace=a["namespace"]))
        killed_at.append(time.time())

    killer = threading.Thread(target=kill_controller, daemon=True)
    killer.start()
    with pytest.raises(rt.ExperimentError, match=r"(?s)controller actor died.*Tuner\.restore"):
        rt.Tuner(
            slow,
            {"x": rt.uniform(0, 1)},
            metric="loss",
            num_samples=2,
            storage_path=storage,
            name="killed",
            verbose=0,
        ).fit()
    killer.join()
    assert killed_at  # the error came after the kill, not from anything before it
    results = rt.ResultGrid.from_path(f"{storage}/killed")
    assert len(results) == 2
    assert all(len(read_rows(results.path, r.trial_id)) > 5 for r in results)


def nan_at_the_end(config):
    rt.report({"loss": 1.0})
    rt.report({"loss": float("nan") if config["x"] > 0.5 else config["x"]})


def test_a_final_nan_metric_marks_the_trial_and_never_wins(ray_local, storage):
    results = rt.Tuner(
        nan_at_the_end, {"x": rt.grid([0.2, 0.9])}, metric="loss", storage_path=storage, verbose=0
    ).fit()
    bad = next(r for r in results if r.config["x"] == 0.9)
    assert bad.status is rt.TrialStatus.ERROR
    assert "the metric 'loss' was nan at its last report (iteration 2)" in bad.error
    assert results.best.config["x"] == 0.2


def checkpoints_every_step(config):
    for step in range(1, 7):
        score = [0.5, 0.1, 0.9, 0.3, 0.8, 0.7][step - 1]
        rt.report({"loss": score}, checkpoint=rt.Checkpoint.from_dict({"step": step}))


def test_num_to_keep_keeps_the_best_and_the_newest(ray_local, storage):
    import os

    latest = rt.Tuner(
        checkpoints_every_step, {}, metric="loss", num_to_keep=2, storage_path=storage, verbose=0
    ).fit()
    ckdir = os.path.join(latest[0].path, "checkpoints")
    assert sorted(os.listdir(ckdir)) == ["checkpoint_000005", "checkpoint_000006"]
    best = rt.Tuner(
        checkpoints_every_step,
        {},
        metric="loss",
        num_to_keep=2,
        checkpoint_score="loss",
        storage_path=storage,
        verbose=0,
    ).fit()
    ckdir = os.path.join(best[0].path, "checkpoints")
    # the lowest loss (step 2) and the newest (step 6) survive
    assert sorted(os.listdir(ckdir)) == ["checkpoint_000002", "checkpoint_000006"]
    assert best[0].checkpoint.to_dict() == {"step": 6}
    with pytest.raises(ValueError, match="checkpoint_score names the reported key"):
        rt.Tuner(checkpoints_every_step, {}, checkpoint_score="loss", storage_path=storage)


class ResumeAtOnce(Scheduler):
    """Pauses each trial once at iteration 2 and offers it for resuming at once, before its
    attempt has ended (as Hyperband may when a rung completes)."""

    def __init__(self):
        super().__init__()
        self.offered: list[str] = []
        self.done: set[str] = set()

    def sync_policy(self):
        return SyncPolicy(milestones=(2,))

    def on_result(self, trial, row):
        if row["training_iteration"] == 2 and trial.trial_id not in self.done:
            self.done.add(trial.trial_id)
            self.offered.append(trial.trial_id)
            return Decision.PAUSE
        return Decision.CONTINUE

    def next_to_resume(self):
        return self.offered.pop(0) if self.offered else None


def slow_to_pause(config):
    ckpt = rt.get_checkpoint()
    start = ckpt.to_dict()["it"] if ckpt else 0
    for it in range(start + 1, 5):
        try:
            rt.report(
                {"loss": config["x"], "resumed": ckpt is not None},
                checkpoint=rt.Checkpoint.from_dict({"it": it}),
            )
        except BaseException:
            time.sleep(0.6)  # a slow clean-up: the attempt ends well after the decision
            raise


def test_a_trial_resumed_while_its_pause_is_still_ending_is_resumed_after(ray_local, storage):
    results = rt.Tuner(
        slow_to_pause,
        {"x": rt.uniform(0, 1)},
        metric="loss",
        num_samples=1,
        max_concurrent=2,
        scheduler=ResumeAtOnce(),
        storage_path=storage,
        verbose=0,
    ).fit()
    (r,) = results
    assert r.status is rt.TrialStatus.TERMINATED
    rows = read_rows(results.path, r.trial_id)
    assert [row["training_iteration"] for row in rows] == [1, 2, 3, 4]
    assert [row["resumed"] for row in rows] == [False, False, True, True]
