"""cv_results_ in GridSearchCV's layout (no Ray)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from raytune_lite.sklearn._results import cv_results


def test_layout_ranks_and_masked_params():
    params = [{"C": 1.0, "kernel": "rbf"}, {"C": 10.0}, {"C": 0.1, "kernel": "linear"}]
    rows = [
        {
            "mean_test_score": 0.8,
            "std_test_score": 0.1,
            "split0_test_score": 0.7,
            "split1_test_score": 0.9,
            "mean_fit_time": 0.01,
            "training_iteration": 1,
        },
        {"mean_test_score": 0.9, "split0_test_score": 0.9, "split1_test_score": 0.9},
        {},  # a trial that reported nothing
    ]
    out = cv_results(params, rows, n_splits=2, return_train_score=False)
    assert list(out["rank_test_score"]) == [2, 1, 3]  # NaN ranks last
    assert out["rank_test_score"].dtype == np.int32
    assert out["params"] == params
    assert out["param_kernel"].mask.tolist() == [False, True, False]
    assert list(out["param_C"]) == [1.0, 10.0, 0.1]
    assert np.isnan(out["mean_test_score"][2]) and np.isnan(out["std_test_score"][1])
    assert "mean_train_score" not in out
    assert list(out["training_iteration"]) == [1, 0, 0]


def test_ties_share_the_best_rank():
    rows = [{"mean_test_score": 0.5}, {"mean_test_score": 0.5}, {"mean_test_score": 0.1}]
    out = cv_results([{}, {}, {}], rows, n_splits=0, return_train_score=True)
    assert list(out["rank_test_score"]) == [1, 1, 3]
    assert "mean_train_score" in out
