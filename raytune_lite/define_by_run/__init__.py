"""Optuna-style define-by-run objectives: ``objective(trial)`` asks for its parameters with
``trial.suggest_float/int/categorical`` as it runs, and returns its value.

``rt.Tuner(objective, num_samples=...)`` runs one (see :mod:`.objective` for how it is
recognised); TPE is the default searcher, and TPE and random search (``BasicSearch``) are the
searchers that learn a space that is only known as trials run.

Example:
    >>> import raytune_lite as rt
    >>> def objective(trial):
    ...     n = trial.suggest_int("layers", 1, 3)
    ...     widths = [trial.suggest_int(f"width_{i}", 8, 64, log=True) for i in range(n)]
    ...     return sum(widths) / 100 + trial.suggest_float("dropout", 0.0, 0.5)
    >>> results = rt.Tuner(objective, num_samples=20, verbose=0).fit()  # doctest: +SKIP
    >>> results.best.config  # doctest: +SKIP
"""

from raytune_lite._lazy import lazy_exports
from raytune_lite.define_by_run.distributions import (
    CategoricalDistribution,
    Distribution,
    FloatDistribution,
    IntDistribution,
)
from raytune_lite.define_by_run.trial import ObjectiveTrial, TrialPruned

__all__ = [
    "CategoricalDistribution",
    "DefineByRun",
    "Distribution",
    "FloatDistribution",
    "IntDistribution",
    "ObjectiveTrial",
    "TrialPruned",
    "define_by_run",
    "is_objective",
]

_LAZY = {
    name: "raytune_lite.define_by_run.objective"
    for name in ("DefineByRun", "define_by_run", "is_objective")
}
__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals(), __all__)
