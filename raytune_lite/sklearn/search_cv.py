"""``TuneSearchCV``: scikit-learn's ``GridSearchCV`` conventions, raytune_lite's search.

Each trial cross-validates the estimator with one set of parameters on a Ray worker; the
trials run in parallel and a searcher (TPE by default, as in Optuna) picks the next sets.
With ``early_stopping=True``, estimators that have ``partial_fit`` are trained one pass at a
time and ASHA stops the trials that fall behind.
"""

from __future__ import annotations

import copy
import functools
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from raytune_lite.parameters import with_parameters
from raytune_lite.schedulers.asha import ASHA
from raytune_lite.schedulers.base import Scheduler
from raytune_lite.search.base import Searcher
from raytune_lite.sklearn._results import cv_results
from raytune_lite.sklearn._space import to_param_space
from raytune_lite.sklearn._trial import cross_validate_trial
from raytune_lite.trial import TrialStatus

__all__ = ["TuneSearchCV"]


def _estimator_has(attr: str) -> Callable[[Any], bool]:
    """Whether the refitted (else the given) estimator has ``attr`` (for ``available_if``)."""

    def check(self: TuneSearchCV) -> bool:
        target = self.best_estimator_ if hasattr(self, "best_estimator_") else self.estimator
        getattr(target, attr)  # AttributeError: the method is not available
        return True

    return check


class TuneSearchCV(MetaEstimatorMixin, BaseEstimator):
    """Hyperparameter search with cross-validation, in parallel on Ray.

    Args:
        estimator: a scikit-learn estimator (or Pipeline).
        param_space: ``{parameter name: values}`` where values are raytune_lite domains
            (``rt.loguniform(1e-3, 1e3)``), lists (a choice, as ``GridSearchCV``'s grid),
            constants, or frozen ``scipy.stats`` ``uniform``/``loguniform``/``randint``.
        n_trials: parameter sets to try.
        cv: folds, a splitter or an iterable of splits (``check_cv``: stratified for
            classifiers). scoring: a scorer name or callable (None: the estimator's score).
        searcher: a raytune_lite searcher (default: TPE). scheduler: a raytune_lite
            scheduler (default with early stopping: ASHA over ``max_iters`` passes).
        early_stopping: train by ``partial_fit``, one pass over each fold's training part
            per iteration, reporting the mean score after each, so the scheduler can stop
            trials early. max_iters: passes per trial with early stopping.
        refit: refit the best parameters on all the data (``best_estimator_``); a callable
            ``refit(cv_results_) -> index`` picks the trial.
        error_score: the score of a fit that raises (``"raise"``: the search fails).
        return_train_score: also score the training parts.
        resources: per trial, e.g. ``{"cpu": 2}``. max_concurrent: trials at once.
        random_state: seeds the searcher and scheduler. time_budget_s: stop after this long.
        storage_path, name: where the experiment folder goes (``experiment_path_``).
        verbose: 0 silent, 1 progress table.

    Example:
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.svm import SVC
        >>> import raytune_lite as rt
        >>> from raytune_lite.sklearn import TuneSearchCV
        >>> X, y = load_iris(return_X_y=True)
        >>> space = {"C": rt.loguniform(1e-2, 1e2), "kernel": ["rbf", "linear"]}
        >>> search = TuneSearchCV(SVC(), space, n_trials=8, cv=3)
        >>> search.fit(X, y).best_params_  # doctest: +SKIP
        {'C': 3.1, 'kernel': 'linear'}
    """

    def __init__(
        self,
        estimator: Any,
        param_space: Mapping[str, Any],
        *,
        n_trials: int = 10,
        cv: Any = None,
        scoring: Any = None,
        searcher: Searcher | None = None,
        scheduler: Scheduler | None = None,
        early_stopping: bool = False,
        max_iters: int = 10,
        refit: bool | Callable[[dict[str, Any]], int] = True,
        error_score: float | str = np.nan,
        return_train_score: bool = False,
        resources: Mapping[str, float] | None = None,
        max_concurrent: int | None = None,
        random_state: int | None = None,
        time_budget_s: float | None = None,
        storage_path: str | None = None,
        name: str | None = None,
        verbose: int = 0,
    ):
        self.estimator = estimator
        self.param_space = param_space
        self.n_trials = n_trials
        self.cv = cv
        self.scoring = scoring
        self.searcher = searcher
        self.scheduler = scheduler
        self.early_stopping = early_stopping
        self.max_iters = max_iters
        self.refit = refit
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.resources = resources
        self.max_concurrent = max_concurrent
        self.random_state = random_state
        self.time_budget_s = time_budget_s
        self.storage_path = storage_path
        self.name = name
        self.verbose = verbose

    # -- scikit-learn's tags: the search is the kind of estimator it searches -------------
    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import get_tags

        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = copy.deepcopy(inner.classifier_tags)
        tags.regressor_tags = copy.deepcopy(inner.regressor_tags)
        tags.input_tags.pairwise = inner.input_tags.pairwise
        tags.input_tags.sparse = inner.input_tags.sparse
        return tags

    # -- fitting ---------------------------------------------------------------------------
    def _check_params(self) -> None:
        for key, value, low in (("n_trials", self.n_trials, 1), ("max_iters", self.max_iters, 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{key} must be an int >= {low}; got {key}={value!r}")
        if not isinstance(self.early_stopping, bool):
            raise ValueError(f"early_stopping must be True or False; got {self.early_stopping!r}")
        if self.early_stopping and not hasattr(self.estimator, "partial_fit"):
            raise ValueError(
                f"early_stopping=True needs an estimator with partial_fit; "
                f"{type(self.estimator).__name__} has none"
            )
        if not (self.error_score == "raise" or isinstance(self.error_score, (int, float))):
            raise ValueError(f"error_score must be a number or 'raise'; got {self.error_score!r}")
        if not (isinstance(self.refit, bool) or callable(self.refit)):
            raise ValueError(f"refit must be True, False or a callable; got {self.refit!r}")
        if isinstance(self.scoring, (list, tuple, set, dict)):
            raise NotImplementedError(
                "TuneSearchCV scores with one metric; got scoring="
                f"{self.scoring!r} (pass one scorer name or callable)"
            )

    def fit(self, X: Any, y: Any = None, *, groups: Any = None, **fit_params: Any) -> TuneSearchCV:
        """Runs the search (in parallel on Ray), then refits the best parameters.

        Args:
            X, y: the data; groups: for group-aware splitters; fit_params: passed to the
                estimator's ``fit`` (or ``partial_fit``) on every fold and at the refit.
        """
        import raytune_lite as rt
        from raytune_lite.search import TPE

        self._check_params()
        estimator = self.estimator
        cv = check_cv(self.cv, y, classifier=is_classifier(estimator))
        splits = [(np.asarray(tr), np.asarray(te)) for tr, te in cv.split(X, y, groups)]
        scorer = check_scoring(estimator, scoring=self.scoring)
        space = to_param_space(self.param_space)
        scheduler = copy.deepcopy(self.scheduler)
        if self.early_stopping and scheduler is None:
            scheduler = ASHA(max_t=self.max_iters, grace_period=1, reduction_factor=3)
        trial = functools.partial(
            cross_validate_trial,
            error_score=self.error_score,
            return_train_score=self.return_train_score,
            partial_fit_passes=self.max_iters if self.early_stopping else 0,
        )
        trial.__name__ = f"cv_{type(estimator).__name__}"  # type: ignore[attr-defined]
        trainable = with_parameters(
            trial,
            X=X,
            y=y,
            estimator=estimator,
            splits=splits,
            scorer=scorer,
            fit_params=fit_params,
        )
        results = rt.Tuner(
            trainable,
            space,
            metric="mean_test_score",
            mode="max",
            num_samples=self.n_trials,
            searcher=copy.deepcopy(self.searcher) or TPE(),
            scheduler=scheduler,
            resources=self.resources,
            max_concurrent=self.max_concurrent,
            seed=self.random_state,
            time_budget_s=self.time_budget_s,
            storage_path=self.storage_path,
            name=self.name,
            verbose=self.verbose,
        ).fit()
        trials = list(results)
        failed = [r.error or "" for r in trials if r.status is TrialStatus.ERROR]
        if failed and self.error_score == "raise":
            raise ValueError(f"a fit failed and error_score='raise':\n{failed[0]}")
        names = list(space)
        params = [{k: r.config[k] for k in names if k in r.config} for r in trials]
        self.cv_results_ = cv_results(
            params, [r.metrics for r in trials], len(splits), self.return_train_score
        )
        scores = self.cv_results_["mean_test_score"]
        if len(scores) == 0 or np.all(np.isnan(scores)):
            detail = failed[0] if failed else "every score is NaN"
            raise ValueError(f"all {len(trials)} trials failed:\n{detail}")
        self.experiment_path_ = results.path
        self.n_splits_ = len(splits)
        self.scorer_ = scorer
        self.multimetric_ = False
        if callable(self.refit):
            self.best_index_ = int(self.refit(self.cv_results_))
        else:
            self.best_index_ = int(np.argmin(self.cv_results_["rank_test_score"]))
            self.best_score_ = float(scores[self.best_index_])
        self.best_params_ = dict(self.cv_results_["params"][self.best_index_])
        if self.refit:
            best = clone(estimator).set_params(**self.best_params_)
            start = time.perf_counter()
            if y is None:
                best.fit(X, **fit_params)
            else:
                best.fit(X, y, **fit_params)
            self.refit_time_ = time.perf_counter() - start
            self.best_estimator_ = best
            if hasattr(best, "n_features_in_"):
                self.n_features_in_ = best.n_features_in_
            if hasattr(best, "feature_names_in_"):
                self.feature_names_in_ = best.feature_names_in_
        return self

    # -- using the refitted estimator --------------------------------------------------------
    def _best(self, method: str) -> Any:
        check_is_fitted(self)
        if not self.refit:
            raise AttributeError(
                f"this TuneSearchCV was made with refit=False: {method} needs the refitted "
                "best_estimator_; pass refit=True"
            )
        return self.best_estimator_

    def score(self, X: Any, y: Any = None) -> float:
        """The scorer's value of the refitted estimator on ``X``, ``y``."""
        return float(self.scorer_(self._best("score"), X, y))

    @available_if(_estimator_has("predict"))
    def predict(self, X: Any) -> Any:
        return self._best("predict").predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X: Any) -> Any:
        return self._best("predict_proba").predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X: Any) -> Any:
        return self._best("predict_log_proba").predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X: Any) -> Any:
        return self._best("decision_function").decision_function(X)

    @available_if(_estimator_has("score_samples"))
    def score_samples(self, X: Any) -> Any:
        return self._best("score_samples").score_samples(X)

    @available_if(_estimator_has("transform"))
    def transform(self, X: Any) -> Any:
        return self._best("transform").transform(X)

    @available_if(_estimator_has("inverse_transform"))
    def inverse_transform(self, X: Any) -> Any:
        return self._best("inverse_transform").inverse_transform(X)

    @property
    def classes_(self) -> Any:
        return self._best("classes_").classes_
