"""scikit-learn drop-in: :class:`TuneSearchCV` (needs the ``[sklearn]`` extra).

Example:
    >>> from raytune_lite.sklearn import TuneSearchCV
    >>> TuneSearchCV.__name__
    'TuneSearchCV'
"""

from raytune_lite.sklearn.search_cv import TuneSearchCV

__all__ = ["TuneSearchCV"]
