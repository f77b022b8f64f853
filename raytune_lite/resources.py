"""Per-trial resource requests: validation, Ray task options, and what the cluster fits."""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import Enum
from typing import Any

_RAY_NAMES = {"cpu": "CPU", "gpu": "GPU", "memory": "memory"}

#: Ray counts every resource in steps of this size (``ray._raylet.RESOURCE_UNIT_SCALING``).
RESOURCE_STEP = 1e-4


def normalize(resources: Mapping[str, Any] | None) -> dict[str, float]:
    """Validates a request like ``{"cpu": 1, "gpu": 0.5, "custom": 1}``; default 1 CPU."""
    if resources is None:
        return {"cpu": 1.0}
    if not isinstance(resources, Mapping):
        raise TypeError(
            f"resources must be a dict like {{'cpu': 1, 'gpu': 0.5}}; got {resources!r}"
        )
    out: dict[str, float] = {}
    given: dict[str, str] = {}  # normalized name -> the name as given
    for k, v in resources.items():
        if not isinstance(k, str) or not k:
            raise ValueError(f"resource names must be non-empty strings; got {k!r}")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise ValueError(f"resources[{k!r}] must be a number >= 0; got {v!r}")
        steps = v / RESOURCE_STEP
        if v and abs(steps - round(steps)) > 1e-6 * max(1.0, steps):
            raise ValueError(
                f"resources[{k!r}] must be 0 or a multiple of {RESOURCE_STEP:g} (Ray counts "
                f"resources in steps of {RESOURCE_STEP:g}); got {v!r}"
            )
        key = k.lower() if k.lower() in _RAY_NAMES else k
        if key in given:
            raise ValueError(
                f"resources names the same resource twice: {given[key]!r} and {k!r} "
                f"(resource names {sorted(_RAY_NAMES)} are case-insensitive); got {resources!r}"
            )
        given[key] = k
        if key == "gpu" and v > 1 and v != int(v):
            raise ValueError(f"a fractional GPU request must be <= 1; got gpu={v!r}")
        out[key] = float(v)
    out.setdefault("cpu", 1.0)
    if all(v == 0 for v in out.values()):
        raise ValueError(f"a trial must request some resource; got {resources!r}")
    return out


class Placement(str, Enum):
    """Where trials go among the cluster's nodes.

    ``PACK`` (the default) is Ray's own policy: fill the driver's node first, then spread as
    nodes get busy. ``SPREAD`` puts each new trial on the least-loaded node, for trials that
    each want a whole node (its memory, disk or network) to themselves.

    Example:
        >>> Placement.parse("spread")
        <Placement.SPREAD: 'spread'>
    """

    PACK = "pack"
    SPREAD = "spread"

    @classmethod
    def parse(cls, value: Any) -> Placement:
        if isinstance(value, Placement):
            return value
        try:
            return cls(value)
        except ValueError:
            raise ValueError(
                f"placement must be 'pack' or 'spread'; got placement={value!r}"
            ) from None


def ray_options(
    resources: Mapping[str, float], placement: Placement = Placement.PACK
) -> dict[str, Any]:
    """Task options for a normalized request placed as ``placement`` says."""
    opts: dict[str, Any] = {
        "num_cpus": resources.get("cpu", 0.0),
        "num_gpus": resources.get("gpu", 0.0),
    }
    if resources.get("memory"):
        opts["memory"] = resources["memory"]
    custom = {k: v for k, v in resources.items() if k not in _RAY_NAMES}
    if custom:
        opts["resources"] = custom
    if placement is Placement.SPREAD:
        opts["scheduling_strategy"] = "SPREAD"
    return opts


def _ray_key(k: str) -> str:
    return _RAY_NAMES.get(k, k)


def fits_on_node(resources: Mapping[str, float], node_total: Mapping[str, float]) -> int:
    """How many trials with this request fit on a node with these total resources."""
    n = math.inf
    for k, v in resources.items():
        if v <= 0:
            continue
        n = min(n, math.floor(node_total.get(_ray_key(k), 0.0) / v + 1e-9))
    return 0 if n == math.inf else int(n)


def alive_nodes() -> list[dict[str, float]]:
    """Total resources of every alive node of the connected Ray cluster."""
    import ray

    return [dict(n.get("Resources", {})) for n in ray.nodes() if n.get("Alive")]


def cluster_fits(resources: Mapping[str, float]) -> int:
    """How many trials the alive nodes fit at once (0: no node can ever run one)."""
    return sum(fits_on_node(resources, node) for node in alive_nodes())


def unsatisfiable_message(resources: Mapping[str, float]) -> str:
    nodes = alive_nodes()
    have = [
        {
            k: v
            for k, v in n.items()
            if not k.startswith("node:") and not k.endswith("_group") and k != "object_store_memory"
        }
        for n in nodes
    ]
    return (
        f"no node of the Ray cluster can run a trial that requests {dict(resources)}; "
        f"the {len(nodes)} alive node(s) have {have}. Lower the request, or add a node "
        "with these resources"
    )
