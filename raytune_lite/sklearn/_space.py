"""scikit-learn style parameter spaces as raytune_lite param spaces.

``param_space`` may hold raytune_lite domains (``rt.loguniform(...)``), lists of values (as in
``GridSearchCV``'s ``param_grid``: a choice among them), single constants, or the frozen scipy
distributions ``RandomizedSearchCV`` users pass (``scipy.stats.uniform``, ``loguniform`` /
``reciprocal``, ``randint``).

Example:
    >>> from scipy import stats
    >>> space = to_param_space({"C": stats.loguniform(1e-2, 1e2), "kernel": ["rbf", "linear"]})
    >>> space["C"], space["kernel"]
    (loguniform(0.01, 100.0), choice(['rbf', 'linear']))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from raytune_lite.domains import Categorical, Domain, Float, Integer

__all__ = ["to_param_space"]


def _from_scipy(name: str, dist: Any) -> Domain:
    kind = getattr(getattr(dist, "dist", None), "name", None)
    low, high = dist.support()
    if kind == "uniform":
        return Float(float(low), float(high))
    if kind in ("loguniform", "reciprocal"):
        return Float(float(low), float(high), log=True)
    if kind == "randint":
        return Integer(int(low), int(high) + 1)  # scipy's support includes its upper end
    raise ValueError(
        f"param_space[{name!r}]: the scipy distribution {kind!r} has no raytune_lite domain; "
        "use scipy.stats.uniform, loguniform or randint, or rt.uniform/rt.loguniform/"
        "rt.randint/rt.choice"
    )


def to_param_space(param_space: Mapping[str, Any]) -> dict[str, Any]:
    """The raytune_lite param space for estimator parameter names (``"svc__C"``)."""
    if not isinstance(param_space, Mapping) or not param_space:
        raise ValueError(
            f"param_space must be a non-empty dict of estimator parameter names; got "
            f"{param_space!r}"
        )
    out: dict[str, Any] = {}
    for name, value in param_space.items():
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"param_space keys are estimator parameter names; got {name!r}")
        if isinstance(value, Domain):
            out[name] = value
        elif hasattr(value, "rvs") and hasattr(value, "support"):
            out[name] = _from_scipy(name, value)
        elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
            if len(value) == 0:
                raise ValueError(f"param_space[{name!r}] is an empty list of values")
            out[name] = Categorical(list(value))
        else:
            out[name] = value
    return out
