"""The raytune-lite command: show and plot read a real experiment folder; resume continues one."""

from __future__ import annotations

import json
import os

import pytest

import raytune_lite as rt
from raytune_lite.cli import main, show

pytestmark = pytest.mark.ray


def quadratic(config):
    for step in range(1, 4):
        rt.report({"loss": (config["x"] - 1) ** 2 + 1.0 / step})


@pytest.fixture
def experiment(ray_local, storage):
    return rt.Tuner(
        quadratic,
        {"x": rt.uniform(-2, 2)},
        metric="loss",
        num_samples=5,
        seed=1,
        storage_path=storage,
        name="cli",
        verbose=0,
    ).fit()


def test_show_lists_the_best_trial_first(experiment, capsys):
    text = show(experiment.path, top=3)
    best = experiment.best
    assert f"best: trial {best.trial_id}" in text
    table = text.splitlines()[3:]
    assert len(table) == 4 and table[1].split()[0] == best.trial_id  # header + 3 trials
    assert main(["show", experiment.path]) == 0
    assert "status: TERMINATED 5" in capsys.readouterr().out


def test_plot_writes_an_image(experiment, tmp_path):
    pytest.importorskip("matplotlib")
    out = str(tmp_path / "curves.png")
    assert main(["plot", experiment.path, "--out", out]) == 0
    with open(out, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_resume_runs_what_is_left(experiment, monkeypatch, tmp_path, capsys):
    path = experiment.path
    with open(os.path.join(path, "experiment.json")) as f:
        exp = json.load(f)
    exp["spec"]["num_samples"] = 7  # as if the run had been cut short at 5 of 7
    exp["status"] = "running"
    with open(os.path.join(path, "experiment.json"), "w") as f:
        json.dump(exp, f)
    (tmp_path / "cli_train.py").write_text(
        "import raytune_lite as rt\n"
        "def train(config):\n"
        "    rt.report({'loss': (config['x'] - 1) ** 2})\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["resume", path, "--trainable", "cli_train:train", "--verbose", "0"]) == 0
    again = rt.ResultGrid.from_path(path)
    assert len(again) == 7
    assert {r.trial_id for r in experiment} < {r.trial_id for r in again}


def test_errors_name_the_value(experiment, tmp_path, capsys):
    assert main(["show", str(tmp_path)]) == 2
    assert "not a raytune_lite experiment" in capsys.readouterr().err
    assert main(["resume", experiment.path, "--trainable", "nocolon"]) == 2
    assert "--trainable must be 'module:function'; got 'nocolon'" in capsys.readouterr().err
    assert main(["show", experiment.path, "--top", "0"]) == 2
    assert "--top must be >= 1; got 0" in capsys.readouterr().err


def test_the_trainable_is_imported_without_shadowing_installed_modules(tmp_path, monkeypatch):
    import sys

    from raytune_lite.cli import _load_trainable

    (tmp_path / "colorsys.py").write_text("SHADOWED = True\n")  # a stdlib name, not yet imported
    (tmp_path / "my_trainable.py").write_text("def train(config):\n    pass\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    monkeypatch.delitem(sys.modules, "my_trainable", raising=False)
    fn = _load_trainable("my_trainable:train")
    assert fn.__module__ == "my_trainable"
    import colorsys

    assert not hasattr(colorsys, "SHADOWED") and hasattr(colorsys, "rgb_to_hsv")
