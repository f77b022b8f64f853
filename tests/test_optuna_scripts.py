"""Scripts in Optuna's style (tests/optuna_scripts/) run on raytune_lite with only their
imports changed; the same scripts with ``import optuna`` run on Optuna itself; and every
Optuna name they use exists in Optuna."""

from __future__ import annotations

import ast
import importlib
import os

import pytest

import raytune_lite.optuna_style as facade
from raytune_lite.optuna_style import study as study_module

SCRIPTS = os.path.join(os.path.dirname(__file__), "optuna_scripts")
NAMES = sorted(f[:-3] for f in os.listdir(SCRIPTS) if f.endswith(".py") and f != "__init__.py")
OPTIONAL = {"xgboost_simple": ("xgboost",)}
OURS = "raytune_lite.optuna_style"


def _source(name: str) -> str:
    with open(os.path.join(SCRIPTS, f"{name}.py")) as f:
        return f.read()


def _as_optuna(source: str) -> str:
    """The script as it is written for Optuna: the only lines that differ are imports."""
    lines = []
    for line in source.splitlines():
        if OURS in line:
            assert line.startswith(("import ", "from ")), line  # imports only
            line = line.replace(f"import {OURS} as optuna", "import optuna").replace(OURS, "optuna")
        lines.append(line)
    return "\n".join(lines)


def _chains(tree: ast.Module, root: str) -> list[list[str]]:
    """Every ``root.a.b`` attribute chain of the script."""
    out = []
    for node in ast.walk(tree):
        names: list[str] = []
        while isinstance(node, ast.Attribute):
            names.insert(0, node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id == root and names:
            out.append(names)
    return out


def _resolve(obj: object, module: str, path: list[str]) -> None:
    for i, attr in enumerate(path):
        if not hasattr(obj, attr) and hasattr(obj, "__path__"):
            obj = importlib.import_module(f"{module}.{'.'.join(path[: i + 1])}")
        else:
            obj = getattr(obj, attr)  # AttributeError: the name is not Optuna's


@pytest.mark.parametrize("name", NAMES)
def test_script_uses_only_optuna_names_and_differs_only_in_imports(name):
    optuna = pytest.importorskip("optuna")
    source = _source(name)
    tree = ast.parse(_as_optuna(source))
    chains = _chains(tree, "optuna")
    assert chains, "the script uses no optuna name"
    for chain in chains:
        _resolve(optuna, "optuna", chain)
        _resolve(facade, OURS, chain)  # and ours has it too
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("optuna"):
            for alias in node.names:
                _resolve(optuna, "optuna", [*node.module.split(".")[1:], alias.name])
    for chain in _chains(tree, "study"):  # a study's methods and properties are Optuna's
        assert hasattr(optuna.study.Study, chain[0]) and hasattr(facade.Study, chain[0]), chain
    trial_types = (optuna.trial.Trial, optuna.trial.FrozenTrial)
    for chain in _chains(tree, "trial"):
        assert any(hasattr(t, chain[0]) for t in trial_types), chain
    assert not any(
        isinstance(n, (ast.Import, ast.ImportFrom)) and "raytune_lite" in ast.dump(n)
        for n in ast.walk(tree)
    )


@pytest.mark.parametrize("name", ["pruning", "multi_objective"])
def test_the_script_runs_on_optuna_itself(name):
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    namespace: dict = {"__name__": f"optuna_script_{name}"}
    exec(compile(_as_optuna(_source(name)), name, "exec"), namespace)
    study = namespace["main"]()
    assert isinstance(study, optuna.Study) and study.trials


@pytest.fixture
def study_storage(storage, monkeypatch):
    """Scripts call create_study() without storage: their experiments go to the test's."""
    monkeypatch.setattr(study_module, "DEFAULT_STORAGE", storage)
    level = facade.logging.get_verbosity()
    facade.logging.set_verbosity(facade.logging.WARNING)
    yield storage
    facade.logging.set_verbosity(level)


def _run(name):
    for library in OPTIONAL.get(name, ()):
        pytest.importorskip(library)
    return importlib.import_module(f"optuna_scripts.{name}").main()


@pytest.mark.ray
def test_sklearn_simple(ray_local, study_storage):
    study = _run("sklearn_simple")
    assert len(study.trials) == 8
    assert all(t.state is facade.TrialState.COMPLETE for t in study.trials)
    assert 0.8 < study.best_value <= 1.0
    for t in study.trials:
        model = t.params["model"]
        own = {"lr_c"} if model == "LogisticRegression" else {"et_max_depth", "et_min_samples_leaf"}
        assert set(t.params) == {"model", *own}
    df = study.trials_dataframe()
    assert {"number", "value", "params_model", "state", "duration"} <= set(df.columns)
    assert list(df["number"]) == list(range(8))


@pytest.mark.ray
def test_pruning(ray_local, study_storage):
    study = _run("pruning")
    states = [t.state for t in study.trials]
    assert len(states) == 16 and facade.TrialState.FAIL not in states
    pruned = [t for t in study.trials if t.state is facade.TrialState.PRUNED]
    complete = [t for t in study.trials if t.state is facade.TrialState.COMPLETE]
    assert pruned and complete
    for t in pruned:  # stopped before the last epoch, after the warm-up steps
        assert 2 <= t.last_step < 19 and t.value == t.intermediate_values[t.last_step]
    for t in complete:
        assert sorted(t.intermediate_values) == list(range(20))
        assert t.user_attrs == {"epochs": 20}
    assert study.best_trial.state is facade.TrialState.COMPLETE


@pytest.mark.ray
@pytest.mark.heavy  # ~20 s (xgboost is not in the test extra: skipped there)
def test_xgboost_simple(ray_local, study_storage):
    study = _run("xgboost_simple")
    assert len(study.trials) == 10 and 0.8 < study.best_value <= 1.0
    for t in study.trials:
        assert ("eta" in t.params) == (t.params["booster"] == "gbtree")


@pytest.mark.ray
def test_multi_objective(ray_local, study_storage):
    study = _run("multi_objective")
    assert len(study.trials) == 16
    front = study.best_trials
    assert front and all(len(t.values) == 2 for t in front)
    for t in study.trials:
        assert len([k for k in t.params if k.startswith("units_l")]) == t.params["n_layers"]
    with pytest.raises(RuntimeError, match="best_trials"):
        _ = study.best_trial
