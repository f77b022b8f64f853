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
from typing import IO, Any

FORMAT_VERSION = 1
EXPERIMENT_FILE = "experiment.json"
REWIND_KEY = "__rewind__"


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
            os.makedirs(os.path.join(self.path, "trials"), exist_ok=True)
        except OSError as e:
            raise StoreError(
                f"cannot create the experiment directory {self.path!r}: {e}; "
                "pass a writable storage_path"
            ) from e

    def trial_dir(self, trial_id: str) -> str:
        return os.path.join(self.path, "trials", trial_id)

    def add_trial(self, trial_id: str, config: dict[str, Any]) -> None:
        """Creates the trial's folder with its params.json (trial.json follows at its first
        status change; until then readers take the trial as pending)."""
        d = self.trial_dir(trial_id)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "params.json"), "w") as f:
            json.dump(config, f, default=_json_default)

    def append_rows(self, trial_id: str, rows: list[dict[str, Any]]) -> None:
        """Appends rows and flushes them to the OS before returning."""
        f = self._files.get(trial_id)
        if f is None:
            file = os.path.join(self.trial_dir(trial_id), "result.jsonl")
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
        write_json_atomic(os.path.join(self.trial_dir(trial_id), "trial.json"), summary)

    def write_error(self, trial_id: str, attempt: int, text: str) -> None:
        with open(os.path.join(self.trial_dir(trial_id), "error.txt"), "a") as f:
            f.write(f"--- attempt {attempt} ---\n{text}\n")

    def write_experiment(self, state: dict[str, Any]) -> None:
        write_json_atomic(
            os.path.join(self.path, EXPERIMENT_FILE), {"format_version": FORMAT_VERSION, **state}
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


def saved_checkpoints(trial_dir: str) -> dict[int, str]:
    """``{iteration: path}`` of a trial's complete (renamed into place) checkpoints."""
    root = os.path.join(trial_dir, "checkpoints")
    out = {}
    for name in os.listdir(root) if os.path.isdir(root) else []:
        if name.startswith("checkpoint_") and name[11:].isdigit():
            out[int(name[11:])] = os.path.join(root, name)
    return out


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
    root = os.path.join(path, "trials")
    out = []
    for tid in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        file = os.path.join(root, tid, "trial.json")
        try:
            with open(file) as f:
                out.append(json.load(f))
            continue
        except FileNotFoundError:  # no summary yet: read below as a pending trial
            pass
        except ValueError as e:
            raise StoreError(f"cannot read {file!r}: {e}") from e
        try:  # created, never summarized: a pending trial
            with open(os.path.join(root, tid, "params.json")) as f:
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
    file = os.path.join(path, "trials", trial_id, "result.jsonl")
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


def read_segments(path: str, trial_id: str) -> list[list[dict[str, Any]]]:
    """A trial's rows as written, superseded ones included, split at each restart marker:
    one list per attempt since the first row (an attempt that reported nothing gives an
    empty list); a torn last line is ignored."""
    file = os.path.join(path, "trials", trial_id, "result.jsonl")
    segments: list[list[dict[str, Any]]] = [[]]
    try:
        with open(file) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            if i == len(lines) - 1:
                break
            raise StoreError(f"{file!r} line {i + 1} is not JSON") from None
        if REWIND_KEY in row:
            segments.append([])
        else:
            segments[-1].append(row)
    return segments if segments != [[]] else []


def failed_attempts(path: str, trial_id: str) -> set[int]:
    """The numbers of the attempts whose failure error.txt records."""
    file = os.path.join(path, "trials", trial_id, "error.txt")
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
