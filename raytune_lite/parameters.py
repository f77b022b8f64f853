"""``with_parameters``: large shared inputs through Ray's object store, put once."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any


class _WithParameters:
    """A trainable with extra keyword arguments stored once in the object store.

    The data is put into the object store the first time the trainable is sent to Ray
    (when ``fit()`` starts); every trial then reads the same stored copy (zero-copy for
    numpy arrays on the same node).
    """

    def __init__(self, fn: Callable[..., Any], data: dict[str, Any]):
        self.fn = fn
        self.data = data
        self.refs: dict[str, Any] | None = None
        self.__name__ = getattr(fn, "__name__", "trainable")
        self.__doc__ = getattr(fn, "__doc__", None)

    def __call__(self, config: dict[str, Any]) -> Any:
        if self.refs is not None:
            import ray

            values = dict(zip(self.refs, ray.get(list(self.refs.values())), strict=True))
        else:
            values = self.data
        return self.fn(config, **values)

    def __getstate__(self) -> dict[str, Any]:
        if self.refs is None:
            import ray

            self.refs = {k: ray.put(v) for k, v in self.data.items()}
        return {"fn": self.fn, "refs": self.refs, "name": self.__name__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.fn = state["fn"]
        self.refs = state["refs"]
        self.data = {}
        self.__name__ = state["name"]


def with_parameters(fn: Callable[..., Any], **data: Any) -> Callable[[dict[str, Any]], Any]:
    """Passes large objects (datasets, arrays) to every trial without copying them per trial.

    Args:
        fn: ``fn(config, **data)``.
        **data: the objects, put into Ray's object store once.

    Example:
        >>> import numpy as np, raytune_lite as rt
        >>> def train(config, X, y):
        ...     rt.report({"loss": float(np.mean((X @ np.ones(3) * config["w"] - y) ** 2))})
        >>> X, y = np.ones((100, 3)), np.ones(100)
        >>> trainable = rt.with_parameters(train, X=X, y=y)
        >>> tuner = rt.Tuner(trainable, {"w": rt.uniform(0, 1)}, metric="loss", verbose=0)
        >>> tuner.fit()  # doctest: +SKIP
    """
    if not callable(fn):
        raise TypeError(f"with_parameters needs a function; got {fn!r}")
    try:
        inspect.signature(fn).bind({}, **data)
    except TypeError as e:
        raise TypeError(
            f"{getattr(fn, '__name__', fn)!r} cannot be called as fn(config, "
            f"{', '.join(f'{k}=...' for k in data)}): {e}"
        ) from None
    except ValueError:  # no signature to check (some builtins, C extensions): call it as is
        pass
    return _WithParameters(fn, data)
