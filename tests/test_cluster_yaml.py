"""cluster.yaml passes the Ray cluster launcher's own schema validation."""

from __future__ import annotations

import copy
import os

import pytest

yaml = pytest.importorskip("yaml")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _load():
    with open(os.path.join(ROOT, "cluster.yaml")) as f:
        return yaml.safe_load(f)


def test_cluster_yaml_is_valid_for_ray_up():
    from ray.autoscaler._private.util import fillout_defaults, validate_config

    config = _load()
    validate_config(fillout_defaults(config))
    types = config["available_node_types"]
    assert {"ray.head.default", "ray.worker.cpu", "ray.worker.gpu"} <= set(types)
    assert config["head_node_type"] == "ray.head.default"


def test_cluster_yaml_keeps_auth_on_and_dashboard_local():
    config = _load()
    head = " ".join(config["head_start_ray_commands"])
    workers = " ".join(config["worker_start_ray_commands"])
    assert "RAY_AUTH_MODE=token" in head and "RAY_AUTH_MODE=token" in workers
    assert "--dashboard-host=127.0.0.1" in head


def test_the_validator_rejects_a_broken_config():
    from ray.autoscaler._private.util import fillout_defaults, validate_config

    bad = copy.deepcopy(_load())
    bad["available_node_types"]["ray.worker.cpu"]["min_workers"] = "many"
    with pytest.raises(Exception, match="many"):
        validate_config(fillout_defaults(bad))
