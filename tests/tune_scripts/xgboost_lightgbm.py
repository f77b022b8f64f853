"""Ray Tune's XGBoost and LightGBM callbacks: metrics each round, the model checkpointed."""

import os
import tempfile

import lightgbm
import numpy as np
import xgboost

from raytune_lite import tune
from raytune_lite.tune.integration.lightgbm import TuneReportCheckpointCallback as LGBCallback
from raytune_lite.tune.integration.xgboost import TuneReportCheckpointCallback


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    return x[:200], y[:200], x[200:], y[200:]


def train_xgboost(config):
    x, y, xv, yv = data()
    params = {"objective": "binary:logistic", "eval_metric": ["logloss", "error"], **config}
    xgboost.train(
        params,
        xgboost.DMatrix(x, label=y),
        num_boost_round=6,
        evals=[(xgboost.DMatrix(xv, label=yv), "eval")],
        verbose_eval=False,
        callbacks=[TuneReportCheckpointCallback({"loss": "eval-logloss"}, frequency=3)],
    )


def train_lightgbm(config):
    x, y, xv, yv = data()
    params = {"objective": "binary", "metric": "binary_logloss", "verbose": -1, **config}
    lightgbm.train(
        params,
        lightgbm.Dataset(x, label=y),
        num_boost_round=5,
        valid_sets=[lightgbm.Dataset(xv, label=yv)],
        callbacks=[LGBCallback()],
    )


def main(storage_path=None):
    xgb = tune.Tuner(
        train_xgboost,
        param_space={"max_depth": tune.randint(1, 4), "eta": tune.loguniform(0.05, 0.5)},
        tune_config=tune.TuneConfig(metric="loss", mode="min", num_samples=2),
        run_config=tune.RunConfig(name="xgb", storage_path=storage_path, verbose=0),
    ).fit()
    lgb = tune.Tuner(
        train_lightgbm,
        param_space={"num_leaves": tune.randint(2, 8)},
        tune_config=tune.TuneConfig(metric="valid_0-binary_logloss", mode="min", num_samples=2),
        run_config=tune.RunConfig(name="lgb", storage_path=storage_path, verbose=0),
    ).fit()
    xgb_best, lgb_best = xgb.get_best_result(), lgb.get_best_result()
    booster = TuneReportCheckpointCallback.get_model(xgb_best.checkpoint)
    lgb_model = LGBCallback.get_model(lgb_best.checkpoint)
    return {
        "xgb_errors": xgb.num_errors,
        "xgb_iterations": [r.metrics["training_iteration"] for r in xgb],
        "xgb_keys": sorted(xgb_best.metrics),
        "xgb_rounds": booster.num_boosted_rounds(),
        "xgb_checkpoints": sorted(os.listdir(os.path.join(xgb_best.path, "checkpoints"))),
        "lgb_errors": lgb.num_errors,
        "lgb_iterations": [r.metrics["training_iteration"] for r in lgb],
        "lgb_rounds": lgb_model.num_trees(),
        "lgb_checkpoints": sorted(os.listdir(os.path.join(lgb_best.path, "checkpoints"))),
    }


if __name__ == "__main__":
    print(main(os.environ.get("STORAGE", tempfile.mkdtemp())))
