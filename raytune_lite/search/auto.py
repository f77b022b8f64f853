"""``searcher="auto"``: a searcher picked from the space, the budget and the concurrency.

The rule follows the README's "which search method when" table:

1. nothing to search (only constants and grid axes): grid search (``BasicSearch``);
2. conditional sub-spaces (a ``choice`` of dicts) or a mostly categorical space: ``TPE``,
   which models each branch on the trials that took it;
3. a budget of at most 300 trials, at most 20 dimensions and fewer than 32 trials at once:
   ``BayesOpt`` (the most sample-efficient on smooth objectives);
4. a mostly numeric space of 5 dimensions or more with a larger budget: ``CMAES``;
5. otherwise ``TPE`` (cheap suggestions, robust with many trials at once).

With several objectives (``Tuner(metric=[...])``) the same rule, among the searchers that
rank by several: ``TPE`` (MOTPE) for conditional or mostly categorical spaces, ``BayesOpt``
(ParEGO) within its reach (3.), ``NSGA2`` otherwise (cheap suggestions, steady state,
ahead on the benchmark's larger budgets).

Example:
    >>> import raytune_lite as rt
    >>> pick = choose_searcher(rt.Space({"lr": rt.loguniform(1e-4, 1e-1)}), 50, 4)
    >>> type(pick.searcher).__name__
    'BayesOpt'
    >>> pick.reason.split(":")[0]
    '1 numeric dimension, 50 trials, 4 at once'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from raytune_lite.multiobjective import Objectives
from raytune_lite.search.base import Searcher
from raytune_lite.space import Categorical, Grid, Space

#: BayesOpt's reach: trials, dimensions, and trials at once
BO_MAX_TRIALS = 300
BO_MAX_DIMS = 20
BO_MAX_CONCURRENT = 32


@dataclass(frozen=True)
class AutoChoice:
    """The searcher ``searcher="auto"`` picked, and why (one line, shown at ``fit()``)."""

    searcher: Searcher
    reason: str


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def choose_searcher(
    space: Space,
    num_samples: int,
    concurrency: int | None,
    objectives: Objectives | None = None,
) -> AutoChoice:
    """Picks a searcher for ``space`` (see the module's rule).

    Args:
        space: the search space.
        num_samples: the trial budget (-1: unlimited).
        concurrency: how many trials run at once (None: unknown, taken as a few).
        objectives: the experiment's objectives (None: one).

    Returns:
        The new (not yet set up) searcher and the reason for it.
    """
    from raytune_lite.search import CMAES, NSGA2, TPE, BasicSearch, BayesOpt

    domains = [d for d in space.domains.values() if not isinstance(d, Grid)]
    dims = len(domains)
    categorical = sum(isinstance(d, Categorical) for d in domains)
    branches = any(
        isinstance(d, Categorical) and any(isinstance(c, (dict, list)) for c in d.choices)
        for d in domains
    ) or bool(space.conditionals)
    budget = math.inf if num_samples < 0 else num_samples
    at_once = concurrency or 4
    numeric = dims - categorical
    shape = (
        f"{_plural(numeric, 'numeric dimension')}"
        + (f" and {categorical} categorical" if categorical else "")
        + f", {'unlimited' if budget == math.inf else int(budget)} trials, {at_once} at once"
    )
    if dims == 0:
        return AutoChoice(BasicSearch(), "nothing to search but grid axes: grid search")
    if objectives is not None and objectives.multi:
        shape += f", {len(objectives.metrics)} objectives"
        if branches or categorical * 2 > dims:
            return AutoChoice(TPE(), f"{shape}: MOTPE models categories and branches best")
        if budget <= BO_MAX_TRIALS and dims <= BO_MAX_DIMS and at_once < BO_MAX_CONCURRENT:
            return AutoChoice(
                BayesOpt(), f"{shape}: BayesOpt (ParEGO) is the most sample-efficient here"
            )
        return AutoChoice(NSGA2(), f"{shape}: NSGA-II suggests cheaply for large budgets")
    if branches:
        return AutoChoice(
            TPE(), f"{shape}, conditional values: TPE models each branch on its own trials"
        )
    if categorical * 2 > dims:
        return AutoChoice(TPE(), f"{shape}: mostly categorical, TPE handles categories best")
    if budget <= BO_MAX_TRIALS and dims <= BO_MAX_DIMS and at_once < BO_MAX_CONCURRENT:
        return AutoChoice(
            BayesOpt(),
            f"{shape}: BayesOpt is the most sample-efficient on budgets of a few hundred",
        )
    if numeric >= 5 and budget > BO_MAX_TRIALS:
        return AutoChoice(CMAES(), f"{shape}: CMA-ES scales to many dimensions and trials")
    return AutoChoice(TPE(), f"{shape}: TPE suggests cheaply with many trials at once")


__all__ = ["AutoChoice", "choose_searcher"]
