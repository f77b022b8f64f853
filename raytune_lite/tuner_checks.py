"""The Tuner's checks of its inputs, made before any Ray work: errors that name the value.

Example:
    >>> check_trainable(lambda config: None)
    >>> check_trainable(lambda: None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: the trainable must accept one argument, the config dict; ...
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from raytune_lite.search.base import Searcher
from raytune_lite.search.basic import BasicSearch


def check_trainable(trainable: Any) -> None:
    if not callable(trainable):
        raise TypeError(
            f"the trainable must be a function taking the config dict; got "
            f"{type(trainable).__name__}: {trainable!r}"
        )
    try:
        sig = inspect.signature(trainable)
    except (TypeError, ValueError):
        return
    try:
        sig.bind({})
    except TypeError:
        raise TypeError(
            f"the trainable must accept one argument, the config dict; "
            f"{getattr(trainable, '__name__', trainable)!r} has the signature "
            f"{sig}"
        ) from None


def check_unlimited(num_samples: int, time_budget_s: float | None, searcher: Searcher) -> None:
    """num_samples=-1 ends only with the time budget or a searcher that finishes by itself.

    BasicSearch (unless a subclass replaces ``suggest``) never finishes under -1: it repeats
    the grid forever, even over a grid-only space. Other searchers are trusted to finish.
    """
    if (
        num_samples != -1
        or time_budget_s is not None
        or not isinstance(searcher, BasicSearch)
        or type(searcher).suggest is not BasicSearch.suggest
    ):
        return
    raise ValueError(
        f"num_samples=-1 runs trials until the time budget ends or the searcher "
        f"finishes, but {type(searcher).__name__} (grid + random search) never "
        f"finishes by itself, so fit() would never end; got {num_samples=}, "
        f"{time_budget_s=}: pass time_budget_s=<seconds>, a num_samples >= 1, or "
        f"a searcher that finishes by itself"
    )


def find_unpicklable(node: Any, where: str) -> tuple[str, Any, Exception] | None:
    """The first leaf of ``node`` (dicts and lists are walked) that cannot be pickled."""
    if isinstance(node, Mapping):
        items: list[tuple[Any, Any]] = list(node.items())
    elif isinstance(node, (list, tuple)):
        items = list(enumerate(node))
    else:
        from ray import cloudpickle

        try:
            cloudpickle.dumps(node)
        except Exception as e:  # any failure to pickle is the finding
            return where, node, e
        return None
    for k, v in items:
        found = find_unpicklable(v, f"{where}[{k!r}]")
        if found is not None:
            return found
    return None


def unpicklable_message(
    error: Exception,
    param_space: Mapping[str, Any],
    searcher: Any,
    scheduler: Any,
    stop: Any,
) -> str:
    """Names what in the controller's arguments cannot be pickled (``error`` is Ray's)."""
    found = find_unpicklable(param_space, "param_space")
    if found is not None:
        where, value, e = found
        return (
            f"{where} = {value!r} cannot be pickled to send it to the trials "
            f"({type(e).__name__}: {e}); param_space values must be picklable: create "
            "locks, open files, connections and generators inside the training "
            "function, and pass large objects with rt.with_parameters(train, data=...)"
        )
    for what, obj in (
        ("searcher", searcher),
        ("scheduler", scheduler),
        ("stop criterion", stop),
    ):
        found = find_unpicklable(obj, what)
        if found is not None:
            return (
                f"the {what} {obj!r} cannot be pickled to send it to the experiment's "
                f"controller ({type(found[2]).__name__}: {found[2]}); do not keep "
                "locks, open files, connections or generators in it"
            )
    return f"the param_space, searcher or scheduler could not be pickled: {error}"


def check_multi_objective(objectives: Any, searcher: Searcher, scheduler: Any) -> None:
    """Several objectives need a searcher that ranks by several, and a scheduler that does
    (FIFO, or MOASHA; the other stopping rules rank trials by one number)."""
    if not objectives.multi:
        return
    if not getattr(searcher, "supports_multi_objective", False):
        raise ValueError(
            f"metric={list(objectives.metrics)} has {len(objectives.metrics)} objectives, and "
            f"{type(searcher).__name__} optimises one: use rt.search.BasicSearch() (random) "
            "or rt.search.NSGA2(), or one metric"
        )
    if type(scheduler).__name__ not in ("FIFO", "MOASHA"):
        raise ValueError(
            f"metric={list(objectives.metrics)} has several objectives, and "
            f"{type(scheduler).__name__} ranks trials by one metric to stop them early: use "
            "rt.schedulers.MOASHA(...) (ASHA ranking by non-dominated rank), no scheduler "
            "(FIFO), or one metric"
        )
