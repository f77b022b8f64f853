"""Results of an experiment: :class:`ResultGrid`, what ``fit()`` returns.

The data (DataFrames, the best trial, the Pareto front, errors) is
:class:`~raytune_lite.results_base.ResultsBase`, which the figures read; this class adds the
report page and the Optuna study, which are built on those figures and on Optuna.

Example:
    >>> import raytune_lite as rt
    >>> results = rt.ResultGrid.from_path("~/raytune_lite_results/train_x")  # doctest: +SKIP
    >>> results.best.config, results.dataframe().head()  # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import Any

from raytune_lite.results_base import Result, ResultsBase

__all__ = ["Result", "ResultGrid"]


class ResultGrid(ResultsBase):
    """All trials of an experiment, read from its folder (see
    :class:`~raytune_lite.results_base.ResultsBase` for the data), with its report page and
    its Optuna study.

    Example:
        >>> import raytune_lite as rt
        >>> results = rt.ResultGrid.from_path("~/raytune_lite_results/run")  # doctest: +SKIP
        >>> results.report()  # doctest: +SKIP
        '/home/me/raytune_lite_results/run/report.html'
    """

    def to_optuna_study(
        self,
        storage: str | None = None,
        study_name: str | None = None,
        intermediate_values: bool = True,
    ) -> Any:
        """The experiment's trials as an ``optuna.Study`` (in memory, or in ``storage`` such as
        ``"sqlite:///run.db"`` for optuna-dashboard); see
        :func:`raytune_lite.optuna_interop.to_optuna_study`. Needs ``raytune_lite[optuna]``."""
        from raytune_lite.optuna_interop import to_optuna_study

        return to_optuna_study(self, storage, study_name, intermediate_values)

    def report(self, path: str | None = None, top: int = 10) -> str:
        """Writes a self-contained HTML page about the experiment (figures embedded, the top
        trials, counts, errors grouped by exception, the settings) and returns its path.

        Args:
            path: the HTML file (default: ``report.html`` in the experiment folder).
            top: how many best trials the table lists.

        Needs matplotlib (``pip install 'raytune_lite[plot]'``).
        """
        from raytune_lite.report_page import write_report

        return write_report(self, path or os.path.join(self.path, "report.html"), top=top)
