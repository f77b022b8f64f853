"""scikit-learn style parameter spaces (no Ray)."""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn")

from scipy import stats

import raytune_lite as rt
from raytune_lite import domains as d
from raytune_lite.sklearn._space import to_param_space


def test_lists_scipy_distributions_domains_and_constants():
    space = to_param_space(
        {
            "kernel": ["rbf", "linear"],
            "C": stats.loguniform(1e-3, 1e3),
            "alpha": stats.uniform(1, 4),  # loc, scale: [1, 5]
            "depth": stats.randint(2, 6),  # 2..5
            "gamma": rt.uniform(0, 1),
            "svc__tol": 1e-3,
        }
    )
    assert isinstance(space["kernel"], d.Categorical) and space["kernel"].choices == [
        "rbf",
        "linear",
    ]
    assert (space["C"].low, space["C"].high, space["C"].log) == (1e-3, 1e3, True)
    assert (space["alpha"].low, space["alpha"].high) == (1, 5)
    assert (space["depth"].low, space["depth"].high) == (2, 6)
    assert space["gamma"] is not None and space["svc__tol"] == 1e-3


def test_what_has_no_domain_is_named():
    with pytest.raises(ValueError, match="'norm' has no raytune_lite domain"):
        to_param_space({"x": stats.norm(0, 1)})
    with pytest.raises(ValueError, match="empty list"):
        to_param_space({"x": []})
    with pytest.raises(ValueError, match="non-empty dict"):
        to_param_space({})
