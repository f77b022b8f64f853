"""The live console table while ``fit()`` runs."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import IO, Any

from raytune_lite.spec import ExperimentSpec

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
    printed at the first update and then every ``line_every_s`` seconds. ``verbose=0`` prints
    nothing. ``clock`` (seconds, monotonic) is what the period is measured with.
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
        self._finished: set[str] = set()
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
        if p.get("stopping"):
            line += f" | stopping: {p['stopping']}"
        return line

    def table(self, p: dict[str, Any]) -> list[str]:
        lines = [self.summary(p)]
        best = p.get("best")
        if best is not None:
            cfg = ", ".join(f"{k}={_num(v)}" for k, v in list(best["config"].items())[:6])
            lines.append(f"  best config: {cfg}")
        if p["running"]:
            metric = p["metric"] or "-"
            lines.append(f"  {'trial':<8} {'iter':>6} {metric:>14}")
            for tid, it, value in p["running"]:
                lines.append(f"  {tid:<8} {it:>6} {_num(value):>14}")
        return lines

    def update(self, p: dict[str, Any], final: bool = False) -> None:
        if not self.verbose:
            return
        if self.tty:
            lines = self.table(p)
            erase = f"\x1b[{self._drawn}F\x1b[J" if self._drawn else ""
            self._write(erase + "\n".join(lines) + "\n")
            self._drawn = len(lines)
        else:
            now = self.clock()
            if final or now - self._last_line >= self.line_every_s:
                self._last_line = now
                self._write(self.summary(p) + "\n")
        if final:
            self._drawn = 0

    def note(self, text: str) -> None:
        if self.verbose:
            self._write(f"raytune_lite: {text}\n")
            self._drawn = 0

    def close(self) -> None:
        self._drawn = 0
