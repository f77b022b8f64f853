"""The ``raytune-lite`` command (also ``python -m raytune_lite``): find experiments, look at
them, draw them, write a report page, resume them.

Usage::

    raytune-lite ls ~/raytune_lite_results                  # the experiments under a folder
    raytune-lite show ~/raytune_lite_results/my_run [--top 10] [--format text|csv|json]
    raytune-lite plot ~/raytune_lite_results/my_run --out run.png [--kind timeline]  # [plot]
    raytune-lite report ~/raytune_lite_results/my_run [--out report.html]            # [plot]
    raytune-lite resume ~/raytune_lite_results/my_run --trainable my_script:train

``ls``, ``show``, ``plot`` and ``report`` only read the folders' JSON files (no Ray);
``resume`` continues the experiment with the training function named ``module:function``
(looked up in the current directory first; the current directory never shadows installed
packages), like ``rt.Tuner.restore(path, train).fit()``: the searcher and the scheduler are
rebuilt from the folder. Ctrl-C saves the running trials as INTERRUPTED.
Exit codes: 0 done, 1 the experiment could not go on (or a trial's error under
``fail_fast``), 2 a bad argument or folder, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from importlib.machinery import PathFinder
from typing import Any

from raytune_lite.failures import ExperimentError
from raytune_lite.results import ResultGrid
from raytune_lite.space import flatten
from raytune_lite.storage import Contents, readable, storage_root
from raytune_lite.store import EXPERIMENT_FILE, StoreError, load_experiment, load_trials
from raytune_lite.trial import Mode

#: exit codes: a bad argument or folder; the experiment could not go on; Ctrl-C (as a shell's
#: 128 + SIGINT). A trial's exception raised by ``fail_fast`` exits 1 with its traceback.
EXIT_USAGE, EXIT_FAILED, EXIT_INTERRUPTED = 2, 1, 130
#: ``--kind`` of ``raytune-lite plot``: the figure functions of :mod:`raytune_lite.plot`
PLOT_KINDS = (
    "overview",
    "learning_curves",
    "best_so_far",
    "edf",
    "slice",
    "contour",
    "parallel_coordinates",
    "importance",
    "timeline",
    "pbt_schedule",
)


def _load_trainable(spec: str) -> Callable[..., Any]:
    """Imports ``module:function``, the module from the current directory if it is there,
    without letting the current directory shadow installed packages: it goes at the *end*
    of ``sys.path`` (a ``pandas.py`` lying there is never imported in pandas' place)."""
    module, sep, name = spec.partition(":")
    if not sep or not module or not name:
        raise ValueError(f"--trainable must be 'module:function'; got {spec!r}")
    here = os.getcwd()
    if here not in sys.path:
        sys.path.append(here)  # after the installed packages: for the module's own imports
    try:
        top = module.split(".")[0]
        found = PathFinder.find_spec(top, [here])
        if top not in sys.modules and found is not None and found.loader is not None:
            mod = importlib.util.module_from_spec(found)
            sys.modules[top] = mod  # the current directory's module, not an installed one
            try:
                found.loader.exec_module(mod)
            except BaseException:
                sys.modules.pop(top, None)
                raise
        obj: Any = importlib.import_module(module)
        for part in name.split("."):
            obj = getattr(obj, part)
        fn = obj
    except (ImportError, AttributeError) as e:
        raise ValueError(f"could not load the trainable {spec!r}: {e}") from None
    if not callable(fn):
        raise ValueError(f"--trainable {spec!r} is not callable; got {fn!r}")
    return fn  # type: ignore[no-any-return]


def find_experiments(root: str, depth: int = 2) -> list[str]:
    """The experiment folders at or under ``root`` (at most ``depth`` levels down), sorted."""
    if os.path.isfile(os.path.join(root, EXPERIMENT_FILE)):
        return [root]
    if depth == 0 or not os.path.isdir(root):
        return []
    found: list[str] = []
    for name in sorted(os.listdir(root)):
        sub = os.path.join(root, name)
        if os.path.isdir(sub) and not name.startswith("."):
            found.extend(find_experiments(sub, depth - 1))
    return found


def _when(epoch: Any) -> str:
    import time

    if not isinstance(epoch, (int, float)):
        return "-"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch))


def ls(root: str) -> str:
    """A table of the experiments under ``root``: name, status, trials, best, started."""
    paths = find_experiments(root)
    if not paths:
        raise ValueError(f"no raytune_lite experiment in or under {root!r}")
    rows = []
    for p in paths:
        try:
            exp = load_experiment(p)
            trials = load_trials(p)
        except StoreError as e:
            rows.append((os.path.relpath(p, root), "unreadable", "-", str(e)[:60], "-"))
            continue
        spec = exp.get("spec", {})
        metric, mode = spec.get("metric"), Mode.parse(spec.get("mode", "min"))
        values = [t["best_value"] for t in trials if t.get("best_value") is not None]
        best = "-"
        if metric and values:
            best = f"{metric}={(min if mode is Mode.MIN else max)(values):.6g}"
        done = sum(t["status"] in ("TERMINATED", "STOPPED_EARLY", "ERROR") for t in trials)
        rows.append(
            (
                os.path.relpath(p, root) if p != root else os.path.basename(p),
                str(exp.get("status", "-")),
                f"{done}/{len(trials)}",
                best,
                _when(exp.get("started")),
            )
        )
    head = ("experiment", "status", "finished", "best", "started")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [head, *rows]
    )


def _as_reported(grid: ResultGrid, df: Any) -> Any:
    """Columns shown with the values the trials had: integers (a config's randint,
    training_iteration) as integers, not as the floats pandas makes of them beside missing
    values, and a config's ``None`` as None, not NaN."""
    import pandas as pd

    missing = object()
    configs = [flatten(r.config, prefix="config/") for r in grid]
    for col in df.columns:
        if col.startswith("config/"):
            raw = [c.get(col, missing) for c in configs]
        elif col in ("training_iteration", grid.metric):
            raw = [r.metrics.get(col, missing) for r in grid]
        else:
            continue
        present = [v for v in raw if v is not missing]
        ints = [v for v in present if v is not None]
        if ints and all(isinstance(v, int) and not isinstance(v, bool) for v in ints):
            if None in present:
                df[col] = pd.Series([None if v is missing else v for v in raw], dtype=object)
            elif df[col].dtype.kind == "f":
                df[col] = df[col].astype("Int64")
        elif None in present:
            df[col] = pd.Series([pd.NA if v is missing else v for v in raw], dtype=object)
    return df


def _table(grid: ResultGrid, top: int | None) -> Any:
    df = _as_reported(grid, grid.dataframe())
    if grid.metric and grid.metric in df.columns:
        df = df.sort_values(grid.metric, ascending=grid.mode is Mode.MIN, na_position="last")
    return df.head(top) if top is not None else df


def show(path: str, top: int = 10, fmt: str = "text") -> str:
    """A summary of the experiment in ``path``: counts, best trial, the top trials (``text``),
    or every trial's row, best first (``csv``, ``json``; ``top`` limits them)."""
    grid = _grid(path)
    if fmt == "csv":
        return str(_table(grid, top).to_csv(index=False)).rstrip("\n")
    if fmt == "json":
        return json.dumps(
            [
                {k: _plain(v) for k, v in rec.items()}
                for rec in _table(grid, top).to_dict("records")
            ],
            indent=1,
        )
    if fmt != "text":
        raise ValueError(f"--format must be text, csv or json; got {fmt!r}")
    df = grid.dataframe()
    lines = [repr(grid), f"experiment status: {grid.experiment.get('status', '-')}"]
    status = "trial_status" if "trial_status" in df.columns else "status"  # see dataframe()
    if len(df):
        counts = df[status].value_counts().to_dict()
        lines.append("status: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if grid.metric and grid.metric in df.columns and df[grid.metric].notna().any():
        best = grid.best
        lines.append(
            f"best: trial {best.trial_id} {grid.metric}={best.metrics[grid.metric]!r} "
            f"config={best.config}"
        )
        ranked = _table(grid, top)
        cols = ["trial_id", status, grid.metric, "training_iteration"] + [
            c for c in df.columns if c.startswith("config/")
        ]
        lines.append(ranked[[c for c in cols if c in ranked.columns]].to_string(index=False))
    for tid, err in list(grid.errors.items())[:5]:
        lines.append(f"error in {tid}: {err.strip().splitlines()[-1] if err.strip() else '-'}")
    return "\n".join(lines)


def _plain(v: Any) -> Any:
    """A JSON value: numpy scalars as Python ones, NaN and pandas' NA as null."""
    import pandas as pd

    item = getattr(v, "item", None)
    if callable(item):
        v = item()
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    return v


def _grid(path: str) -> ResultGrid:
    try:
        return ResultGrid.from_path(readable(path, Contents.RESULTS))  # no checkpoints
    except StoreError:
        inside = find_experiments(path)
        if inside and inside != [path]:
            raise StoreError(
                f"{path!r} is not an experiment but holds {len(inside)}: list them with "
                f"`raytune-lite ls {path}`, then pass one of them"
            ) from None
        raise


def _parser() -> argparse.ArgumentParser:
    from raytune_lite import __version__

    ap = argparse.ArgumentParser(
        prog="raytune-lite",
        description="Find, look at, draw, report on and resume raytune_lite experiments.",
        epilog="An experiment folder is storage_path/name, e.g. ~/raytune_lite_results/my_run.",
    )
    ap.add_argument("--version", action="version", version=f"raytune_lite {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p_ls = sub.add_parser("ls", help="list the experiments under a results folder")
    p_ls.add_argument("root", help="a results folder (a storage_path), or an experiment folder")
    p_show = sub.add_parser("show", help="summarise one experiment folder")
    p_show.add_argument("path", help="the experiment folder")
    p_show.add_argument(
        "--top",
        type=int,
        default=None,
        help="how many best trials to list (text: 10; csv/json: all)",
    )
    p_show.add_argument(
        "--format",
        choices=("text", "csv", "json"),
        default="text",
        help="text: a summary; csv, json: one record per trial, best first",
    )
    p_plot = sub.add_parser("plot", help="draw a figure of an experiment to an image file")
    p_plot.add_argument("path", help="the experiment folder")
    p_plot.add_argument("--out", required=True, help="image file to write (.png, .pdf, .svg)")
    p_plot.add_argument(
        "--kind",
        choices=PLOT_KINDS,
        default="overview",
        help="which figure (overview: learning curves, or parallel coordinates for one-shot "
        "trials, beside the best so far)",
    )
    p_plot.add_argument("--metric", help="the reported key (default: the experiment's metric)")
    p_rep = sub.add_parser("report", help="write a self-contained HTML page about an experiment")
    p_rep.add_argument("path", help="the experiment folder")
    p_rep.add_argument("--out", help="the HTML file (default: report.html in the folder)")
    p_rep.add_argument("--top", type=int, default=10, help="how many best trials to list")
    p_res = sub.add_parser("resume", help="continue an interrupted experiment")
    p_res.add_argument("path", help="the experiment folder")
    p_res.add_argument(
        "--trainable", required=True, help="module:function of the training function"
    )
    p_res.add_argument(
        "--verbose", type=int, default=1, help="0: silent, 1: the progress table (default)"
    )
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``raytune-lite``; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        # a folder, or a remote experiment's URI (s3://...: read from a downloaded copy)
        path = storage_root(args.root if args.command == "ls" else args.path)
        if getattr(args, "top", None) is not None and args.top < 1:
            raise ValueError(f"--top must be >= 1; got {args.top}")
        if args.command == "ls":
            _print(ls(path))
        elif args.command == "show":
            top = args.top if args.top is not None or args.format != "text" else 10
            _print(show(path, top, args.format))
        elif args.command == "plot":
            _plot(path, args.out, args.metric, args.kind)
            _print(f"wrote {args.out}")
        elif args.command == "report":
            _print(f"wrote {_grid(path).report(args.out, top=args.top)}")
        else:
            from raytune_lite.tuner import Tuner

            tuner = Tuner.restore(path, _load_trainable(args.trainable), verbose=args.verbose)
            results = tuner.fit()
            _print(show(results.path))
            if tuner.interrupted:
                return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `raytune-lite show ... | head`: the reader left
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that Python's exit flush does not fail
        return 0
    except (StoreError, ValueError, ImportError) as e:
        print(f"raytune-lite {args.command}: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"raytune-lite {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (ExperimentError, ConnectionError) as e:
        print(f"raytune-lite {args.command}: {e}", file=sys.stderr)
        return EXIT_FAILED
    return 0


def _print(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _plot(path: str, out: str, metric: str | None, kind: str = "overview") -> None:
    from raytune_lite import plot

    grid = _grid(path)
    plt = plot.pyplot()
    if kind == "overview":
        fig, (left, right) = plt.subplots(1, 2, figsize=(14, 4.8), layout="constrained")
        one_shot = all(r.metrics.get("training_iteration", 1) <= 1 for r in grid)
        if one_shot:
            plot.parallel_coordinates(grid, metric=metric, ax=left)
        else:
            plot.learning_curves(grid, metric=metric, ax=left)
        plot.best_so_far(grid, metric=metric, ax=right)
    else:
        draw = getattr(plot, kind)
        takes_metric = kind not in ("timeline",)
        drawn = draw(grid, metric=metric) if takes_metric else draw(grid)
        fig = (drawn[0] if isinstance(drawn, list) else drawn).figure
    fig.savefig(out, dpi=100)
    plt.close(fig)
