"""How a trial attempt turns a function's return value into final metrics."""

from __future__ import annotations

import numpy as np
import pytest

from raytune_lite.runner import _final_metrics


def test_final_metrics_forms():
    assert _final_metrics(None) is None
    assert _final_metrics({"acc": 1}) == {"acc": 1}
    assert _final_metrics(2.5) == {"_value": 2.5}
    assert _final_metrics(np.float64(1.0)) == {"_value": 1.0}
    with pytest.raises(TypeError, match="return None, a dict of final metrics, or a number"):
        _final_metrics("done")
