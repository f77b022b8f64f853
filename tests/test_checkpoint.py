"""Checkpoints (pure, no Ray)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from raytune_lite import Checkpoint, CheckpointError


def test_dict_round_trip():
    ckpt = Checkpoint.from_dict({"epoch": 4, "w": np.arange(3)})
    data = ckpt.to_dict()
    assert data["epoch"] == 4 and data["w"].tolist() == [0, 1, 2]


def test_directory_checkpoint_and_persist(tmp_path):
    src = tmp_path / "mine"
    src.mkdir()
    (src / "weights.txt").write_text("42")
    ckpt = Checkpoint.from_directory(src)
    saved = ckpt.persist(str(tmp_path / "trial" / "checkpoints" / "checkpoint_000001"))
    with saved.as_directory() as d, open(os.path.join(d, "weights.txt")) as f:
        assert f.read() == "42"
    assert not [p for p in os.listdir(tmp_path / "trial" / "checkpoints") if p.startswith(".tmp")]


def test_errors_name_the_problem(tmp_path):
    with pytest.raises(ValueError, match="existing directory"):
        Checkpoint.from_directory(tmp_path / "missing")
    with pytest.raises(TypeError, match="needs a dict"):
        Checkpoint.from_dict([1, 2])  # type: ignore[arg-type]
    (tmp_path / "d").mkdir()
    with pytest.raises(CheckpointError, match=r"not made with Checkpoint\.from_dict"):
        Checkpoint.from_directory(tmp_path / "d").to_dict()
    (tmp_path / "d" / "data.pkl").write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="could not be loaded"):
        Checkpoint(str(tmp_path / "d")).to_dict()
    with (
        pytest.raises(CheckpointError, match="does not exist"),
        Checkpoint(str(tmp_path / "gone")).as_directory(),
    ):
        pass
