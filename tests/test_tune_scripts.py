"""Scripts in Ray Tune's style (tests/tune_scripts/), with only the import changed, run on
raytune_lite; and every ``tune`` name they use exists in Ray Tune itself."""

from __future__ import annotations

import ast
import importlib
import os

import pytest

SCRIPTS = os.path.join(os.path.dirname(__file__), "tune_scripts")
NAMES = sorted(f[:-3] for f in os.listdir(SCRIPTS) if f.endswith(".py") and f != "__init__.py")
OPTIONAL = {"xgboost_lightgbm": ("xgboost", "lightgbm")}


def _chain(node: ast.AST) -> list[str] | None:
    """``["tune", "a", "b"]`` for the expression ``tune.a.b``, else None."""
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.insert(0, node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id == "tune" and names:
        return ["tune", *names]
    return None


def _ray_names(tree: ast.Module) -> list[tuple[str, list[str]]]:
    """``(ray module, attribute path)`` for every raytune_lite.tune name the script uses."""
    used: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "raytune_lite":
                assert [a.name for a in node.names] == ["tune"], ast.dump(node)
            elif node.module.startswith("raytune_lite.tune"):
                ray_module = "ray" + node.module[len("raytune_lite") :]
                used += [(ray_module, [a.name]) for a in node.names]
            else:
                assert not node.module.startswith("raytune_lite"), node.module
        elif isinstance(node, ast.Attribute):
            chain = _chain(node)
            if chain is not None:
                used.append(("ray.tune", chain[1:]))
    return used


def _resolve(module: str, path: list[str]) -> object:
    obj: object = importlib.import_module(module)
    for i, attr in enumerate(path):
        if not hasattr(obj, attr) and hasattr(obj, "__path__"):
            obj = importlib.import_module(f"{module}.{'.'.join(path[: i + 1])}")
        else:
            obj = getattr(obj, attr)  # AttributeError names what Ray Tune lacks
    return obj


@pytest.mark.parametrize("name", NAMES)
def test_script_uses_only_ray_tune_names(name):
    pytest.importorskip("ray.tune")
    for library in OPTIONAL.get(name, ()):
        pytest.importorskip(library)
    with open(os.path.join(SCRIPTS, f"{name}.py")) as f:
        tree = ast.parse(f.read())
    used = _ray_names(tree)
    assert used, "the script uses no tune name"
    for module, path in used:
        _resolve(module, path)


def _run(name, storage):
    module = importlib.import_module(f"tune_scripts.{name}")
    return module.main(storage)


@pytest.mark.ray
def test_basic_function(ray_local, storage):
    out = _run("basic_function", storage)
    assert out["num_results"] == 6 and out["num_errors"] == 0  # 2 grid points x 3 samples
    assert out["grid_values"] == [0, 0, 0, 2, 2, 2]
    assert out["iterations"] == [5] * 6  # RunConfig(stop=...)
    assert out["best_loss"] == min(out["all_losses"])
    assert out["best_config"]["double_x"] == 2 * out["best_config"]["x"]
    assert out["best_config"]["layers"] in (1, 2, 3)  # randint excludes its upper bound
    assert out["history_rows"] == 5
    assert out["callback_results"] == 30  # RunConfig(callbacks=[...]): every row, Ray's hooks
    assert out["callback_completed"] == out["trial_ids"]
    assert out["csv_files"] == 6


@pytest.mark.ray
def test_asha_optuna_checkpoints(ray_local, storage):
    out = _run("asha_optuna_checkpoints", storage)
    assert out["num_results"] == 12 and out["num_errors"] == 0
    assert out["reduction_factor"] == 4  # Ray Tune's default, not raytune_lite's 3
    # rungs at 1, 4, 16 and the end at 27: ASHA stopped some trials early
    assert min(out["iterations"]) < 27 and max(out["iterations"]) == 27
    assert set(out["iterations"]) <= {1, 4, 16, 27}
    assert out["checkpoints_kept"] and set(out["checkpoints_kept"]) == {1}
    assert out["best_epoch"] == out["best_iteration"] - 1


@pytest.mark.ray
def test_pbt_trainable(ray_local, storage):
    out = _run("pbt_trainable", storage)
    assert out["num_results"] == 4 and out["num_errors"] == 0
    assert out["iterations"] == [8] * 4
    assert out["best_height"] == max(out["heights"]) > 0
    assert set(out["unused_values"]) <= {1, 2, 3}  # a mutated key param_space lacked
    assert out["perturbation_factors"] == [1.2, 0.8]


@pytest.mark.ray
def test_parameters_resources_failures(ray_local, storage):
    out = _run("parameters_resources_failures", storage)
    assert out["num_results"] == 6 and out["num_errors"] == 0  # the failures were retried
    assert out["first_w"] == 0.9  # points_to_evaluate first
    assert out["resources"]["cpu"] == 2.0
    assert out["trial_ids_match"]
    assert out["best_error"] < 0.1


@pytest.mark.ray
def test_rerun_and_restore(ray_local, storage):
    out = _run("rerun_and_restore", storage)
    assert out["first"] == [1, 2, 3]
    assert out["second_path"] == out["first_path"]  # restored, not started again
    assert out["second"] == [1, 2, 3]
    assert out["fresh_path"] == os.path.join(storage, "rerun_2")
    assert out["fresh"] == [5]


@pytest.mark.ray
def test_xgboost_lightgbm(ray_local, storage):
    pytest.importorskip("xgboost")
    pytest.importorskip("lightgbm")
    out = _run("xgboost_lightgbm", storage)
    assert out["xgb_errors"] == 0 and out["lgb_errors"] == 0
    # 6 rounds, and the checkpoint at the end repeats the last round's metrics (as in Ray)
    assert out["xgb_iterations"] == [6, 6]  # the round-6 checkpoint is the end one
    assert "loss" in out["xgb_keys"] and "eval-error" not in out["xgb_keys"]
    assert out["xgb_rounds"] == 6
    assert out["xgb_checkpoints"] == ["checkpoint_000003", "checkpoint_000006"]
    assert out["lgb_iterations"] == [5, 5]
    assert out["lgb_rounds"] == 5
    assert out["lgb_checkpoints"] == ["checkpoint_000005"]
