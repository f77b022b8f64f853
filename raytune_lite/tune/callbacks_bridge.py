"""``RunConfig(callbacks=[...])``: driver-side callbacks handed to raytune_lite's Tuner."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["bridge_callbacks"]


def bridge_callbacks(callbacks: Sequence[Any] | None) -> list[Any]:
    """The callbacks for raytune_lite's Tuner (an empty list when there are none)."""
    if not callbacks:
        return []
    raise NotImplementedError(
        "RunConfig(callbacks=...) is not mirrored yet: raytune_lite has no driver-side "
        "callbacks in this version"
    )
