"""The controller's trial table: every trial of the experiment by id, the best metric value
seen so far, and the summary the live progress table shows.

Plain logic, no Ray.

Example:
    >>> from raytune_lite.trial import Mode, Trial
    >>> table = TrialTable("loss", Mode.MIN)
    >>> trial = Trial("00000", {"x": 1}, {})
    >>> table.add(trial)
    >>> for loss in (0.5, 0.75):  # what the controller does with each row
    ...     trial.observe({"loss": loss}, "loss", Mode.MIN)
    ...     table.offer({"loss": loss}, "00000")
    >>> table.summary()["best"], table.summary()["best_any"]
    ({'trial_id': '00000', 'value': 0.75, 'config': {'x': 1}}, {'trial_id': '00000', 'value': 0.5})

"best" means what ``results.best`` means: the best *last* value among the trials that have not
failed, the lower trial id on a tie; ``best_any`` is the best value at any step.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from raytune_lite.trial import Mode, Trial, TrialStatus, metric_value

#: at most this many running trials are listed in the summary
RUNNING_SHOWN = 12


class TrialTable:
    """Trials by id, in creation order, and the best value of ``metric`` any of them reported.

    Args:
        metric: the experiment's metric (None: no best is tracked).
        mode: the experiment's mode.

    Attributes:
        best: ``(value, trial_id)`` of the best finite value reported at any step, or None;
            on a tie the lower trial id.
    """

    def __init__(self, metric: str | None, mode: Mode) -> None:
        self.metric = metric
        self.mode = mode
        self._trials: dict[str, Trial] = {}
        self.best: tuple[float, str] | None = None

    def add(self, trial: Trial) -> None:
        """Adds a new trial (or replaces the one with its id)."""
        self._trials[trial.trial_id] = trial

    def get(self, trial_id: str) -> Trial | None:
        """The trial with this id, or None."""
        return self._trials.get(trial_id)

    def __getitem__(self, trial_id: str) -> Trial:
        return self._trials[trial_id]

    def __iter__(self) -> Iterator[Trial]:
        return iter(self._trials.values())

    def __len__(self) -> int:
        return len(self._trials)

    def offer(self, row: dict[str, Any], trial_id: str) -> None:
        """Takes a reported row's metric value as the best when it is strictly better."""
        self.offer_value(metric_value(row, self.metric), trial_id)

    def offer_value(self, value: float | None, trial_id: str) -> None:
        """Takes ``value`` (None: nothing) as the best when it is strictly better."""
        if value is None:
            return
        if (
            self.best is None
            or self.mode.better(value, self.best[0])
            or (value == self.best[0] and trial_id < self.best[1])
        ):
            self.best = (value, trial_id)

    def best_last(self) -> tuple[float, str] | None:
        """``(value, trial_id)`` of the best last value of a trial not in ERROR (as
        ``results.best`` ranks them: in trial id order, the first of equals), or None."""
        best: tuple[float, str] | None = None
        for tid in sorted(self._trials):
            t = self._trials[tid]
            v = metric_value(t.last_result, self.metric)
            if v is None or t.status is TrialStatus.ERROR:
                continue
            if best is None or self.mode.better(v, best[0]):
                best = (v, tid)
        return best

    def summary(self) -> dict[str, Any]:
        """Counts by status, the first running trials and the best so far.

        Returns:
            ``{"counts": {status: n}, "running": [(trial_id, training_iteration, metric value
            or None, config)], "best": {"trial_id", "value", "config"} or None, "best_any":
            {"trial_id", "value"} or None}``.
        """
        counts = {s.value: 0 for s in TrialStatus}
        for t in self._trials.values():
            counts[t.status.value] += 1
        running = [
            (
                tid,
                int((t.last_result or {}).get("training_iteration", 0)),
                metric_value(t.last_result, self.metric),
                t.config,
            )
            for tid, t in self._trials.items()
            if t.status is TrialStatus.RUNNING
        ][:RUNNING_SHOWN]
        best = best_any = None
        last = self.best_last() if self.metric is not None else None
        if last is not None:
            value, tid = last
            best = {"trial_id": tid, "value": value, "config": self._trials[tid].config}
        if self.best is not None:
            best_any = {"trial_id": self.best[1], "value": self.best[0]}
        return {"counts": counts, "running": running, "best": best, "best_any": best_any}
