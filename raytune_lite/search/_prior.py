"""Prior results for a warm start: a previous experiment's rows, as configs and values.

Shared by the model-based searchers' ``add_prior_results``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from raytune_lite.trial import metric_value

__all__ = ["nested_config", "prior_records", "prior_results"]


def prior_records(records: Any) -> list[dict[str, Any]]:
    """Rows of prior results: a DataFrame's records or a list of dicts."""
    if hasattr(records, "to_dict"):  # a pandas DataFrame
        return list(records.to_dict("records"))
    if isinstance(records, Mapping) or not isinstance(records, Iterable):
        raise TypeError(f"prior results must be a DataFrame or a list of dicts; got {records!r}")
    out = [r for r in records]
    for r in out:
        if not isinstance(r, Mapping):
            raise TypeError(f"each prior result must be a dict; got {r!r}")
    return out


def nested_config(record: Mapping[str, Any]) -> dict[str, Any]:
    """``{"config/a/b": 1}`` -> ``{"a": {"b": 1}}`` (a ``"config"`` dict is used as is)."""
    if isinstance(record.get("config"), Mapping):
        return dict(record["config"])
    config: dict[str, Any] = {}
    for key, v in record.items():
        if not isinstance(key, str) or not key.startswith("config/"):
            continue
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        parts = key.split("/")[1:]
        node = config
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = v.item() if isinstance(v, np.generic) else v
    return config


def prior_results(
    rows: Iterable[Mapping[str, Any]], metric: str | None
) -> Iterator[tuple[dict[str, Any], float | None]]:
    """Each prior row as ``(config, metric value)``; the value is None for a failure (a
    missing or non-finite metric, or an ``ERROR`` status)."""
    for r in rows:
        status = r.get("trial_status", r.get("status", ""))  # see ResultGrid.dataframe()
        failed = str(status).upper() == "ERROR"
        yield nested_config(r), None if failed else metric_value(dict(r), metric)
