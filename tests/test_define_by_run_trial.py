"""The trial object of define-by-run objectives, without Ray: suggestions, replay, pruning."""

from __future__ import annotations

import pytest

from raytune_lite.define_by_run.distributions import FloatDistribution
from raytune_lite.define_by_run.trial import ObjectiveTrial, final_metrics


class Fake:
    """The controller's side: answers asks from a table, records rows, prunes on demand."""

    def __init__(self, prune_at: int | None = None):
        self.asked: list[str] = []
        self.rows: list[dict] = []
        self.prune_at = prune_at

    def ask(self, name, dist):
        self.asked.append(name)
        return dist.from_unit(0.25)

    def send(self, row):
        self.rows.append(row)
        return self.prune_at is not None and len(self.rows) >= self.prune_at


def make(config=None, metrics=("loss",), fake=None):
    fake = fake or Fake()
    return ObjectiveTrial(7, config or {}, metrics, fake.ask, fake.send), fake


def test_suggest_asks_once_per_name_and_returns_the_first_value():
    trial, fake = make()
    x = trial.suggest_float("x", 0, 4)
    assert x == 1.0 and trial.suggest_float("x", 0, 100) == x  # same kind: the first value
    n = trial.suggest_int("n", 1, 5)
    c = trial.suggest_categorical("c", ["a", "b", "c", "d"])
    assert (n, c) == (2, "a")  # a categorical unit value is the index
    assert fake.asked == ["x", "n", "c"]
    assert trial.params == {"x": 1.0, "n": 2, "c": "a"}
    assert isinstance(trial.distributions["x"], FloatDistribution)
    assert trial.number == 7


def test_a_name_with_another_kind_in_the_same_trial_is_refused():
    trial, _ = make()
    trial.suggest_float("x", 0, 1)
    with pytest.raises(ValueError, match="one name takes one kind"):
        trial.suggest_int("x", 0, 1)
    trial.suggest_categorical("c", ["a", "b"])
    with pytest.raises(ValueError, match="one name takes one kind"):
        trial.suggest_categorical("c", ["a", "z"])


def test_recorded_values_are_used_again_without_asking():
    trial, fake = make({"x": 3.5, "n": 9})
    assert trial.suggest_float("x", 0, 4) == 3.5
    with pytest.warns(UserWarning, match="outside"):
        assert trial.suggest_int("n", 1, 5) == 9  # as recorded (an enqueued point), warned
    assert fake.asked == []
    trial.suggest_float("new", 0, 1)
    assert fake.asked == ["new"]


def test_a_looped_space_asks_each_name():
    trial, fake = make()
    layers = trial.suggest_int("layers", 1, 4)
    widths = [trial.suggest_int(f"width_{i}", 8, 64, log=True) for i in range(layers)]
    assert len(widths) == layers
    assert fake.asked == ["layers"] + [f"width_{i}" for i in range(layers)]


def test_report_sends_rows_and_should_prune_follows_the_scheduler():
    trial, fake = make(fake=Fake(prune_at=2))
    trial.report(0.5, 0)
    assert not trial.should_prune()
    trial.report(0.4, 1)
    assert trial.should_prune()
    assert fake.rows == [{"loss": 0.5, "step": 0}, {"loss": 0.4, "step": 1}]
    assert trial.intermediate_values == {0: 0.5, 1: 0.4}


def test_report_checks_like_optuna():
    trial, fake = make()
    trial.report(1.0, 0)
    with pytest.warns(UserWarning, match="reported already"):
        trial.report(2.0, 0)
    assert len(fake.rows) == 1
    with pytest.raises(ValueError, match="step must be >= 0"):
        trial.report(1.0, -1)
    with pytest.raises(TypeError, match="must be a float"):
        trial.report("high", 1)
    with pytest.raises(TypeError, match="step must be an int"):
        trial.report(1.0, 1.5)


def test_multi_objective_trials_do_not_prune():
    trial, _ = make(metrics=("a", "b"))
    with pytest.raises(NotImplementedError):
        trial.report(1.0, 0)
    with pytest.raises(NotImplementedError):
        trial.should_prune()


def test_user_attrs_must_be_json():
    trial, _ = make()
    trial.set_user_attr("note", {"k": [1, 2]})
    assert trial.user_attrs == {"note": {"k": [1, 2]}}
    with pytest.raises(TypeError, match="JSON-able"):
        trial.set_user_attr("bad", object())


def test_final_metrics():
    assert final_metrics(2, ["loss"]) == {"loss": 2.0}
    assert final_metrics((1, 2), ["a", "b"]) == {"a": 1.0, "b": 2.0}
    assert final_metrics({"x": 1}, ["loss"]) == {"x": 1}
    with pytest.raises(TypeError, match="must return a number"):
        final_metrics(None, ["loss"])
    with pytest.raises(TypeError, match="a sequence of 2 numbers"):
        final_metrics(1.0, ["a", "b"])
