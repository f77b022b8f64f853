"""One self-contained HTML page about an experiment: figures embedded as PNG, the top trials,
counts, errors grouped by exception, the settings. It opens from disk with no server and no
network (no script, no external style sheet or font).

Example:
    >>> import raytune_lite as rt
    >>> rt.ResultGrid.from_path("~/raytune_lite_results/my_run").report()  # doctest: +SKIP
    '/home/me/raytune_lite_results/my_run/report.html'
"""

from __future__ import annotations

import base64
import functools
import html
import io
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from raytune_lite.results_base import ResultsBase as ResultGrid  # the data part

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.8em;
     border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
.sub { color: #666; margin-top: 0; } .cards { display: flex; gap: 0.8em; flex-wrap: wrap; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 0.5em 0.9em; min-width: 7em; }
.card b { display: block; font-size: 1.4em; } .card span { color: #666; font-size: 0.85em; }
table { border-collapse: collapse; font-size: 0.88em; margin: 0.5em 0; }
th, td { border-bottom: 1px solid #eee; padding: 0.25em 0.7em; text-align: left; }
th { background: #f6f6f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.figs { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 1em; }
figure { margin: 0; } figure img { width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.85em; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 0.8em; }
.best { background: #f0f7ff; }
"""

#: (figure function, caption): drawn when the experiment has what the figure needs
_FIGURES: list[tuple[str, str]] = [
    ("learning_curves", "The metric over training, per trial; the best in black."),
    ("best_so_far", "Each trial's final value in order of creation, and the best so far."),
    ("timeline", "Attempts on the slots over time, coloured by how they ended."),
    ("parallel_coordinates", "Every trial through each hyperparameter and the metric."),
    ("importance", "Which hyperparameters matter (permutation, random-forest surrogate)."),
    ("slice", "The final metric against each hyperparameter."),
    ("pbt_schedule", "Each trial's config over training (PBT)."),
    ("edf", "How the final values of complete trials are distributed."),
]


def _png(draw: Callable[[], Any]) -> str:
    from raytune_lite import plot

    drawn = draw()
    fig = (drawn[0] if isinstance(drawn, list) else drawn).figure
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    plot.pyplot().close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _wanted(name: str, grid: ResultGrid) -> bool:
    if name == "learning_curves":
        return any(int(r.metrics.get("training_iteration", 0) or 0) > 1 for r in grid)
    if name == "pbt_schedule":
        return any(len(r.config_history) > 1 for r in grid)
    return True


def figures(grid: ResultGrid) -> list[tuple[str, str, str]]:
    """``(name, caption, base64 PNG)`` of each figure that can be drawn for ``grid``; a figure
    that cannot (no parameter varies, scikit-learn missing, ...) is left out."""
    from raytune_lite import plot

    out = []
    for name, caption in _FIGURES:
        if not _wanted(name, grid):
            continue
        try:
            out.append((name, caption, _png(functools.partial(getattr(plot, name), grid))))
        except (ValueError, ImportError) as e:
            out.append((name, f"not drawn: {e}", ""))
    return out


def error_groups(grid: ResultGrid) -> list[tuple[str, list[str], str]]:
    """Failed trials grouped by their exception (the traceback's last line): ``(exception,
    trial ids, one full traceback)``, the largest group first."""
    groups: dict[str, tuple[list[str], str]] = {}
    for tid, text in grid.errors.items():
        lines = text.strip().splitlines()
        key = lines[-1] if lines else "(no traceback)"
        groups.setdefault(key, ([], text))[0].append(tid)
    return sorted(((k, ids, tb) for k, (ids, tb) in groups.items()), key=lambda g: -len(g[1]))


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f'<td class="num">{v:.6g}</td>'
    if isinstance(v, int) and not isinstance(v, bool):
        return f'<td class="num">{v}</td>'
    return f"<td>{html.escape('None' if v is None else str(v))}</td>"


def _top_table(grid: ResultGrid, top: int) -> str:
    from raytune_lite.space import flatten
    from raytune_lite.trial import metric_value

    metric = grid.metric
    rs = list(grid)
    if metric:
        sign = grid.mode.sign()
        rs.sort(
            key=lambda r: (
                (v * sign) if (v := metric_value(r.metrics, metric)) is not None else float("inf")
            )
        )
    rs = rs[:top]
    keys = sorted({k for r in rs for k in flatten(r.config)})
    head = ["trial", "status", *([metric] if metric else []), "iterations", *keys]
    rows = []
    best = grid.best.trial_id if metric and _has_best(grid) else None
    for r in rs:
        cfg = flatten(r.config)
        cells: list[Any] = [r.trial_id, r.status.value]
        if metric:
            cells.append(r.metrics.get(metric))
        cells.append(r.metrics.get("training_iteration"))
        cells.extend(cfg.get(k, "") for k in keys)
        cls = ' class="best"' if r.trial_id == best else ""
        rows.append(f"<tr{cls}>" + "".join(_cell(c) for c in cells) + "</tr>")
    th = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    return f"<table><tr>{th}</tr>{''.join(rows)}</table>"


def _has_best(grid: ResultGrid) -> bool:
    try:
        grid.best  # noqa: B018 - raises when no trial has a value
    except ValueError:
        return False
    return True


def _when(epoch: Any) -> str:
    if not isinstance(epoch, (int, float)) or not epoch:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


def render(grid: ResultGrid, top: int = 10) -> str:
    """The page's HTML (what :func:`write_report` writes)."""
    exp = grid.experiment
    spec = exp.get("spec", {})
    name = spec.get("name") or grid.path
    counts: dict[str, int] = {}
    for r in grid:
        counts[r.status.value] = counts.get(r.status.value, 0) + 1
    cards = [("trials", str(len(grid))), *sorted(counts.items())]
    parts = [
        f"<h1>{html.escape(str(name))}</h1>",
        f'<p class="sub">{html.escape(grid.path)} · experiment '
        f"{html.escape(str(exp.get('status', '-')))} · started {_when(exp.get('started'))}"
        f" · updated {_when(exp.get('updated'))}</p>",
        '<div class="cards">'
        + "".join(
            f"<div class='card'><b>{v}</b><span>{html.escape(k)}</span></div>" for k, v in cards
        )
        + "</div>",
    ]
    if grid.metric and _has_best(grid):
        b = grid.best
        parts.append(
            f"<h2>Best trial</h2><p><b>{b.trial_id}</b>: {html.escape(grid.metric)} = "
            f"{b.metrics.get(grid.metric)!r} ({grid.mode.value}imize)</p>"
            f"<pre>{html.escape(json.dumps(b.config, indent=1, default=repr))}</pre>"
        )
    parts.append(f"<h2>Top {min(top, len(grid))} trials</h2>" + _top_table(grid, top))
    figs = figures(grid)
    parts.append("<h2>Figures</h2><div class='figs'>")
    for fname, caption, data in figs:
        img = f'<img alt="{fname}" src="data:image/png;base64,{data}">' if data else ""
        parts.append(
            f"<figure>{img}<figcaption><b>{fname}</b>: {html.escape(caption)}</figcaption></figure>"
        )
    parts.append("</div>")
    groups = error_groups(grid)
    parts.append(f"<h2>Errors ({grid.num_errors} trials)</h2>")
    if not groups:
        parts.append("<p>No trial failed.</p>")
    for exc, ids, tb in groups:
        parts.append(
            f"<details><summary><b>{len(ids)} x</b> {html.escape(exc)} — trials "
            f"{html.escape(', '.join(ids[:20]))}{' …' if len(ids) > 20 else ''}</summary>"
            f"<pre>{html.escape(tb)}</pre></details>"
        )
    settings = {
        "spec": spec,
        "searcher": exp.get("searcher", {}).get("class"),
        "scheduler": exp.get("scheduler", {}).get("class"),
        "space": exp.get("space"),
    }
    parts.append(
        "<h2>Settings</h2><pre>"
        + html.escape(json.dumps(settings, indent=1, default=repr))
        + "</pre>"
    )
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(str(name))}: raytune_lite report</title>"
        f"<style>{_STYLE}</style></head><body>\n{body}\n"
        f"<p class='sub'>Written by raytune_lite on {_when(time.time())}.</p></body></html>\n"
    )


def write_report(grid: ResultGrid, path: str, top: int = 10) -> str:
    """Writes :func:`render`'s page to ``path`` and returns ``path``.

    Raises:
        ValueError: when ``top`` < 1.
    """
    if top < 1:
        raise ValueError(f"top must be >= 1; got {top=}")
    text = render(grid, top)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path
