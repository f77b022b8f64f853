"""TuneSearchCV against scikit-learn's own conventions: GridSearchCV's cv_results_, clone,
get/set_params, a Pipeline inside, pickling, refit, and some of its estimator checks."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.base import clone, is_classifier  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402
from sklearn.utils import estimator_checks as checks  # noqa: E402

import raytune_lite as rt  # noqa: E402
from raytune_lite.search import BasicSearch  # noqa: E402
from raytune_lite.sklearn import TuneSearchCV  # noqa: E402

X, Y = load_iris(return_X_y=True)


def test_estimator_checks_that_need_no_fit():
    search = TuneSearchCV(SVC(), {"C": [1.0, 2.0]})
    name = type(search).__name__
    checks.check_no_attributes_set_in_init(name, search)
    checks.check_get_params_invariance(name, search)
    checks.check_set_params(name, search)
    with pytest.raises(NotFittedError):
        search.predict(X)


def test_clone_params_and_tags():
    search = TuneSearchCV(SVC(C=3.0), {"gamma": rt.loguniform(1e-3, 1)}, n_trials=4, cv=2)
    copy = clone(search)
    assert copy is not search and copy.get_params()["n_trials"] == 4
    assert copy.get_params()["estimator__C"] == 3.0
    copy.set_params(estimator__C=5.0, n_trials=2)
    assert copy.estimator.C == 5.0 and search.estimator.C == 3.0
    assert is_classifier(search)


def test_invalid_arguments_fail_at_fit():
    with pytest.raises(ValueError, match="n_trials must be an int >= 1; got n_trials=0"):
        TuneSearchCV(SVC(), {"C": [1.0]}, n_trials=0).fit(X, Y)
    with pytest.raises(ValueError, match="needs an estimator with partial_fit; SVC has none"):
        TuneSearchCV(SVC(), {"C": [1.0]}, early_stopping=True).fit(X, Y)
    with pytest.raises(NotImplementedError, match="scores with one metric"):
        TuneSearchCV(SVC(), {"C": [1.0]}, scoring=["accuracy", "f1"]).fit(X, Y)


@pytest.mark.ray
def test_same_scores_and_keys_as_grid_search(ray_local, storage):
    grid = {"C": [0.1, 1.0, 10.0], "kernel": ["linear", "rbf"]}
    ours = TuneSearchCV(
        SVC(),
        {k: rt.grid(v) for k, v in grid.items()},
        n_trials=1,  # the grid once
        searcher=BasicSearch(),
        cv=3,
        return_train_score=True,
        storage_path=storage,
    ).fit(X, Y)
    theirs = GridSearchCV(SVC(), grid, cv=3, return_train_score=True).fit(X, Y)
    assert set(ours.cv_results_) - set(theirs.cv_results_) == {"training_iteration"}
    assert set(theirs.cv_results_) <= set(ours.cv_results_)
    by_params = {
        tuple(sorted(p.items())): s
        for p, s in zip(
            ours.cv_results_["params"], ours.cv_results_["mean_test_score"], strict=True
        )
    }
    for p, s in zip(
        theirs.cv_results_["params"], theirs.cv_results_["mean_test_score"], strict=True
    ):
        assert by_params[tuple(sorted(p.items()))] == pytest.approx(s)
    assert ours.best_score_ == pytest.approx(theirs.best_score_)
    assert ours.n_splits_ == 3 and ours.refit_time_ >= 0
    assert ours.score(X, Y) == pytest.approx(theirs.score(X, Y))


@pytest.mark.ray
def test_pipeline_inside_pickling_and_refit(ray_local, storage):
    pipe = Pipeline([("scale", StandardScaler()), ("svc", SVC())])
    search = TuneSearchCV(
        pipe,
        {"svc__C": rt.loguniform(1e-2, 1e2), "svc__kernel": ["rbf", "linear"]},
        n_trials=6,
        cv=3,
        random_state=0,
        storage_path=storage,
    ).fit(X, Y)
    assert set(search.best_params_) == {"svc__C", "svc__kernel"}
    assert search.best_params_["svc__C"] == search.best_estimator_.named_steps["svc"].C
    ranks = search.cv_results_["rank_test_score"]
    assert search.best_index_ == int(np.argmin(ranks))
    assert search.best_score_ == max(search.cv_results_["mean_test_score"])
    restored = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(restored.predict(X), search.predict(X))
    assert list(search.classes_) == [0, 1, 2]
    assert search.n_features_in_ == 4

    no_refit = TuneSearchCV(
        pipe, {"svc__C": [1.0, 2.0]}, n_trials=2, refit=False, cv=2, storage_path=storage
    ).fit(X, Y)
    assert not hasattr(no_refit, "best_estimator_") and no_refit.best_params_
    with pytest.raises(AttributeError, match="refit=False"):
        no_refit.predict(X)


@pytest.mark.ray
def test_early_stopping_with_partial_fit(ray_local, storage):
    search = TuneSearchCV(
        SGDClassifier(random_state=0),
        {"alpha": rt.loguniform(1e-5, 1e-1)},
        n_trials=6,
        early_stopping=True,
        max_iters=9,
        random_state=1,
        storage_path=storage,
    ).fit(StandardScaler().fit_transform(X), Y)
    iterations = search.cv_results_["training_iteration"]
    assert iterations.max() == 9 and iterations.min() < 9  # ASHA stopped some trials
    assert set(iterations) <= {1, 3, 9}  # its rungs with reduction factor 3
    assert search.best_score_ > 0.6


@pytest.mark.ray
def test_error_score(ray_local, storage):
    space = {"C": rt.grid([1.0, -1.0])}  # C=-1 makes SVC raise
    search = TuneSearchCV(  # the FitFailedWarning is the worker's (in its log)
        SVC(), space, n_trials=1, searcher=BasicSearch(), cv=2, storage_path=storage
    ).fit(X, Y)
    scores = dict(
        zip(search.cv_results_["param_C"], search.cv_results_["mean_test_score"], strict=True)
    )
    assert np.isnan(scores[-1.0]) and scores[1.0] > 0.9
    assert search.best_params_ == {"C": 1.0}
    with pytest.raises(ValueError, match="error_score='raise'"):
        TuneSearchCV(
            SVC(),
            space,
            n_trials=1,
            searcher=BasicSearch(),
            cv=2,
            error_score="raise",
            storage_path=storage,
        ).fit(X, Y)
