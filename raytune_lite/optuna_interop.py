"""Both ways between an experiment and Optuna (optional: ``pip install 'raytune_lite[optuna]'``).

:func:`to_optuna_study` copies the trials of an experiment into an Optuna study (in memory,
or in an RDB storage that optuna-dashboard opens), so that ``optuna.visualization`` and
``optuna.importance`` work on it. :func:`prior_results` turns an Optuna study's trials into
the records a searcher's ``add_prior_results`` takes (a warm start).

Statuses map as: TERMINATED -> COMPLETE, STOPPED_EARLY -> PRUNED, ERROR -> FAIL, the others
-> RUNNING (Optuna's WAITING needs no params). Parameters are the flat config keys
(``model/lr`` for a nested one), with the distributions of the experiment's search space;
constants and values outside their domain (e.g. a ``points_to_evaluate`` point) are left out.

Example:
    >>> import raytune_lite as rt
    >>> results = rt.ResultGrid.from_path("~/raytune_lite_results/my_run")  # doctest: +SKIP
    >>> study = results.to_optuna_study(storage="sqlite:///my_run.db")      # doctest: +SKIP
    >>> # then: optuna-dashboard sqlite:///my_run.db
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from raytune_lite.space import flatten
from raytune_lite.trial import Mode, TrialStatus, metric_value

if TYPE_CHECKING:
    from raytune_lite.results_base import ResultsBase as ResultGrid  # the data part

__all__ = ["distributions", "prior_results", "to_optuna_study"]


def _optuna() -> Any:
    try:
        import optuna
    except ImportError:
        raise ImportError(
            "Optuna interop needs optuna: pip install 'raytune_lite[optuna]'"
        ) from None
    return optuna


def _leaves(space: Any, prefix: str = "") -> dict[str, dict[str, Any]]:
    """The domains of a space's JSON (``Space.to_json()``), by flat key."""
    out: dict[str, dict[str, Any]] = {}
    if isinstance(space, Mapping):
        if "__domain__" in space:
            return {prefix.rstrip("/"): dict(space)}
        for k, v in space.items():
            out.update(_leaves(v, f"{prefix}{k}/"))
    elif isinstance(space, list):
        for i, v in enumerate(space):
            out.update(_leaves(v, f"{prefix}{i}/"))
    return out


def distributions(space_json: Any) -> dict[str, Any]:
    """Optuna distributions of a stored search space (``experiment.json``'s ``space``):
    float -> FloatDistribution (log, step), int -> IntDistribution (``high`` included, so
    ``randint(1, 6)`` is ``1..5``; ``step`` kept, except with ``log``, which Optuna takes
    with step 1 only), choice and grid -> CategoricalDistribution;
    ``sample_from`` has none."""
    optuna = _optuna()
    d = optuna.distributions
    out: dict[str, Any] = {}
    for key, dom in _leaves(space_json).items():
        kind = dom["__domain__"]
        if kind == "float":
            step = dom.get("q") if not dom.get("log") else None
            out[key] = d.FloatDistribution(dom["low"], dom["high"], log=dom["log"], step=step)
        elif kind == "int":
            step, log = int(dom.get("step", 1)), bool(dom.get("log", False))
            last = dom["low"] + (dom["high"] - 1 - dom["low"]) // step * step
            # Optuna takes no step with log=True: the log distribution then holds every integer
            # in the range (a superset of the domain's values)
            out[key] = d.IntDistribution(dom["low"], last, log=log, step=1 if log else step)
        elif kind in ("choice", "grid"):
            choices = dom.get("choices", dom.get("values", []))
            if all(c is None or isinstance(c, (bool, int, float, str)) for c in choices):
                out[key] = d.CategoricalDistribution(choices)
    return out


def _fits(dist: Any, value: Any) -> bool:
    try:
        return bool(dist._contains(dist.to_internal_repr(value)))
    except (ValueError, TypeError, IndexError):
        return False


def to_optuna_study(
    results: ResultGrid,
    storage: str | None = None,
    study_name: str | None = None,
    intermediate_values: bool = True,
) -> Any:
    """An Optuna study holding the experiment's trials.

    Args:
        results: the experiment.
        storage: an Optuna storage URL (``"sqlite:///run.db"``), or None for memory.
        study_name: the study's name (default: the experiment's name).
        intermediate_values: also copy each trial's metric at every ``training_iteration``
            (what Optuna's intermediate-value plots and pruners read).

    Returns:
        The ``optuna.Study``; its trials carry ``user_attrs["trial_id"]``.

    Raises:
        ValueError: when the experiment has no metric.
    """
    optuna = _optuna()
    metric = results.metric
    if metric is None:
        raise ValueError("the experiment has no metric: Optuna needs one to copy its trials")
    dists = distributions(results.experiment.get("space", {}))
    history = results.history() if intermediate_values and len(results) else None
    steps: dict[str, dict[int, float]] = {}
    if history is not None and metric in history.columns and len(history):
        h = history.dropna(subset=[metric])
        for tid, it, v in zip(h["trial_id"], h["training_iteration"], h[metric], strict=True):
            if math.isfinite(float(v)):
                steps.setdefault(str(tid), {})[int(it)] = float(v)
    state = optuna.trial.TrialState
    states = {
        TrialStatus.TERMINATED: state.COMPLETE,
        TrialStatus.STOPPED_EARLY: state.PRUNED,
        TrialStatus.ERROR: state.FAIL,
    }
    trials = []
    for r in results:
        flat = flatten(r.config)
        params = {k: v for k, v in flat.items() if k in dists and _fits(dists[k], v)}
        value = metric_value(r.metrics, metric)
        st = states.get(r.status, state.RUNNING)
        if st is state.COMPLETE and value is None:
            st = state.FAIL  # returned without a finite metric: Optuna has no such COMPLETE
        trials.append(
            optuna.trial.create_trial(
                state=st,
                value=value if st in (state.COMPLETE, state.PRUNED) else None,
                params=params,
                distributions={k: dists[k] for k in params},
                intermediate_values=steps.get(r.trial_id, {}),
                user_attrs={"trial_id": r.trial_id},
            )
        )
    study = optuna.create_study(
        storage=storage,
        study_name=study_name or results.experiment.get("spec", {}).get("name"),
        direction="minimize" if results.mode is Mode.MIN else "maximize",
        load_if_exists=False,
    )
    study.add_trials(trials)
    return study


def prior_results(study: Any, metric: str) -> list[dict[str, Any]]:
    """An Optuna study's finished trials as records for ``searcher.add_prior_results``:
    ``{"config/<param>": value, ..., metric: value, "status": ...}`` (complete trials with
    their value; failed ones as ``ERROR``, which searchers count as failures; pruned ones
    with their last value).

    Args:
        study: an ``optuna.Study`` of one objective.
        metric: the name the searcher knows the objective by (its ``metric``).

    Example:
        >>> bo.add_prior_results(prior_results(study, "loss"))  # doctest: +SKIP
    """
    state = _optuna().trial.TrialState
    out = []
    for t in study.get_trials(deepcopy=False):
        if t.state not in (state.COMPLETE, state.PRUNED, state.FAIL):
            continue
        rec: dict[str, Any] = {f"config/{k}": v for k, v in t.params.items()}
        value = t.value
        if value is None and t.state is state.PRUNED and t.intermediate_values:
            value = t.intermediate_values[max(t.intermediate_values)]
        rec[metric] = value
        rec["status"] = {
            state.COMPLETE: TrialStatus.TERMINATED,
            state.PRUNED: TrialStatus.STOPPED_EARLY,
            state.FAIL: TrialStatus.ERROR,
        }[t.state].value
        out.append(rec)
    return out
