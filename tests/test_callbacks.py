"""Callbacks: the dispatcher's hook calls from events (no Ray), the CSV and TensorBoard
loggers' files read back by their readers, and callbacks on a real experiment."""

from __future__ import annotations

import csv
import os

import pytest

import raytune_lite as rt
from raytune_lite.callbacks.dispatch import Dispatcher, check_callbacks
from raytune_lite.events import Event, EventKind
from raytune_lite.store import read_rows


class Recorder(rt.callbacks.Callback):
    def __init__(self):
        self.calls = []

    def setup(self, experiment_path):
        self.calls.append(("setup", experiment_path))

    def on_trial_start(self, trial):
        self.calls.append(("start", trial.trial_id, trial.attempt))

    def on_trial_result(self, trial, result):
        assert trial.last_result == result
        self.calls.append(("result", trial.trial_id, dict(result)))

    def on_trial_complete(self, trial):
        self.calls.append(("complete", trial.trial_id, trial.status.value))

    def on_trial_error(self, trial):
        self.calls.append(("error", trial.trial_id, trial.error))

    def on_experiment_end(self, trials):
        self.calls.append(("end", [t.trial_id for t in trials]))


def _events(*specs):
    return [Event(i + 1, kind, tid, data) for i, (kind, tid, data) in enumerate(specs)]


START, RESULT = EventKind.TRIAL_START, EventKind.TRIAL_RESULT


def test_dispatcher_calls_hooks_in_order_with_frozen_views(tmp_path):
    rec = Recorder()
    d = Dispatcher([rec], str(tmp_path))
    d.handle(
        _events(
            (START, "a", {"config": {"x": 1}, "attempt": 1}),
            (RESULT, "a", {"row": {"loss": 0.5, "nested": {"k": 1}}, "checkpoint": None}),
            (EventKind.TRIAL_ERROR, "a", {"status": "ERROR", "error": "Traceback: boom"}),
            (START, "b", {"config": {"x": 2}, "attempt": 1}),
            (EventKind.TRIAL_COMPLETE, "b", {"status": "TERMINATED", "error": None}),
        )
    )
    d.end()
    assert rec.calls == [
        ("setup", str(tmp_path)),
        ("start", "a", 1),
        ("result", "a", {"loss": 0.5, "nested": {"k": 1}}),
        ("error", "a", "Traceback: boom"),
        ("start", "b", 1),
        ("complete", "b", "TERMINATED"),
        ("end", ["a", "b"]),
    ]
    view = d._view("a")
    assert view.path == os.path.join(str(tmp_path), "trials", "a")
    with pytest.raises(TypeError):
        view.config["x"] = 3  # read-only


def test_a_failing_callback_is_logged_and_the_others_go_on(tmp_path, caplog):
    class Broken(rt.callbacks.Callback):
        def on_trial_start(self, trial):
            raise RuntimeError("logger down")

    rec = Recorder()
    Dispatcher([Broken(), rec], str(tmp_path)).handle(
        _events((START, "a", {"config": {}, "attempt": 1}))
    )
    assert ("start", "a", 1) in rec.calls
    assert "Broken.on_trial_start failed" in caplog.text


def test_callbacks_must_be_callbacks():
    with pytest.raises(TypeError, match=r"each callback must be an rt\.callbacks\.Callback"):
        check_callbacks([object()])
    with pytest.raises(TypeError, match="must be a list"):
        check_callbacks(Recorder())


def test_csv_logger_writes_readable_files(tmp_path):
    cb = rt.callbacks.CSVLoggerCallback()
    d = Dispatcher([cb], str(tmp_path))
    rows = [{"loss": 1.0 / i, "training_iteration": i, "m": {"a": i}} for i in (1, 2, 3)]
    d.handle(
        _events(
            (START, "t1", {"config": {}, "attempt": 1}),
            *[(RESULT, "t1", {"row": r}) for r in rows[:2]],
            (RESULT, "t1", {"row": {**rows[2], "late_key": 7}}),
            (EventKind.TRIAL_COMPLETE, "t1", {"status": "TERMINATED"}),
        )
    )
    with open(tmp_path / "trials" / "t1" / "progress.csv", newline="") as f:
        read = list(csv.DictReader(f))
    assert [float(r["loss"]) for r in read] == [1.0, 0.5, 1 / 3]
    assert [int(r["m/a"]) for r in read] == [1, 2, 3]
    assert "late_key" not in read[0]  # the header is the first row's


def _scalars(logdir):
    """Every (tag, step, value) in the event files under ``logdir``, by TensorBoard's reader
    (or tensorboardX's protobuf when tensorboard is not installed)."""
    out = []
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError:
        EventAccumulator = None
    if EventAccumulator is not None:
        acc = EventAccumulator(logdir)
        acc.Reload()
        for tag in acc.Tags()["scalars"]:
            out += [(tag, e.step, e.value) for e in acc.Scalars(tag)]
        return sorted(out)
    import struct

    from tensorboardX.proto.event_pb2 import Event as PbEvent

    for name in os.listdir(logdir):
        with open(os.path.join(logdir, name), "rb") as f:
            data = f.read()
        i = 0
        while i < len(data):
            (n,) = struct.unpack("<Q", data[i : i + 8])
            event = PbEvent.FromString(data[i + 12 : i + 12 + n])
            i += 12 + n + 4
            for v in event.summary.value:
                if v.HasField("simple_value"):
                    out.append((v.tag, event.step, v.simple_value))
    return sorted(out)


def test_tensorboard_logger_writes_readable_event_files(tmp_path):
    pytest.importorskip("tensorboardX")
    cb = rt.callbacks.TBXLoggerCallback()
    d = Dispatcher([cb], str(tmp_path))
    d.handle(
        _events(
            (START, "t1", {"config": {"lr": 0.1}, "attempt": 1}),
            (RESULT, "t1", {"row": {"loss": 0.5, "training_iteration": 1, "ok": True}}),
            (RESULT, "t1", {"row": {"loss": 0.25, "training_iteration": 2, "ok": True}}),
            (EventKind.TRIAL_COMPLETE, "t1", {"status": "TERMINATED"}),
        )
    )
    scalars = _scalars(str(tmp_path / "tensorboard" / "t1"))
    assert [(t, s, v) for t, s, v in scalars if t == "loss"] == [
        ("loss", 1, 0.5),
        ("loss", 2, 0.25),
    ]
    assert not any(t in ("ok", "training_iteration") for t, _, _ in scalars)


def flaky(config):
    for i in range(3):
        rt.report({"loss": config["x"] + i})
    if config["x"] == 2:
        raise ValueError("x=2 fails")


@pytest.mark.ray
def test_callbacks_on_a_real_experiment(ray_local, storage):
    pytest.importorskip("tensorboardX")
    rec = Recorder()
    results = rt.Tuner(
        flaky,
        {"x": rt.grid([0, 1, 2])},
        metric="loss",
        storage_path=storage,
        verbose=0,
        callbacks=[rec, rt.callbacks.CSVLoggerCallback(), rt.callbacks.TBXLoggerCallback()],
    ).fit()
    by_kind: dict[str, list] = {}
    for call in rec.calls:
        by_kind.setdefault(call[0], []).append(call)
    assert by_kind["setup"] == [("setup", results.path)]
    assert sorted(c[1] for c in by_kind["start"]) == sorted(r.trial_id for r in results)
    for r in results:  # every row on disk reached the callback, in order
        seen = [c[2] for c in by_kind["result"] if c[1] == r.trial_id]
        assert seen == read_rows(results.path, r.trial_id)
        with open(os.path.join(r.path, "progress.csv"), newline="") as f:
            assert [float(x["loss"]) for x in csv.DictReader(f)] == [s["loss"] for s in seen]
        tb = _scalars(os.path.join(results.path, "tensorboard", r.trial_id))
        assert [v for t, _, v in tb if t == "loss"] == [s["loss"] for s in seen]
    failed = next(r for r in results if r.config["x"] == 2)
    assert [c[1] for c in by_kind["error"]] == [failed.trial_id]
    assert "x=2 fails" in by_kind["error"][0][2]
    assert len(by_kind["complete"]) == 2
    assert rec.calls[-1] == ("end", sorted(r.trial_id for r in results))
    for c in by_kind["start"] + by_kind["complete"] + by_kind["error"]:
        trial_calls = [x for x in rec.calls if x[1] == c[1] and x[0] != "end"]
        assert trial_calls[0][0] == "start" and trial_calls[-1][0] in ("complete", "error")
