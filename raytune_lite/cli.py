"""The ``raytune-lite`` command: look at experiments, draw them, resume them.

Usage::

    raytune-lite show ~/raytune_lite_results/my_run [--top 10]
    raytune-lite plot ~/raytune_lite_results/my_run --out curves.png    # [plot] extra
    raytune-lite resume ~/raytune_lite_results/my_run --trainable my_script:train

``show`` and ``plot`` only read the folder's JSON files (no Ray); ``resume`` continues the
experiment with the training function named ``module:function`` (looked up in the current
directory first; the current directory never shadows installed packages), like
``rt.Tuner.restore(path, train).fit()``: the searcher and the scheduler are rebuilt from the
folder. Ctrl-C saves the running trials as INTERRUPTED and exits like Python does on Ctrl-C.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable, Sequence
from importlib.machinery import PathFinder
from typing import Any

from raytune_lite.results import ResultGrid
from raytune_lite.store import StoreError
from raytune_lite.trial import Mode


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


def show(path: str, top: int = 10) -> str:
    """A text summary of the experiment in ``path``: counts, best trial, the top trials."""
    grid = ResultGrid.from_path(path)
    df = grid.dataframe()
    lines = [repr(grid)]
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
        ranked = df.sort_values(grid.metric, ascending=grid.mode is Mode.MIN).head(top)
        cols = ["trial_id", status, grid.metric, "training_iteration"] + [
            c for c in df.columns if c.startswith("config/")
        ]
        lines.append(ranked[[c for c in cols if c in ranked.columns]].to_string(index=False))
    for tid, err in list(grid.errors.items())[:5]:
        lines.append(f"error in {tid}: {err.strip().splitlines()[-1]}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``raytune-lite``; returns the process exit code."""
    ap = argparse.ArgumentParser(prog="raytune-lite", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    p_show = sub.add_parser("show", help="summarise an experiment folder")
    p_show.add_argument("path")
    p_show.add_argument("--top", type=int, default=10, help="how many best trials to list")
    p_plot = sub.add_parser("plot", help="learning curves and best-so-far, to an image file")
    p_plot.add_argument("path")
    p_plot.add_argument("--out", required=True, help="image file to write (.png, .pdf, .svg)")
    p_plot.add_argument("--metric", help="the reported key (default: the experiment's metric)")
    p_res = sub.add_parser("resume", help="continue an interrupted experiment")
    p_res.add_argument("path")
    p_res.add_argument(
        "--trainable", required=True, help="module:function of the training function"
    )
    p_res.add_argument("--verbose", type=int, default=1)
    args = ap.parse_args(argv)
    path = os.path.abspath(os.path.expanduser(args.path))
    try:
        if args.command == "show":
            if args.top < 1:
                raise ValueError(f"--top must be >= 1; got {args.top}")
            print(show(path, args.top))
        elif args.command == "plot":
            _plot(path, args.out, args.metric)
            print(f"wrote {args.out}")
        else:
            from raytune_lite.tuner import Tuner

            results = Tuner.restore(
                path, _load_trainable(args.trainable), verbose=args.verbose
            ).fit()
            print(show(results.path))
    except (StoreError, ValueError, ImportError) as e:
        print(f"raytune-lite {args.command}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # saved, and the way to resume printed: end as Ctrl-C does
        return 130
    return 0


def _plot(path: str, out: str, metric: str | None) -> None:
    from raytune_lite import plot

    grid = ResultGrid.from_path(path)
    plt = plot.pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5))
    plot.learning_curves(grid, metric=metric, ax=left)
    plot.best_so_far(grid, metric=metric, ax=right)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
