"""The console progress table (pure, no Ray)."""

from __future__ import annotations

import io

from raytune_lite.progress import ProgressReporter
from raytune_lite.spec import ExperimentSpec
from raytune_lite.trial import Mode

SPEC = ExperimentSpec(
    name="exp",
    path="/tmp/exp",
    metric="loss",
    mode=Mode.MIN,
    num_samples=10,
    resources={"cpu": 1.0},
)


def _progress(running=2, done=3):
    counts = {
        s: 0 for s in ("PENDING", "RUNNING", "PAUSED", "TERMINATED", "STOPPED_EARLY", "ERROR")
    }
    counts.update(RUNNING=running, TERMINATED=done, ERROR=1)
    return {
        "counts": counts,
        "created": running + done + 1,
        "budget": 10,
        "running": [("00004", 3, 0.25), ("00005", 1, None)][:running],
        "best": {"trial_id": "00002", "value": 0.125, "config": {"lr": 0.01}},
        "elapsed": 4.2,
        "metric": "loss",
        "stopping": None,
    }


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_non_tty_prints_periodic_summary_lines():
    out = io.StringIO()
    rep = ProgressReporter(1, SPEC, stream=out, line_every_s=3600)
    rep.update(_progress())
    rep.update(_progress())  # within the period: nothing new
    rep.update(_progress(running=0, done=9), final=True)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert "2 running, 3 done, 1 errors" in lines[1] and "best loss=0.125" in lines[1]
    assert "trials 10/10" in lines[2]


def test_the_first_line_is_printed_at_once_however_young_the_clock():
    # a machine booted seconds ago: time.monotonic() reads less than line_every_s
    now = [5.0]
    out = io.StringIO()
    rep = ProgressReporter(1, SPEC, stream=out, line_every_s=10.0, clock=lambda: now[0])
    rep.update(_progress())
    assert len(out.getvalue().splitlines()) == 2  # the header and the first summary
    now[0] = 14.0
    rep.update(_progress())  # 9 s after the first line: nothing new
    assert len(out.getvalue().splitlines()) == 2
    now[0] = 15.0
    rep.update(_progress())  # 10 s: the next line
    assert len(out.getvalue().splitlines()) == 3


def test_tty_redraws_the_table_in_place():
    out = _Tty()
    rep = ProgressReporter(1, SPEC, stream=out)
    rep.update(_progress())
    rep.update(_progress())
    text = out.getvalue()
    assert "00004" in text and "lr=0.01" in text
    assert "\x1b[" in text  # the second draw moves the cursor up over the first


def test_verbose_zero_is_silent():
    out = io.StringIO()
    rep = ProgressReporter(0, SPEC, stream=out)
    rep.update(_progress(), final=True)
    rep.note("hello")
    assert out.getvalue() == ""
