"""Autoscaling clusters: how many more trials the nodes an autoscaler may still add would fit,
and which task errors mean that a node went away (a retry, not a failure of the trial).

The controller launches as many trials as the cluster fits *now* plus what the autoscaler may
still add (node types' resources times ``max_workers``, less the nodes of each type already up),
so that the autoscaler sees the whole demand as pending tasks and scales up for all of it
(Ray Tune's pending queue capped that demand at 16 trials: ray-project/ray#43451).

The autoscaler's config is read from ``$RAYTUNE_LITE_AUTOSCALING_CONFIG`` if set, else from
``~/ray_bootstrap_config.yaml`` (what ``ray up`` writes on the head node); no file: no growth.

Example:
    >>> config = {"max_workers": 3, "available_node_types": {
    ...     "head": {"resources": {}, "max_workers": 0},
    ...     "cpu4": {"resources": {"CPU": 4}, "max_workers": 5}}}
    >>> types = node_types(config)
    >>> growth_fits({"cpu": 1.0}, types, worker_cap(config), alive=[{"CPU": 4.0}])
    8
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from raytune_lite.resources import fits_on_node

#: names the autoscaler's cluster config (YAML or JSON) when it is not the ``ray up`` default
CONFIG_ENV = "RAYTUNE_LITE_AUTOSCALING_CONFIG"
#: where ``ray up`` leaves the cluster config on the head node
BOOTSTRAP_CONFIG = "~/ray_bootstrap_config.yaml"
#: the resource only a head node has
HEAD_RESOURCE = "node:__internal_head__"


@dataclass(frozen=True)
class NodeType:
    """A worker node type the autoscaler may launch.

    Attributes:
        name: the type's name in ``available_node_types``.
        resources: each node's resources, in Ray's names (``CPU``, ``GPU``, custom ones).
        max_workers: at most this many nodes of the type.
    """

    name: str
    resources: dict[str, float]
    max_workers: int

    def matches(self, node: Mapping[str, float]) -> bool:
        """Whether an alive node's total resources are this type's (all it declares)."""
        return bool(self.resources) and all(
            math.isclose(node.get(k, 0.0), v) for k, v in self.resources.items()
        )


def node_types(config: Mapping[str, Any]) -> list[NodeType]:
    """The worker node types of an autoscaler cluster config (the head's type left out).

    Raises:
        ValueError: ``available_node_types`` is not a mapping of types, or a type's
            ``resources``/``max_workers`` are not numbers.
    """
    types = config.get("available_node_types") or {}
    if not isinstance(types, Mapping):
        raise ValueError(f"available_node_types must map node type names to types; got {types!r}")
    head = config.get("head_node_type")
    out = []
    for name, t in types.items():
        if name == head or not isinstance(t, Mapping):
            continue
        resources = t.get("resources") or {}
        max_workers = t.get("max_workers", 0)
        if not isinstance(resources, Mapping) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in resources.values()
        ):
            raise ValueError(
                f"node type {name!r}: resources must map names to numbers; got {resources!r}"
            )
        if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 0:
            raise ValueError(
                f"node type {name!r}: max_workers must be an int >= 0; got {max_workers!r}"
            )
        if max_workers:
            out.append(
                NodeType(str(name), {k: float(v) for k, v in resources.items()}, max_workers)
            )
    return out


def worker_cap(config: Mapping[str, Any]) -> int | None:
    """The cluster's ``max_workers`` (all worker types together), or None if not given."""
    cap = config.get("max_workers")
    return cap if isinstance(cap, int) and not isinstance(cap, bool) else None


def load_config(path: str | None = None) -> dict[str, Any] | None:
    """The autoscaler's cluster config: ``path``, else ``$RAYTUNE_LITE_AUTOSCALING_CONFIG``,
    else ``~/ray_bootstrap_config.yaml``; None when there is no such file.

    Raises:
        ValueError: the file named (by ``path`` or the variable) is missing or not a mapping.
    """
    named = path or os.environ.get(CONFIG_ENV)
    chosen = named or os.path.expanduser(BOOTSTRAP_CONFIG)
    if not os.path.exists(chosen):
        if named:
            raise ValueError(f"{CONFIG_ENV}={named!r}: no such autoscaler config file")
        return None
    with open(chosen) as f:
        text = f.read()
    try:
        config = json.loads(text)
    except ValueError:
        import yaml

        config = yaml.safe_load(text)
    if not isinstance(config, dict):
        raise ValueError(f"autoscaler config {chosen!r} is not a mapping: {type(config).__name__}")
    return config


@dataclass(frozen=True)
class Growth:
    """What an autoscaler may still add: its worker node types and their overall cap."""

    types: tuple[NodeType, ...]
    cap: int | None

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> Growth:
        if config is None:
            return cls((), None)
        return cls(tuple(node_types(config)), worker_cap(config))

    def fits(self, request: Mapping[str, float], alive: Sequence[Mapping[str, float]]) -> int:
        """:func:`growth_fits` for these types."""
        return growth_fits(request, self.types, self.cap, alive) if self.types else 0


def growth_fits(
    request: Mapping[str, float],
    types: Sequence[NodeType],
    cap: int | None,
    alive: Sequence[Mapping[str, float]],
) -> int:
    """How many trials with ``request`` the nodes the autoscaler may still add would fit.

    Args:
        request: one trial's normalized resources (``{"cpu": 1.0}``).
        types: the worker node types.
        cap: the cluster's ``max_workers`` (None: only each type's own).
        alive: total resources of the alive nodes (a node counts against the first type whose
            resources it has; the head node, with ``node:__internal_head__``, against none).
    """
    left = {t.name: t.max_workers for t in types}
    workers = 0
    for node in alive:
        if HEAD_RESOURCE in node:
            continue
        workers += 1
        for t in types:
            if left[t.name] > 0 and t.matches(node):
                left[t.name] -= 1
                break
    room = math.inf if cap is None else max(0, cap - workers)
    total = 0
    for per_node, t in sorted(
        ((fits_on_node(request, t.resources), t) for t in types), key=lambda p: -p[0]
    ):
        n = min(left[t.name], room)
        if per_node <= 0 or n <= 0:
            continue
        total += per_node * int(n)
        room -= n
    return total


#: what Ray says in the errors of a task or actor whose node died
_NODE_DIED_WORDS = ("node died", "node is dead", "node was removed", "raylet died")


def node_lost(error: BaseException) -> bool:
    """Whether a task's error says its node went away (scale-down, preemption, a crash of
    the node): the attempt is retried without counting against ``max_failures``."""
    import ray

    if isinstance(error, ray.exceptions.NodeDiedError):
        return True
    if isinstance(error, ray.exceptions.ActorDiedError) and error.preempted:
        return True
    if isinstance(error, (ray.exceptions.WorkerCrashedError, ray.exceptions.ActorDiedError)):
        text = str(error).lower()
        return any(w in text for w in _NODE_DIED_WORDS)
    return False


__all__ = [
    "BOOTSTRAP_CONFIG",
    "CONFIG_ENV",
    "Growth",
    "NodeType",
    "growth_fits",
    "load_config",
    "node_lost",
    "node_types",
    "worker_cap",
]
