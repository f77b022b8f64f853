"""Every figure drawn from real experiments (matplotlib's Agg backend): one-shot trials, ASHA,
PBT and two metrics. The experiments run once for the module."""

from __future__ import annotations

import io
import itertools
import subprocess
import sys

import numpy as np
import pytest

import raytune_lite as rt
from raytune_lite.schedulers import ASHA, PBT
from raytune_lite.trial import Mode, TrialStatus

plt = pytest.importorskip("matplotlib.pyplot")
pytest.importorskip("sklearn")
from raytune_lite import plot  # noqa: E402

pytestmark = pytest.mark.ray


def one_shot(config):
    penalty = {"a": 0.0, "b": 0.3, None: 0.6}[config["act"]]
    return {"loss": (config["x"] - 1) ** 2 + penalty + (0.1 if config["width"] is None else 0)}


def curve(config):
    for step in range(1, 10):
        rt.report({"loss": config["lr"] * 10 + 1.0 / step + (0.2 if config["act"] else 0)})


def pbt_train(config):
    ckpt = rt.get_checkpoint()
    state = ckpt.to_dict() if ckpt else {"it": 0, "w": 5.0}
    for it in range(state["it"] + 1, 13):
        state = {"it": it, "w": state["w"] * (1 - config["lr"])}
        rt.report({"loss": state["w"]}, checkpoint=rt.Checkpoint.from_dict(state))


def two_metrics(config):
    return {"loss": (config["x"] - 1) ** 2, "cost": config["x"] ** 2 + config["y"]}


@pytest.fixture(scope="module")
def experiments(tmp_path_factory):
    from conftest import start_local_ray

    start_local_ray()
    storage = str(tmp_path_factory.mktemp("plots"))
    common = {"storage_path": storage, "verbose": 0, "seed": 0}
    one = rt.Tuner(
        one_shot,
        {"x": rt.uniform(-2, 2), "act": rt.choice(["a", "b", None]), "width": rt.choice([8, None])},
        metric="loss",
        num_samples=12,
        name="one_shot",
        **common,
    ).fit()
    asha = rt.Tuner(
        curve,
        {"lr": rt.loguniform(1e-4, 1e-1), "act": rt.choice([True, False])},
        metric="loss",
        num_samples=12,
        max_concurrent=3,
        scheduler=ASHA(max_t=9, grace_period=1, reduction_factor=3),
        name="asha",
        **common,
    ).fit()
    pbt = rt.Tuner(
        pbt_train,
        {"lr": rt.uniform(0.01, 0.3), "m": rt.choice([1, 2, None])},
        metric="loss",
        num_samples=6,
        scheduler=PBT(perturbation_interval=3, hyperparam_mutations={"lr": rt.uniform(0.01, 0.3)}),
        name="pbt",
        **common,
    ).fit()
    two = rt.Tuner(
        two_metrics,
        {"x": rt.uniform(-1, 2), "y": rt.uniform(0, 1)},
        metric="loss",
        num_samples=16,
        name="two",
        **common,
    ).fit()
    return {"one_shot": one, "asha": asha, "pbt": pbt, "two": two}


def _pareto(g):
    if g.path.endswith("two"):
        return plot.pareto_front(g, ["loss", "cost"], ["min", "min"])
    return plot.pareto_front(g, [g.metric, "time_total_s"], [g.mode, "min"])


FIGURES = {
    "learning_curves": lambda g: plot.learning_curves(g),
    "best_so_far": lambda g: plot.best_so_far(g),
    "edf": lambda g: plot.edf(g),
    "metric_vs_param": lambda g: plot.metric_vs_param(g, "x" if "x" in g[0].config else "lr"),
    "slice": lambda g: plot.slice(g),
    "contour": lambda g: plot.contour(g),
    "parallel_coordinates": lambda g: plot.parallel_coordinates(g),
    "importance": lambda g: plot.importance(g),
    "timeline": lambda g: plot.timeline(g),
    "pbt_schedule": lambda g: plot.pbt_schedule(g),
    "pareto_front": _pareto,
}


@pytest.mark.parametrize("kind", ["one_shot", "asha", "pbt", "two"])
def test_every_figure_renders_to_png_with_data_and_words(experiments, kind):
    grid = experiments[kind]
    for name, draw in FIGURES.items():
        drawn = draw(grid)
        axes = drawn if isinstance(drawn, list) else [drawn]
        fig = axes[0].figure
        for ax in axes:
            assert plot.has_data(ax), (kind, name)
            assert ax.get_title() or fig.get_suptitle(), (kind, name)
            assert ax.get_xlabel() or name == "parallel_coordinates", (kind, name)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=60)
        assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
        plt.close("all")


def test_one_shot_trials_are_dots_not_invisible_lines(experiments):
    grid = experiments["one_shot"]
    ax = plot.learning_curves(grid)
    trials = [ln for ln in ax.lines if len(ln.get_xdata())]
    assert len(trials) == len(grid)
    assert all(ln.get_marker() == "o" and len(ln.get_xdata()) == 1 for ln in trials)
    assert "one report each" in ax.get_title()
    plt.close("all")


def test_metric_vs_param_draws_none_as_a_category(experiments):
    grid = experiments["one_shot"]
    for param, labels in (("act", ["a", "b", "None"]), ("width", ["8", "None"])):
        ax = plot.metric_vs_param(grid, param)
        assert [t.get_text() for t in ax.get_xticklabels()] == labels
        drawn = sum(len(c.get_offsets()) for c in ax.collections if c.get_label() != "best")
        assert drawn == len(grid)  # trials whose value is None are drawn too
        plt.close("all")
    ax = plot.metric_vs_param(experiments["asha"], "lr")
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "lr"
    plt.close("all")


def test_best_so_far_counts_complete_trials_only(experiments):
    grid = experiments["asha"]
    ax = plot.best_so_far(grid)
    (curve_line,) = [ln for ln in ax.lines if ln.get_label() == "best so far"]
    ys = list(curve_line.get_ydata())
    assert all(b <= a for a, b in itertools.pairwise(ys))
    complete = [r.metrics["loss"] for r in grid if r.status is TrialStatus.TERMINATED]
    assert ys[-1] == pytest.approx(min(complete))
    stopped = sum(r.status is TrialStatus.STOPPED_EARLY for r in grid)
    assert stopped > 0
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"stopped early ({stopped})" in labels
    assert all(float(t).is_integer() for t in ax.get_xticks())
    assert ax.get_title().startswith("Best loss so far")
    plt.close("all")


def test_learning_curves_mark_stops_and_exploits(experiments):
    asha = experiments["asha"]
    ax = plot.learning_curves(asha)
    crosses = [ln for ln in ax.lines if ln.get_marker() == "x"]
    assert len(crosses) == sum(r.status is TrialStatus.STOPPED_EARLY for r in asha)
    (best_line,) = [ln for ln in ax.lines if ln.get_label().startswith("best")]
    assert asha.best.trial_id in best_line.get_label()
    plt.close("all")
    pbt = experiments["pbt"]
    ax = plot.learning_curves(pbt)
    exploits = sum(len(r.config_history) - 1 for r in pbt)
    assert exploits > 0
    triangles = [ln for ln in ax.lines if ln.get_marker() == "^" and len(ln.get_xdata())]
    assert len(triangles) == exploits
    assert len(plot.learning_curves(pbt.path, max_trials=2).get_lines()) >= 2
    plt.close("all")


def test_timeline_draws_one_bar_per_attempt(experiments):
    pbt = experiments["pbt"]
    att = pbt.attempts()
    ax = plot.timeline(pbt)
    bars = sum(len(c.get_paths()) for c in ax.collections)
    assert bars == len(att) and "exploited" in set(att["ending"])
    assert f"{len(att)} attempts of 6 trials" in ax.get_title()
    asha = experiments["asha"]
    assert asha.attempts()["slot"].max() + 1 <= 3  # max_concurrent=3
    plt.close("all")


def test_pareto_front_highlights_the_non_dominated_trials(experiments):
    grid = experiments["two"]
    ax = plot.pareto_front(grid, ["loss", "cost"], ["min", "min"])
    (front,) = [ln for ln in ax.lines if ln.get_label().startswith("Pareto")]
    xs = front.get_xdata()
    df = grid.dataframe()
    values = df[["loss", "cost"]].to_numpy()
    expected = plot.pareto_mask(values, [Mode.MIN, Mode.MIN])
    assert len(xs) == expected.sum() and sorted(xs) == sorted(values[expected, 0])
    with pytest.raises(ValueError, match="two different metric names"):
        plot.pareto_front(grid, ["loss"], ["min"])
    plt.close("all")


def test_pareto_mask_by_brute_force():
    rng = np.random.default_rng(0)
    v = rng.random((60, 2))
    v[5] = np.nan
    modes = [Mode.MIN, Mode.MAX]
    got = plot.pareto_mask(v, modes)
    s = v * np.array([1.0, -1.0])
    for i in range(len(v)):
        dominated = any(
            np.all(s[j] <= s[i]) and np.any(s[j] < s[i]) for j in range(len(v)) if j != i
        )
        assert got[i] == (not dominated and np.isfinite(v[i]).all())


def test_importance_ranks_the_parameter_that_matters_and_is_seeded(experiments):
    grid = experiments["two"]  # loss depends on x only
    shares = plot.param_importance(grid, seed=3)
    assert list(shares) == ["x", "y"] and shares["x"] > 0.8
    assert sum(shares.values()) == pytest.approx(1.0)
    assert plot.param_importance(grid, seed=3) == shares


def test_edf_compares_experiments(experiments):
    ax = plot.edf([experiments["one_shot"], experiments["two"]])
    lines = [ln for ln in ax.lines if len(ln.get_xdata())]
    assert len(lines) == 2 and all(ln.get_ydata()[-1] == 1.0 for ln in lines)
    plt.close("all")


def test_bad_input_names_the_value(experiments):
    grid = experiments["asha"]
    with pytest.raises(ValueError, match="no config key 'depth'; known: \\['act', 'lr'\\]"):
        plot.metric_vs_param(grid, "depth")
    with pytest.raises(ValueError, match="no trial reported 'acc'"):
        plot.learning_curves(grid, metric="acc")
    with pytest.raises(ValueError, match="max_trials must be >= 1"):
        plot.learning_curves(grid, max_trials=0)
    with pytest.raises(TypeError, match="ResultGrid or an experiment folder; got 3"):
        plot.best_so_far(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="two different config keys"):
        plot.contour(grid, "lr", "lr")
    plt.close("all")


def test_importing_the_package_does_not_import_matplotlib():
    code = "import sys, raytune_lite, raytune_lite.plot; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
