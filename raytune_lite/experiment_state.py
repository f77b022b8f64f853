"""experiment.json: what it holds, as dataclasses (the store writes and reads the file).

Example:
    >>> state = ExperimentState(ExperimentStatus.RUNNING, {"metric": "loss"}, {},
    ...                         PluginState("TPE"), PluginState("FIFO"))
    >>> ExperimentState.from_json(state.to_json()) == state
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class ExperimentStatus(str, Enum):
    """The ``status`` experiment.json records."""

    RUNNING = "running"
    FINISHED = "finished"
    INTERRUPTED = "interrupted"  #: Ctrl-C: its interrupted trials continue on resume
    FAILED = "failed"  #: stopped by an error of the controller's own work (store, plugins)


@dataclass
class PluginState:
    """A searcher's or scheduler's record in experiment.json: its class, what rebuilds it,
    and its state.

    Attributes:
        kind: the class name.
        state: the plugin's ``state()``.
        module: the module that defines the class.
        config: the plugin's ``to_config()`` (its constructor arguments as JSON), or None
            when they cannot be stored (a callable argument): then resuming from the folder
            alone asks for the plugin again.
    """

    kind: str
    state: dict[str, Any] = field(default_factory=dict)
    module: str = ""
    config: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "class": self.kind,
            "module": self.module,
            "config": self.config,
            "state": self.state,
        }

    @classmethod
    def from_json(cls, d: Any) -> PluginState:
        d = d if isinstance(d, dict) else {}
        state, config = d.get("state"), d.get("config")
        return cls(
            str(d.get("class", "")),
            state if isinstance(state, dict) else {},
            str(d.get("module") or ""),
            config if isinstance(config, dict) else None,
        )


@dataclass
class ExperimentState:
    """What experiment.json holds (besides its format version): the experiment's settings
    (``ExperimentSpec.to_json()``), its space (``Space.to_json()``), the plugins' state, and
    the trial supply's counts. The controller writes it; resume and the readers read it.

    Attributes:
        status: whether the experiment still runs.
        spec: the experiment's settings, as JSON.
        space: the search space, as JSON.
        searcher: the searcher's class and state.
        scheduler: the scheduler's class and state.
        created: how many trials were created (the next trial's number).
        points_left: the ``points_to_evaluate`` not launched yet.
        searcher_done: whether the searcher said FINISHED.
        started: when this run of the experiment started (epoch seconds).
        updated: when this state was written (epoch seconds).
    """

    status: ExperimentStatus
    spec: dict[str, Any]
    space: Any
    searcher: PluginState
    scheduler: PluginState
    created: int = 0
    points_left: list[dict[str, Any]] = field(default_factory=list)
    searcher_done: bool = False
    started: float = 0.0
    updated: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "spec": self.spec,
            "space": self.space,
            "searcher": self.searcher.to_json(),
            "scheduler": self.scheduler.to_json(),
            "created": self.created,
            "points_left": list(self.points_left),
            "searcher_done": self.searcher_done,
            "started": self.started,
            "updated": self.updated,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ExperimentState:
        """Reads :meth:`to_json`'s output (as :func:`load_experiment` returns it)."""
        try:
            status = ExperimentStatus(d.get("status", "running"))
        except ValueError:
            status = ExperimentStatus.RUNNING
        spec = d.get("spec")
        return cls(
            status=status,
            spec=spec if isinstance(spec, dict) else {},
            space=d.get("space", {}),
            searcher=PluginState.from_json(d.get("searcher")),
            scheduler=PluginState.from_json(d.get("scheduler")),
            created=int(d.get("created", 0)),
            points_left=list(d.get("points_left", [])),
            searcher_done=bool(d.get("searcher_done", False)),
            started=float(d.get("started", 0.0)),
            updated=float(d.get("updated", 0.0)),
        )
