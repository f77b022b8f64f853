"""When each attempt of each trial ran, and how it ended, read back from the experiment folder.

Nothing extra is recorded for this: every row carries ``timestamp`` and ``time_total_s`` (the
time since its attempt's function started), each restart appends a marker to result.jsonl,
error.txt numbers the failed attempts and ``config_history`` the PBT exploits. An attempt
that reported no row leaves no trace of its times and is not listed, except when no attempt
of the trial reported one (it failed at once): then the trial's launch and end times are its
span, Ray's start of a worker process included.

Slots are assigned greedily (each attempt takes the lowest-numbered slot free when it
started): the number of slots is the most attempts that ran at once, and a gap in a slot is
time no trial ran there. Slots are lanes of concurrency, not particular worker processes.

Example:
    >>> spans = [Span("a", 1, 0.0, 2.0, Ending.COMPLETE), Span("b", 1, 1.0, 3.0, Ending.COMPLETE),
    ...          Span("c", 1, 2.5, 4.0, Ending.COMPLETE)]
    >>> assign_slots(spans)
    [0, 1, 0]
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from enum import Enum
from typing import Any

from raytune_lite._safe_files import check_plain
from raytune_lite.store import ERROR_FILE, RESULT_FILE, REWIND_KEY, trial_dir
from raytune_lite.trial import TrialStatus


class Ending(str, Enum):
    """How one attempt of a trial ended."""

    COMPLETE = "complete"  #: the trial finished (returned, stop criterion, full budget)
    STOPPED_EARLY = "stopped early"  #: the scheduler or the time budget stopped the trial
    ERROR = "error"  #: the trial's last failure: it ended in ERROR
    RETRIED = "failed, retried"  #: the attempt failed; the trial was launched again
    EXPLOITED = "exploited"  #: PBT restarted the trial from a better trial's checkpoint
    PAUSED = "paused"  #: ended to be resumed later (a scheduler's pause, an interruption)
    RUNNING = "running"  #: still running (the experiment is live)


_FINAL = {
    TrialStatus.TERMINATED: Ending.COMPLETE,
    TrialStatus.STOPPED_EARLY: Ending.STOPPED_EARLY,
    TrialStatus.ERROR: Ending.ERROR,
    TrialStatus.RUNNING: Ending.RUNNING,
}


@dataclass(frozen=True)
class Span:
    """One attempt: its trial, number, start and end (epoch seconds) and how it ended."""

    trial_id: str
    attempt: int
    start: float
    end: float
    ending: Ending
    first_iteration: int = 0
    last_iteration: int = 0


def trial_spans(path: str, trial: dict[str, Any], status: TrialStatus) -> list[Span]:
    """The attempts of one trial that reported rows, in order.

    Args:
        path: the experiment folder.
        trial: the trial's summary (trial.json).
        status: the trial's status (as :class:`~raytune_lite.results.ResultGrid` reads it).
    """
    tid = trial["trial_id"]
    segments = read_segment_ends(path, tid)
    attempts = int(trial.get("attempts") or len(segments))
    failed = failed_attempts(path, tid)
    exploits = {int(h.get("training_iteration", -1)) for h in trial.get("config_history", [])[1:]}
    out = []
    for j, ends in enumerate(segments):
        if ends is None:
            continue
        number = attempts - (len(segments) - 1 - j)
        first, last = ends
        start = float(first.get("timestamp", 0.0)) - float(first.get("time_total_s", 0.0))
        end = float(last.get("timestamp", start))
        last_it = int(last.get("training_iteration", 0))
        if j == len(segments) - 1 and status in _FINAL:
            ending = _FINAL[status]
            if trial.get("end_time"):
                end = max(end, float(trial["end_time"]))
        elif number in failed:
            ending = Ending.RETRIED
        elif last_it in exploits:
            ending = Ending.EXPLOITED
        else:
            ending = Ending.PAUSED
        out.append(
            Span(tid, number, start, end, ending, int(first.get("training_iteration", 0)), last_it)
        )
    if not out and trial.get("start_time") and trial.get("end_time") and status in _FINAL:
        out.append(Span(tid, attempts, trial["start_time"], trial["end_time"], _FINAL[status]))
    return out


def assign_slots(spans: list[Span]) -> list[int]:
    """The slot of each span (in the given order): the lowest-numbered slot free at its start,
    taken in order of start time."""
    slots_end: list[float] = []
    out = [0] * len(spans)
    for i in sorted(range(len(spans)), key=lambda i: (spans[i].start, spans[i].end)):
        s = spans[i]
        free = next((k for k, e in enumerate(slots_end) if e <= s.start), None)
        if free is None:
            free = len(slots_end)
            slots_end.append(s.end)
        else:
            slots_end[free] = s.end
        out[i] = free
    return out


# -- the readers the spans need (what result.jsonl and error.txt say of attempts) ----------


def read_segment_ends(
    path: str, trial_id: str
) -> list[tuple[dict[str, Any], dict[str, Any]] | None]:
    """The first and last row of each attempt of a trial since its first row, superseded
    rows included: result.jsonl split at each restart marker (None for an attempt that
    reported nothing). Only those lines are parsed, so it is quick on long trials; a torn
    last line is ignored."""
    file = os.path.join(trial_dir(path, trial_id), RESULT_FILE)
    if os.path.lexists(file):
        check_plain(path, file)  # never read through a symlink
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
    if os.path.lexists(file):
        check_plain(path, file)
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
