"""The Trainable class API's pieces that need no Ray (the scripts run it for real)."""

from __future__ import annotations

import os

import pytest

from raytune_lite import parameters, tune
from raytune_lite.checkpoint import Checkpoint
from raytune_lite.tune import trainable as tr


class Counter(tune.Trainable):
    def setup(self, config, offset=0):
        self.value = config["start"] + offset

    def step(self):
        self.value += 1
        return {"value": self.value}

    def save_checkpoint(self, checkpoint_dir):
        with open(os.path.join(checkpoint_dir, "value.txt"), "w") as f:
            f.write(str(self.value))

    def load_checkpoint(self, checkpoint):
        with open(os.path.join(checkpoint, "value.txt")) as f:
            self.value = int(f.read())


class DictState(Counter):
    def save_checkpoint(self, checkpoint_dir):
        return {"value": self.value}

    def load_checkpoint(self, checkpoint):
        self.value = checkpoint["value"]


@pytest.mark.parametrize("cls", [Counter, DictState])
def test_save_and_restore_round_trip(cls):
    a = cls({"start": 5})
    a.step(), a.step()
    a._iteration = 2
    folder = tr._save(a)
    b = cls({"start": 0})
    tr._restore(b, Checkpoint(folder))
    assert (b.value, b.iteration, b.training_iteration) == (7, 2, 2)


def test_setup_receives_with_parameters_objects():
    assert Counter({"start": 1}, offset=10).value == 11
    wrapped = tune.with_parameters(Counter, offset=3)
    fn, data, resources = tr.unwrap(tune.with_resources(wrapped, {"CPU": 2}))
    assert fn is Counter and data == {"offset": 3} and resources["cpu"] == 2.0
    runner = tr.as_function(fn, data, frequency=0, at_end=False, every_step=False, stop=None)
    assert isinstance(runner, parameters._WithParameters)


def test_stop_criteria_as_the_session_applies_them():
    assert tr._stop_reached({"training_iteration": 3}, "t", {"training_iteration": 3})
    assert not tr._stop_reached({"acc": 0.9}, "t", {"acc": float("nan")})
    assert tr._stop_reached(lambda tid, row: row["x"] > 1, "t", {"x": 2})
    assert not tr._stop_reached(None, "t", {"x": 2})


def test_not_mirrored_resources_and_bad_results():
    with pytest.raises(NotImplementedError, match="only a dict"):
        tune.with_resources(Counter, lambda config: {"cpu": 1})
    with pytest.raises(NotImplementedError, match="must implement step"):
        tune.Trainable({}).step()
    assert tr.is_trainable_class(Counter) and not tr.is_trainable_class(Counter({"start": 0}))
