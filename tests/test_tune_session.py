"""tune.report / get_checkpoint / Checkpoint outside a trial (inside: tune_scripts/)."""

from __future__ import annotations

import os

import pytest

from raytune_lite import tune


def test_calls_outside_a_trial_say_so():
    with pytest.raises(RuntimeError, match="outside a trial"):
        tune.report({"loss": 1})
    with pytest.raises(RuntimeError, match="outside a trial"):
        tune.get_checkpoint()
    with pytest.raises(RuntimeError, match="outside a trial"):
        tune.get_context().get_trial_id()


def test_checkpoint_to_directory(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "w.txt").write_text("42")
    ckpt = tune.Checkpoint.from_directory(src)
    assert isinstance(ckpt, tune.Checkpoint)
    for out in (ckpt.to_directory(tmp_path / "copy"), ckpt.to_directory()):
        with open(os.path.join(out, "w.txt")) as f:
            assert f.read() == "42"
