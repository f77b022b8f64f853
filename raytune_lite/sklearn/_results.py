"""``cv_results_`` in ``GridSearchCV``'s layout, built from an experiment's trials."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.stats import rankdata

__all__ = ["cv_results"]

_TIMES = ("mean_fit_time", "std_fit_time", "mean_score_time", "std_score_time")


def _rank(scores: np.ndarray) -> np.ndarray:
    """1 for the best score; ties share the lowest rank; NaN ranks last (as scikit-learn)."""
    filled = np.where(np.isnan(scores), -np.inf, scores)
    return np.asarray(rankdata(-filled, method="min"), dtype=np.int32)


def cv_results(
    params: Sequence[dict[str, Any]],
    rows: Sequence[dict[str, Any]],
    n_splits: int,
    return_train_score: bool,
) -> dict[str, Any]:
    """The ``cv_results_`` dict: one entry per trial, in trial order.

    Args:
        params: each trial's estimator parameters; rows: each trial's last reported row
            (empty for a trial that reported nothing).
    """
    n = len(params)
    out: dict[str, Any] = {}

    def column(key: str) -> np.ndarray:
        return np.array([float(r.get(key, np.nan)) for r in rows], dtype=float)

    for key in _TIMES:
        out[key] = column(key)
    names = sorted({k for p in params for k in p})
    for name in names:
        values = np.ma.MaskedArray(np.empty(n, dtype=object), mask=True)
        for i, p in enumerate(params):
            if name in p:
                values[i] = p[name]
        out[f"param_{name}"] = values
    out["params"] = [dict(p) for p in params]
    sets = ("test", "train") if return_train_score else ("test",)
    for which in sets:
        for k in range(n_splits):
            out[f"split{k}_{which}_score"] = column(f"split{k}_{which}_score")
        out[f"mean_{which}_score"] = column(f"mean_{which}_score")
        out[f"std_{which}_score"] = column(f"std_{which}_score")
        if which == "test":
            out["rank_test_score"] = _rank(out["mean_test_score"])
    out["training_iteration"] = np.array(
        [int(r.get("training_iteration", 0)) for r in rows], dtype=np.int64
    )
    return out
