"""Ray Tune's module path for ``BasicVariantGenerator``."""

from raytune_lite.tune.search._common import BasicVariantGenerator

__all__ = ["BasicVariantGenerator"]
