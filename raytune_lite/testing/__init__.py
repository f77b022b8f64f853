"""Shared conformance checks that every searcher and scheduler must pass.

Use them from a test module::

    from raytune_lite.testing import check_searcher
    def test_my_searcher_conforms():
        check_searcher(lambda: MySearcher(n_initial_points=3))
"""

from raytune_lite.testing.scheduler_conformance import (
    CurveRun,
    check_scheduler,
    crossing_losses,
    run_on_curves,
)
from raytune_lite.testing.searcher_conformance import (
    CONFORMANCE_SPACE,
    STEP_SPACE,
    check_searcher,
    check_step_grid,
    drive,
)

__all__ = [
    "CONFORMANCE_SPACE",
    "STEP_SPACE",
    "CurveRun",
    "check_scheduler",
    "check_searcher",
    "check_step_grid",
    "crossing_losses",
    "drive",
    "run_on_curves",
]
