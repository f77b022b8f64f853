"""The raytune-lite command: show and plot read a real experiment folder; resume continues one."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import sys

import pytest

import raytune_lite as rt
from raytune_lite.cli import _parser, main, show
from raytune_lite.store import ExperimentState, ExperimentStatus, ExperimentStore, PluginState

ray = pytest.mark.ray  # the tests that run an experiment


def _state(status: str) -> ExperimentState:
    """An experiment.json of a run minimizing ``loss`` (for folders written by the tests)."""
    spec = {"metric": "loss", "mode": "min"}
    return ExperimentState(ExperimentStatus(status), spec, {}, PluginState("A"), PluginState("B"))


def quadratic(config):
    for step in range(1, 4):
        rt.report({"loss": (config["x"] - 1) ** 2 + 1.0 / step})


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    """One experiment for the module (a test that changes it works on a copy)."""
    from conftest import start_local_ray

    start_local_ray()
    storage = str(tmp_path_factory.mktemp("cli") / "results")
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


@ray
def test_show_lists_the_best_trial_first(experiment, capsys):
    text = show(experiment.path, top=3)
    best = experiment.best
    assert f"best: trial {best.trial_id}" in text
    table = text.splitlines()[4:]  # repr, experiment status, trial counts, best
    assert len(table) == 4 and table[1].split()[0] == best.trial_id  # header + 3 trials
    assert main(["show", experiment.path]) == 0
    assert "status: TERMINATED 5" in capsys.readouterr().out


@ray
def test_plot_writes_an_image(experiment, tmp_path):
    pytest.importorskip("matplotlib")
    out = str(tmp_path / "curves.png")
    assert main(["plot", experiment.path, "--out", out]) == 0
    with open(out, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


@ray
def test_resume_runs_what_is_left(experiment, monkeypatch, tmp_path, capsys):
    path = str(tmp_path / "copy" / "cli")
    shutil.copytree(experiment.path, path)
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


@ray
def test_errors_name_the_value(experiment, tmp_path, capsys):
    assert main(["show", str(tmp_path)]) == 2  # empty: no experiment in or under it
    assert "not a raytune_lite experiment" in capsys.readouterr().err
    assert main(["resume", experiment.path, "--trainable", "nocolon"]) == 2
    assert "--trainable must be 'module:function'; got 'nocolon'" in capsys.readouterr().err
    assert main(["show", experiment.path, "--top", "0"]) == 2
    assert "--top must be >= 1; got 0" in capsys.readouterr().err


@ray
def test_ls_lists_the_experiments_and_show_at_the_root_points_to_it(experiment, capsys):
    root = os.path.dirname(experiment.path)
    assert main(["ls", root]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["experiment", "status", "finished", "best", "started"]
    name, status, finished, best = out[1].split()[:4]
    assert (name, status, finished) == ("cli", "finished", "5/5")
    assert best == f"loss={experiment.best.metrics['loss']:.6g}"
    assert main(["show", root]) == 2
    assert f"list them with `raytune-lite ls {root}`" in capsys.readouterr().err


@ray
def test_show_as_csv_and_json_keeps_integers(experiment, capsys):
    assert main(["show", experiment.path, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 5 and rows[0]["trial_id"] == experiment.best.trial_id
    assert {r["training_iteration"] for r in rows} == {"3"}
    assert main(["show", experiment.path, "--format", "json", "--top", "2"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 2 and records[0]["training_iteration"] == 3
    assert main(["show", experiment.path]) == 0
    text = capsys.readouterr().out
    assert " 3 " in text and " 3.0 " not in text


@ray
def test_plot_kinds(experiment, tmp_path):
    pytest.importorskip("matplotlib")
    for kind in ("timeline", "slice"):
        out = str(tmp_path / f"{kind}.png")
        assert main(["plot", experiment.path, "--out", out, "--kind", kind]) == 0
        assert os.path.getsize(out) > 1000


# -- no Ray ---------------------------------------------------------------------------------


def test_show_reports_launched_trials_as_running_mid_run(tmp_path, capsys):
    store = ExperimentStore(str(tmp_path / "live"))
    store.write_experiment(_state("running"))
    store.add_trial("00000", {"x": 1})  # launched: its trial.json comes at its first change
    store.close()
    assert main(["show", store.path]) == 0
    assert "status: RUNNING 1" in capsys.readouterr().out


def test_version_and_python_dash_m():
    out = subprocess.run(
        [sys.executable, "-m", "raytune_lite", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout.strip() == f"raytune_lite {rt.__version__}"


def test_a_closed_pipe_is_not_an_error(tmp_path):
    store = ExperimentStore(str(tmp_path / "exp"))
    store.write_experiment(_state("finished"))
    for i in range(2000):
        store.add_trial(f"{i:05d}", {"x": i})
    store.close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "raytune_lite", "show", store.path, "--format", "csv"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.read(10)  # like `head -c 10`: read a little, then leave
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() == 0 and "BrokenPipeError" not in err and "Traceback" not in err


def test_every_argument_has_help_and_no_rest_markup():
    parser = _parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in subs.choices.items():
        for action in sub._actions:
            assert action.help, (name, action.dest)
        assert "``" not in sub.format_help() and ":func:" not in sub.format_help()
    assert "``" not in parser.format_help()


def blocks_its_rows(config):
    """Makes its result.jsonl a folder: the controller cannot write its rows."""
    os.makedirs(os.path.join(rt.get_trial_dir(), "result.jsonl"))
    rt.report({"loss": 1.0})


@ray
def test_an_experiment_that_cannot_go_on_exits_non_zero(experiment, capsys):
    """Exit code 1 when the experiment stops on an error (here its folder cannot be written)."""
    path = experiment.path
    with open(os.path.join(path, "experiment.json")) as f:
        exp = json.load(f)
    exp["spec"]["num_samples"] = 6
    exp["status"] = "running"
    with open(os.path.join(path, "experiment.json"), "w") as f:
        json.dump(exp, f)
    assert main(["resume", path, "--trainable", "test_cli:blocks_its_rows", "--verbose", "0"]) == 1
    assert "the experiment stopped: writing the experiment folder" in capsys.readouterr().err


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
