"""Driver-side callbacks: :class:`Callback` and the loggers built on it.

``CSVLoggerCallback`` needs nothing more; ``TBXLoggerCallback`` needs the ``[tensorboard]``
extra (tensorboardX) and ``MLflowLoggerCallback`` the ``[mlflow]`` one; each imports its
library when it is built.

Example:
    >>> import raytune_lite as rt
    >>> rt.callbacks.CSVLoggerCallback().filename
    'progress.csv'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from raytune_lite.callbacks.base import Callback, TrialView
from raytune_lite.callbacks.csv import CSVLoggerCallback

if TYPE_CHECKING:
    from raytune_lite.callbacks.mlflow import MLflowLoggerCallback
    from raytune_lite.callbacks.tensorboard import TBXLoggerCallback

_LAZY = {
    "MLflowLoggerCallback": "raytune_lite.callbacks.mlflow",
    "TBXLoggerCallback": "raytune_lite.callbacks.tensorboard",
}

__all__ = [
    "CSVLoggerCallback",
    "Callback",
    "MLflowLoggerCallback",
    "TBXLoggerCallback",
    "TrialView",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
