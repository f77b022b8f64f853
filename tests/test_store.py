"""The experiment directory (pure, no Ray)."""

from __future__ import annotations

import json
import os

import pytest

from raytune_lite.store import (
    FORMAT_VERSION,
    ExperimentState,
    ExperimentStore,
    PluginState,
    StaleWriter,
    StoreError,
    checkpoint_dir,
    checkpoint_iteration,
    load_experiment,
    load_trials,
    read_experiment,
    read_rows,
    saved_checkpoints,
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


# -- an experiment folder is not trusted (issue 11, defect 6) -------------------------------


def _one_trial(tmp_path, rows=2) -> ExperimentStore:
    st = ExperimentStore(str(tmp_path / "exp"))
    st.add_trial("00000", {"x": 1})
    st.append_rows("00000", [{"training_iteration": i} for i in range(1, rows + 1)])
    st.close()
    return st


def test_a_symlinked_result_file_is_never_written_through_nor_read(tmp_path):
    st = _one_trial(tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\nno newline")
    file = os.path.join(st.path, "trials", "00000", "result.jsonl")
    os.unlink(file)
    os.symlink(outside, file)
    with pytest.raises(StoreError, match=r"result.jsonl' is a symlink"):
        st.append_rows("00000", [{"training_iteration": 3}])
    with pytest.raises(StoreError, match="is a symlink"):
        read_rows(st.path, "00000")
    assert outside.read_text() == "precious\nno newline"  # not truncated, not appended to


def test_a_symlinked_trial_folder_or_summary_is_refused(tmp_path):
    st = _one_trial(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "trial.json").write_text(json.dumps({"trial_id": "00001", "status": "PENDING"}))
    os.symlink(elsewhere, os.path.join(st.path, "trials", "00001"))
    with pytest.raises(StoreError, match="00001' is a symlink"):
        load_trials(st.path)


def test_a_checkpoint_outside_the_trial_folder_is_refused_and_a_moved_one_rebased(tmp_path):
    st = _one_trial(tmp_path)
    summary = {"trial_id": "00000", "config": {}, "status": "PAUSED"}
    st.write_trial("00000", {**summary, "checkpoint": str(tmp_path / "evil")})
    with pytest.raises(StoreError, match=r"trial.json' records the checkpoint .*evil"):
        load_trials(st.path)
    moved = "/old/place/exp/trials/00000/checkpoints/checkpoint_000002"
    st.write_trial("00000", {**summary, "checkpoint": moved})
    (ckpt,) = [t["checkpoint"] for t in load_trials(st.path)]
    assert ckpt == checkpoint_dir(os.path.join(st.path, "trials", "00000"), 2)


def test_a_symlinked_checkpoint_folder_is_refused(tmp_path):
    st = _one_trial(tmp_path)
    (tmp_path / "evil").mkdir()
    ckpts = os.path.join(st.path, "trials", "00000", "checkpoints")
    os.makedirs(ckpts)
    os.symlink(tmp_path / "evil", os.path.join(ckpts, "checkpoint_000002"))
    with pytest.raises(StoreError, match="checkpoint_000002' is a symlink"):
        saved_checkpoints(os.path.join(st.path, "trials", "00000"))


def test_deep_nesting_is_a_store_error_naming_the_file(tmp_path):
    st = _one_trial(tmp_path)
    deep = '{"format_version": 1, "spec": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with open(os.path.join(st.path, "experiment.json"), "w") as f:
        f.write(deep)
    with pytest.raises(StoreError, match=r"experiment.json' is nested too deeply"):
        load_experiment(st.path)
    with open(os.path.join(st.path, "trials", "00000", "trial.json"), "w") as f:
        f.write("[" * 100_000 + "]" * 100_000)
    with pytest.raises(StoreError, match=r"trial.json' is nested too deeply"):
        load_trials(st.path)


@pytest.mark.parametrize(
    "summary, detail",
    [
        ([1], "it holds a JSON list"),
        ({"trial_id": "00009", "config": {}, "status": "PENDING"}, "its trial_id is '00009'"),
        ({"trial_id": "00000", "config": {}, "status": "DONE"}, "status 'DONE' is not one of"),
        ({"trial_id": "00000", "config": 3, "status": "PENDING"}, "its config is not an object"),
        (
            {"trial_id": "00000", "config": {}, "status": "PENDING", "last_result": [1]},
            "last_result is not a JSON dict",
        ),
    ],
)
def test_every_malformed_summary_is_a_store_error_naming_the_file(tmp_path, summary, detail):
    st = _one_trial(tmp_path)
    st.write_trial("00000", summary)
    with pytest.raises(StoreError, match=r"trial.json' is not a raytune_lite trial summary") as e:
        load_trials(st.path)
    assert detail in str(e.value)


def test_malformed_rows_and_experiment_fields_are_store_errors(tmp_path):
    st = _one_trial(tmp_path)
    with open(os.path.join(st.path, "trials", "00000", "result.jsonl"), "a") as f:
        f.write("[1, 2]\n")
    with pytest.raises(StoreError, match=r"result.jsonl' line 3 is a JSON list, not a row"):
        read_rows(st.path, "00000")
    with open(os.path.join(st.path, "experiment.json"), "w") as f:
        json.dump({"format_version": 1, "created": "many"}, f)
    with pytest.raises(StoreError, match=r"experiment.json' is malformed: ValueError"):
        read_experiment(st.path)


def test_a_row_with_a_rewind_key_among_metrics_is_a_row_not_a_marker(tmp_path):
    st = _one_trial(tmp_path, rows=3)
    with open(os.path.join(st.path, "trials", "00000", "result.jsonl"), "a") as f:
        f.write(json.dumps({"__rewind__": 0, "training_iteration": 4}) + "\n")
    assert [r["training_iteration"] for r in read_rows(st.path, "00000")] == [1, 2, 3, 4]


def test_rows_of_an_attempt_that_is_not_the_running_one_are_refused(tmp_path):
    st = ExperimentStore(str(tmp_path / "exp"))
    st.add_trial("00000", {})
    st.open_attempt("00000", 2)
    with pytest.raises(StaleWriter, match="attempt 1 refused: the running attempt is 2"):
        st.append_rows("00000", [{"training_iteration": 1}], attempt=1)
    st.append_rows("00000", [{"training_iteration": 1}], attempt=2)
    st.close_trial("00000")  # the attempt ended: a late batch of it is refused too
    with pytest.raises(StaleWriter, match="attempt 2 refused"):
        st.append_rows("00000", [{"training_iteration": 2}], attempt=2)
    assert [r["training_iteration"] for r in read_rows(st.path, "00000")] == [1]


def test_plugin_records_keep_what_rebuilds_them(tmp_path):
    ps = PluginState("TPE", {"n": 1}, "raytune_lite.search.tpe", {"args": [], "kwargs": {}})
    assert PluginState.from_json(ps.to_json()) == ps
    old = PluginState.from_json({"class": "TPE", "state": {}})  # before configs were recorded
    assert (old.module, old.config) == ("", None)
