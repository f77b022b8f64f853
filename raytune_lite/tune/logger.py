"""Ray Tune's ``ray.tune.logger`` names for raytune_lite's logger callbacks.

``TBXLoggerCallback`` needs the ``[tensorboard]`` extra (tensorboardX).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from raytune_lite.callbacks.csv import CSVLoggerCallback

if TYPE_CHECKING:
    from raytune_lite.callbacks.tensorboard import TBXLoggerCallback

__all__ = ["CSVLoggerCallback", "TBXLoggerCallback"]


def __getattr__(name: str) -> Any:
    if name == "TBXLoggerCallback":
        from raytune_lite.callbacks.tensorboard import TBXLoggerCallback

        return TBXLoggerCallback
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
