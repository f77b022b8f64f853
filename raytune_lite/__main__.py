"""``python -m raytune_lite``: the ``raytune-lite`` command."""

from __future__ import annotations

from raytune_lite.cli import main

if __name__ == "__main__":  # not when a tool imports the module (pytest's doctest collection)
    raise SystemExit(main())
