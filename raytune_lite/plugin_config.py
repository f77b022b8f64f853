"""Rebuilding an experiment's searcher and scheduler from its folder.

experiment.json records each plugin's class, module and constructor arguments
(:meth:`~raytune_lite.search.Searcher.to_config`) beside its state, so that resuming needs
only the path and the trainable. Only raytune_lite's own classes are rebuilt from a folder
(naming any other module would make the folder run code); a plugin of your own, or one built
with a function argument, is passed again by you.

Example:
    >>> from raytune_lite.schedulers import ASHA
    >>> ps = plugin_state(ASHA(max_t=9))
    >>> type(rebuild(ps, "scheduler")).__name__, ps.config["kwargs"]
    ('ASHA', {'max_t': 9})
"""

from __future__ import annotations

import importlib
from typing import Any

from raytune_lite._plugin_args import decode_args
from raytune_lite.store import PluginState

_DEFAULTS = {"searcher": "BasicSearch", "scheduler": "FIFO"}


def plugin_state(plugin: Any) -> PluginState:
    """What experiment.json records of a searcher or scheduler."""
    cls = type(plugin)
    return PluginState(cls.__name__, plugin.state(), cls.__module__, plugin.to_config())


def check_same_kind(saved: PluginState, plugin: Any, role: str) -> None:
    """Refuses to resume with a plugin of another class than the experiment used.

    Raises:
        ValueError: naming both classes.
    """
    got = type(plugin).__name__
    if saved.kind and saved.kind != got:
        raise ValueError(
            f"the experiment used {role} {saved.kind}; this Tuner has {role} {got}: its "
            f"state cannot be taken up by another class. Pass {role}={saved.kind}(...) "
            f"(or, with Tuner.restore, none: it is rebuilt from experiment.json)"
        )


def rebuild(saved: PluginState, role: str) -> Any:
    """A new searcher or scheduler of the recorded class and arguments (its state is loaded
    later, by the controller).

    Raises:
        ValueError: when the folder does not hold what rebuilds it, naming what to pass.
    """
    from raytune_lite.schedulers.base import Scheduler
    from raytune_lite.search.base import Searcher

    kind = saved.kind or _DEFAULTS[role]
    base: type = Searcher if role == "searcher" else Scheduler
    ask = f"pass {role}={kind}(...) to Tuner.restore"
    module = saved.module or (
        "raytune_lite.search" if role == "searcher" else "raytune_lite.schedulers"
    )
    if module != "raytune_lite" and not module.startswith("raytune_lite."):
        raise ValueError(
            f"the experiment used the {role} {kind} from {module!r}, which is not rebuilt "
            f"from a folder (that would run the code it names): {ask}"
        )
    config = saved.config
    if config is None:
        if kind != _DEFAULTS[role] and saved.module:
            raise ValueError(
                f"the experiment's {role} {kind} was built with an argument that cannot be "
                f"stored (a function?): {ask}"
            )
        if kind != _DEFAULTS[role]:  # written before constructor arguments were recorded
            raise ValueError(f"the experiment used {role} {kind}; {ask}")
        config = {}
    try:
        cls = getattr(importlib.import_module(module), kind)
    except (ImportError, AttributeError) as e:
        raise ValueError(f"cannot rebuild the {role} {kind} ({e}): {ask}") from None
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise ValueError(f"{module}.{kind} is not a raytune_lite {role}: {ask}")
    args, kwargs = decode_args(config)
    try:
        return cls(*args, **kwargs)
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"cannot rebuild the {role} {kind} from experiment.json ({e}): {ask}"
        ) from None
