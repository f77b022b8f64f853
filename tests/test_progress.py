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
        "running": [("00004", 3, 0.25, {"lr": 0.1, "act": None}), ("00005", 1, None, {})][:running],
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


def _at(elapsed, **kw):
    return {**_progress(**kw), "elapsed": elapsed}


def test_the_line_tells_the_rate_and_the_time_left():
    rep = ProgressReporter(0, SPEC)
    # 3 done + 1 error in 2 minutes: 2 trials/min; 6 of 10 left: ~3 min
    assert "| 2 trials/min, ~3 min left |" in rep.summary(_at(120.0))
    assert rep.pace(_at(5.0, done=0) | {"counts": {"RUNNING": 2}}) == ""  # nothing finished yet
    budget = ExperimentSpec(**{**SPEC.__dict__, "time_budget_s": 200.0})
    pace = ProgressReporter(0, budget).pace(_at(120.0))
    assert pace == "2 trials/min, ~80 s left, time budget 1:20 left"  # the budget ends first
    endless = ProgressReporter(0, SPEC).pace(_at(120.0) | {"budget": float("inf")})
    assert endless == "2 trials/min"


def test_long_runs_read_in_hours_minutes_seconds():
    rep = ProgressReporter(0, SPEC)
    assert rep.summary(_at(3723.0)).startswith("[1:02:03] trials 6/10")
    assert rep.summary(_at(4.2)).startswith("[   4.2s] trials 6/10")


def test_the_terminal_table_shows_the_running_configs():
    out = _Tty()
    ProgressReporter(1, SPEC, stream=out).update(_progress())
    (row,) = [ln for ln in out.getvalue().splitlines() if ln.strip().startswith("00004")]
    assert row.split()[:3] == ["00004", "3", "0.25"] and row.endswith("lr=0.1, act=None")


def test_the_final_line_is_not_a_repeat_of_the_last_one():
    out = io.StringIO()
    rep = ProgressReporter(1, SPEC, stream=out, line_every_s=0.0)
    rep.update(_at(10.0, running=0, done=9))
    rep.update(_at(10.0, running=0, done=9), final=True)  # nothing changed
    assert len(out.getvalue().splitlines()) == 2  # the header and one summary
    rep.update(_at(11.0, running=0, done=8), final=True)
    assert len(out.getvalue().splitlines()) == 3
