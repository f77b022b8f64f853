"""Which of the acquisition's ranked candidates BayesOpt suggests: the best that is new.

Example:
    >>> import numpy as np
    >>> cand = np.array([[0.5, 0.5], [0.52, 0.5], [0.9, 0.1]])
    >>> taken = np.array([[0.5, 0.5]])  # already tried
    >>> running = np.array([[0.53, 0.5]])
    >>> first_new(cand, taken, running, np.array([1.0, 1.0])).tolist()
    [0.9, 0.1]
"""

from __future__ import annotations

import numpy as np

#: a suggestion stays this far (in length scales) from the trials still running
MIN_PENDING_DISTANCE = 0.1

__all__ = ["MIN_PENDING_DISTANCE", "first_new"]


def first_new(
    cand: np.ndarray, taken: np.ndarray, pending: np.ndarray, lengthscales: np.ndarray
) -> np.ndarray | None:
    """The best candidate (``cand`` is best first) that repeats no trial (``taken``) and keeps
    ``MIN_PENDING_DISTANCE`` (in length scales) from the running ones (``pending``); None when
    none of the first 256 does."""
    for c in cand[:256]:
        if np.min(np.abs(taken - c).max(1)) <= 1e-9:
            continue
        if (
            len(pending)
            and np.min(np.linalg.norm((pending - c) / lengthscales, axis=1)) < MIN_PENDING_DISTANCE
        ):
            continue
        return c
    return None  # everything near the optimum was tried: the caller falls back to the design
