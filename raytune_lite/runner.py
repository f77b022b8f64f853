"""One attempt of one trial, as a plain Ray task (worker processes are reused between trials)."""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Callable
from typing import Any

import ray

from raytune_lite import session
from raytune_lite.attempt import AttemptEnd, AttemptResult, TrialContext, TrialInterrupt


def _final_metrics(value: Any) -> dict[str, Any] | None:
    """A function may return its final metrics instead of reporting them (Optuna style)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value
    if isinstance(value, (int, float)) or hasattr(value, "item"):
        return {"_value": value}
    raise TypeError(
        f"the training function returned {type(value).__name__}: {value!r}; "
        "return None, a dict of final metrics, or a number"
    )


def run_attempt(
    trainable: Callable[[dict[str, Any]], Any], ctx: TrialContext, metric: str | None
) -> AttemptResult:
    """Runs ``trainable(config)`` with a session for ``ctx``; never raises for user errors."""
    sess = session._Session(ctx)
    token = session.bind(sess)
    result = AttemptResult(AttemptEnd.RETURNED)
    try:
        value = trainable(dict(ctx.config))
        final = _final_metrics(value)
        if final is not None:
            if "_value" in final:
                final = {metric or "objective": final["_value"]}
            sess.report(final, None)
    except TrialInterrupt as e:  # a stop criterion, or the controller's decision
        result.end = e.end
    except KeyboardInterrupt:  # ray.cancel(): the controller ends the attempt
        result.end = AttemptEnd.INTERRUPTED
    except BaseException as e:
        result.end = AttemptEnd.FAILED
        result.error = traceback.format_exc()
        result.exception = _pickled(e)
    finally:
        session.unbind(sess, token)  # a report from a thread it leaves running raises
        result.messages = sess.outbox.close()
        sess.release()
        for stream in (sys.stdout, sys.stderr):  # the trial's prints reach the driver's log
            with contextlib.suppress(Exception):
                stream.flush()
    if sess.interrupt is not None:  # told to end, whatever the function did after that
        result.end, result.error, result.exception = sess.interrupt.end, None, None
    return result


def _pickled(error: BaseException) -> bytes | None:
    """The exception, pickled for the driver to raise again (``fail_fast``), or None."""
    from ray import cloudpickle

    try:
        return bytes(cloudpickle.dumps(error.with_traceback(None)))
    except Exception:  # an exception that cannot travel: the traceback text still does
        return None


run_trial = ray.remote(max_retries=0)(run_attempt)
