"""The experiment directory: plain JSON files, rows appended, snapshots written atomically.

Layout::

    <storage_path>/<name>/
        experiment.json            spec, searcher/scheduler state, format version
        trials/<trial_id>/
            params.json            the trial's (first) config
            trial.json             the trial's summary (status, last row, checkpoint, ...)
            result.jsonl           every reported row, appended and flushed before it counts
            error.txt              tracebacks of failed attempts
            checkpoints/checkpoint_<iteration>/   saved checkpoints

When a trial restarts from a checkpoint (retry, resume, PBT), a line ``{"__rewind__": k}`` is
appended: rows after iteration ``k`` written before it are superseded (kept on disk, skipped
by readers), so each ``training_iteration`` of a trial appears once in the history.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import IO, Any

FORMAT_VERSION = 1
REWIND_KEY = "__rewind__"

# -- the layout: every name in the folder is formatted and parsed here ---------------------
EXPERIMENT_FILE = "experiment.json"
TRIALS_DIR = "trials"
PARAMS_FILE = "params.json"
TRIAL_FILE = "trial.json"
RESULT_FILE = "result.jsonl"
ERROR_FILE = "error.txt"
CHECKPOINTS_DIR = "checkpoints"
_CHECKPOINT = re.compile(r"checkpoint_(\d+)$")


def trial_dir(root: str, trial_id: str) -> str:
    """The folder of trial ``trial_id`` in the experiment folder ``root``."""
    return os.path.join(root, TRIALS_DIR, trial_id)


def checkpoint_dir(trial_path: str, iteration: int) -> str:
    """Where a trial's checkpoint of ``training_iteration`` ``iteration`` is saved.

    Example:
        >>> checkpoint_dir("/exp/trials/00003", 12)
        '/exp/trials/00003/checkpoints/checkpoint_000012'
    """
    return os.path.join(trial_path, CHECKPOINTS_DIR, f"checkpoint_{iteration:06d}")


def checkpoint_iteration(path: str | None) -> int:
    """The training iteration a saved checkpoint's folder is named after, else 0.

    Example:
        >>> checkpoint_iteration("/exp/trials/00003/checkpoints/checkpoint_000012")
        12
        >>> checkpoint_iteration("/tmp/rtl_ckpt_x"), checkpoint_iteration(None)
        (0, 0)
    """
    m = _CHECKPOINT.search(path.rstrip(os.sep)) if path else None
    return int(m.group(1)) if m else 0


class StoreError(RuntimeError):
    """The experiment directory is missing, unreadable or not an experiment."""


def write_json_atomic(path: str, data: Any) -> None:
    """Writes ``data`` as JSON to ``path`` via a temp file and a rename."""
    # one writer per file (the controller): a fixed temp name next to it is enough
    tmp = os.path.join(os.path.dirname(path), f".tmp_{os.path.basename(path)}")
    try:
        with open(tmp, "w") as f:
            json.dump(data, f, default=_json_default)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _json_default(o: Any) -> Any:
    item = getattr(o, "item", None)
    if callable(item):
        return item()
    if hasattr(o, "tolist"):
        return o.tolist()
    return repr(o)


class ExperimentStore:
    """Writes one experiment's directory (used by the controller only).

    Args:
        path: the experiment directory (created if missing).
    """

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        self._files: dict[str, IO[str]] = {}
        try:
            os.makedirs(os.path.join(self.path, TRIALS_DIR), exist_ok=True)
        except OSError as e:
            raise StoreError(
                f"cannot create the experiment directory {self.path!r}: {e}; "
                "pass a writable storage_path"
            ) from e

    def trial_dir(self, trial_id: str) -> str:
        return trial_dir(self.path, trial_id)

    def add_trial(self, trial_id: str, config: dict[str, Any]) -> None:
        """Creates the trial's folder with its params.json (trial.json follows at its first
        status change; until then readers take the trial as pending)."""
        d = self.trial_dir(trial_id)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, PARAMS_FILE), "w") as f:
            json.dump(config, f, default=_json_default)

    def append_rows(self, trial_id: str, rows: list[dict[str, Any]]) -> None:
        """Appends rows and flushes them to the OS before returning."""
        f = self._files.get(trial_id)
        if f is None:
            file = os.path.join(self.trial_dir(trial_id), RESULT_FILE)
            _repair_tail(file)
            f = self._files[trial_id] = open(file, "a")  # noqa: SIM115 - open while it runs
        f.write("".join(json.dumps(r, default=_json_default) + "\n" for r in rows))
        f.flush()

    def rewind(self, trial_id: str, iteration: int) -> None:
        """Marks rows after ``iteration`` as superseded."""
        self.append_rows(trial_id, [{REWIND_KEY: iteration}])

    def close_trial(self, trial_id: str) -> None:
        f = self._files.pop(trial_id, None)
        if f is not None:
            f.close()

    def write_trial(self, trial_id: str, summary: dict[str, Any]) -> None:
        write_json_atomic(os.path.join(self.trial_dir(trial_id), TRIAL_FILE), summary)

    def write_error(self, trial_id: str, attempt: int, text: str) -> None:
        with open(os.path.join(self.trial_dir(trial_id), ERROR_FILE), "a") as f:
            f.write(f"--- attempt {attempt} ---\n{text}\n")

    def write_experiment(self, state: ExperimentState) -> None:
        """Rewrites experiment.json (atomically) with ``state``, stamped with the time."""
        state.updated = time.time()
        write_json_atomic(
            os.path.join(self.path, EXPERIMENT_FILE),
            {"format_version": FORMAT_VERSION, **state.to_json()},
        )

    def close(self) -> None:
        for tid in list(self._files):
            self.close_trial(tid)


def _repair_tail(file: str) -> None:
    """Cuts a last line left unfinished by a crash, so that appends start on a new line."""
    try:
        with open(file, "rb+") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            if size == 0:
                return
            f.seek(size - 1)
            if f.read(1) == b"\n":
                return
            chunk = min(size, 1 << 20)
            f.seek(size - chunk)
            tail = f.read(chunk)
            cut = tail.rfind(b"\n")
            f.truncate(size - chunk + cut + 1 if cut >= 0 else 0)
    except FileNotFoundError:
        return


def saved_checkpoints(trial_path: str) -> dict[int, str]:
    """``{iteration: path}`` of a trial's complete (renamed into place) checkpoints."""
    root = os.path.join(trial_path, CHECKPOINTS_DIR)
    out = {}
    for name in os.listdir(root) if os.path.isdir(root) else []:
        iteration = checkpoint_iteration(name)
        if iteration and name == os.path.basename(checkpoint_dir(root, iteration)):
            out[iteration] = os.path.join(root, name)
    return out


# -- experiment.json ---------------------------------------------------------------------


class ExperimentStatus(str, Enum):
    """The ``status`` experiment.json records."""

    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"  #: stopped by an error of the controller's own work (store, plugins)


@dataclass
class PluginState:
    """A searcher's or scheduler's record in experiment.json: its class and its state."""

    kind: str
    state: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"class": self.kind, "state": self.state}

    @classmethod
    def from_json(cls, d: Any) -> PluginState:
        d = d if isinstance(d, dict) else {}
        state = d.get("state")
        return cls(str(d.get("class", "")), state if isinstance(state, dict) else {})


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


# -- reading ------------------------------------------------------------------------------


def load_experiment(path: str) -> dict[str, Any]:
    """Reads experiment.json, checking that ``path`` is an experiment of a known format."""
    file = os.path.join(path, EXPERIMENT_FILE)
    if not os.path.isfile(file):
        raise StoreError(
            f"{path!r} is not a raytune_lite experiment directory: it has no {EXPERIMENT_FILE}"
        )
    try:
        with open(file) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise StoreError(f"cannot read {file!r}: {e}") from e
    not_ours = f"not a raytune_lite experiment: {path!r} (its {EXPERIMENT_FILE}"
    if not isinstance(data, dict):
        raise StoreError(
            f"{not_ours} holds a JSON {type(data).__name__}, not an object with a format_version)"
        )
    if "format_version" not in data:
        raise StoreError(f"{not_ours} has no format_version)")
    version = data["format_version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise StoreError(
            f"{not_ours} has format_version={version!r}; raytune_lite writes an int >= 1)"
        )
    if version > FORMAT_VERSION:
        raise StoreError(
            f"{file!r} has format_version={version}; this raytune_lite reads "
            f"versions up to {FORMAT_VERSION}: upgrade raytune_lite"
        )
    return data


def load_trials(path: str) -> list[dict[str, Any]]:
    """Every trial's summary (trial.json), sorted by trial id."""
    root = os.path.join(path, TRIALS_DIR)
    out = []
    for tid in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        file = os.path.join(root, tid, TRIAL_FILE)
        try:
            with open(file) as f:
                out.append(json.load(f))
            continue
        except FileNotFoundError:  # no summary yet: read below as a pending trial
            pass
        except ValueError as e:
            raise StoreError(f"cannot read {file!r}: {e}") from e
        try:  # created, never summarized: a pending trial
            with open(os.path.join(root, tid, PARAMS_FILE)) as f:
                config = json.load(f)
        except (FileNotFoundError, ValueError):
            continue  # the crash came before its config was written: it never ran
        out.append(
            {
                "trial_id": tid,
                "config": config,
                "status": "PENDING",
                "resources": {},
                "config_history": [{"training_iteration": 0, "config": config}],
            }
        )
    return out


def read_rows(path: str, trial_id: str) -> list[dict[str, Any]]:
    """A trial's rows in order, superseded ones skipped; a torn last line is ignored."""
    file = os.path.join(trial_dir(path, trial_id), RESULT_FILE)
    rows: list[dict[str, Any]] = []
    try:
        with open(file) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return rows
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            if i == len(lines) - 1:
                break  # a write cut short by a crash
            raise StoreError(f"{file!r} line {i + 1} is not JSON") from None
        if REWIND_KEY in row:
            k = row[REWIND_KEY]
            rows = [r for r in rows if r.get("training_iteration", 0) <= k]
        else:
            rows.append(row)
    return rows


def read_segment_ends(
    path: str, trial_id: str
) -> list[tuple[dict[str, Any], dict[str, Any]] | None]:
    """The first and last row of each attempt of a trial since its first row, superseded
    rows included: result.jsonl split at each restart marker (None for an attempt that
    reported nothing). Only those lines are parsed, so it is quick on long trials; a torn
    last line is ignored."""
    file = os.path.join(trial_dir(path, trial_id), RESULT_FILE)
    try:
        with open(file) as f:
            lines = [ln for ln in f.read().splitlines() if ln.strip()]
    except FileNotFoundError:
        return []
    if lines:
        try:
            json.loads(lines[-1])
        except ValueError:
            lines.pop()  # a write cut short by a crash
    groups: list[list[str]] = [[]]
    for ln in lines:
        if REWIND_KEY in ln and REWIND_KEY in json.loads(ln):
            groups.append([])
        else:
            groups[-1].append(ln)
    if groups == [[]]:
        return []
    return [(json.loads(g[0]), json.loads(g[-1])) if g else None for g in groups]


def failed_attempts(path: str, trial_id: str) -> set[int]:
    """The numbers of the attempts whose failure error.txt records."""
    file = os.path.join(trial_dir(path, trial_id), ERROR_FILE)
    try:
        with open(file) as f:
            heads = [ln.rstrip() for ln in f if ln.startswith("--- attempt ")]
    except FileNotFoundError:
        return set()
    out = set()
    for h in heads:
        num = h[len("--- attempt ") :].removesuffix("---").strip()
        if num.isdigit():
            out.add(int(num))
    return out
