"""Failures the user sees (docs/bad_input.md, "Failures the user sees"): the first-failure
line, the errors summary, ``fail_fast``, the systematic-failure stop, one meaning of "best",
stops that happen (a typo'd stop key, bool thresholds, a stop swallowed by a bare except),
and the controller's own errors (its searcher, its folder) as clear errors of ``fit()``.

The pure logic (``raytune_lite.failures``) first, then real experiments on the session's Ray.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import time
from typing import Any

import pytest

import raytune_lite as rt
from raytune_lite.failures import (
    ExperimentError,
    FailureWatch,
    Fatal,
    TrialError,
    error_line,
    error_summary,
    error_type,
    raise_if_ended_badly,
)
from raytune_lite.schedulers.base import Decision, SyncPolicy
from raytune_lite.schedulers.fifo import FIFO
from raytune_lite.search.basic import BasicSearch
from raytune_lite.store import read_rows

TB = (
    "Traceback (most recent call last):\n  File 'x.py', line 3\n"
    "NameError: name 'confg' is not defined"
)


# -- pure ------------------------------------------------------------------------------------


def test_error_line_and_type():
    assert error_line(TB) == "NameError: name 'confg' is not defined"
    assert error_type(TB) == "NameError"
    assert error_type("the metric 'loss' was never reported") == (
        "the metric 'loss' was never reported"
    )
    assert error_line("") == "unknown error"


def test_the_watch_fires_once_when_the_first_trials_fail_alike():
    watch = FailureWatch(3)
    assert [watch.failed(t, TB) for t in ("0", "0", "1")] == [False, False, False]  # a retry
    assert watch.failed("2", TB) is True
    assert watch.trials == ["0", "1", "2"]
    assert watch.failed("3", TB) is False  # once


@pytest.mark.parametrize(
    "events",
    [
        [("fail", TB), ("ok", None), ("fail", TB), ("fail", TB)],  # one succeeded
        [("fail", TB), ("fail", "ValueError: other"), ("fail", TB)],  # two kinds of error
    ],
    ids=["one-succeeded", "different-errors"],
)
def test_the_watch_stays_quiet_when_a_trial_succeeded_or_errors_differ(events):
    watch = FailureWatch(3)
    fired = []
    for i, (kind, tb) in enumerate(events):
        if kind == "ok":
            watch.succeeded()
        else:
            fired.append(watch.failed(str(i), tb))
    assert not any(fired)


def test_no_watch_with_none():
    watch = FailureWatch(None)
    assert not any(watch.failed(str(i), TB) for i in range(10))


def test_error_summary_groups_by_exception_type():
    errors = {
        "00000": TB,
        "00001": "KeyError: 'lr'",
        "00002": TB,
        "00003": TB,
    }
    assert error_summary(errors, 10, limit=2) == [
        "4 of 10 trials ended in ERROR:",
        "  3 NameError (trials 00000, 00002, ...): NameError: name 'confg' is not defined",
        "  1 KeyError (trials 00001): KeyError: 'lr'",
    ]
    assert error_summary({}, 3) == []


def test_a_fatal_failure_raises_the_trials_own_exception_with_its_traceback():
    fatal = Fatal("00004", "fail_fast=True: trial 00004 failed", TB, pickle.dumps(KeyError("lr")))
    error = fatal.to_error()
    assert isinstance(error, KeyError) and error.args == ("lr",)
    assert isinstance(error.__cause__, TrialError)
    assert "trial 00004's traceback" in str(error.__cause__) and "confg" in str(error.__cause__)
    unpicklable = Fatal("00004", "reason", TB, b"not a pickle").to_error()
    assert isinstance(unpicklable, TrialError) and unpicklable.trial_id == "00004"
    with pytest.raises(ExperimentError, match="the searcher broke"):
        raise_if_ended_badly({"fatal": None, "crash": "the searcher broke"})
    raise_if_ended_badly({})


# -- in a running experiment ----------------------------------------------------------------


def typo(config: dict[str, Any]) -> None:
    rt.report({"loss": confg["x"]})  # type: ignore[name-defined]  # noqa: F821 - the typo


@pytest.mark.ray
def test_a_typo_in_the_trainable_stops_the_experiment_and_raises_the_name_error(
    ray_local: Any, storage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Case ``typo-in-the-trainable``: the first 5 trials all fail with the same NameError and
    none succeeded: fit() raises it (its traceback in the TrialError it is raised from) instead
    of spending the budget; each trial's first failure was printed as one line."""
    with pytest.raises(NameError, match="name 'confg' is not defined") as info:
        rt.Tuner(
            typo,
            {"x": rt.uniform(0, 1)},
            metric="loss",
            num_samples=40,
            max_concurrent=2,
            storage_path=storage,
            name="typo",
        ).fit()
    cause = info.value.__cause__
    assert isinstance(cause, rt.TrialError)
    assert re.search(
        r"the first 5 trials to fail \(\d{5}(, \d{5}){4}\) all failed with NameError: "
        r"name 'confg' is not defined and none succeeded: stopped the experiment",
        str(cause),
    )
    assert 'rt.report({"loss": confg["x"]})' in cause.traceback
    out = capsys.readouterr().out
    error_file = os.path.join(storage, "typo", "trials", "00000", "error.txt")
    assert (
        f"raytune_lite: trial 00000 failed: NameError: name 'confg' is not defined "
        f"(error file: {error_file})" in out
    )
    results = rt.ResultGrid.from_path(os.path.join(storage, "typo"))
    assert 5 <= len(results) < 40  # the budget was not spent


def fails_at_two(config: dict[str, Any]) -> None:
    if config["x"] == 2:
        raise ValueError(f"x={config['x']} is bad")
    rt.report({"loss": float(config["x"])})


@pytest.mark.ray
@pytest.mark.parametrize("fail_fast", [True, "raise"])
def test_fail_fast_ends_at_the_first_error_and_raises_it(
    ray_local: Any, storage: str, fail_fast: Any
) -> None:
    """Case ``fail-fast``: trial 00001 fails; nothing after it is created; its ValueError is
    what fit() raises."""
    with pytest.raises(ValueError, match=r"x=2 is bad") as info:
        rt.Tuner(
            fails_at_two,
            {"x": rt.grid([1, 2, 3, 4])},
            metric="loss",
            max_concurrent=1,
            fail_fast=fail_fast,
            storage_path=storage,
            name="ff",
            verbose=0,
        ).fit()
    assert "fail_fast=True: trial 00001 failed with ValueError: x=2 is bad" in str(
        info.value.__cause__
    )
    results = rt.ResultGrid.from_path(os.path.join(storage, "ff"))
    assert [r.status for r in results] == [rt.TrialStatus.TERMINATED, rt.TrialStatus.ERROR]


def cases(config: dict[str, Any]) -> None:
    import ray

    name = ray.get_runtime_context().get_task_name()
    if config["case"] == "dips":  # the best value at any step, but not at its last
        rt.report({"loss": 0.1, "task": name})
        rt.report({"loss": 0.9, "task": name})
    elif config["case"] == "steady":
        rt.report({"loss": 0.5, "task": name})
    else:
        raise KeyError("lr")


@pytest.mark.ray
def test_the_live_best_is_results_best_and_errors_are_summed_up(
    ray_local: Any, storage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Case ``live-best``: the live table's "best" is results.best (the last value), the best
    at any step is labelled ``best (any step)``; at the end, errors grouped by type; the trial
    task is named after the trainable."""
    results = rt.Tuner(
        cases,
        {"case": rt.grid(["dips", "steady", "fails"])},
        metric="loss",
        storage_path=storage,
        name="best",
    ).fit()
    by_case = {r.config["case"]: r for r in results}
    assert results.best.trial_id == by_case["steady"].trial_id
    out = capsys.readouterr().out
    final = [line for line in out.splitlines() if line.startswith("[")][-1]
    assert f"| best loss=0.5 (trial {by_case['steady'].trial_id})" in final
    assert f"| best (any step) loss=0.1 (trial {by_case['dips'].trial_id})" in final
    fails = by_case["fails"].trial_id
    assert "raytune_lite: 1 of 3 trials ended in ERROR:" in out
    assert f"raytune_lite:   1 KeyError (trials {fails}): KeyError: 'lr'" in out
    assert by_case["steady"].metrics["task"] == "cases"  # prints read (cases pid=...)


# -- stops that happen ------------------------------------------------------------------------


def reports_epoch(config: dict[str, Any]) -> None:
    for epoch in range(50):
        rt.report({"loss": 1.0 / (epoch + 1), "epoch": epoch})


@pytest.mark.ray
def test_a_stop_key_the_first_row_lacks_is_an_error_naming_it(ray_local: Any, storage: str) -> None:
    """Case ``stop-key-not-reported``: stop={"epochs": 3} while the trial reports "epoch"."""
    results = rt.Tuner(
        reports_epoch, {}, metric="loss", stop={"epochs": 3}, storage_path=storage, verbose=0
    ).fit()
    (trial,) = results
    assert trial.status is rt.TrialStatus.ERROR
    assert re.search(
        r"ValueError: stop=\{'epochs': 3\} names 'epochs', which the trial's first row does "
        r"not have; the row has \['epoch', 'loss', .*'training_iteration'.*\]: fix the key",
        trial.error or "",
    ), trial.error


class StopsAtTwo(FIFO):
    """Stops every trial whose config says so at its second row (and syncs every row)."""

    def sync_policy(self) -> SyncPolicy:
        return SyncPolicy(every_report=True)

    def on_result(self, trial: Any, row: dict[str, Any]) -> Decision:
        if trial.config["case"] != "criterion" and row["training_iteration"] >= 2:
            return Decision.STOP
        return Decision.CONTINUE


def swallows(config: dict[str, Any]) -> None:
    """A bare except around report(): every stop is swallowed."""
    if config["case"] == "hangs":  # and goes on for ever once told to stop
        while True:
            try:
                try:
                    rt.report({"loss": 1.0, "done": False})
                finally:
                    time.sleep(0.05)
            except:  # noqa: E722 - the user's mistake under test
                pass
    for i in range(30):
        try:  # noqa: SIM105 - the user's mistake under test
            rt.report({"loss": 1.0 / (i + 1), "done": i >= 2})
        except:  # noqa: E722
            pass


@pytest.mark.ray
@pytest.mark.heavy
def test_a_swallowed_stop_still_stops_and_extra_rows_do_not_count(
    ray_local: Any, storage: str
) -> None:
    """Cases ``stop-swallowed`` and ``stop-bool-threshold``: a stop criterion ``{"done": True}``
    ends the trial at the first true row, a scheduler's STOP ends it STOPPED_EARLY, though
    ``except:`` swallows both; the rows reported after the stop are not counted; a trial that
    goes on for ever once told is cancelled after a grace, also STOPPED_EARLY."""
    results = rt.Tuner(
        swallows,
        {"case": rt.grid(["criterion", "scheduler", "hangs"])},
        metric="loss",
        stop={"done": True},
        scheduler=StopsAtTwo(),
        storage_path=storage,
        verbose=0,
    ).fit()
    by_case = {r.config["case"]: r for r in results}
    rows = {c: read_rows(results.path, r.trial_id) for c, r in by_case.items()}
    assert by_case["criterion"].status is rt.TrialStatus.TERMINATED
    assert [row["training_iteration"] for row in rows["criterion"]] == [1, 2, 3]
    assert by_case["scheduler"].status is rt.TrialStatus.STOPPED_EARLY
    assert [row["training_iteration"] for row in rows["scheduler"]] == [1, 2]
    assert by_case["hangs"].status is rt.TrialStatus.STOPPED_EARLY
    assert [row["training_iteration"] for row in rows["hangs"]] == [1, 2]


# -- the controller's own errors ----------------------------------------------------------------


class BrokenSearch(BasicSearch):
    """Raises at its second suggestion."""

    def suggest(self, trial_id: str) -> Any:
        if trial_id == "00001":
            raise RuntimeError("the model would not fit")
        return super().suggest(trial_id)


def quadratic(config: dict[str, Any]) -> None:
    rt.report({"loss": (config["x"] - 3.0) ** 2})


@pytest.mark.ray
def test_a_searcher_that_raises_stops_the_experiment_with_an_error_naming_it(
    ray_local: Any, storage: str
) -> None:
    """Case ``searcher-raises``: an error of ``fit()``, not a crashed controller; the
    experiment's status is ``failed``."""
    with pytest.raises(
        rt.ExperimentError,
        match=r"the experiment stopped: the searcher BrokenSearch raised RuntimeError: the "
        r"model would not fit \(at .*test_failures.py:\d+ in suggest\)",
    ):
        rt.Tuner(
            quadratic,
            {"x": rt.uniform(0, 6)},
            metric="loss",
            num_samples=3,
            searcher=BrokenSearch(),
            storage_path=storage,
            name="broken",
            verbose=0,
        ).fit()
    with open(os.path.join(storage, "broken", "experiment.json")) as f:
        assert json.load(f)["status"] == "failed"


def blocks_its_rows(config: dict[str, Any]) -> None:
    os.makedirs(os.path.join(rt.get_trial_dir(), "result.jsonl"))  # the rows cannot be written
    rt.report({"loss": 1.0})


@pytest.mark.ray
def test_a_folder_that_cannot_be_written_is_an_error_naming_the_path(
    ray_local: Any, storage: str
) -> None:
    """Case ``store-cannot-write``: the controller's write fails (as a full disk would): fit()
    raises naming the file, never "resume with Tuner.restore"."""
    with pytest.raises(rt.ExperimentError) as info:
        rt.Tuner(
            blocks_its_rows, {}, metric="loss", storage_path=storage, name="blocked", verbose=0
        ).fit()
    message = str(info.value)
    path = os.path.join(storage, "blocked")
    assert message.startswith(f"the experiment stopped: writing the experiment folder {path!r}")
    assert (
        "IsADirectoryError" in message or "Is a directory" in message
    ) and "result.jsonl" in message
    assert "restore" not in message
