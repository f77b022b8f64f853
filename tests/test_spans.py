"""Slots of attempts (pure logic, no Ray)."""

from __future__ import annotations

import numpy as np

from raytune_lite._spans import Ending, Span, assign_slots


def _spans(intervals):
    return [Span(str(i), 1, a, b, Ending.COMPLETE) for i, (a, b) in enumerate(intervals)]


def test_a_freed_slot_is_taken_again_lowest_first():
    spans = _spans([(0, 4), (1, 2), (1, 3), (2.5, 5), (4, 6)])
    assert assign_slots(spans) == [0, 1, 2, 1, 0]


def test_slots_never_overlap_and_are_as_few_as_the_most_at_once():
    rng = np.random.default_rng(0)
    for _ in range(50):
        starts = rng.random(30) * 10
        intervals = [(a, a + d) for a, d in zip(starts, rng.random(30) * 3, strict=True)]
        spans = _spans(intervals)
        slots = assign_slots(spans)
        for i in range(len(spans)):
            for j in range(i):
                a, b = spans[i], spans[j]
                if slots[i] == slots[j]:
                    assert a.end <= b.start or b.end <= a.start
        most = max(sum(s.start <= a.start < s.end for s in spans) for a in spans)
        assert max(slots) + 1 == most
