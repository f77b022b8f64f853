"""Checkpoint retention and the exploiting trial's own copy of a donor checkpoint (no Ray)."""

from __future__ import annotations

import logging
import math
import os

import pytest

from raytune_lite.checkpoint import Checkpoint
from raytune_lite.controller.retention import CheckpointRetention, own_copy
from raytune_lite.schedulers.base import Action, Decision
from raytune_lite.trial import Mode


def _save(root, step: int) -> str:
    path = os.path.join(str(root), "checkpoints", f"checkpoint_{step:06d}")
    os.makedirs(path)
    with open(os.path.join(path, "step"), "w") as f:
        f.write(str(step))
    return path


def _left(root) -> list[str]:
    return sorted(os.listdir(os.path.join(str(root), "checkpoints")))


def test_without_a_score_the_newest_are_kept(tmp_path):
    keep = CheckpointRetention(2, None, "loss", Mode.MIN)
    gone = [keep.add("t", {"training_iteration": s}, _save(tmp_path, s)) for s in range(1, 5)]
    assert [len(g) for g in gone] == [0, 0, 1, 1]
    assert gone[2][0].endswith("checkpoint_000001") and gone[3][0].endswith("checkpoint_000002")
    assert _left(tmp_path) == ["checkpoint_000003", "checkpoint_000004"]
    assert [os.path.basename(p) for p in keep.kept("t")] == _left(tmp_path)


@pytest.mark.parametrize(
    "mode, survivors",
    [
        (Mode.MIN, ["checkpoint_000002", "checkpoint_000006"]),  # lowest loss, and the newest
        (Mode.MAX, ["checkpoint_000003", "checkpoint_000006"]),  # highest loss, and the newest
    ],
)
def test_the_metric_as_score_follows_the_mode(tmp_path, mode, survivors):
    keep = CheckpointRetention(2, "loss", "loss", mode)
    for step, loss in enumerate([0.5, 0.1, 0.9, 0.3, 0.8, 0.7], start=1):
        keep.add("t", {"training_iteration": step, "loss": loss}, _save(tmp_path, step))
    assert _left(tmp_path) == survivors


def test_another_score_key_ranks_higher_values_better(tmp_path):
    keep = CheckpointRetention(2, "acc", "loss", Mode.MIN)
    for step, acc in enumerate([0.9, 0.2, 0.5], start=1):
        keep.add("t", {"training_iteration": step, "acc": acc, "loss": -acc}, _save(tmp_path, step))
    assert _left(tmp_path) == ["checkpoint_000001", "checkpoint_000003"]


def test_a_missing_or_nan_score_goes_first_but_the_newest_always_stays(tmp_path):
    keep = CheckpointRetention(2, "acc", None, Mode.MIN)
    assert keep.score({"acc": float("nan")}) == -math.inf
    assert keep.score({"training_iteration": 3}) == -math.inf
    keep.add("t", {"training_iteration": 1, "acc": 0.1}, _save(tmp_path, 1))
    keep.add("t", {"training_iteration": 2}, _save(tmp_path, 2))
    keep.add("t", {"training_iteration": 3, "acc": float("nan")}, _save(tmp_path, 3))
    assert _left(tmp_path) == ["checkpoint_000001", "checkpoint_000003"]


def test_ties_delete_the_oldest(tmp_path):
    keep = CheckpointRetention(2, "acc", None, Mode.MIN)
    for step in (1, 2, 3):
        keep.add("t", {"training_iteration": step, "acc": 0.5}, _save(tmp_path, step))
    assert _left(tmp_path) == ["checkpoint_000002", "checkpoint_000003"]


def test_trials_are_counted_apart_and_forgotten_when_finished(tmp_path):
    removed: list[str] = []
    keep = CheckpointRetention(1, None, None, Mode.MIN, remove=removed.append)
    keep.add("a", {"training_iteration": 1}, "a1")
    keep.add("b", {"training_iteration": 1}, "b1")
    assert removed == [] and keep.kept("a") == ["a1"] and keep.kept("b") == ["b1"]
    keep.forget("a")
    assert keep.kept("a") == [] and keep.kept("b") == ["b1"]
    keep.add("b", {"training_iteration": 2}, "b2")
    assert removed == ["b1"]
    keep.forget("missing")  # no error


def test_without_num_to_keep_nothing_is_deleted_or_recorded():
    removed: list[str] = []
    keep = CheckpointRetention(None, None, None, Mode.MIN, remove=removed.append)
    for step in range(1, 50):
        assert keep.add("t", {"training_iteration": step}, f"p{step}") == []
    assert removed == [] and keep.kept("t") == []


def test_num_to_keep_must_be_positive():
    with pytest.raises(ValueError, match="num_to_keep must be >= 1; got num_to_keep=0"):
        CheckpointRetention(0, None, None, Mode.MIN)


def test_own_copy_survives_the_donor_replacing_its_checkpoint(tmp_path):
    donor = _save(tmp_path / "donor", 4)
    d = Decision.exploit({"lr": 0.1}, Checkpoint(donor), donor="00001")
    mine = str(tmp_path / "mine")
    copied = own_copy(d, mine, "00002")
    assert copied.action is Action.EXPLOIT and copied.config == {"lr": 0.1}
    assert copied.donor == "00001"
    assert copied.checkpoint == Checkpoint(os.path.join(mine, "checkpoints", "checkpoint_000004"))
    os.remove(os.path.join(donor, "step"))
    with open(os.path.join(copied.checkpoint.path, "step")) as f:
        assert f.read() == "4"


def test_own_copy_of_a_vanished_checkpoint_skips_the_exploit(tmp_path, caplog):
    d = Decision.exploit(
        {"lr": 0.1}, Checkpoint(str(tmp_path / "gone" / "checkpoint_000002")), donor="00001"
    )
    with caplog.at_level(logging.WARNING, logger="raytune_lite"):
        assert own_copy(d, str(tmp_path / "mine"), "00002") is Decision.CONTINUE
    assert "exploit of trial 00002 (from trial 00001) skipped" in caplog.text
    assert "does not exist" in caplog.text
    (record,) = caplog.records
    assert record.levelno == logging.WARNING and record.exc_info is None  # no traceback
    with pytest.raises(ValueError, match="needs a decision with a checkpoint"):
        own_copy(Decision.STOP, str(tmp_path), "00002")


def test_saving_a_folder_again_replaces_its_record_and_never_deletes_it(tmp_path):
    keep = CheckpointRetention(2, None, "loss", Mode.MIN)
    for s in (5, 6):
        keep.add("t", {"training_iteration": s}, _save(tmp_path, s))
    again = os.path.join(str(tmp_path), "checkpoints", "checkpoint_000005")  # after a restart
    assert keep.add("t", {"training_iteration": 5}, again) == []
    assert _left(tmp_path) == ["checkpoint_000005", "checkpoint_000006"]
    assert keep.kept("t")[-1] == again  # the newest record, the one a retry resumes from
    gone = keep.add("t", {"training_iteration": 6}, _save_again(tmp_path, 6))
    assert gone == [] and _left(tmp_path) == ["checkpoint_000005", "checkpoint_000006"]


def _save_again(root, step: int) -> str:
    return os.path.join(str(root), "checkpoints", f"checkpoint_{step:06d}")


def test_a_protected_checkpoint_outlives_num_to_keep_until_released():
    removed: list[str] = []
    keep = CheckpointRetention(1, None, None, Mode.MIN, remove=removed.append)
    keep.add("donor", {"training_iteration": 4}, "d4")
    keep.protect("d4")  # an exploit will copy it
    keep.protect("d4")  # and a second one
    assert keep.add("donor", {"training_iteration": 5}, "d5") == []
    keep.release("d4")
    assert keep.add("donor", {"training_iteration": 6}, "d6") == ["d5"]  # d4 still protected
    keep.release("d4")
    assert keep.add("donor", {"training_iteration": 7}, "d7") == ["d4", "d6"]
    assert removed == ["d5", "d4", "d6"] and keep.kept("donor") == ["d7"]


def test_num_to_keep_1_never_deletes_the_exploiters_copy_before_it_restarted():
    removed: list[str] = []
    keep = CheckpointRetention(1, None, None, Mode.MIN, remove=removed.append)
    keep.add("me", {"training_iteration": 8}, "me/checkpoint_000008")
    # the exploiter's copy of the donor's checkpoint at iteration 8 takes its own folder's name
    assert keep.adopt("me", "me/checkpoint_000008", 8) == []  # same folder: not deleted
    assert keep.kept("me") == ["me/checkpoint_000008"]
    keep.add("me", {"training_iteration": 9}, "me/checkpoint_000009")  # restarted: now it may go
    assert removed == ["me/checkpoint_000008"]
    # a copy at another iteration: the abandoned state goes, the copy stays the newest
    assert keep.adopt("me", "me/checkpoint_000012", 12) == ["me/checkpoint_000009"]
    assert keep.kept("me") == ["me/checkpoint_000012"]
    assert CheckpointRetention(None, None, None, Mode.MIN).adopt("me", "x", 1) == []
