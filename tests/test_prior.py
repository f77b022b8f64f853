"""Prior results for warm starts: DataFrame rows and dicts become configs (no Ray)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from raytune_lite.search._prior import nested_config, prior_records


def test_dataframe_rows_become_nested_configs_with_plain_python_values():
    df = pd.DataFrame(
        [
            {
                "config/lr": np.float64(0.1),
                "config/net/width": np.int64(32),
                "config/net/act": "relu",
                "loss": 0.5,
            }
        ]
    )
    (row,) = prior_records(df)
    config = nested_config(row)
    assert config == {"lr": 0.1, "net": {"width": 32, "act": "relu"}}
    assert type(config["net"]["width"]) is int and type(config["lr"]) is float


def test_missing_values_are_dropped():
    # a key only some trials had (a conditional branch) is NaN in the other rows
    df = pd.DataFrame(
        [
            {"config/lr": 0.1, "config/beta": 0.9, "loss": 0.5},
            {"config/lr": 0.2, "config/beta": math.nan, "loss": 0.4},
        ]
    )
    assert [nested_config(r) for r in prior_records(df)] == [{"lr": 0.1, "beta": 0.9}, {"lr": 0.2}]
    assert nested_config({"config/lr": None, "config/x": 1}) == {"x": 1}


def test_a_config_dict_is_taken_as_it_is():
    assert nested_config({"config": {"a": {"b": 1}}, "config/a/b": 2}) == {"a": {"b": 1}}


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"lr": 0.1}, "a DataFrame or a list of dicts; got {'lr': 0.1}"),
        (3, "a DataFrame or a list of dicts; got 3"),
        ([{"lr": 0.1}, 5], "each prior result must be a dict; got 5"),
    ],
)
def test_bad_input_names_the_value(bad, message):
    with pytest.raises(TypeError, match=message.replace("{", r"\{").replace("}", r"\}")):
        prior_records(bad)
