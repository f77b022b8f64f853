"""The tree view of a param space that TPE models: parameters, branches, groups.

A :class:`~raytune_lite.space.Space` flattens top-level domains only; a ``choice`` whose
choices are dicts holding domains (a *branch* selector) is one categorical leaf there, and the
domains inside a choice are sampled when it is chosen. TPE models those inner domains too:
each becomes a parameter that is *active* only when its selector took its branch. Parameters
sharing the same chain of (selector, branch) conditions form a *group*, modelled jointly on
the trials where the group was active.

Values of a trial are held as one float per parameter: the unit-cube encoding for numeric
domains, the choice index for categorical ones, NaN where the parameter was inactive or
unknown.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from raytune_lite.search._ordinal import Ordinal, as_modelled
from raytune_lite.space import (
    Categorical,
    Domain,
    Float,
    Integer,
    SampleFrom,
    Space,
    path_key,
    resolve_nested,
    set_path,
    skeleton,
    value_matches,
)

Path = tuple[str | int, ...]
#: A chain of ``(selector parameter index, branch index)`` conditions, outermost first.
Context = tuple[tuple[int, int], ...]

_MAX_DISCRETE = 2000  # discrete domains with more values are modelled as continuous


@dataclass(frozen=True)
class Param:
    """One modelled parameter.

    Attributes:
        key: unique flat name (``"model[1]/depth"`` for a domain inside choice 1 of ``model``).
        path: where the value sits: in the config for root parameters, else inside the
            selector's chosen value.
        domain: the domain.
        context: the branch conditions under which the parameter is active.
        edges: for discrete numeric domains, the cell edges of the values in the unit cube
            (``len(values) + 1`` numbers from 0 to 1); None for continuous and categorical.
        points: the unit-cube positions of the discrete values (None likewise).
    """

    key: str
    path: Path
    domain: Domain
    context: Context
    edges: np.ndarray | None = None
    points: np.ndarray | None = None

    @property
    def categorical(self) -> bool:
        return isinstance(self.domain, Categorical)

    @property
    def n_choices(self) -> int:
        return len(self.domain.choices) if isinstance(self.domain, Categorical) else 0


def _discrete_cells(d: Domain) -> tuple[np.ndarray, np.ndarray] | None:
    """``(points, edges)`` of an integer or quantized domain: each value's unit position and
    the unit cell that decodes to it (None for continuous domains or too many values)."""
    if isinstance(d, Ordinal):
        return d.cells()
    if isinstance(d, Integer):
        if d.size > _MAX_DISCRETE:
            return None
        values: list[float] = list(range(d.low, d.last + 1, d.step))
        bounds = [float(k) for k in values[1:]]  # value k owns the cell [k, k + step)
        fwd_lo, fwd_hi = float(d.low), float(d.last + d.step)
    elif isinstance(d, Float) and d.q is not None:
        lo = math.ceil(d.low / d.q - 1e-9)
        hi = math.floor(d.high / d.q + 1e-9)
        if hi - lo + 1 > _MAX_DISCRETE:
            return None
        values = [k * d.q for k in range(lo, hi + 1)]
        bounds = [(k + 0.5) * d.q for k in range(lo, hi)]
        fwd_lo, fwd_hi = d.low, d.high
    else:
        return None
    if d.log:
        bounds = [math.log(x) for x in bounds]
        fwd_lo, fwd_hi = math.log(fwd_lo), math.log(fwd_hi)
    inner = np.clip((np.array(bounds, dtype=float) - fwd_lo) / (fwd_hi - fwd_lo), 0.0, 1.0)
    points = np.array([d.to_unit(v) for v in values], dtype=float)
    return points, np.concatenate([[0.0], inner, [1.0]])


def _walk(node: Any, prefix: Path) -> list[tuple[Path, Any]]:
    if isinstance(node, Mapping):
        return [x for k, v in node.items() for x in _walk(v, (*prefix, k))]
    if isinstance(node, list):
        return [x for i, v in enumerate(node) for x in _walk(v, (*prefix, i))]
    return [(prefix, node)]


def _get(node: Any, path: Path) -> Any:
    """``node[path]``; string keys also match list indices and vice versa (flat records)."""
    for p in path:
        if isinstance(node, Mapping):
            if p in node:
                node = node[p]
            elif str(p) in node:
                node = node[str(p)]
            else:
                raise KeyError(p)
        elif isinstance(node, list):
            node = node[int(p)]
        else:
            raise KeyError(p)
    return node


def _has_domain(node: Any) -> bool:
    return any(
        isinstance(leaf, Domain) and not isinstance(leaf, SampleFrom) for _, leaf in _walk(node, ())
    )


class TreeSpace:
    """The modelled parameters of a :class:`Space`, with assembly and extraction of configs.

    Example:
        >>> import numpy as np, raytune_lite as rt
        >>> t = TreeSpace(rt.Space({"m": rt.choice([{"k": "a", "c": rt.uniform(0, 1)},
        ...                                         {"k": "b", "d": rt.randint(1, 4)}])}))
        >>> [p.key for p in t.params], t.groups
        (['m', 'm[0]/c', 'm[1]/d'], [(), ((0, 0),), ((0, 1),)])
        >>> t.assemble(np.array([1.0, np.nan, t.params[2].points[2]]), np.random.default_rng(0))
        {'m': {'k': 'b', 'd': 3}}
    """

    def __init__(self, space: Space):
        self.space = space
        self.params: list[Param] = []
        self.children: dict[tuple[int, int], list[int]] = {}
        for path, leaf in _walk(space.param_space, ()):
            if isinstance(leaf, Domain) and not isinstance(leaf, SampleFrom):
                self._add(path, leaf, (), path_key(path))
        # first appearance order: a selector always comes before the groups it conditions
        self.groups: list[Context] = list(dict.fromkeys(p.context for p in self.params))
        self.group_members: dict[Context, list[int]] = {
            g: [i for i, p in enumerate(self.params) if p.context == g] for g in self.groups
        }
        if () not in self.group_members:
            self.groups.insert(0, ())
            self.group_members[()] = []

    def _add(self, path: Path, domain: Domain, context: Context, key: str) -> None:
        domain = as_modelled(domain)  # a choice of sorted numbers is ordered
        cells = _discrete_cells(domain)
        points, edges = cells if cells is not None else (None, None)
        idx = len(self.params)
        self.params.append(Param(key, path, domain, context, edges, points))
        if isinstance(domain, Categorical):
            for b, choice in enumerate(domain.choices):
                if not _has_domain(choice):
                    continue
                kids = self.children.setdefault((idx, b), [])
                for sub, leaf in _walk(choice, ()):
                    if isinstance(leaf, Domain) and not isinstance(leaf, SampleFrom):
                        kids.append(len(self.params))
                        sub_key = f"{key}[{b}]" + ("/" + path_key(sub) if sub else "")
                        self._add(sub, leaf, (*context, (idx, b)), sub_key)

    @property
    def dim(self) -> int:
        return len(self.params)

    # -- values <-> configs ----------------------------------------------------------------
    def active(self, context: Context, values: np.ndarray) -> bool | np.ndarray:
        """Whether ``context`` holds for one value vector (or each row of a matrix)."""
        if values.ndim == 1:
            return all(values[s] == b for s, b in context)
        ok = np.ones(values.shape[0], dtype=bool)
        for s, b in context:
            ok &= values[:, s] == b
        return ok

    def _value(self, i: int, values: np.ndarray) -> Any:
        p = self.params[i]
        u = float(values[i])
        if not isinstance(p.domain, Categorical):
            return p.domain.from_unit(u)
        b = int(u)
        choice = p.domain.choices[b]
        kids = self.children.get((i, b))
        if not kids:
            return copy.deepcopy(choice)
        if not self.params[kids[0]].path:  # the choice is itself a domain
            return self._value(kids[0], values)
        out = copy.deepcopy(choice)
        for k in kids:
            set_path(out, self.params[k].path, self._value(k, values))
        return out

    def assemble(self, values: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
        """The config of a value vector; constants filled, conditional values computed."""
        config: dict[str, Any] = skeleton(self.space.param_space)
        for path, leaf in _walk(self.space.param_space, ()):
            if not isinstance(leaf, Domain):
                set_path(config, path, copy.deepcopy(leaf))
        for i, p in enumerate(self.params):
            if not p.context:
                set_path(config, p.path, self._value(i, values))
        for path, cond in self.space.conditionals.items():
            set_path(config, path, resolve_nested(cond.fn(config), rng))
        return config

    def extract(self, config: Mapping[str, Any]) -> np.ndarray:
        """The value vector of a config: NaN where a parameter is inactive or unreadable."""
        values = np.full(self.dim, np.nan)
        for i, p in enumerate(self.params):
            if not p.context:
                try:
                    self._extract(i, _get(config, p.path), values)
                except (KeyError, IndexError, TypeError, ValueError):
                    continue
        return values

    def _extract(self, i: int, value: Any, values: np.ndarray) -> None:
        p = self.params[i]
        if not isinstance(p.domain, Categorical):
            if isinstance(value, bool) or value is None:
                return
            v = float(value)
            if math.isfinite(v):
                values[i] = p.domain.to_unit(v)
            return
        for b, choice in enumerate(p.domain.choices):
            kids = self.children.get((i, b))
            if not kids:
                if choice is value or _equal(choice, value):
                    values[i] = b
                    return
                continue
            if value_matches(choice, value):
                values[i] = b
                for k in kids:
                    try:
                        self._extract(k, _get(value, self.params[k].path), values)
                    except (KeyError, IndexError, TypeError, ValueError):
                        continue
                return

    def snap(self, values: np.ndarray) -> np.ndarray:
        """Discrete and categorical values moved onto their exact encoded positions."""
        out = values.copy()
        for i, p in enumerate(self.params):
            if not p.categorical and not math.isnan(out[i]):
                out[i] = p.domain.to_unit(p.domain.from_unit(out[i]))
        return out


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False
