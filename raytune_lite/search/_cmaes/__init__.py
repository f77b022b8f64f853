"""The helpers of :class:`~raytune_lite.search.cmaes.CMAES`.

* :mod:`.distribution`: the search distribution (mean, step size, covariance) and its
  update from one generation of results (Hansen's tutorial, with active CMA).

Nothing here is public API; other searchers do not import it.
"""
