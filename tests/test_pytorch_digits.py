"""examples/pytorch_digits.py, run small on real Ray: it learns, its checkpoints hold the
model it reported on, and a retried trial continues its epoch count from its checkpoint.

Skipped where PyTorch is not installed (the optional ``[torch]`` extra; the ``[test]`` extra
does not install it, so that CI never downloads a CUDA build)."""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

pytest.importorskip("torch", reason="PyTorch is not installed: pip install -e '.[torch]'")
pytest.importorskip("sklearn", reason="scikit-learn is not installed (the digits dataset)")

import ray.cloudpickle

import raytune_lite as rt

pytestmark = pytest.mark.ray

_PATH = os.path.join(os.path.dirname(__file__), "..", "examples", "pytorch_digits.py")
_spec = importlib.util.spec_from_file_location("pytorch_digits", _PATH)
assert _spec is not None and _spec.loader is not None
pytorch_digits = importlib.util.module_from_spec(_spec)
sys.modules["pytorch_digits"] = pytorch_digits
_spec.loader.exec_module(pytorch_digits)
# examples/ is not on the workers' path: ship the example's functions by value
ray.cloudpickle.register_pickle_by_value(pytorch_digits)


def crash_after_three_epochs(config):
    """The example's trainable, crashing once after epoch 3 of its first attempt."""
    if rt.get_checkpoint() is None:
        pytorch_digits.train_digits(config, epochs=3)
        raise RuntimeError("simulated crash after epoch 3")
    pytorch_digits.train_digits(config, epochs=6)


def test_the_tuned_network_learns_and_its_checkpoint_holds_it(ray_local, storage):
    import torch

    results = pytorch_digits.tune(num_samples=4, epochs=6, storage_path=storage, seed=0)
    assert len(results) == 4
    assert results.num_errors == 0
    best = results.best
    assert best.metrics["device"] == pytorch_digits.pick_device()
    assert best.metrics["val_acc"] > 0.5  # chance is 0.1 over ten classes
    # the checkpoint round-trips the model state: reloaded, it scores what the trial reported
    state = best.checkpoint.to_dict()
    assert state["epoch"] == best.metrics["epoch"] == best.metrics["training_iteration"]
    model = pytorch_digits.build_model(int(best.config["hidden"]))
    model.load_state_dict(state["model"])
    _, _, x_va, y_va = pytorch_digits.load_split()
    loss, acc = pytorch_digits.evaluate(model, torch.from_numpy(x_va), torch.from_numpy(y_va))
    assert acc == pytest.approx(best.metrics["val_acc"], abs=1e-6)
    assert loss == pytest.approx(best.metrics["val_loss"], rel=1e-4)


def test_a_retried_trial_continues_from_its_checkpoint_epoch(ray_local, storage):
    results = rt.Tuner(
        crash_after_three_epochs,
        {"lr": 0.01, "hidden": 32, "weight_decay": 1e-4},
        metric="val_acc",
        mode="max",
        max_failures=1,
        storage_path=storage,
        verbose=0,
    ).fit()
    assert results.num_errors == 0
    (trial,) = list(results)
    assert trial.metrics["epoch"] == 6
    assert trial.metrics["training_iteration"] == 6  # not 9: epochs 1-3 were not redone
    history = results.history()
    assert history["epoch"].tolist() == [1, 2, 3, 4, 5, 6]
    assert history["training_iteration"].tolist() == [1, 2, 3, 4, 5, 6]
    assert trial.checkpoint.to_dict()["epoch"] == 6
