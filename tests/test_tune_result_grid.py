"""tune.ResultGrid over a real experiment: Ray Tune's scopes and dataframe filters."""

from __future__ import annotations

import pytest

from raytune_lite import tune

pytestmark = pytest.mark.ray

CURVES = {0: [1, 9, 9, 9], 1: [4, 4, 4, 4], 2: [8, 8, 8, 2]}


def curve(config):
    for v in CURVES[config["x"]]:
        tune.report({"loss": v})


@pytest.fixture
def grid(ray_local, storage):
    return tune.Tuner(
        curve,
        param_space={"x": tune.grid_search([0, 1, 2])},
        tune_config=tune.TuneConfig(metric="loss", mode="min"),
        run_config=tune.RunConfig(storage_path=storage, verbose=0),
    ).fit()


def test_scopes_and_modes(grid):
    best = {s: grid.get_best_result(scope=s).config["x"] for s in ("last", "all", "avg")}
    assert best == {"last": 2, "all": 0, "avg": 1}
    assert grid.get_best_result(scope="last-10-avg").config["x"] == 1
    assert grid.get_best_result(mode="max").config["x"] == 0  # last values 9, 4, 2
    with pytest.raises(ValueError, match="scope must be one of"):
        grid.get_best_result(scope="first")
    with pytest.raises(ValueError, match="pass mode='min' or 'max' with metric='other'"):
        grid.get_best_result(metric="other")


def test_dataframe_results_and_history(grid):
    frame = grid.get_dataframe()
    assert sorted(frame["config/x"]) == [0, 1, 2] and set(frame["loss"]) == {9, 4, 2}
    best_rows = grid.get_dataframe(filter_metric="loss", filter_mode="min")
    assert dict(zip(best_rows["config/x"], best_rows["loss"], strict=True)) == {0: 1, 1: 4, 2: 2}
    assert (len(grid), grid.num_errors, grid.num_terminated) == (3, 0, 3)
    result = grid[0]
    assert list(result.metrics_dataframe["loss"]) == CURVES[result.config["x"]]
    assert result.path.startswith(grid.experiment_path)
