"""What the driver says and checks about resuming: the exact command printed at Ctrl-C, and
the plugins a resumed experiment runs with (the same classes it used, or rebuilt).

Example:
    >>> def train(config): ...
    >>> print(resume_hint("/r/my_run", train).splitlines()[1].strip())  # doctest: +ELLIPSIS
    rt.Tuner.restore('/r/my_run', train).fit()
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable
from typing import Any

from raytune_lite.plugin_config import check_same_kind, rebuild
from raytune_lite.store import ExperimentState


def cli_trainable(fn: Callable[..., Any]) -> str | None:
    """``module:function`` naming ``fn`` for ``raytune-lite resume --trainable``, or None."""
    module, name = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if not module or not name or "<" in name:
        return None
    if module == "__main__":
        main = getattr(sys.modules.get("__main__"), "__file__", None)
        if not main:
            return None
        module = os.path.splitext(os.path.basename(main))[0]
    return f"{module}:{name}"


def resume_hint(path: str, trainable: Callable[..., Any]) -> str:
    """The lines printed when an experiment is interrupted: how to continue it."""
    name = getattr(trainable, "__name__", "train")
    lines = [
        f"raytune_lite: interrupted; everything reported is saved in {path!r}, and the trials "
        "that were running are INTERRUPTED. Continue them from their last checkpoint with",
        f"    rt.Tuner.restore({path!r}, {name}).fit()",
    ]
    ref = cli_trainable(trainable)
    if ref is not None:
        lines.append(f"    raytune-lite resume {shlex.quote(path)} --trainable {ref}")
    lines.append(
        f"or run the same script with resume=True (name={os.path.basename(path)!r}, "
        f"storage_path={os.path.dirname(path)!r})."
    )
    return "\n".join(lines)


def resumed_plugins(state: ExperimentState, searcher: Any, scheduler: Any) -> tuple[Any, Any]:
    """The searcher and scheduler to resume with: those given (which must be of the classes
    the experiment used), else rebuilt from experiment.json.

    Raises:
        ValueError: a plugin of another class, or one that cannot be rebuilt (naming what to
            pass).
    """
    out = []
    for role, given, saved in (
        ("searcher", searcher, state.searcher),
        ("scheduler", scheduler, state.scheduler),
    ):
        if given is None:
            given = rebuild(saved, role)
        check_same_kind(saved, given, role)
        out.append(given)
    return out[0], out[1]
