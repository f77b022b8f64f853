"""Shared helpers for benchmark scripts: machine description and BENCHMARKS.md sections."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCHMARKS_MD = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"


def machine() -> str:
    """One line describing this machine and the software versions."""
    import numpy

    try:
        import ray

        ray_v = ray.__version__
    except ImportError:  # pragma: no cover
        ray_v = "absent"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"numpy {numpy.__version__}, ray {ray_v}"
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-markdown table (also readable when printed)."""
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        if v != v:
            return "nan"
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        if abs(v) >= 10:
            return f"{v:.1f}"
        return f"{v:.3g}" if abs(v) < 0.01 and v != 0 else f"{v:.3f}"
    return str(v)


def write_section(name: str, title: str, body: str) -> None:
    """Replaces (or appends) the section ``name`` of BENCHMARKS.md, stamped with the machine,
    date and the command that produced it."""
    cmd = "python " + " ".join([os.path.relpath(sys.argv[0], BENCHMARKS_MD.parent), *sys.argv[1:]])
    stamp = (
        f"Machine: {machine()}  \nDate: {_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M} "
        f"UTC  \nCommand: `{cmd}`  \nLoad average when written (1/5/15 min): "
        f"{'/'.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    block = f"<!-- BEGIN {name} -->\n## {title}\n\n{stamp}\n\n{body.strip()}\n<!-- END {name} -->"
    text = (
        BENCHMARKS_MD.read_text()
        if BENCHMARKS_MD.exists()
        else (
            "# Benchmarks\n\nEvery table here is written by a script in `benchmarks/`; "
            "rerun the command under a table to refresh it.\n"
        )
    )
    pattern = re.compile(
        rf"<!-- BEGIN {re.escape(name)} -->.*?<!-- END {re.escape(name)} -->", re.S
    )
    text = (
        pattern.sub(lambda _: block, text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + block + "\n"
    )
    BENCHMARKS_MD.write_text(text)
