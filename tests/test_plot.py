"""Figures drawn from a real experiment's results (matplotlib's Agg backend)."""

from __future__ import annotations

import itertools
import math

import pytest

import raytune_lite as rt

plt = pytest.importorskip("matplotlib.pyplot")
from raytune_lite import plot  # noqa: E402

pytestmark = pytest.mark.ray


def curve(config):
    for step in range(1, 6):
        rt.report({"loss": config["lr"] * 100 + 1.0 / step})


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    from conftest import start_local_ray

    start_local_ray()
    storage = str(tmp_path_factory.mktemp("plots"))
    return rt.Tuner(
        curve,
        {"lr": rt.loguniform(1e-4, 1e-1)},
        metric="loss",
        num_samples=6,
        seed=0,
        storage_path=storage,
        verbose=0,
    ).fit()


def test_learning_curves_draw_one_line_per_trial_and_mark_the_best(results):
    ax = plot.learning_curves(results)
    assert len(ax.lines) == 6
    (best_line,) = [ln for ln in ax.lines if ln.get_label().startswith("best")]
    assert results.best.trial_id in best_line.get_label()
    assert list(best_line.get_xdata()) == [1, 2, 3, 4, 5]
    assert math.isclose(best_line.get_ydata()[-1], results.best.metrics["loss"])
    assert len(plot.learning_curves(results.path, max_trials=2).lines) == 2
    plt.close("all")


def test_best_so_far_never_gets_worse(results):
    ax = plot.best_so_far(results)
    ys = list(ax.lines[0].get_ydata())
    assert len(ys) == 6 and all(b <= a for a, b in itertools.pairwise(ys))
    assert math.isclose(ys[-1], results.best.metrics["loss"])
    plt.close("all")


def test_metric_vs_param_uses_a_log_axis_for_log_spread_values(results):
    ax = plot.metric_vs_param(results, "lr")
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "lr"
    plt.close("all")


def test_bad_input_names_the_value(results):
    with pytest.raises(ValueError, match="no config key 'depth'; known: \\['lr'\\]"):
        plot.metric_vs_param(results, "depth")
    with pytest.raises(ValueError, match="no trial reported 'acc'"):
        plot.learning_curves(results, metric="acc")
    with pytest.raises(ValueError, match="max_trials must be >= 1"):
        plot.learning_curves(results, max_trials=0)
    with pytest.raises(TypeError, match="ResultGrid or an experiment folder; got 3"):
        plot.best_so_far(3)  # type: ignore[arg-type]
    plt.close("all")
