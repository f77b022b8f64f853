"""Ray Tune's configuration objects: ``TuneConfig``, ``RunConfig``, ``CheckpointConfig``,
``FailureConfig``, with Ray's field names and defaults.

They only hold values; :class:`raytune_lite.tune.Tuner` checks them and maps them onto
:class:`raytune_lite.Tuner`'s arguments (see :mod:`raytune_lite.tune.tuner`).

Example:
    >>> from raytune_lite import tune
    >>> cfg = tune.TuneConfig(metric="loss", mode="min", num_samples=4)
    >>> cfg.num_samples, tune.CheckpointConfig().checkpoint_score_order
    (4, 'max')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CheckpointConfig", "FailureConfig", "RunConfig", "TuneConfig"]


@dataclass
class TuneConfig:
    """What to tune and how: Ray Tune's ``TuneConfig``.

    Args:
        mode: ``"min"`` or ``"max"``; metric: the reported key to optimize.
        search_alg: a searcher of :mod:`raytune_lite.tune.search` (or one of
            :mod:`raytune_lite.search`); default: grid + random search.
        scheduler: a scheduler of :mod:`raytune_lite.tune.schedulers` (or one of
            :mod:`raytune_lite.schedulers`); default: FIFO.
        num_samples: trials to run (each grid point is repeated this many times; -1: no limit).
        max_concurrent_trials: trials at once (None or 0: what the cluster fits).
        time_budget_s: seconds (or a ``timedelta``) for the whole experiment.
        reuse_actors: accepted, has no effect (every trial runs as a Ray task).
        trial_name_creator, trial_dirname_creator: not mirrored (trials are named by id);
            passing one raises NotImplementedError.

    Example:
        >>> TuneConfig(metric="acc", mode="max").mode
        'max'
    """

    mode: str | None = None
    metric: str | None = None
    search_alg: Any = None
    scheduler: Any = None
    num_samples: int = 1
    max_concurrent_trials: int | None = None
    time_budget_s: float | dt.timedelta | None = None
    reuse_actors: bool = False
    trial_name_creator: Callable[..., str] | None = None
    trial_dirname_creator: Callable[..., str] | None = None


@dataclass
class CheckpointConfig:
    """Which checkpoints are kept: Ray Tune's ``CheckpointConfig``.

    Args:
        num_to_keep: keep at most this many checkpoints per trial (None: all).
        checkpoint_score_attribute: rank a trial's checkpoints by this reported key
            (None: keep the newest).
        checkpoint_score_order: ``"max"`` or ``"min"``: which value of that key is best.
        checkpoint_frequency: class trainables (:class:`~raytune_lite.tune.Trainable`) save a
            checkpoint every this many steps (0: never, unless the scheduler needs them).
        checkpoint_at_end: class trainables save one when they end by a stop criterion or by
            reporting ``done`` (None: as False).

    Example:
        >>> CheckpointConfig(num_to_keep=2, checkpoint_score_attribute="acc").num_to_keep
        2
    """

    num_to_keep: int | None = None
    checkpoint_score_attribute: str | None = None
    checkpoint_score_order: str = "max"
    checkpoint_frequency: int = 0
    checkpoint_at_end: bool | None = None


@dataclass
class FailureConfig:
    """What happens when a trial fails: Ray Tune's ``FailureConfig``.

    Args:
        max_failures: retries of a failed trial from its last checkpoint (-1: no limit).
        fail_fast: end the whole experiment at the first failed trial and raise its error
            (``True`` or ``"raise"``, passed on to :class:`raytune_lite.Tuner`'s ``fail_fast``).

    Example:
        >>> FailureConfig(max_failures=2).fail_fast
        False
    """

    max_failures: int = 0
    fail_fast: bool | str = False


@dataclass
class RunConfig:
    """Where and how long the experiment runs: Ray Tune's ``RunConfig``.

    Args:
        name: the experiment folder's name (default: the trainable's name and the time).
            See the README for what a second run with the same name does.
        storage_path: parent folder of the experiment (default ``~/raytune_lite_results``).
        failure_config: a :class:`FailureConfig`; checkpoint_config: a :class:`CheckpointConfig`.
        verbose: 0 silent, 1 or more: the live progress table.
        stop: ``{"training_iteration": 10}`` (stop a trial once ``result[key] >= value``) or
            ``fn(trial_id, result) -> bool``.
        callbacks: driver-side callbacks (see the README's callbacks section).
        storage_filesystem, sync_config, progress_reporter, log_to_file: not mirrored;
            passing one raises NotImplementedError.

    Example:
        >>> RunConfig(name="exp", stop={"training_iteration": 5}).stop
        {'training_iteration': 5}
    """

    name: str | None = None
    storage_path: str | None = None
    failure_config: FailureConfig | None = None
    checkpoint_config: CheckpointConfig | None = None
    verbose: int | None = None
    stop: Mapping[str, float] | Callable[[str, dict[str, Any]], bool] | None = None
    callbacks: Sequence[Any] | None = field(default=None)
    storage_filesystem: Any = None
    sync_config: Any = None
    progress_reporter: Any = None
    log_to_file: Any = False
