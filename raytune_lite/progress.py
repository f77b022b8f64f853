"""The live console table while ``fit()`` runs."""

from __future__ import annotations

import math
import sys
import time
from typing import IO, TYPE_CHECKING, Any

from raytune_lite.failures import error_summary
from raytune_lite.spec import ExperimentSpec

if TYPE_CHECKING:
    from raytune_lite.results import ResultGrid

_ORDER = ("RUNNING", "PENDING", "PAUSED", "TERMINATED", "STOPPED_EARLY", "ERROR")
_SHORT = {
    "RUNNING": "running",
    "PENDING": "pending",
    "PAUSED": "paused",
    "TERMINATED": "done",
    "STOPPED_EARLY": "stopped early",
    "ERROR": "errors",
}


def _num(v: Any) -> str:
    return "-" if v is None else (f"{v:.6g}" if isinstance(v, float) else str(v))


class ProgressReporter:
    """Draws the progress of an experiment.

    On a terminal the table is redrawn in place a few times a second; otherwise a line is
    printed every ``line_every_s`` seconds. ``verbose=0`` prints nothing. Each trial's first
    failure is printed once, as one line (trial id, exception, error file), above the table.

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
    ):
        self.verbose = verbose
        self.spec = spec
        self.stream = stream or sys.stdout
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = 0.3 if self.tty else 1.0
        self.line_every_s = line_every_s
        self._last_line = -math.inf  # the first update prints a line
        self._drawn = 0
        self._finished: set[str] = set()
        #: how many first-failure lines were printed (the controller sends the ones after)
        self.failures_seen = 0
        if verbose:
            self._write(f"raytune_lite: experiment {spec.name!r} -> {spec.path}\n")

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def summary(self, p: dict[str, Any]) -> str:
        counts = p["counts"]
        parts = [f"{counts[s]} {_SHORT[s]}" for s in _ORDER if counts.get(s)]
        total = p["budget"]
        total_s = "?" if total == float("inf") else str(int(total))
        line = f"[{p['elapsed']:7.1f}s] trials {p['created']}/{total_s}: " + (
            ", ".join(parts) or "starting"
        )
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
            lines.append(f"  {'trial':<8} {'iter':>6} {metric:>14}")
            for tid, it, value in p["running"]:
                lines.append(f"  {tid:<8} {it:>6} {_num(value):>14}")
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
        elif final or time.monotonic() - self._last_line >= self.line_every_s:
            self._last_line = time.monotonic()
            self._write(self.summary(p) + "\n")
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
