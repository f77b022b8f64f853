"""Ray Tune's search space functions, mapped onto raytune_lite's domains.

Bounds follow Ray Tune (2.60): ``randint`` and ``lograndint`` exclude ``upper``; ``qrandint``
and ``qlograndint`` draw the multiples of ``q`` in ``[lower, upper]``, ``upper`` included,
except with ``q=1``, where Ray excludes it; floats are drawn from ``[lower, upper]``.
``grid_search`` returns Ray's ``{"grid_search": [...]}`` marker, which
:class:`raytune_lite.tune.Tuner` turns into a grid axis (so literal markers in a param space
work too). ``sample_from`` functions receive
Ray's ``spec``: ``spec.config`` is the rest of the config, readable as attributes or items.

Not mirrored: ``randn``/``qrandn`` (normal distributions) and ``base=`` other than the log
scale itself (any base gives the same log-uniform distribution, so it is accepted).

Example:
    >>> from raytune_lite import tune
    >>> tune.randint(1, 4)  # 1, 2 or 3
    randint(1, 4)
    >>> tune.grid_search([1, 2])
    {'grid_search': [1, 2]}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from raytune_lite import domains as d
from raytune_lite.constructors import stepped_integer

__all__ = [
    "choice",
    "convert_space",
    "grid_search",
    "lograndint",
    "loguniform",
    "qlograndint",
    "qloguniform",
    "qrandint",
    "quniform",
    "randint",
    "randn",
    "sample_from",
    "uniform",
]


def uniform(lower: float, upper: float) -> d.Float:
    """A float drawn uniformly from ``[lower, upper]``."""
    return d.Float(lower, upper)


def quniform(lower: float, upper: float, q: float) -> d.Float:
    """A uniform float rounded to a multiple of ``q``."""
    return d.Float(lower, upper, q=q)


def loguniform(lower: float, upper: float, base: float = 10) -> d.Float:
    """A float drawn uniformly in log space from ``[lower, upper]`` (any ``base``)."""
    _check_base(base)
    return d.Float(lower, upper, log=True)


def qloguniform(lower: float, upper: float, q: float, base: float = 10) -> d.Float:
    """A log-uniform float rounded to a multiple of ``q``."""
    _check_base(base)
    return d.Float(lower, upper, log=True, q=q)


def randint(lower: int, upper: int) -> d.Integer:
    """An integer from ``lower`` (included) to ``upper`` (excluded), as in Ray Tune."""
    return d.Integer(lower, upper)


def lograndint(lower: int, upper: int, base: float = 10) -> d.Integer:
    """An integer from ``lower`` to ``upper`` (excluded), drawn uniformly in log space."""
    _check_base(base)
    return d.Integer(lower, upper, log=True)


def qrandint(lower: int, upper: int, q: int = 1) -> d.Integer:
    """A multiple of ``q`` from ``lower`` to ``upper``, as in Ray Tune: ``upper`` included,
    except for ``q=1``, where it is excluded (``tune.randint``)."""
    return _stepped(lower, upper, q, log=False, fn="qrandint")


def qlograndint(lower: int, upper: int, q: int, base: float = 10) -> d.Integer:
    """A log-uniform multiple of ``q`` from ``lower`` to ``upper`` (bounds as :func:`qrandint`)."""
    _check_base(base)
    return _stepped(lower, upper, q, log=True, fn="qlograndint")


def _stepped(lower: int, upper: int, q: int, *, log: bool, fn: str) -> d.Integer:
    if isinstance(q, bool) or not isinstance(q, int) or q < 1:
        raise ValueError(f"{fn}: q must be an int >= 1; got {q=}")
    if isinstance(upper, bool) or not isinstance(upper, int):
        raise TypeError(f"{fn}: upper must be an int; got {upper=}")
    if q == 1:  # Ray: "upper is also inclusive except for q=1 where it's exclusive"
        return d.Integer(lower, upper, log=log)
    # Ray adjusts bounds that are not multiples of q silently, and so does this facade
    return stepped_integer(lower, upper, q, log=log, fn=fn, warn=False)


def randn(mean: float = 0.0, sd: float = 1.0) -> d.Domain:
    """Not mirrored: raytune_lite has no normal-distribution domain."""
    raise NotImplementedError(
        "tune.randn (a normal distribution) is not mirrored: use tune.uniform over the range "
        f"you expect, e.g. tune.uniform({mean} - 3 * {sd}, {mean} + 3 * {sd})"
    )


def choice(categories: Sequence[Any]) -> d.Categorical:
    """One of ``categories``, drawn uniformly."""
    return d.Categorical(categories)


def grid_search(values: Sequence[Any]) -> dict[str, list[Any]]:
    """Ray's grid marker: every value is tried (grid axes multiply)."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Sequence):
        raise TypeError(f"grid_search needs a list of values; got {values!r}")
    return {"grid_search": list(values)}


class _Spec:
    """What a Ray ``sample_from`` function receives: ``spec.config``."""

    def __init__(self, config: Mapping[str, Any]):
        self.config = _AttrDict.wrap(config)

    def __getitem__(self, key: str) -> Any:
        if key == "config":
            return self.config
        raise KeyError(key)


class _AttrDict(dict):  # type: ignore[type-arg]
    """A dict whose items are readable as attributes (``spec.config.lr``)."""

    @classmethod
    def wrap(cls, node: Any) -> Any:
        if isinstance(node, Mapping):
            return cls({k: cls.wrap(v) for k, v in node.items()})
        if isinstance(node, list):
            return [cls.wrap(v) for v in node]
        return node

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class _SpecFunction:
    """Calls a Ray-style ``fn(spec)`` with raytune_lite's config (picklable)."""

    def __init__(self, fn: Callable[[Any], Any]):
        self.fn = fn
        self.__qualname__ = getattr(fn, "__qualname__", repr(fn))

    def __call__(self, config: dict[str, Any]) -> Any:
        return self.fn(_Spec(config))


def sample_from(func: Callable[[Any], Any]) -> d.SampleFrom:
    """A value computed by ``func(spec)``, where ``spec.config`` is the rest of the config."""
    if not callable(func):
        raise TypeError(f"sample_from needs a callable taking spec; got {func!r}")
    return d.SampleFrom(_SpecFunction(func))


def _check_base(base: Any) -> None:
    if isinstance(base, bool) or not isinstance(base, (int, float)) or not base > 1:
        raise ValueError(f"base must be a number > 1; got {base=}")


def convert_space(node: Any) -> Any:
    """A Ray param space as raytune_lite's: ``{"grid_search": [...]}`` markers become grid
    axes (nested dicts and lists are walked; domains and constants stay as they are)."""
    if isinstance(node, Mapping):
        if set(node) == {"grid_search"}:
            values = node["grid_search"]
            if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Sequence):
                raise TypeError(f"grid_search needs a list of values; got {values!r}")
            return d.Grid([convert_space(v) for v in values])
        return {k: convert_space(v) for k, v in node.items()}
    if isinstance(node, list):
        return [convert_space(v) for v in node]
    if isinstance(node, d.Categorical) and not isinstance(node, d.Grid):
        return d.Categorical([convert_space(c) for c in node.choices])
    return node
