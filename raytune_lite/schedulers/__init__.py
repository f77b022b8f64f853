"""Schedulers: stop, pause or exploit running trials from their partial results."""

from raytune_lite.schedulers.base import Action, Decision, Scheduler, SyncPolicy
from raytune_lite.schedulers.fifo import FIFO

__all__ = ["FIFO", "Action", "Decision", "Scheduler", "SyncPolicy"]
