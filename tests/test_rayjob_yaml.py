"""rayjob.yaml (KubeRay): the RayJob fields it relies on, checked against their schema (as
the KubeRay ray.io/v1 CRD declares them), and the promises its comments make."""

from __future__ import annotations

import copy
import os

import pytest

yaml = pytest.importorskip("yaml")
jsonschema = pytest.importorskip("jsonschema")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
ENV = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
    },
}
CONTAINER = {
    "type": "object",
    "required": ["name", "image"],
    "properties": {"name": {"type": "string"}, "image": {"type": "string"}, "env": ENV},
}
TEMPLATE = {
    "type": "object",
    "required": ["spec"],
    "properties": {
        "spec": {
            "type": "object",
            "required": ["containers"],
            "properties": {"containers": {"type": "array", "minItems": 1, "items": CONTAINER}},
        }
    },
}
# the subset of the RayJob CRD (ray.io/v1) this manifest uses; unknown keys are typos
RAYJOB = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "ray.io/v1"},
        "kind": {"const": "RayJob"},
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["entrypoint", "rayClusterSpec"],
            "properties": {
                "entrypoint": {"type": "string"},
                "runtimeEnvYAML": {"type": "string"},
                "shutdownAfterJobFinishes": {"type": "boolean"},
                "ttlSecondsAfterFinished": {"type": "integer", "minimum": 0},
                "rayClusterSpec": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["headGroupSpec"],
                    "properties": {
                        "rayVersion": {"type": "string"},
                        "enableInTreeAutoscaling": {"type": "boolean"},
                        "headGroupSpec": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["template"],
                            "properties": {"rayStartParams": STRING_MAP, "template": TEMPLATE},
                        },
                        "workerGroupSpecs": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["groupName", "template"],
                                "properties": {
                                    "groupName": {"type": "string"},
                                    "replicas": {"type": "integer", "minimum": 0},
                                    "minReplicas": {"type": "integer", "minimum": 0},
                                    "maxReplicas": {"type": "integer", "minimum": 0},
                                    "rayStartParams": STRING_MAP,
                                    "template": TEMPLATE,
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def _load():
    with open(os.path.join(ROOT, "rayjob.yaml")) as f:
        return list(yaml.safe_load_all(f))


def _job(docs):
    return next(d for d in docs if d["kind"] == "RayJob")


def test_the_rayjob_matches_the_fields_of_the_crd_it_relies_on():
    job = _job(_load())
    jsonschema.validate(job, RAYJOB)
    import ray

    spec = job["spec"]["rayClusterSpec"]
    assert spec["rayVersion"] == ray.__version__  # the Ray the project is tested with
    head = spec["headGroupSpec"]["template"]["spec"]["containers"][0]
    assert head["image"].endswith(":" + ray.__version__)
    assert os.path.isfile(os.path.join(ROOT, job["spec"]["entrypoint"].split()[-1]))


def test_every_pod_has_token_auth_and_only_the_head_mounts_the_experiments():
    docs = _load()
    job = _job(docs)
    spec = job["spec"]["rayClusterSpec"]
    pods = [spec["headGroupSpec"]] + spec["workerGroupSpecs"]
    for group in pods:
        env = {e["name"]: e for e in group["template"]["spec"]["containers"][0]["env"]}
        assert env["RAY_AUTH_MODE"]["value"] == "token"
        assert env["RAY_AUTH_TOKEN"]["valueFrom"]["secretKeyRef"]["key"] == "auth_token"
    assert spec["headGroupSpec"]["rayStartParams"]["dashboard-host"] == "127.0.0.1"
    head = spec["headGroupSpec"]["template"]
    mount = head["spec"]["containers"][0]["volumeMounts"][0]
    assert mount["mountPath"] == "/home/ray/raytune_lite_results"  # the default storage_path
    claim = head["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"]
    pvc = next(d for d in docs if d["kind"] == "PersistentVolumeClaim")
    assert pvc["metadata"]["name"] == claim and pvc["spec"]["accessModes"] == ["ReadWriteOnce"]
    for worker in spec["workerGroupSpecs"]:  # no shared filesystem on the workers
        assert "volumes" not in worker["template"]["spec"]
        assert "volumeMounts" not in worker["template"]["spec"]["containers"][0]


def test_the_schema_catches_a_typo_and_a_number_where_kuberay_wants_a_string():
    job = _job(_load())
    typo = copy.deepcopy(job)
    typo["spec"]["rayClusterSpec"]["workerGroupSpecs"][0]["maxReplica"] = 3
    with pytest.raises(jsonschema.ValidationError, match="maxReplica"):
        jsonschema.validate(typo, RAYJOB)
    number = copy.deepcopy(job)
    number["spec"]["rayClusterSpec"]["headGroupSpec"]["rayStartParams"]["num-cpus"] = 0
    with pytest.raises(jsonschema.ValidationError, match="is not of type 'string'"):
        jsonschema.validate(number, RAYJOB)
