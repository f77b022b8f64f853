"""The helpers of :class:`~raytune_lite.search.bayes.BayesOpt` (GP Bayesian optimization).

* :mod:`.gp`: the Gaussian process (Matérn 5/2 kernel, MAP hyperparameters).
* :mod:`.acquisition`: log expected improvement and UCB, and the optimiser that maximises them.
* :mod:`.encoding`: a :class:`~raytune_lite.space.Space` as the GP's input vectors.

Nothing here is public API; other searchers do not import it.
"""
