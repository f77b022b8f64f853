"""Shared argument checks (no Ray)."""

from __future__ import annotations

import numpy as np
import pytest

from raytune_lite._checks import check_int


def test_ints_come_back_as_plain_ints():
    assert check_int("n", 3, 1) == 3
    value = check_int("n", np.int64(4), 1)
    assert value == 4 and type(value) is int
    assert check_int("n", None, 1, allow_none=True) is None


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "3", None])
def test_anything_else_is_named_in_the_error(bad):
    with pytest.raises(ValueError, match=r"^n must be an int >= 1; got n="):
        check_int("n", bad, 1)


def test_the_message_says_what_else_is_accepted():
    with pytest.raises(ValueError, match=r"n must be an int >= 1 or None \(or -1\); got n=0"):
        check_int("n", 0, 1, allow_none=True, extra=" (or -1)")
