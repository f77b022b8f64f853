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
import shutil
import time
from typing import IO, Any

from raytune_lite._safe_files import StoreError as StoreError
from raytune_lite._safe_files import (
    check_plain,
    inside,
    open_append,
    parse_json,
    read_json,
    repair_tail,
)
from raytune_lite.experiment_state import ExperimentState as ExperimentState
from raytune_lite.experiment_state import ExperimentStatus as ExperimentStatus
from raytune_lite.experiment_state import PluginState as PluginState

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


class StaleWriter(StoreError):
    """Rows of an attempt the controller no longer runs: refused, never appended."""


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
        self._attempts: dict[str, int] = {}  # the attempt each running trial may append for
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
        write_json_atomic(os.path.join(d, PARAMS_FILE), config)

    # -- rows: one writer, fenced by attempt ------------------------------------------------
    def open_attempt(self, trial_id: str, attempt: int) -> None:
        """From now on only ``attempt`` of the trial may append rows (see :meth:`append_rows`)."""
        self.close_trial(trial_id)
        self._attempts[trial_id] = attempt

    def append_rows(
        self, trial_id: str, rows: list[dict[str, Any]], attempt: int | None = None
    ) -> None:
        """Appends rows and flushes them to the OS before returning.

        Args:
            trial_id: the trial.
            rows: the rows, in order.
            attempt: the attempt that reported them; when given, it must be the attempt opened
                by :meth:`open_attempt` and not closed since.

        Raises:
            StaleWriter: for rows of an attempt that is not (or no longer) the running one.
            StoreError: when result.jsonl is a symlink or leaves the folder.
        """
        if attempt is not None and self._attempts.get(trial_id) != attempt:
            raise StaleWriter(
                f"rows of trial {trial_id} attempt {attempt} refused: the running attempt "
                f"is {self._attempts.get(trial_id)}"
            )
        f = self._files.get(trial_id)
        if f is None:
            file = os.path.join(self.trial_dir(trial_id), RESULT_FILE)
            repair_tail(self.path, file)
            f = self._files[trial_id] = open_append(self.path, file)
        f.write("".join(json.dumps(r, default=_json_default) + "\n" for r in rows))
        f.flush()

    def rewind(self, trial_id: str, iteration: int) -> None:
        """Marks rows after ``iteration`` as superseded."""
        self.append_rows(trial_id, [{REWIND_KEY: iteration}])

    def close_trial(self, trial_id: str) -> None:
        """Closes the trial's result.jsonl; its attempt may append no more."""
        self._attempts.pop(trial_id, None)
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

    # -- where the bytes go: a remote storage_path's store overrides these --------------
    def prepare(self) -> None:
        """Called under the experiment's lock before the folder is read or written (a local
        folder needs nothing; see :mod:`raytune_lite.storage.mirror`)."""

    def saved_checkpoint(self, path: str) -> None:
        """The checkpoint folder ``path`` was saved (in place already on a local folder)."""

    def remove_checkpoint(self, path: str) -> None:
        """Deletes a saved checkpoint folder (``num_to_keep``); errors are ignored."""
        shutil.rmtree(path, ignore_errors=True)

    def close(self) -> None:
        for tid in list(self._files):
            self.close_trial(tid)


def saved_checkpoints(trial_path: str) -> dict[int, str]:
    """``{iteration: path}`` of a trial's complete (renamed into place) checkpoints.

    Raises:
        StoreError: for a checkpoint folder that is a symlink (never followed).
    """
    root = os.path.join(trial_path, CHECKPOINTS_DIR)
    out = {}
    if os.path.islink(root):
        check_plain(trial_path, root)
    for name in os.listdir(root) if os.path.isdir(root) else []:
        iteration = checkpoint_iteration(name)
        if iteration and name == os.path.basename(checkpoint_dir(root, iteration)):
            check_plain(trial_path, os.path.join(root, name))
            out[iteration] = os.path.join(root, name)
    return out


# -- reading: nothing in the folder is trusted (symlinks, paths leaving it, bad JSON) ---------


def load_experiment(path: str) -> dict[str, Any]:
    """Reads experiment.json, checking that ``path`` is an experiment of a known format."""
    file = os.path.join(path, EXPERIMENT_FILE)
    if not os.path.lexists(file):
        raise StoreError(
            f"{path!r} is not a raytune_lite experiment directory: it has no {EXPERIMENT_FILE}"
        )
    data = read_json(path, file)
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


def read_experiment(path: str) -> ExperimentState:
    """experiment.json as an :class:`ExperimentState`; a malformed field is a StoreError."""
    data = load_experiment(path)
    try:
        return ExperimentState.from_json(data)
    except (TypeError, ValueError, KeyError, AttributeError) as e:
        file = os.path.join(path, EXPERIMENT_FILE)
        raise StoreError(f"{file!r} is malformed: {type(e).__name__}: {e}") from None


def load_trials(path: str) -> list[dict[str, Any]]:
    """Every trial's summary (trial.json), sorted by trial id.

    A trial created but never summarized (no trial.json yet) is read from its params.json as
    a pending trial. Recorded checkpoints must lie in the trial's own folder (a moved
    experiment's are re-based onto it).

    Raises:
        StoreError: naming the file, for a symlink, a path leaving the folder, or a malformed
            summary.
    """
    root = os.path.join(path, TRIALS_DIR)
    if os.path.islink(root):
        check_plain(path, root)
    out = []
    for tid in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        tdir = os.path.join(root, tid)
        check_plain(path, tdir)
        file = os.path.join(tdir, TRIAL_FILE)
        try:
            out.append(_checked_summary(path, tid, file, read_json(path, file)))
            continue
        except FileNotFoundError:  # no summary yet: read below as a pending trial
            pass
        params = os.path.join(tdir, PARAMS_FILE)
        try:  # created, never summarized: a pending trial
            config = read_json(path, params)
        except FileNotFoundError:
            continue  # the crash came before its config was written: it never ran
        if not isinstance(config, dict):
            raise StoreError(f"{params!r} holds a JSON {type(config).__name__}, not a config")
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


_STATUSES = ("PENDING", "RUNNING", "PAUSED", "INTERRUPTED", "TERMINATED", "STOPPED_EARLY", "ERROR")


def _checked_summary(root: str, tid: str, file: str, d: Any) -> dict[str, Any]:
    """A trial.json's content, checked field by field (StoreError naming the file)."""
    bad = f"{file!r} is not a raytune_lite trial summary"
    if not isinstance(d, dict):
        raise StoreError(f"{bad}: it holds a JSON {type(d).__name__}")
    if d.get("trial_id") != tid:
        raise StoreError(f"{bad}: its trial_id is {d.get('trial_id')!r}, its folder {tid!r}")
    if d.get("status") not in _STATUSES:
        raise StoreError(f"{bad}: status {d.get('status')!r} is not one of {list(_STATUSES)}")
    if not isinstance(d.get("config"), dict):
        raise StoreError(f"{bad}: its config is not an object")
    for key, kind in (("last_result", dict), ("resources", dict), ("config_history", list)):
        if d.get(key) is not None and not isinstance(d[key], kind):
            raise StoreError(f"{bad}: {key} is not a JSON {kind.__name__}")
    ckpt = d.get("checkpoint")
    if ckpt is not None:
        d["checkpoint"] = _own_checkpoint(root, tid, file, ckpt)
    return d


def _own_checkpoint(root: str, tid: str, file: str, ckpt: Any) -> str:
    """A recorded checkpoint path, inside the trial's own folder, else a StoreError."""
    if not isinstance(ckpt, str):
        raise StoreError(f"{file!r}: its checkpoint is not a path: {ckpt!r}")
    own = trial_dir(root, tid)
    parts = os.path.normpath(ckpt).split(os.sep)
    if len(parts) >= 4 and parts[-4:-2] == [TRIALS_DIR, tid] and parts[-2] == CHECKPOINTS_DIR:
        ckpt = os.path.join(own, CHECKPOINTS_DIR, parts[-1])  # the folder may have moved
    if not inside(own, ckpt) or (os.path.lexists(ckpt) and os.path.islink(ckpt)):
        raise StoreError(
            f"{file!r} records the checkpoint {ckpt!r}, which is not in the trial's own "
            f"folder {own!r}; refused (a folder from someone else is code: inspect it)"
        )
    return ckpt


def _rewind_marker(row: dict[str, Any]) -> int | None:
    """The iteration of a rewind marker line (``{"__rewind__": k}`` and nothing else)."""
    if len(row) == 1 and REWIND_KEY in row:
        k = row[REWIND_KEY]
        if isinstance(k, int) and not isinstance(k, bool):
            return k
    return None


def read_rows(path: str, trial_id: str) -> list[dict[str, Any]]:
    """A trial's rows in order, superseded ones skipped; a torn last line is ignored.

    Raises:
        StoreError: naming the file (and line), for a symlink or a line that is not a row.
    """
    file = os.path.join(trial_dir(path, trial_id), RESULT_FILE)
    rows: list[dict[str, Any]] = []
    if not os.path.lexists(file):
        return rows
    check_plain(path, file)
    try:
        with open(file) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return rows
    except (OSError, UnicodeDecodeError) as e:
        raise StoreError(f"cannot read {file!r}: {e}") from e
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            row = parse_json(file, line, f" line {i + 1}")
        except StoreError:
            if i == len(lines) - 1:
                break  # a write cut short by a crash
            raise StoreError(f"{file!r} line {i + 1} is not JSON") from None
        if not isinstance(row, dict):
            raise StoreError(f"{file!r} line {i + 1} is a JSON {type(row).__name__}, not a row")
        k = _rewind_marker(row)
        if k is not None:
            rows = [r for r in rows if _iteration(r) <= k]
        else:
            rows.append(row)
    return rows


def _iteration(row: dict[str, Any]) -> float:
    it = row.get("training_iteration", 0)
    return it if isinstance(it, (int, float)) and not isinstance(it, bool) else 0
