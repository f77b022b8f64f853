"""Figures of an experiment's results (optional: ``pip install 'raytune_lite[plot]'``).

Each function takes a :class:`~raytune_lite.results.ResultGrid` (or its folder) and returns
the matplotlib ``Axes`` it drew on (a list of them for the figures with a panel per
hyperparameter: :func:`slice`, :func:`pbt_schedule`), so figures compose and the caller saves
them. matplotlib is imported when a figure is drawn, not when this package is.

=========================  ===================================================================
``learning_curves``        the metric over training, per trial (stops, rungs, PBT exploits)
``best_so_far``            each trial's final metric in creation order and the best so far
``edf``                    the distribution of final values (compare experiments)
``metric_vs_param``        the final metric against one hyperparameter
``slice``                  the final metric against every hyperparameter
``contour``                the metric over two hyperparameters
``parallel_coordinates``   every trial through all hyperparameters and the metric
``importance``             which hyperparameters matter (permutation, random-forest surrogate)
``timeline``               attempts on the slots over wall-clock time, coloured by how they ended
``pbt_schedule``           each trial's config over training
``pareto_front``           two metrics, the trials no other beats in both
=========================  ===================================================================

Example:
    >>> import raytune_lite as rt
    >>> from raytune_lite import plot
    >>> results = rt.ResultGrid.from_path("~/raytune_lite_results/my_run")  # doctest: +SKIP
    >>> plot.learning_curves(results).figure.savefig("curves.png")        # doctest: +SKIP
"""

from __future__ import annotations

from raytune_lite.plot._common import STATUS_COLOURS, has_data, pyplot
from raytune_lite.plot.curves import best_so_far, edf, learning_curves
from raytune_lite.plot.importance import importance, param_importance
from raytune_lite.plot.params import contour, metric_vs_param, parallel_coordinates, slice
from raytune_lite.plot.pareto import pareto_front, pareto_mask
from raytune_lite.plot.timeline import ENDING_COLOURS, pbt_schedule, timeline

__all__ = [
    "ENDING_COLOURS",
    "STATUS_COLOURS",
    "best_so_far",
    "contour",
    "edf",
    "has_data",
    "importance",
    "learning_curves",
    "metric_vs_param",
    "parallel_coordinates",
    "param_importance",
    "pareto_front",
    "pareto_mask",
    "pbt_schedule",
    "pyplot",
    "slice",
    "timeline",
]
