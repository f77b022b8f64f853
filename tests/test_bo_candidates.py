"""BayesOpt's pick among ranked candidates: new, and away from the running trials (no Ray)."""

from __future__ import annotations

import numpy as np

from raytune_lite.search._bo.candidates import MIN_PENDING_DISTANCE, first_new


def test_the_best_untried_candidate_wins_and_none_when_all_were_tried() -> None:
    cand = np.array([[0.1, 0.1], [0.2, 0.2]])
    none_running = np.empty((0, 2))
    assert first_new(cand, np.array([[0.1, 0.1]]), none_running, np.ones(2)).tolist() == [0.2, 0.2]
    assert first_new(cand, cand.copy(), none_running, np.ones(2)) is None


def test_distance_to_running_trials_is_measured_in_length_scales() -> None:
    cand = np.array([[0.50, 0.5], [0.9, 0.9]])
    running = np.array([[0.55, 0.5]])  # 0.05 away along the first axis
    taken = np.array([[0.0, 0.0]])
    # length scale 1: 0.05 < MIN_PENDING_DISTANCE, so the first candidate is too close
    assert first_new(cand, taken, running, np.ones(2)).tolist() == [0.9, 0.9]
    # length scale 0.1: the same gap is 0.5 length scales, far enough
    assert MIN_PENDING_DISTANCE < 0.05 / 0.1
    assert first_new(cand, taken, running, np.array([0.1, 1.0])).tolist() == [0.5, 0.5]
