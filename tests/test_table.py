"""The controller's trial table: trials by id, best so far, progress summary (no Ray)."""

from __future__ import annotations

from raytune_lite.controller.table import RUNNING_SHOWN, TrialTable
from raytune_lite.trial import Mode, Trial, TrialStatus


def _table(n: int, mode: Mode = Mode.MIN, metric: str | None = "loss") -> TrialTable:
    table = TrialTable(metric, mode)
    for i in range(n):
        table.add(Trial(f"{i:05d}", {"i": i}, {"cpu": 1.0}))
    return table


def test_lookup_and_iteration_keep_creation_order():
    table = _table(3)
    assert len(table) == 3 and [t.trial_id for t in table] == ["00000", "00001", "00002"]
    assert table["00001"].config == {"i": 1} and table.get("00001") is table["00001"]
    assert table.get("99999") is None


def test_the_best_is_strictly_better_finite_values_only():
    table = _table(3)
    table.offer({"loss": 0.5}, "00000")
    table.offer({"loss": 0.5}, "00001")  # a tie keeps the first
    table.offer({"loss": float("nan")}, "00002")
    table.offer({"acc": 0.0}, "00002")
    assert table.best == (0.5, "00000")
    table.offer({"loss": 0.2}, "00002")
    table.offer_value(None, "00001")
    assert table.best == (0.2, "00002")
    high = _table(2, Mode.MAX)
    high.offer({"loss": 0.5}, "00000")
    high.offer({"loss": 0.2}, "00001")
    assert high.best == (0.5, "00000")
    none = _table(1, metric=None)
    none.offer({"loss": 0.5}, "00000")
    assert none.best is None and none.summary()["best"] is None


def test_the_summary_counts_every_status_and_lists_running_trials():
    table = _table(RUNNING_SHOWN + 3)
    for i, t in enumerate(table):
        t.status = TrialStatus.RUNNING if i >= 2 else TrialStatus.TERMINATED
        t.observe(
            {"training_iteration": i, "loss": float("nan") if i == 3 else i / 10}, "loss", Mode.MIN
        )
        table.offer(t.last_result or {}, t.trial_id)
    table["00004"].last_result = None
    s = table.summary()
    assert s["counts"] == {
        "PENDING": 0,
        "RUNNING": RUNNING_SHOWN + 1,
        "PAUSED": 0,
        "INTERRUPTED": 0,
        "TERMINATED": 2,
        "STOPPED_EARLY": 0,
        "ERROR": 0,
    }
    assert len(s["running"]) == RUNNING_SHOWN
    assert s["running"][:3] == [
        ("00002", 2, 0.2, {"i": 2}),
        ("00003", 3, None, {"i": 3}),
        ("00004", 0, None, {"i": 4}),
    ]  # with their configs, for the live table
    assert s["best"] == {"trial_id": "00000", "value": 0.0, "config": {"i": 0}}
