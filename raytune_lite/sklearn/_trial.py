"""One trial of :class:`~raytune_lite.sklearn.TuneSearchCV`: a cross-validation of the
estimator with the trial's parameters, run on a Ray worker.

Without early stopping each fold is fitted once and the scores reported once. With early
stopping, every fold's estimator is trained by ``partial_fit`` one pass over its training
part at a time, and the mean score is reported after each pass, so that the scheduler (ASHA
by default) can stop the trial.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from raytune_lite import session

__all__ = ["cross_validate_trial"]

Split = tuple[np.ndarray, np.ndarray]


def _take(data: Any, index: np.ndarray) -> Any:
    from sklearn.utils import _safe_indexing

    return None if data is None else _safe_indexing(data, index)


def _summary(
    test: list[float],
    train: list[float] | None,
    fit_times: list[float],
    score_times: list[float],
) -> dict[str, float]:
    row: dict[str, float] = {}
    for k, s in enumerate(test):
        row[f"split{k}_test_score"] = s
    row["mean_test_score"] = float(np.mean(test))
    row["std_test_score"] = float(np.std(test))
    if train is not None:
        for k, s in enumerate(train):
            row[f"split{k}_train_score"] = s
        row["mean_train_score"] = float(np.mean(train))
        row["std_train_score"] = float(np.std(train))
    row["mean_fit_time"] = float(np.mean(fit_times))
    row["std_fit_time"] = float(np.std(fit_times))
    row["mean_score_time"] = float(np.mean(score_times))
    row["std_score_time"] = float(np.std(score_times))
    return row


def _failed(error_score: Any, params: dict[str, Any], e: Exception) -> float:
    if isinstance(error_score, str) and error_score == "raise":
        raise e
    from sklearn.exceptions import FitFailedWarning

    warnings.warn(
        f"fitting failed for {params}; the score is error_score={error_score}: "
        f"{type(e).__name__}: {e}",
        FitFailedWarning,
        stacklevel=2,
    )
    return float(error_score)


def cross_validate_trial(
    config: dict[str, Any],
    *,
    X: Any,
    y: Any,
    estimator: Any,
    splits: Sequence[Split],
    scorer: Callable[..., float],
    fit_params: dict[str, Any],
    error_score: Any,
    return_train_score: bool,
    partial_fit_passes: int,
) -> None:
    """Reports the cross-validated scores of ``estimator`` with ``config``'s parameters.

    ``partial_fit_passes`` > 0 trains by ``partial_fit`` and reports after every pass.
    """
    from sklearn.base import clone

    params = dict(config)
    folds = [clone(estimator).set_params(**params) for _ in splits]
    parts = [(_take(X, tr), _take(y, tr), _take(X, te), _take(y, te)) for tr, te in splits]
    fit_times = [0.0] * len(splits)
    passes = partial_fit_passes or 1
    extra = dict(fit_params)
    if partial_fit_passes and y is not None and _is_classifier(estimator):
        extra.setdefault("classes", np.unique(y))  # partial_fit needs every class at once
    for _ in range(passes):
        test: list[float] = []
        train: list[float] | None = [] if return_train_score else None
        score_times: list[float] = []
        for k, (est, (x_tr, y_tr, x_te, y_te)) in enumerate(zip(folds, parts, strict=True)):
            start = time.perf_counter()
            try:
                if partial_fit_passes:
                    est.partial_fit(x_tr, y_tr, **extra)
                else:
                    est.fit(x_tr, y_tr, **extra)
            except Exception as e:
                fit_times[k] += time.perf_counter() - start
                test.append(_failed(error_score, params, e))
                if train is not None:
                    train.append(float(error_score))
                score_times.append(0.0)
                continue
            fit_times[k] += time.perf_counter() - start
            start = time.perf_counter()
            test.append(float(scorer(est, x_te, y_te)))
            score_times.append(time.perf_counter() - start)
            if train is not None:
                train.append(float(scorer(est, x_tr, y_tr)))
        session.report(_summary(test, train, fit_times, score_times))


def _is_classifier(estimator: Any) -> bool:
    from sklearn.base import is_classifier

    return bool(is_classifier(estimator))
