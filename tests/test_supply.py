"""Where new trials come from: points first, then the searcher, within the budget and the
searcher's max_pending (no Ray)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from raytune_lite.controller.supply import NewTrial, TrialSupply
from raytune_lite.search.base import FINISHED, Searcher, Suggestion


class Scripted(Searcher):
    """Suggests from a script: configs, None (nothing now) or FINISHED."""

    def __init__(self, script: list[Suggestion], max_pending: int | None = None):
        super().__init__(max_pending=max_pending)
        self.script = list(script)
        self.asked: list[str] = []
        self.added: list[tuple[str, dict[str, Any]]] = []

    def suggest(self, trial_id: str) -> Suggestion:
        self.asked.append(trial_id)
        return self.script.pop(0) if self.script else {"n": len(self.asked)}

    def add_trial(self, trial_id: str, config: dict[str, Any]) -> None:
        self.added.append((trial_id, config))


def test_points_go_first_and_the_searcher_is_told_of_them():
    s = Scripted([{"a": 1}])
    supply = TrialSupply(s, [{"p": 1}, {"p": 2}], num_samples=3, grid_size=1)
    got = [supply.next() for _ in range(4)]
    assert got == [
        NewTrial("00000", {"p": 1}, False),
        NewTrial("00001", {"p": 2}, False),
        NewTrial("00002", {"a": 1}, True),
        None,
    ]
    assert s.added == [("00000", {"p": 1}), ("00001", {"p": 2})]
    assert s.asked == ["00002"] and supply.exhausted and supply.pending == 1


@pytest.mark.parametrize(
    "num_samples, grid_size, points, budget",
    [
        (3, 4, 0, 12),
        (1, 1, 5, 5),
        (-1, 3, 2, math.inf),
        (0, 1, 0, math.inf),
    ],
)
def test_the_budget_is_samples_times_grid_and_never_below_the_points(
    num_samples, grid_size, points, budget
):
    supply = TrialSupply(Scripted([]), [{"p": i} for i in range(points)], num_samples, grid_size)
    assert supply.budget == budget


def test_none_means_ask_again_later_and_finished_means_never_again():
    s = Scripted([None, {"a": 1}, FINISHED])
    supply = TrialSupply(s, [], num_samples=-1, grid_size=1)
    assert supply.next() is None and not supply.exhausted and supply.created == 0
    assert supply.next() == NewTrial("00000", {"a": 1}, True)
    assert supply.next() is None and supply.exhausted and supply.searcher_done
    assert supply.next() is None
    assert s.asked == ["00000", "00000", "00001"]  # an id is only spent on a config


def test_max_pending_holds_the_searcher_until_its_trials_finish():
    s = Scripted([], max_pending=1)
    supply = TrialSupply(s, [{"p": 0}], num_samples=-1, grid_size=1)
    assert supply.next() is not None and supply.pending == 0  # a point is not the searcher's
    assert supply.next() == NewTrial("00001", {"n": 1}, True)
    assert supply.next() is None and s.asked == ["00001"]  # not even asked
    supply.finished(False)
    assert supply.next() is None and supply.pending == 1
    supply.finished(True)
    assert supply.next() == NewTrial("00002", {"n": 2}, True)


def test_resume_takes_up_the_counts_but_not_the_budget():
    supply = TrialSupply(Scripted([]), [{"p": i} for i in range(3)], num_samples=1, grid_size=2)
    supply.resume(2, [{"p": 2}], searcher_done=False)
    assert supply.budget == 3 and list(supply.points) == [{"p": 2}]
    assert supply.next() == NewTrial("00002", {"p": 2}, False)
    assert supply.next() is None and supply.exhausted
    done = TrialSupply(Scripted([]), [], num_samples=-1, grid_size=1)
    done.resume(7, [], searcher_done=True)
    assert done.exhausted and done.next() is None


def test_resumed_trials_still_running_count_against_max_pending():
    supply = TrialSupply(Scripted([], max_pending=2), [], num_samples=10, grid_size=1)
    supply.resume(3, [], searcher_done=False, pending=2)  # two of them run again
    assert supply.next() is None  # the searcher is not asked past max_pending
    supply.finished(from_searcher=True)
    assert supply.next() == NewTrial("00003", {"n": 1}, True)
