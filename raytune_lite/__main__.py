"""``python -m raytune_lite``: the ``raytune-lite`` command."""

from __future__ import annotations

from raytune_lite.cli import main

raise SystemExit(main())
