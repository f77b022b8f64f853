"""``CSVLoggerCallback``: each trial's rows in ``<trial folder>/progress.csv``.

The header is the first row's keys (nested dicts flattened to ``a/b``); keys that appear only
later are left out of the file (they are in the trial's ``result.jsonl``), as in Ray Tune. A
trial that runs again (retry, resume, PBT exploit) appends to its file.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from typing import IO, Any

from raytune_lite.callbacks._flat import flat
from raytune_lite.callbacks.base import Callback, TrialView

__all__ = ["CSVLoggerCallback"]


class CSVLoggerCallback(Callback):
    """Writes every trial's results to ``progress.csv`` in the trial's folder.

    Args:
        filename: the file's name in each trial folder.

    Example:
        >>> import raytune_lite as rt
        >>> rt.Tuner(lambda c: {"loss": c["x"]}, {"x": rt.uniform(0, 1)}, metric="loss",
        ...          callbacks=[rt.callbacks.CSVLoggerCallback()])  # doctest: +SKIP
    """

    def __init__(self, filename: str = "progress.csv"):
        if not isinstance(filename, str) or not filename or os.sep in filename:
            raise ValueError(f"filename must be a file name; got {filename=}")
        self.filename = filename
        self._files: dict[str, tuple[IO[str], csv.DictWriter[str]]] = {}

    def _writer(self, trial: TrialView, row: Mapping[str, Any]) -> csv.DictWriter[str]:
        if trial.trial_id not in self._files:
            os.makedirs(trial.path, exist_ok=True)
            path = os.path.join(trial.path, self.filename)
            fields: list[str] | None = None
            if os.path.exists(path) and os.path.getsize(path) > 0:
                with open(path, newline="") as f:
                    fields = next(csv.reader(f), None)
            f = open(path, "a", newline="")  # noqa: SIM115 - kept open until the trial ends
            writer = csv.DictWriter(f, fieldnames=fields or list(row), extrasaction="ignore")
            if fields is None:
                writer.writeheader()
            self._files[trial.trial_id] = (f, writer)
        return self._files[trial.trial_id][1]

    def on_trial_result(self, trial: TrialView, result: Mapping[str, Any]) -> None:
        row = flat(result)
        self._writer(trial, row).writerow(row)
        self._files[trial.trial_id][0].flush()

    def _close(self, trial: TrialView) -> None:
        entry = self._files.pop(trial.trial_id, None)
        if entry is not None:
            entry[0].close()

    def on_trial_complete(self, trial: TrialView) -> None:
        self._close(trial)

    def on_trial_error(self, trial: TrialView) -> None:
        self._close(trial)

    def on_experiment_end(self, trials: list[TrialView]) -> None:
        for f, _ in self._files.values():
            f.close()
        self._files.clear()
