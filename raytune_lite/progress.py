"""The live console table while ``fit()`` runs."""

from __future__ import annotations

import math
import shutil
import sys
import time
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from raytune_lite.failures import error_summary
from raytune_lite.spec import ExperimentSpec

if TYPE_CHECKING:
    from raytune_lite.results_base import ResultsBase as ResultGrid  # the data part

_ORDER = ("RUNNING", "PENDING", "PAUSED", "INTERRUPTED", "TERMINATED", "STOPPED_EARLY", "ERROR")
_SHORT = {
    "RUNNING": "running",
    "PENDING": "pending",
    "PAUSED": "paused",
    "INTERRUPTED": "interrupted",
    "TERMINATED": "done",
    "STOPPED_EARLY": "stopped early",
    "ERROR": "errors",
}


def _num(v: Any) -> str:
    return "-" if v is None else (f"{v:.6g}" if isinstance(v, float) else str(v))


def _config(config: dict[str, Any]) -> str:
    """``lr=0.01, act=None``: a config on one line (floats to 4 digits)."""
    return ", ".join(
        f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in config.items()
    )


def clock(seconds: float) -> str:
    """Elapsed time: ``42.1s`` under a minute, then ``m:ss``, then ``h:mm:ss``.

    Example:
        >>> clock(4.2), clock(125), clock(3723)
        ('4.2s', '2:05', '1:02:03')
    """
    if seconds < 60:
        return f"{seconds:.1f}s"
    s = int(seconds)
    h, m = s // 3600, s // 60 % 60
    return f"{h}:{m:02d}:{s % 60:02d}" if h else f"{m}:{s % 60:02d}"


def about(seconds: float) -> str:
    """A rough duration: ``~45 s``, ``~17 min``, ``~2.5 h``.

    Example:
        >>> about(44.6), about(1000), about(9000)
        ('~45 s', '~17 min', '~2.5 h')
    """
    if seconds < 90:
        return f"~{max(seconds, 0):.0f} s"
    if seconds < 90 * 60:
        return f"~{seconds / 60:.0f} min"
    return f"~{seconds / 3600:.1f} h"


_DONE = ("TERMINATED", "STOPPED_EARLY", "ERROR")


class ProgressReporter:
    """Draws the progress of an experiment.

    On a terminal the table is redrawn in place a few times a second; otherwise a line is
    printed at the first update and then every ``line_every_s`` seconds. ``verbose=0`` prints
    nothing. ``clock`` (seconds, monotonic) is what the period is measured with. Each trial's
    first failure is printed once, as one line (trial id, exception, error file), above the
    table.

    "best" is what ``results.best`` will be: the best *last* value of a trial that has not
    failed (ties: the lower trial id); the best value at any step is shown beside it,
    labelled ``best (any step)``, when it differs.

    Example:
        >>> import io
        >>> from raytune_lite.spec import ExperimentSpec
        >>> from raytune_lite.trial import Mode
        >>> out = io.StringIO()
        >>> r = ProgressReporter(1, ExperimentSpec("e", "/r/e", "loss", Mode.MIN, 4, {}), out)
        >>> r.update({"counts": {"RUNNING": 1}, "created": 1, "budget": 4, "elapsed": 1.0,
        ...           "metric": "loss", "running": [], "failures": ["trial 00000 failed: ..."],
        ...           "failures_from": 0, "best": {"trial_id": "00001", "value": 0.5},
        ...           "best_any": {"trial_id": "00002", "value": 0.1}}, final=True)
        >>> print(out.getvalue().splitlines()[-2])
        raytune_lite: trial 00000 failed: ...
        >>> print(out.getvalue().splitlines()[-1].split(" | ", 1)[1])
        best loss=0.5 (trial 00001) | best (any step) loss=0.1 (trial 00002)
    """

    def __init__(
        self,
        verbose: int,
        spec: ExperimentSpec,
        stream: IO[str] | None = None,
        line_every_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.verbose = verbose
        self.spec = spec
        self.stream = stream or sys.stdout
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = 0.3 if self.tty else 1.0
        self.line_every_s = line_every_s
        self.clock = clock
        self._last_line = -math.inf  # the first update prints, however small the clock reads
        self._drawn = 0
        self._last_state = ""
        self._finished: set[str] = set()
        #: how many first-failure lines were printed (the controller sends the ones after)
        self.failures_seen = 0
        if verbose:
            self._write(f"raytune_lite: experiment {spec.name!r} -> {spec.path}\n")

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def pace(self, p: dict[str, Any]) -> str:
        """``3.9 trials/min, ~17 min left`` (and the time budget left), or ``""`` before the
        first trial finishes."""
        done = sum(p["counts"].get(s, 0) for s in _DONE)
        elapsed = float(p["elapsed"])
        parts = []
        left: list[float] = []
        if done and elapsed > 0:
            rate = done / elapsed * 60
            parts.append(f"{rate:.3g} trials/min")
            if p["budget"] != float("inf"):
                left.append(max(float(p["budget"]) - done, 0) / rate * 60)
        budget = self.spec.time_budget_s
        if budget is not None:
            left.append(max(budget - elapsed, 0.0))
            parts.append(f"time budget {clock(max(budget - elapsed, 0.0))} left")
        if left and done:
            parts.insert(1, f"{about(min(left))} left")
        return ", ".join(parts)

    def summary(self, p: dict[str, Any]) -> str:
        return f"[{clock(p['elapsed']):>7}] " + self._state(p)

    def _state(self, p: dict[str, Any]) -> str:
        counts = p["counts"]
        parts = [f"{counts[s]} {_SHORT[s]}" for s in _ORDER if counts.get(s)]
        total = p["budget"]
        total_s = "?" if total == float("inf") else str(int(total))
        line = f"trials {p['created']}/{total_s}: " + (", ".join(parts) or "starting")
        pace = self.pace(p)
        if pace:
            line += f" | {pace}"
        best = p.get("best")
        if best is not None:
            line += f" | best {p['metric']}={_num(best['value'])} (trial {best['trial_id']})"
        any_step = p.get("best_any")
        if any_step is not None and (best is None or any_step["value"] != best["value"]):
            line += (
                f" | best (any step) {p['metric']}={_num(any_step['value'])} "
                f"(trial {any_step['trial_id']})"
            )
        if p.get("stopping"):
            line += f" | stopping: {p['stopping']}"
        return line

    def table(self, p: dict[str, Any]) -> list[str]:
        lines = [self.summary(p)]
        best = p.get("best")
        if best is not None and "config" in best:
            cfg = ", ".join(f"{k}={_num(v)}" for k, v in list(best["config"].items())[:6])
            lines.append(f"  best config: {cfg}")
        if p["running"]:
            metric = p["metric"] or "-"
            width = shutil.get_terminal_size((100, 24)).columns
            lines.append(f"  {'trial':<8} {'iter':>6} {metric:>14}  config")
            for tid, it, value, *rest in p["running"]:
                cfg = _config(rest[0] if rest else {})
                line = f"  {tid:<8} {it:>6} {_num(value):>14}  {cfg}"
                lines.append(line if len(line) <= width else line[: width - 1] + "…")
        return lines

    def update(self, p: dict[str, Any], final: bool = False) -> None:
        """Shows a progress snapshot (``Controller.progress``); ``final``: the last one."""
        new = p.get("failures", [])[self.failures_seen - p.get("failures_from", 0) :]
        self.failures_seen += len(new)
        if not self.verbose:
            return
        for line in new:
            self.note(line)
        if self.tty:
            lines = self.table(p)
            erase = f"\x1b[{self._drawn}F\x1b[J" if self._drawn else ""
            self._write(erase + "\n".join(lines) + "\n")
            self._drawn = len(lines)
        else:
            now = self.clock()
            if final or now - self._last_line >= self.line_every_s:
                self._last_line = now
                state = self._state(p)
                if not (final and state == self._last_state):  # said already: no repeat
                    self._write(self.summary(p) + "\n")
                self._last_state = state
        if final:
            self._drawn = 0

    def note(self, text: str) -> None:
        """Prints one line above the table (which is drawn anew below it)."""
        if self.verbose:
            erase = f"\x1b[{self._drawn}F\x1b[J" if self.tty and self._drawn else ""
            self._write(f"{erase}raytune_lite: {text}\n")
            self._drawn = 0

    def errors(self, results: ResultGrid) -> None:
        """The end-of-fit summary of the trials that ended in ERROR, by exception type."""
        for line in error_summary(results.errors, len(results)):
            self.note(line)

    def close(self) -> None:
        self._drawn = 0
