"""Schedulers: stop, pause or exploit running trials from their partial results."""

from raytune_lite.schedulers.asha import ASHA
from raytune_lite.schedulers.base import Action, Decision, Scheduler, SyncPolicy
from raytune_lite.schedulers.fifo import FIFO
from raytune_lite.schedulers.hyperband import Hyperband
from raytune_lite.schedulers.median import MedianStatistic, MedianStopping
from raytune_lite.schedulers.moasha import MOASHA
from raytune_lite.schedulers.pbt import PBT

__all__ = [
    "ASHA",
    "FIFO",
    "MOASHA",
    "PBT",
    "Action",
    "Decision",
    "Hyperband",
    "MedianStatistic",
    "MedianStopping",
    "Scheduler",
    "SyncPolicy",
]
