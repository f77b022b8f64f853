"""with_parameters: large inputs through the object store."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import raytune_lite as rt


def _train(config, data, scale=1):
    rt.report({"loss": float(data[int(config["i"])]) * scale})


def test_signature_is_checked_at_once():
    with pytest.raises(TypeError, match="cannot be called as fn"):
        rt.with_parameters(_train, other=1)
    with pytest.raises(TypeError, match="needs a function"):
        rt.with_parameters(3)  # type: ignore[arg-type]


@pytest.mark.ray
def test_data_is_put_once_and_shared(ray_local, storage):
    data = np.arange(2_000_000, dtype=np.float64)
    wrapped = rt.with_parameters(_train, data=data, scale=2)
    blob = pickle.dumps(wrapped)
    assert len(blob) < 10_000  # the array travels as an object-store reference
    assert pickle.dumps(wrapped) == blob  # put once, the same reference every time
    results = rt.Tuner(
        wrapped,
        {"i": rt.randint(0, 100)},
        metric="loss",
        num_samples=4,
        storage_path=storage,
        verbose=0,
    ).fit()
    assert all(r.metrics["loss"] == 2 * r.config["i"] for r in results)
