"""The helpers of :class:`~raytune_lite.search.tpe.TPE` (tree-structured Parzen estimator).

* :mod:`.space`: the tree view of a space that TPE models (parameters, branches, groups).
* :mod:`.parzen`: the Parzen estimators, the density models of the good and bad trials.

Nothing here is public API; other searchers do not import it.
"""
