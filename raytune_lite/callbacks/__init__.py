"""Driver-side callbacks: :class:`Callback` and the loggers built on it.

``CSVLoggerCallback`` needs nothing more; ``TBXLoggerCallback`` needs the ``[tensorboard]``
extra (tensorboardX), ``MLflowLoggerCallback`` the ``[mlflow]`` one and
``WandbLoggerCallback`` the ``[wandb]`` one; each imports its library when it is built.

Example:
    >>> import raytune_lite as rt
    >>> rt.callbacks.CSVLoggerCallback().filename
    'progress.csv'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from raytune_lite._lazy import lazy_exports
from raytune_lite.callbacks.base import Callback, TrialView
from raytune_lite.callbacks.csv import CSVLoggerCallback

if TYPE_CHECKING:
    from raytune_lite.callbacks.mlflow import MLflowLoggerCallback
    from raytune_lite.callbacks.tensorboard import TBXLoggerCallback
    from raytune_lite.callbacks.wandb import WandbLoggerCallback

_LAZY = {
    "MLflowLoggerCallback": "raytune_lite.callbacks.mlflow",
    "TBXLoggerCallback": "raytune_lite.callbacks.tensorboard",
    "WandbLoggerCallback": "raytune_lite.callbacks.wandb",
}

__all__ = [
    "CSVLoggerCallback",
    "Callback",
    "MLflowLoggerCallback",
    "TBXLoggerCallback",
    "TrialView",
    "WandbLoggerCallback",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals(), __all__)
