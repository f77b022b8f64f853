"""The experiment directory (pure, no Ray)."""

from __future__ import annotations

import json
import os

import pytest

from raytune_lite.store import (
    FORMAT_VERSION,
    ExperimentState,
    ExperimentStore,
    StoreError,
    checkpoint_iteration,
    load_experiment,
    load_trials,
    read_rows,
)


def test_rows_append_rewind_and_read(tmp_path):
    st = ExperimentStore(str(tmp_path / "exp"))
    st.add_trial("00000", {"x": 1})
    st.append_rows("00000", [{"training_iteration": i, "v": i} for i in range(1, 6)])
    st.rewind("00000", 3)
    st.append_rows("00000", [{"training_iteration": 4, "v": 40}])
    st.close()
    rows = read_rows(st.path, "00000")
    assert [r["training_iteration"] for r in rows] == [1, 2, 3, 4]
    assert rows[-1]["v"] == 40
    with open(os.path.join(st.path, "trials", "00000", "result.jsonl")) as f:
        raw = f.read().splitlines()
    assert len(raw) == 7  # superseded rows stay on disk


def test_torn_last_line_is_ignored_but_corruption_elsewhere_is_an_error(tmp_path):
    st = ExperimentStore(str(tmp_path / "exp"))
    st.add_trial("00000", {})
    st.append_rows("00000", [{"training_iteration": 1}])
    st.close()
    file = os.path.join(st.path, "trials", "00000", "result.jsonl")
    with open(file, "a") as f:
        f.write('{"training_iter')
    assert len(read_rows(st.path, "00000")) == 1
    with open(file, "w") as f:
        f.write('garbage\n{"training_iteration": 1}\n')
    with pytest.raises(StoreError, match="line 1 is not JSON"):
        read_rows(st.path, "00000")


def test_experiment_file_checks(tmp_path):
    with pytest.raises(StoreError, match="not a raytune_lite experiment"):
        load_experiment(str(tmp_path))
    st = ExperimentStore(str(tmp_path / "exp"))
    st.write_experiment(ExperimentState.from_json({"spec": {"metric": "loss"}}))
    raw = load_experiment(st.path)
    assert raw["format_version"] == FORMAT_VERSION
    assert ExperimentState.from_json(raw).spec == {"metric": "loss"}
    with open(os.path.join(st.path, "experiment.json"), "w") as f:
        json.dump({"format_version": FORMAT_VERSION + 1}, f)
    with pytest.raises(
        StoreError,
        match=rf"has format_version={FORMAT_VERSION + 1}; this "
        rf"raytune_lite reads versions up to {FORMAT_VERSION}: "
        rf"upgrade raytune_lite",
    ):
        load_experiment(st.path)


@pytest.mark.parametrize(
    "content, detail",
    [
        ({"spec": {"metric": "loss"}}, "has no format_version"),
        ({}, "has no format_version"),
        ([1, 2], "holds a JSON list, not an object with a format_version"),
        ("text", "holds a JSON str, not an object with a format_version"),
        ({"format_version": None}, "has format_version=None; raytune_lite writes an int >= 1"),
        ({"format_version": "1"}, "has format_version='1'; raytune_lite writes an int >= 1"),
        ({"format_version": 1.0}, "has format_version=1.0; raytune_lite writes an int >= 1"),
        ({"format_version": True}, "has format_version=True; raytune_lite writes an int >= 1"),
        ({"format_version": 0}, "has format_version=0; raytune_lite writes an int >= 1"),
    ],
)
def test_a_json_file_that_is_not_ours_is_not_an_experiment(tmp_path, content, detail):
    with open(tmp_path / "experiment.json", "w") as f:
        json.dump(content, f)
    with pytest.raises(StoreError) as info:
        load_experiment(str(tmp_path))
    assert str(info.value) == (
        f"not a raytune_lite experiment: {str(tmp_path)!r} (its experiment.json {detail})"
    )
    assert "upgrade" not in str(info.value)


def test_trial_without_summary_reads_as_pending(tmp_path):
    st = ExperimentStore(str(tmp_path / "exp"))
    st.add_trial("00000", {"x": 1})
    st.add_trial("00001", {"x": 2})
    st.write_trial("00001", {"trial_id": "00001", "config": {"x": 2}, "status": "TERMINATED"})
    trials = load_trials(st.path)
    assert [(t["trial_id"], t["status"]) for t in trials] == [
        ("00000", "PENDING"),
        ("00001", "TERMINATED"),
    ]


def test_unwritable_storage_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create the experiment directory"):
        ExperimentStore(str(blocker / "exp"))


@pytest.mark.parametrize(
    "path, it",
    [
        ("/e/trials/00001/checkpoints/checkpoint_000012", 12),
        ("checkpoint_7", 7),
        ("/e/checkpoint_000003/inner", 0),
        ("/tmp/rtl_ckpt_abc", 0),
    ],
)
def test_checkpoint_iteration_reads_the_folder_name(path, it):
    assert checkpoint_iteration(path) == it
    assert checkpoint_iteration(None) == 0
