"""Optuna's ``optuna.exceptions.TrialPruned``: raytune_lite's :class:`~raytune_lite.TrialPruned`."""

from __future__ import annotations

from raytune_lite.define_by_run.trial import TrialPruned

__all__ = ["TrialPruned"]
