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
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from raytune_lite._checks import check_int
from raytune_lite.domains import Categorical, Domain, Grid
from raytune_lite.search.base import Searcher
from raytune_lite.search.basic import BasicSearch
from raytune_lite.space import Space, get_path, path_key
from raytune_lite.storage.uri import is_remote


def check_trainable(trainable: Any) -> None:
    """A function (or callable object) that takes the config dict, not a class, generator
    or ``async def`` function."""
    if not callable(trainable):
        raise TypeError(
            f"the trainable must be a function taking the config dict; got "
            f"{type(trainable).__name__}: {trainable!r}"
        )
    check_trainable_kind(trainable)
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


def check_plugins(searcher: Any, scheduler: Any) -> None:
    """``searcher`` is a Searcher (or None: resolved by the Tuner), ``scheduler`` a Scheduler
    (or None)."""
    from raytune_lite.schedulers.base import Scheduler

    if searcher is not None and not isinstance(searcher, Searcher):
        raise TypeError(
            f"searcher must be a raytune_lite Searcher (e.g. "
            f"rt.search.BasicSearch()) or 'auto'; got {searcher!r}"
        )
    if scheduler is not None and not isinstance(scheduler, Scheduler):
        raise TypeError(
            f"scheduler must be a raytune_lite Scheduler (e.g. "
            f"rt.schedulers.ASHA(...)); got {scheduler!r}"
        )


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
            f"{type(searcher).__name__} optimises one: use rt.search.BasicSearch() (random), "
            "NSGA2(), TPE() (MOTPE) or BayesOpt() (ParEGO), or one metric"
        )
    if type(scheduler).__name__ not in ("FIFO", "MOASHA"):
        raise ValueError(
            f"metric={list(objectives.metrics)} has several objectives, and "
            f"{type(scheduler).__name__} ranks trials by one metric to stop them early: use "
            "rt.schedulers.MOASHA(...) (ASHA ranking by non-dominated rank), no scheduler "
            "(FIFO), or one metric"
        )


def _name_of(fn: Any) -> str:
    return str(getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn))


def check_trainable_kind(trainable: Any) -> None:
    """Refuses classes, generator and ``async def`` functions: every trial would fail.

    Example:
        >>> def steps(config):
        ...     yield 1
        >>> check_trainable_kind(steps)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        TypeError: the trainable must be a plain function taking the config dict; 'steps' is ...
    """
    accepted = (
        "pass a plain function train(config) that calls rt.report(...) (or returns its "
        "final metrics)"
    )
    if inspect.isclass(trainable):
        ray_tune = any(
            c.__name__ == "Trainable" and c.__module__.startswith("ray.tune")
            for c in trainable.__mro__
        )
        if ray_tune:
            raise TypeError(
                f"the trainable {_name_of(trainable)!r} is a Ray Tune Trainable class; "
                "raytune_lite runs the function API only: move setup() and step() into "
                "def train(config): ... that loops and calls rt.report({...}) each step "
                "(save_checkpoint/load_checkpoint become rt.Checkpoint and rt.get_checkpoint())"
            )
        raise TypeError(
            f"the trainable must be a plain function taking the config dict; "
            f"{_name_of(trainable)!r} is a class: {accepted}"
        )
    target = getattr(trainable, "fn", trainable)  # rt.with_parameters wraps a function
    if inspect.isgeneratorfunction(target) or inspect.isasyncgenfunction(target):
        raise TypeError(
            f"the trainable must be a plain function taking the config dict; "
            f"{_name_of(target)!r} is a generator function (it yields), so calling it runs "
            f"nothing: {accepted} instead of yielding"
        )
    if inspect.iscoroutinefunction(target):
        raise TypeError(
            f"the trainable must be a plain function taking the config dict; "
            f"{_name_of(target)!r} is an async def function, which trials cannot await: "
            f"{accepted}; run your coroutine inside it with asyncio.run(...)"
        )


def check_name(name: Any) -> None:
    """``name`` is one valid folder name: a non-empty string, no separator, no NUL, not
    ``.`` or ``..``, at most 255 bytes.

    Example:
        >>> check_name("run_1")
        >>> check_name("..")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: name must be one folder name ...; got name='..'
    """
    if name is None:
        return
    accepted = "(a non-empty string without '/', NUL, and not '.' or '..', at most 255 bytes)"
    seps = {"/", os.sep, *([os.altsep] if os.altsep else [])}
    if (
        not isinstance(name, str)
        or name in ("", ".", "..")
        or any(s in name for s in seps)
        or "\x00" in name
    ):
        raise ValueError(f"name must be one folder name {accepted}; got {name=}")
    size = len(name.encode("utf-8", "surrogateescape"))
    if size > 255:
        raise ValueError(
            f"name must be one folder name {accepted}; got a name of {size} bytes: {name[:40]!r}..."
        )


def check_seed(seed: Any) -> int | None:
    """``seed`` as a plain int >= 0 (numpy integers too), or None."""
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an int >= 0 or None; got seed={seed!r}")
    return int(seed)


def check_space(param_space: Any, where: str = "param_space") -> None:
    """Refuses what a param space would silently get wrong (a path names each finding).

    A tuple holding a domain (tuples are constants), a ``grid`` inside a ``choice`` (never
    expanded), a bare ``lambda`` (a constant function, not a ``sample_from``), a ``set``
    (experiment.json cannot keep it) and a constant dict with a ``__domain__`` key (read back
    as a domain).

    Example:
        >>> import raytune_lite as rt
        >>> check_space({"x": rt.uniform(0, 1), "layers": [rt.randint(1, 4)]})
        >>> check_space({"shape": (rt.randint(1, 4), 3)})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        TypeError: param_space['shape'] is a tuple holding a domain ...
    """
    if isinstance(param_space, Mapping):
        if "__domain__" in param_space:
            raise ValueError(
                f"{where} is a dict with the key '__domain__', which raytune_lite reserves "
                "for the domains it stores in experiment.json (it would come back as a "
                "domain on restore): rename the key"
            )
        for k, v in param_space.items():
            check_space(v, f"{where}[{k!r}]")
    elif isinstance(param_space, list):
        for i, v in enumerate(param_space):
            check_space(v, f"{where}[{i}]")
    elif isinstance(param_space, tuple):
        if _holds_domain(param_space):
            raise TypeError(
                f"{where} is a tuple holding a domain ({param_space!r}); tuples are "
                "constants and reach the trial as they are: use a list to sample inside it"
            )
    elif isinstance(param_space, (set, frozenset)):
        raise TypeError(
            f"{where} is a {type(param_space).__name__} ({param_space!r}); experiment.json "
            "cannot keep a set (it would come back as a string on resume): use a list"
        )
    elif isinstance(param_space, Categorical) and not isinstance(param_space, Grid):
        for i, c in enumerate(param_space.choices):
            if _holds_grid(c):
                raise TypeError(
                    f"{where} is a choice whose option {i} holds a grid ({c!r}); a grid "
                    "inside a choice is sampled, never expanded: put the grid at the top "
                    "level of the param_space, or use choice for both"
                )
            check_space(c, f"{where}.choices[{i}]")
    elif inspect.isfunction(param_space) and param_space.__name__ == "<lambda>":
        raise TypeError(
            f"{where} is a bare lambda, which would reach the trial as a function: wrap it "
            "in rt.sample_from(lambda config: ...) to compute the value from the config (a "
            "function meant as a constant: give it a name with def)"
        )


def _holds_domain(node: Any) -> bool:
    if isinstance(node, Domain):
        return True
    if isinstance(node, Mapping):
        return any(_holds_domain(v) for v in node.values())
    if isinstance(node, (list, tuple)):
        return any(_holds_domain(v) for v in node)
    return False


def _holds_grid(node: Any) -> bool:
    if isinstance(node, Grid):
        return True
    if isinstance(node, Categorical):
        return any(_holds_grid(c) for c in node.choices)
    if isinstance(node, Mapping):
        return any(_holds_grid(v) for v in node.values())
    if isinstance(node, (list, tuple)):
        return any(_holds_grid(v) for v in node)
    return False


def check_samples(space: Space, searcher: Searcher, seed: int) -> None:
    """Draws one config (and encodes it for a model-based searcher) before any Ray work, so
    that a ``sample_from`` that raises or a choice the encoding cannot handle is an error
    here, naming the value, not a crashed experiment."""
    rng = np.random.default_rng(seed + 2)
    try:
        config = space.sample(rng)
    except Exception as e:
        raise ValueError(
            f"sampling a config of the param_space raised {type(e).__name__}: {e} "
            "(a sample_from function, or a domain inside a chosen value); fix the "
            "param_space"
        ) from e
    if type(searcher).suggest is BasicSearch.suggest:
        return
    name = type(searcher).__name__
    for path, domain in space.domains.items():
        where = f"param_space[{path_key(path)!r}]"
        if isinstance(domain, Categorical):
            for c in domain.choices:
                try:
                    bool(c == c)
                except Exception as e:
                    raise ValueError(
                        f"{name} cannot tell the choices of {where} apart: {c!r} == {c!r} "
                        f"raises {type(e).__name__}: {e}; a model-based searcher needs "
                        "choices that compare with == (numbers, strings, tuples, dicts of "
                        "those): choose among names or indices and build the object inside "
                        "the training function"
                    ) from None
        try:
            domain.to_unit(get_path(config, path))
        except Exception as e:
            raise ValueError(
                f"{name} cannot encode {where} = {domain!r} ({type(e).__name__}: {e})"
            ) from e


def check_storage(root: str) -> None:
    """``root`` exists (it is created) and is writable; a remote URI is checked when the
    controller first writes it (:func:`raytune_lite.storage.storage_root` checked its form)."""
    if is_remote(root):
        return
    try:
        os.makedirs(root, exist_ok=True)
    except OSError as e:
        raise ValueError(f"storage_path {root!r} cannot be created: {e}") from None
    if not os.access(root, os.W_OK):
        raise ValueError(f"storage_path {root!r} is not writable; pass a writable storage_path")


def check_failure_options(
    fail_fast: Any, systematic_failures: Any, wait_for_nodes_s: Any
) -> int | None:
    """Checks ``fail_fast``, ``systematic_failures`` and ``wait_for_nodes_s``; returns
    ``systematic_failures`` as a plain int (or None)."""
    if not (isinstance(fail_fast, bool) or fail_fast == "raise"):
        raise ValueError(f"fail_fast must be True, False or 'raise'; got {fail_fast=}")
    if wait_for_nodes_s is not None and (
        isinstance(wait_for_nodes_s, bool)
        or not isinstance(wait_for_nodes_s, (int, float))
        or not 0 < wait_for_nodes_s < float("inf")
    ):
        raise ValueError(
            f"wait_for_nodes_s must be a positive number of seconds or None; got "
            f"{wait_for_nodes_s=}"
        )
    return check_int("systematic_failures", systematic_failures, 1, allow_none=True)
