"""Names a package exports but loads on first use (the optional or slow-to-import modules).

Example:
    >>> getattr_, dir_ = lazy_exports("pkg", {"sqrt": "math"}, {}, ["sqrt"])
    >>> getattr_("sqrt")(9.0), dir_()
    (3.0, ['sqrt'])
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any


def lazy_exports(
    package: str,
    table: Mapping[str, str],
    namespace: MutableMapping[str, Any],
    exported: Iterable[str],
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module's ``__getattr__`` and ``__dir__`` that import ``name`` from ``table[name]``
    the first time it is asked for (then keep it in ``namespace``, the module's globals)."""

    def __getattr__(name: str) -> Any:
        if name in table:
            value = getattr(importlib.import_module(table[name]), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exported))

    return __getattr__, __dir__
