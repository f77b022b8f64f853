"""What the XGBoost and LightGBM callbacks share: choosing the metrics to report, and
reporting them with a checkpoint folder written by a ``save(path)`` function."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence

from raytune_lite import session as _session
from raytune_lite.checkpoint import Checkpoint

Metrics = str | Sequence[str] | Mapping[str, str] | None


def check_options(metrics: Metrics, filename: str, frequency: int) -> dict[str, str] | None:
    """``{reported name: library name}`` (None: report every metric); validates the rest."""
    if not isinstance(filename, str) or not filename or os.sep in filename:
        raise ValueError(f"filename must be a file name; got {filename=}")
    if isinstance(frequency, bool) or not isinstance(frequency, int) or frequency < 0:
        raise ValueError(f"frequency must be an int >= 0; got {frequency=}")
    if metrics is None:
        return None
    if isinstance(metrics, str):
        return {metrics: metrics}
    if isinstance(metrics, Mapping):
        return {str(k): str(v) for k, v in metrics.items()}
    return {str(m): str(m) for m in metrics}


def select(
    available: dict[str, float],
    wanted: dict[str, str] | None,
    postprocess: Callable[[dict[str, float]], dict[str, float]] | None,
) -> dict[str, float]:
    """The row to report: the wanted metrics (renamed), then ``postprocess``."""
    if wanted is None:
        row = dict(available)
    else:
        missing = [v for v in wanted.values() if v not in available]
        if missing:
            raise KeyError(
                f"metrics {missing} were not computed; the evaluation computed {sorted(available)}"
            )
        row = {k: available[v] for k, v in wanted.items()}
    return postprocess(row) if postprocess is not None else row


def report(row: dict[str, float], save: Callable[[str], None] | None, filename: str) -> None:
    """Reports ``row``; with ``save``, with a checkpoint holding ``filename``."""
    if save is None:
        _session.report(row)
        return
    folder = tempfile.mkdtemp(prefix="rtl_model_")
    try:
        save(os.path.join(folder, filename))
        _session.report(row, Checkpoint(folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
