"""Ray Tune's integration callbacks: ``raytune_lite.tune.integration.xgboost`` and
``raytune_lite.tune.integration.lightgbm`` (each imports its library when imported; install
the ``[xgboost]`` / ``[lightgbm]`` extras)."""
