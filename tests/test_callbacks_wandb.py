"""WandbLoggerCallback against W&B's offline mode: the runs' ``.wandb`` files are written under
a tmp folder and read back record by record with W&B's own protobuf schema (no network, no
account, no Ray)."""

from __future__ import annotations

import glob
import json
import os
import struct
import time
import zlib
from typing import Any

import pytest

pytest.importorskip("wandb", reason="the [wandb] extra (wandb) is not installed")

from wandb.proto import wandb_internal_pb2

import raytune_lite as rt
from raytune_lite.callbacks.dispatch import Dispatcher
from raytune_lite.events import Event, EventKind

_BLOCK = 32 * 1024  # the .wandb file: a 7-byte header, then LevelDB-log blocks of records
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4


def _records(path: str) -> list[Any]:
    """The ``Record`` messages of a ``.wandb`` file (CRCs checked)."""
    with open(path, "rb") as f:
        data = f.read()
    ident, _magic, _version = struct.unpack("<4sHB", data[:7])
    assert ident == b":W&B", f"{path} is not a W&B transaction log"
    out, pos, parts = [], 7, b""
    while pos + 7 <= len(data):
        left = _BLOCK - pos % _BLOCK
        if left < 7:  # the block's tail is padding
            pos += left
            continue
        crc, length, kind = struct.unpack("<IHB", data[pos : pos + 7])
        if (kind == 0 and length == 0) or pos + 7 + length > len(data):
            break  # the end, or a record still being written
        chunk = data[pos + 7 : pos + 7 + length]
        assert zlib.crc32(bytes([kind]) + chunk) & 0xFFFFFFFF == crc, f"bad CRC at {pos}"
        pos += 7 + length
        parts = chunk if kind in (_FULL, _FIRST) else parts + chunk
        if kind in (_FULL, _LAST):
            record = wandb_internal_pb2.Record()
            record.ParseFromString(parts)
            out.append(record)
    return out


def _items(items: Any) -> dict[str, Any]:
    """``{key: value}`` of history or config items (W&B writes keys as ``nested_key``)."""
    return {i.key or "/".join(i.nested_key): json.loads(i.value_json) for i in items}


def _complete_records(run_dir: str, timeout: float = 60.0) -> list[Any]:
    """The run's records once its exit record is on disk: ``run.finish()`` returns when W&B's
    service has the run's end, and the service writes the file a moment later."""
    (path,) = glob.glob(os.path.join(run_dir, "run-*.wandb"))
    deadline = time.monotonic() + timeout
    while True:
        records = _records(path) if os.path.getsize(path) >= 7 else []
        if any(r.WhichOneof("record_type") == "exit" for r in records):
            return records
        assert time.monotonic() < deadline, f"{path} has no exit record after {timeout} s"
        time.sleep(0.05)


def _read_run(run_dir: str) -> dict[str, Any]:
    run: dict[str, Any] = {"history": [], "config": {}, "exit_code": None}
    for r in _complete_records(run_dir):
        kind = r.WhichOneof("record_type")
        if kind == "run":
            run.update(
                name=r.run.display_name,
                project=r.run.project,
                group=r.run.run_group,
                tags=list(r.run.tags),
            )
            run["config"].update(_items(r.run.config.update))
        elif kind == "config":
            run["config"].update(_items(r.config.update))
        elif kind == "history":
            run["history"].append(_items(r.history.item))
        elif kind == "exit":
            run["exit_code"] = r.exit.exit_code
    run["config"] = {
        k: v.get("value") if isinstance(v, dict) else v
        for k, v in run["config"].items()
        if not k.startswith("_")
    }
    return run


def test_offline_runs_hold_the_configs_metrics_and_outcomes(tmp_path, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "elsewhere"))  # dir= below wins
    cb = rt.callbacks.WandbLoggerCallback(tags=["nightly"], excludes=["secret"])
    experiment = tmp_path / "exp"
    d = Dispatcher([cb], str(experiment))
    specs = [
        (EventKind.TRIAL_START, "t1", {"config": {"lr": 0.1, "net": {"depth": 3}}, "attempt": 1}),
        (EventKind.TRIAL_RESULT, "t1", {"row": {"loss": 0.5, "training_iteration": 1}}),
        (EventKind.TRIAL_START, "t2", {"config": {"lr": 1.0, "net": {"depth": 1}}, "attempt": 1}),
        (EventKind.TRIAL_RESULT, "t1", {"row": {"loss": 0.25, "training_iteration": 2}}),
        (EventKind.TRIAL_START, "t1", {"config": {"lr": 0.2, "net": {"depth": 3}}, "attempt": 2}),
        (EventKind.TRIAL_RESULT, "t1", {"row": {"loss": 0.125, "secret": 7,
                                                 "training_iteration": 3}}),
        (EventKind.TRIAL_COMPLETE, "t1", {"status": "TERMINATED"}),
        (EventKind.TRIAL_ERROR, "t2", {"status": "ERROR", "error": "boom"}),
    ]  # fmt: skip
    d.handle([Event(i + 1, k, t, data) for i, (k, t, data) in enumerate(specs)])
    assert cb.runs == {} and set(cb.run_ids) == {"t1", "t2"}

    run_dirs = sorted(glob.glob(str(experiment / "wandb" / "offline-run-*")))
    assert len(run_dirs) == 2 and not os.path.exists(tmp_path / "elsewhere" / "wandb")
    runs = {r["name"]: r for r in map(_read_run, run_dirs)}
    t1, t2 = runs["t1"], runs["t2"]
    assert (t1["project"], t1["group"], t1["tags"]) == ("exp", "exp", ["nightly"])
    assert t1["config"] == {"lr": 0.2, "net/depth": 3}  # the exploit's config updated it
    assert [(h["training_iteration"], h["loss"]) for h in t1["history"]] == [
        (1, 0.5),
        (2, 0.25),
        (3, 0.125),
    ]
    assert all("secret" not in h for h in t1["history"])
    assert t1["exit_code"] == 0 and t2["exit_code"] == 1
    assert t2["config"] == {"lr": 1.0, "net/depth": 1} and t2["history"] == []


def test_runs_still_open_are_finished_at_the_end(tmp_path):
    cb = rt.callbacks.WandbLoggerCallback("proj", group="g", mode="offline", dir=str(tmp_path))
    d = Dispatcher([cb], str(tmp_path / "exp"))
    start = {"config": {"x": 1}, "attempt": 1}
    d.handle([Event(1, EventKind.TRIAL_START, "t1", start)])
    assert set(cb.runs) == {"t1"}
    cb.on_experiment_end([])
    assert cb.runs == {}
    (run_dir,) = glob.glob(str(tmp_path / "wandb" / "offline-run-*"))
    run = _read_run(run_dir)
    assert (run["project"], run["group"], run["exit_code"]) == ("proj", "g", 0)


@pytest.mark.parametrize(
    "kwargs, exc, message",
    [
        ({"mode": "cloud"}, ValueError, "mode must be one of"),
        ({"tags": "a"}, TypeError, "tags and excludes are lists"),
        ({"name": "x"}, ValueError, r"\['name'\] are set per trial"),
    ],
)
def test_bad_arguments_are_refused(kwargs, exc, message):
    with pytest.raises(exc, match=message):
        rt.callbacks.WandbLoggerCallback(**kwargs)
