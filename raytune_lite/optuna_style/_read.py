"""A study's trials read from its experiment folders: Optuna's ``FrozenTrial`` of each
raytune_lite trial, and ``trials_dataframe()``'s table.

Example:
    >>> frozen = FrozenTrial(0, TrialState.COMPLETE, [0.5], {"x": 1.0})
    >>> list(dataframe([frozen], 1).columns)  # doctest: +SKIP
    ['number', 'value', 'datetime_start', 'datetime_complete', 'duration', 'params_x', 'state']
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Sequence
from typing import Any

from raytune_lite._safe_files import read_json
from raytune_lite.define_by_run.distributions import Distribution, distribution_from_json
from raytune_lite.define_by_run.objective import TRIAL_ATTRS_FILE
from raytune_lite.define_by_run.trial import STEP_KEY
from raytune_lite.optuna_style.trial import FrozenTrial, TrialState, state_of
from raytune_lite.results import ResultGrid
from raytune_lite.store import TRIAL_FILE, read_rows
from raytune_lite.trial import metric_value

__all__ = ["dataframe", "frozen_trials"]


def _time(t: Any) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(t) if isinstance(t, (int, float)) else None


def _attrs(root: str, tdir: str) -> tuple[dict[str, Distribution], dict[str, Any]]:
    try:
        data = read_json(root, os.path.join(tdir, TRIAL_ATTRS_FILE))
    except FileNotFoundError:
        return {}, {}
    dists = {}
    for k, d in (data.get("distributions") or {}).items():
        try:
            dists[k] = distribution_from_json(d)
        except (ValueError, KeyError, TypeError):
            continue  # a malformed entry: the parameter stays, without its distribution
    return dists, dict(data.get("user_attrs") or {})


def frozen_trials(path: str, metrics: Sequence[str], first_number: int) -> list[FrozenTrial]:
    """The trials of the experiment in ``path``, numbered from ``first_number``."""
    results = ResultGrid.from_path(path)
    out = []
    for r in results:
        state = state_of(r.status)
        found = [metric_value(r.metrics, m) for m in metrics]
        values = (
            None if any(v is None for v in found) else [float(v) for v in found if v is not None]
        )
        if state is TrialState.COMPLETE and values is None:
            state = TrialState.FAIL  # returned without a finite value: Optuna fails it
        if state is TrialState.FAIL:
            values = None
        steps: dict[int, float] = {}
        if len(metrics) == 1:
            for row in read_rows(results.path, r.trial_id):
                step, v = row.get(STEP_KEY), row.get(metrics[0])
                if isinstance(step, int) and isinstance(v, (int, float)):
                    steps.setdefault(step, float(v))  # the final row repeats the last step
        dists, user_attrs = _attrs(results.path, r.path)
        try:
            summary = read_json(results.path, os.path.join(r.path, TRIAL_FILE))
        except FileNotFoundError:
            summary = {}
        out.append(
            FrozenTrial(
                number=first_number + int(r.trial_id),
                state=state,
                values=values,
                params=dict(r.config),
                distributions=dists,
                user_attrs=user_attrs,
                intermediate_values=steps,
                datetime_start=_time(summary.get("start_time")),
                datetime_complete=_time(summary.get("end_time")) if state.is_finished() else None,
                trial_id=r.trial_id,
                path=r.path,
            )
        )
    return out


def dataframe(trials: Sequence[FrozenTrial], n_objectives: int) -> Any:
    """Optuna's ``trials_dataframe()``: one row per trial, ``params_<name>`` and
    ``user_attrs_<name>`` columns, the state by name."""
    import pandas as pd

    params = sorted({k for t in trials for k in t.params})
    attrs = sorted({k for t in trials for k in t.user_attrs})
    rows = []
    for t in trials:
        row: dict[str, Any] = {"number": t.number}
        if n_objectives == 1:
            row["value"] = t.values[0] if t.values else math.nan
        else:
            for i in range(n_objectives):
                row[f"values_{i}"] = t.values[i] if t.values else math.nan
        row["datetime_start"] = t.datetime_start
        row["datetime_complete"] = t.datetime_complete
        row["duration"] = t.duration
        for k in params:
            row[f"params_{k}"] = t.params.get(k, math.nan)
        for k in attrs:
            row[f"user_attrs_{k}"] = t.user_attrs.get(k, math.nan)
        row["state"] = t.state.name
        rows.append(row)
    return pd.DataFrame(rows)
