"""``WandbLoggerCallback``: one Weights & Biases run per trial (needs the ``[wandb]`` extra).

Each trial becomes a run named after its trial id, in a W&B project (default: the experiment
folder's name) and group: the trial's config (flattened to ``a/b``) is the run's config, every
numeric value of every row is logged to its history (``training_iteration`` among them), and
the run finishes with exit code 0, or 1 when the trial ends in ERROR. A PBT exploit's new
config updates the run's config. Runs still open when the experiment ends (interrupted or
paused trials) are finished then.

The runs are written where W&B writes them: under ``dir`` (default: the experiment's folder,
as ``<experiment>/wandb/``). ``mode="offline"`` (or ``WANDB_MODE=offline``) needs no account
and no network; ``wandb sync <experiment>/wandb/offline-run-*`` uploads them later. Each
``wandb.init`` runs in the driver and takes about a second (more for the first).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from raytune_lite.callbacks._flat import flat, numbers
from raytune_lite.callbacks.base import Callback, TrialView
from raytune_lite.trial import TrialStatus

__all__ = ["WandbLoggerCallback"]

_MODES = ("online", "offline", "disabled", "shared")


class WandbLoggerCallback(Callback):
    """Logs each trial as a Weights & Biases run.

    Args:
        project: the W&B project (default: the experiment folder's name).
        group: the runs' group (default: the experiment folder's name), so a project holding
            several experiments shows each one's trials together.
        entity: the W&B user or team (default: W&B's own default).
        mode: ``"online"``, ``"offline"``, ``"disabled"`` or ``"shared"`` (default: W&B's,
            which reads ``WANDB_MODE``).
        dir: the folder W&B writes its run files under (default: the experiment's folder).
        tags: tags set on every run.
        excludes: keys of the rows (flattened, ``a/b``) that are not logged.
        log_config: log the trial's config as the run's config.
        **init_kwargs: more arguments of ``wandb.init`` (``notes``, ``job_type``,
            ``settings``, ...), passed on as they are.

    Example:
        >>> import raytune_lite as rt
        >>> cb = rt.callbacks.WandbLoggerCallback("my-project", mode="offline")  # doctest: +SKIP
    """

    def __init__(
        self,
        project: str | None = None,
        *,
        group: str | None = None,
        entity: str | None = None,
        mode: str | None = None,
        dir: str | None = None,
        tags: Sequence[str] | None = None,
        excludes: Sequence[str] = (),
        log_config: bool = True,
        **init_kwargs: Any,
    ):
        import wandb  # the [wandb] extra

        if mode is not None and mode not in _MODES:
            raise ValueError(f"mode must be one of {list(_MODES)} or None; got {mode=}")
        if isinstance(tags, str) or isinstance(excludes, str):
            raise TypeError(f"tags and excludes are lists of strings; got {tags=}, {excludes=}")
        reserved = {"name", "config", "reinit", "id", "resume"} & set(init_kwargs)
        if reserved:
            raise ValueError(
                f"{sorted(reserved)} are set per trial by the callback; got {init_kwargs=}"
            )
        self._wandb = wandb
        self.project = project
        self.group = group
        self.entity = entity
        self.mode = mode
        self.dir = dir
        self.tags = list(tags or [])
        self.excludes = frozenset(excludes)
        self.log_config = log_config
        self.init_kwargs = dict(init_kwargs)
        self._experiment = ""
        self.runs: dict[str, Any] = {}  # trial id -> the open wandb Run
        self.run_ids: dict[str, str] = {}  # trial id -> W&B run id (kept after the end)

    def setup(self, experiment_path: str) -> None:
        self._experiment = experiment_path

    def _init(self, trial: TrialView) -> Any:
        name = os.path.basename(os.path.normpath(self._experiment)) or "raytune_lite"
        directory = self.dir or self._experiment
        os.makedirs(directory, exist_ok=True)
        return self._wandb.init(
            project=self.project or name,
            group=self.group or name,
            entity=self.entity,
            mode=self.mode,  # type: ignore[arg-type]
            dir=directory,
            name=trial.trial_id,
            tags=self.tags,
            config=flat(trial.config) if self.log_config else None,
            reinit="create_new",  # one open run per running trial, side by side
            **self.init_kwargs,
        )

    def on_trial_start(self, trial: TrialView) -> None:
        run = self.runs.get(trial.trial_id)
        if run is None:
            run = self.runs[trial.trial_id] = self._init(trial)
            self.run_ids[trial.trial_id] = run.id
        elif self.log_config and trial.attempt > 1:  # a retry, a resume or a PBT exploit
            run.config.update(flat(trial.config), allow_val_change=True)

    def on_trial_result(self, trial: TrialView, result: Mapping[str, Any]) -> None:
        run = self.runs.get(trial.trial_id)
        if run is None:
            return
        row = {k: v for k, v in numbers(result).items() if k not in self.excludes}
        if row:
            run.log(row)

    def _end(self, trial_id: str, exit_code: int) -> None:
        run = self.runs.pop(trial_id, None)
        if run is not None:
            run.finish(exit_code=exit_code)

    def on_trial_complete(self, trial: TrialView) -> None:
        self._end(trial.trial_id, 0)

    def on_trial_error(self, trial: TrialView) -> None:
        self._end(trial.trial_id, 1)

    def on_experiment_end(self, trials: list[TrialView]) -> None:
        status = {t.trial_id: t.status for t in trials}
        for tid in list(self.runs):
            self._end(tid, 1 if status.get(tid) is TrialStatus.ERROR else 0)
