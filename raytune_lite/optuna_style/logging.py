"""Optuna's ``optuna.logging.set_verbosity``: ``WARNING`` and quieter make ``study.optimize``
silent (``verbose=0``), ``INFO`` and louder show raytune_lite's live table (``verbose=1``, the
default).

Example:
    >>> import raytune_lite.optuna_style as optuna
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> optuna.logging.get_verbosity() == optuna.logging.WARNING
    True
    >>> optuna.logging.set_verbosity(optuna.logging.INFO)
"""

from __future__ import annotations

import logging as _logging

__all__ = [
    "CRITICAL",
    "DEBUG",
    "ERROR",
    "FATAL",
    "INFO",
    "WARN",
    "WARNING",
    "get_verbosity",
    "set_verbosity",
]

CRITICAL = FATAL = _logging.CRITICAL
ERROR = _logging.ERROR
WARNING = WARN = _logging.WARNING
INFO = _logging.INFO
DEBUG = _logging.DEBUG

_level = INFO


def set_verbosity(verbosity: int) -> None:
    """Sets how much ``study.optimize`` shows (see the module)."""
    global _level
    _level = int(verbosity)


def get_verbosity() -> int:
    return _level


def verbose() -> int:
    """The Tuner's ``verbose`` for the current verbosity."""
    return 1 if _level <= INFO else 0
