"""Doctest collection skips the modules of optional extras whose library is not installed."""

from __future__ import annotations

import importlib.util

_OPTIONAL = {
    "xgboost": ["raytune_lite/tune/integration/xgboost.py"],
    "lightgbm": ["raytune_lite/tune/integration/lightgbm.py"],
    "sklearn": ["raytune_lite/sklearn"],
}

collect_ignore = [
    path
    for library, paths in _OPTIONAL.items()
    if importlib.util.find_spec(library) is None
    for path in paths
]
