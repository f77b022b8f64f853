"""Rows as loggers write them: nested dicts flattened to ``"a/b"`` keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["flat", "numbers"]


def flat(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}} -> {"a/b": 1}``; lists stay as values."""
    out: dict[str, Any] = {}
    for k, v in row.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(flat(v, f"{key}/"))
        else:
            out[key] = v
    return out


def numbers(row: Mapping[str, Any]) -> dict[str, float]:
    """The row's finite-or-not numeric values (bools excluded), flattened."""
    return {
        k: float(v)
        for k, v in flat(row).items()
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    }
