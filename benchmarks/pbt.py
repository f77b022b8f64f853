"""PBT, ours against Ray Tune's ``PopulationBasedTraining``, on the same tasks and machine.

Tasks (each a trainable written once per tuner, same numbers):

- ``toy``: the toy task of Ray Tune's ``pbt_function.py`` example, re-written here: accuracy
  grows fastest when the learning rate follows a triangle wave of the accuracy itself, so a
  fixed rate never gets far; all 8 trials start at lr = 0.0001 (the low bound of the
  mutation's domain); the target is accuracy > 200 (the example's ``done``). A checkpoint every
  5 iterations, ``perturbation_interval=5``, 1000 iterations at most. Run as 8 trials on
  2 slots (1 CPU each of 2) and 8 at 0.25 CPU (all at once).
- ``schedule``: the SGD learning-rate schedule task of ``benchmarks/population.py`` (excess
  validation loss, lower is better), 8 trials on 2 slots.
- ``mlp``: the quickstart's numpy MLP on two spirals, with a checkpoint per epoch and PBT over
  its learning rate (validation loss), 8 trials on 2 slots.

For each: exploits, final best, wall time, medians over seeds.

Run: ``python -m benchmarks.pbt [--seeds 5] [--parts toy,toy025,schedule,mlp]
[--tuners ours,ray] [--no-write]``. Ray Tune comes with the ``[bench]`` extra.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks._report import table, write_section

MIDPOINT, TARGET, TOY_ITERS, TOY_INTERVAL = 100.0, 200.0, 1000, 5
LR_LOW, LR_HIGH = 0.0001, 0.02


# -- the toy task (after Ray Tune's pbt_function.py) ----------------------------------------


def toy_step(acc: float, lr: float, rng: np.random.Generator) -> tuple[float, float]:
    """One iteration of the toy task: the new accuracy and the optimal learning rate."""
    optimal = 0.01 * acc / MIDPOINT if acc < MIDPOINT else 0.01 - 0.01 * (acc - MIDPOINT) / MIDPOINT
    optimal = min(0.01, max(0.001, optimal))
    q_err = max(lr, optimal) / min(lr, optimal)
    if q_err < 3:
        acc += (1.0 / q_err) * float(rng.random())
    elif lr > optimal:
        acc -= (q_err - 3) * float(rng.random())
    acc += 2.0 * float(rng.standard_normal())
    return max(0.0, acc), optimal


def _toy_rng(config: dict[str, Any], step: int) -> np.random.Generator:
    return np.random.default_rng([int(config["seed"]), step, int(config["lr"] * 1e12) % 2**32])


def toy_ours(config: dict[str, Any]) -> None:
    import raytune_lite as rt

    ckpt = rt.get_checkpoint()
    state = ckpt.to_dict() if ckpt else {"acc": 0.0, "step": 0}
    acc, step = float(state["acc"]), int(state["step"]) + 1
    while True:
        acc, _ = toy_step(acc, config["lr"], _toy_rng(config, step))
        row = {"mean_accuracy": acc, "cur_lr": config["lr"], "done": int(acc > TARGET)}
        if step % TOY_INTERVAL == 0:
            rt.report(row, checkpoint=rt.Checkpoint.from_dict({"acc": acc, "step": step}))
        else:
            rt.report(row)
        step += 1


def toy_ray(config: dict[str, Any]) -> None:
    from ray import tune

    ckpt = tune.get_checkpoint()
    acc, step = 0.0, 1
    if ckpt:
        with ckpt.as_directory() as d, open(os.path.join(d, "c.json")) as f:
            state = json.load(f)
        acc, step = float(state["acc"]), int(state["step"]) + 1
    while True:
        acc, _ = toy_step(acc, config["lr"], _toy_rng(config, step))
        row = {"mean_accuracy": acc, "cur_lr": config["lr"], "done": int(acc > TARGET)}
        if step % TOY_INTERVAL == 0:
            with tempfile.TemporaryDirectory() as d:
                with open(os.path.join(d, "c.json"), "w") as f:
                    json.dump({"acc": acc, "step": step}, f)
                tune.report(row, checkpoint=tune.Checkpoint.from_directory(d))
        else:
            tune.report(row)
        step += 1


# -- the quickstart MLP, checkpointed per epoch ----------------------------------------------

MLP_EPOCHS = 30


def _spirals() -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(0)
    n = 1200
    t = np.sqrt(rng.random(n)) * 2 * np.pi
    label = rng.integers(0, 2, n)
    sign = np.where(label == 1, 1.0, -1.0)
    x = np.stack([sign * t * np.cos(t), sign * t * np.sin(t)], axis=1) / 10
    x += rng.normal(0, 0.1, x.shape) / 3
    return x[:900], label[:900], x[900:], label[900:]


def mlp_epochs(state: dict[str, Any] | None, lr: float, start: int, stop: int, seed: int):
    """Trains the network from ``state`` (None: fresh) for epochs [start, stop); yields
    (epoch, val_loss, state)."""
    xt, yt, xv, yv = _spirals()
    if state is None:
        rng = np.random.default_rng(seed)
        h = 32
        state = {
            "w1": rng.normal(0, 1 / np.sqrt(2), (2, h)),
            "b1": np.zeros(h),
            "w2": rng.normal(0, 1 / np.sqrt(h), (h, 1)),
            "b2": np.zeros(1),
        }
    w1, b1, w2, b2 = (np.array(state[k]) for k in ("w1", "b1", "w2", "b2"))
    for epoch in range(start, stop):
        order = np.random.default_rng([seed, epoch]).permutation(len(xt))
        with np.errstate(all="ignore"):
            for i in range(0, len(order), 32):
                idx = order[i : i + 32]
                xb, yb = xt[idx], yt[idx, None]
                z = np.tanh(xb @ w1 + b1)
                p = 1 / (1 + np.exp(-(z @ w2 + b2)))
                g = (p - yb) / len(idx)
                gz = (g @ w2.T) * (1 - z**2)
                w2 -= lr * (z.T @ g)
                b2 -= lr * g.sum(0)
                w1 -= lr * (xb.T @ gz)
                b1 -= lr * gz.sum(0)
            pv = 1 / (1 + np.exp(-(np.tanh(xv @ w1 + b1) @ w2 + b2)))[:, 0]
        pv = np.clip(np.nan_to_num(pv, nan=0.5), 1e-7, 1 - 1e-7)
        loss = float(-np.mean(yv * np.log(pv) + (1 - yv) * np.log(1 - pv)))
        yield epoch, loss, {"w1": w1, "b1": b1, "w2": w2, "b2": b2}


def mlp_ours(config: dict[str, Any]) -> None:
    import raytune_lite as rt

    ckpt = rt.get_checkpoint()
    saved = ckpt.to_dict() if ckpt else None
    start = int(saved["epoch"]) + 1 if saved else 0
    for epoch, loss, state in mlp_epochs(
        saved, config["lr"], start, MLP_EPOCHS, int(config["seed"])
    ):
        rt.report(
            {"val_loss": loss, "lr": config["lr"]},
            checkpoint=rt.Checkpoint.from_dict({**state, "epoch": epoch}),
        )


def mlp_ray(config: dict[str, Any]) -> None:
    import pickle

    from ray import tune

    ckpt = tune.get_checkpoint()
    saved = None
    if ckpt:
        with ckpt.as_directory() as d, open(os.path.join(d, "s.pkl"), "rb") as f:
            saved = pickle.load(f)
    start = int(saved["epoch"]) + 1 if saved else 0
    for epoch, loss, state in mlp_epochs(
        saved, config["lr"], start, MLP_EPOCHS, int(config["seed"])
    ):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "s.pkl"), "wb") as f:
                pickle.dump({**state, "epoch": epoch}, f)
            tune.report(
                {"val_loss": loss, "lr": config["lr"]}, checkpoint=tune.Checkpoint.from_directory(d)
            )


# -- the runs ---------------------------------------------------------------------------------


def _schedule_fns() -> tuple[Callable[..., None], Callable[..., None]]:
    from benchmarks.population import sgd_train

    def sched_ray(config: dict[str, Any]) -> None:
        import pickle

        from ray import tune

        from benchmarks import population as pop

        x, y, x_val, w_star = pop._task_data()
        ckpt = tune.get_checkpoint()
        epoch0, w = -1, np.zeros(pop.DIM)
        if ckpt:
            with ckpt.as_directory() as d, open(os.path.join(d, "s.pkl"), "rb") as f:
                epoch0, w = pickle.load(f)
        for epoch in range(epoch0 + 1, pop.EPOCHS):
            with np.errstate(all="ignore"):
                w = pop._epoch(w, config["lr"], epoch, x, y)
                excess = float(np.mean((x_val @ (w - w_star)) ** 2))
            time.sleep(pop.EPOCH_SLEEP_S)
            with tempfile.TemporaryDirectory() as d:
                with open(os.path.join(d, "s.pkl"), "wb") as f:
                    pickle.dump((epoch, w), f)
                tune.report(
                    {"excess": excess if math.isfinite(excess) else 1e9, "epoch": epoch},
                    checkpoint=tune.Checkpoint.from_directory(d),
                )

    return sgd_train, sched_ray


PARTS: dict[str, dict[str, Any]] = {
    "toy": {"metric": "mean_accuracy", "mode": "max", "cpu": 1.0, "slots": 2, "interval": 5},
    "toy025": {"metric": "mean_accuracy", "mode": "max", "cpu": 0.25, "slots": 8, "interval": 5},
    "schedule": {"metric": "excess", "mode": "min", "cpu": 1.0, "slots": 2, "interval": 4},
    "mlp": {"metric": "val_loss", "mode": "min", "cpu": 1.0, "slots": 2, "interval": 3},
}


def _setup(part: str, seed: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(param_space for ours, the same for Ray Tune, hyperparam_mutations as plain specs)."""
    if part.startswith("toy"):
        space = {"lr": LR_LOW, "some_other_factor": 1, "seed": seed}
        return space, space, {"lr": ("uniform", LR_LOW, LR_HIGH), "some_other_factor": [1, 2]}
    lo, hi = (1e-3, 2.0) if part == "schedule" else (1e-3, 3.0)
    return {"seed": seed}, {"seed": seed}, {"lr": ("loguniform", lo, hi)}


def run_ours(part: str, seed: int, storage: str) -> dict[str, Any]:
    import raytune_lite as rt
    from raytune_lite.schedulers import PBT

    p = PARTS[part]
    space, _, muts = _setup(part, seed)
    mutations = {
        k: (getattr(rt, v[0])(v[1], v[2]) if isinstance(v, tuple) else v) for k, v in muts.items()
    }
    if "lr" not in space:
        space = {**space, "lr": mutations["lr"]}
    fn = {"toy": toy_ours, "toy025": toy_ours, "mlp": mlp_ours}.get(part) or _schedule_fns()[0]
    stop = {"done": 1, "training_iteration": TOY_ITERS} if part.startswith("toy") else None
    t0 = time.time()
    res = rt.Tuner(
        fn,
        space,
        metric=p["metric"],
        mode=p["mode"],
        num_samples=8,
        scheduler=PBT(perturbation_interval=p["interval"], hyperparam_mutations=mutations),
        resources={"cpu": p["cpu"]},
        max_concurrent=p["slots"],
        num_to_keep=2,
        checkpoint_score=p["metric"],
        stop=stop,
        seed=seed,
        storage_path=storage,
        name=f"{part}_{seed}",
        verbose=0,
    ).fit()
    wall = time.time() - t0
    finals = [r.metrics.get(p["metric"]) for r in res]
    finals = [f for f in finals if isinstance(f, (int, float)) and math.isfinite(f)]
    best = max(finals) if p["mode"] == "max" else min(finals)
    iters = sum(int(r.metrics.get("training_iteration", 0)) for r in res)
    return {"exploits": res.num_exploits, "best": best, "wall": wall, "iters": iters}


RAY_BUDGET_S: float | None = None  # --ray-budget-s: a cap on each Ray Tune run's wall time


def run_ray(part: str, seed: int, storage: str) -> dict[str, Any]:
    from ray import tune
    from ray.tune.schedulers import PopulationBasedTraining

    p = PARTS[part]
    _, space, muts = _setup(part, seed)
    mutations = {
        k: (getattr(tune, v[0])(v[1], v[2]) if isinstance(v, tuple) else v) for k, v in muts.items()
    }
    if "lr" not in space:
        space = {**space, "lr": mutations["lr"]}
    fn = {"toy": toy_ray, "toy025": toy_ray, "mlp": mlp_ray}.get(part) or _schedule_fns()[1]
    stop = {"done": 1, "training_iteration": TOY_ITERS} if part.startswith("toy") else None
    pbt = PopulationBasedTraining(
        time_attr="training_iteration",
        perturbation_interval=p["interval"],
        hyperparam_mutations=mutations,
    )
    t0 = time.time()
    grid = tune.Tuner(
        tune.with_resources(fn, {"cpu": p["cpu"]}),
        param_space=space,
        tune_config=tune.TuneConfig(
            scheduler=pbt,
            metric=p["metric"],
            mode=p["mode"],
            num_samples=8,
            time_budget_s=RAY_BUDGET_S,
        ),
        run_config=tune.RunConfig(
            name=f"ray_{part}_{seed}",
            storage_path=storage,
            stop=stop,
            verbose=0,
            checkpoint_config=tune.CheckpointConfig(
                num_to_keep=2, checkpoint_score_attribute=p["metric"]
            ),
        ),
    ).fit()
    wall = time.time() - t0
    finals = [r.metrics.get(p["metric"]) for r in grid if r.metrics]
    finals = [f for f in finals if isinstance(f, (int, float)) and math.isfinite(f)]
    best = max(finals) if p["mode"] == "max" else min(finals)
    iters = sum(int(r.metrics.get("training_iteration", 0)) for r in grid if r.metrics)
    return {"exploits": int(pbt._num_perturbations), "best": best, "wall": wall, "iters": iters}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--parts", default="toy,toy025,schedule,mlp")
    ap.add_argument("--tuners", default="ours,ray")
    ap.add_argument("--ray-budget-s", type=float, default=None, help="cap each Ray Tune run")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    global RAY_BUDGET_S
    RAY_BUDGET_S = args.ray_budget_s
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    storage = tempfile.mkdtemp(prefix="rtl_bench_pbt_")
    runners = {"ours": ("raytune_lite PBT", run_ours), "ray": ("Ray Tune PBT", run_ray)}
    rows, raw = [], {}
    for part in args.parts.split(","):
        p = PARTS[part]
        for key in args.tuners.split(","):
            label, run = runners[key]
            got = []
            for seed in range(args.seeds):
                r = run(part, seed, storage)
                got.append(r)
                print(part, key, seed, r, "load", os.getloadavg()[0], flush=True)
            raw[f"{part}/{key}"] = got
            ex = [g["exploits"] for g in got]
            best = [g["best"] for g in got]
            row = [
                part,
                "2 slots, 1 CPU each" if p["slots"] == 2 else "8 at 0.25 CPU (all at once)",
                label,
                statistics.median(ex),
                f"{min(ex)}-{max(ex)}",
                statistics.median(best),
                statistics.median(g["wall"] for g in got),
                statistics.median(g["iters"] for g in got),
            ]
            if part.startswith("toy"):
                row.insert(6, f"{sum(b > TARGET for b in best)}/{len(best)}")
            else:
                row.insert(6, "-")
            rows.append(row)
    body = table(
        [
            "task",
            "slots",
            "tuner",
            "exploits (median)",
            "exploits (range)",
            "final best (median)",
            "reached target",
            "wall s (median)",
            "iterations (median)",
        ],
        rows,
    )
    body += (
        f"\n\n{args.seeds} seeds per row; 8 trials per run on a local Ray with 2 CPUs. toy: "
        "Ray Tune's pbt_function task (accuracy, higher is better; target > 200), all trials "
        "starting at lr=0.0001; schedule: excess validation loss of SGD (lower is better); "
        "mlp: validation loss of the quickstart's network (lower is better)."
    )
    if RAY_BUDGET_S is not None and "ray" in args.tuners:
        body += f" Each Ray Tune run was capped at {RAY_BUDGET_S:g} s of wall time."
    print(body)
    print(json.dumps(raw))
    if not args.no_write:
        names = " and ".join(runners[k][0] for k in args.tuners.split(","))
        write_section(f"pbt-{args.tuners}", f"PBT: {names} (benchmarks/pbt.py)", body)


if __name__ == "__main__":
    main()
