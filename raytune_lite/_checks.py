"""Argument checks shared by the Tuner and the plugins: errors that name the value.

Example:
    >>> check_int("popsize", 8, 2)
    8
    >>> check_int("popsize", 1, 2)
    Traceback (most recent call last):
    ...
    ValueError: popsize must be an int >= 2; got popsize=1
"""

from __future__ import annotations

from typing import Any, Literal, overload

import numpy as np

__all__ = ["check_int"]


@overload
def check_int(
    name: str, value: Any, low: int, *, allow_none: Literal[False] = False, extra: str = ""
) -> int: ...


@overload
def check_int(
    name: str, value: Any, low: int, *, allow_none: Literal[True], extra: str = ""
) -> int | None: ...


def check_int(
    name: str, value: Any, low: int, *, allow_none: bool = False, extra: str = ""
) -> int | None:
    """``value`` as a plain int ``>= low``, or a ValueError naming it.

    Args:
        name: the argument's name, for the message.
        value: the value given (bools are refused; numpy integers are accepted).
        low: the smallest value accepted.
        allow_none: None is accepted too (and returned).
        extra: added to the message after what is accepted, e.g. ``" (or -1: no limit)"``.

    Returns:
        ``int(value)``, or None when it is None and ``allow_none``.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        none = " or None" if allow_none else ""
        raise ValueError(f"{name} must be an int >= {low}{none}{extra}; got {name}={value!r}")
    return int(value)
