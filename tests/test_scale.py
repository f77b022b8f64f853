"""Many trivial trials finish, and the controller's open files stay bounded meanwhile
(the rows go to files that are closed when each trial ends)."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest

import raytune_lite as rt

pytestmark = [pytest.mark.ray, pytest.mark.heavy]

N_TRIALS = 400
MAX_CONCURRENT = 4
NAMESPACE = "raytune_lite"


def trivial(config: dict[str, Any]) -> None:
    for i in range(2):
        rt.report({"loss": config["x"] + i})


class FdSampler:
    """Finds the experiment's controller actor and counts its open file descriptors."""

    def __init__(self, ray: Any, known: set[str]):
        self.ray = ray
        self.known = known
        self.pid: int | None = None
        self.fds: list[int] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _find(self) -> None:
        for a in self.ray.util.list_named_actors(all_namespaces=True):
            name = a.get("name", "")
            if (
                a.get("namespace") == NAMESPACE
                and name.startswith("controller_")
                and name not in self.known
            ):
                try:
                    handle = self.ray.get_actor(name, namespace=NAMESPACE)
                    self.pid = int(self.ray.get(handle.progress.remote(), timeout=10)["pid"])
                except Exception:
                    continue
                return

    def _loop(self) -> None:
        while not self.stop.is_set():
            try:
                if self.pid is None:
                    self._find()
                if self.pid is not None:
                    self.fds.append(len(os.listdir(f"/proc/{self.pid}/fd")))
            except Exception:  # the controller not up yet, or gone at the end
                pass
            self.stop.wait(0.1)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs Linux /proc")
def test_many_trials_finish_with_bounded_open_files(ray_local, storage):
    known = {a["name"] for a in ray_local.util.list_named_actors(all_namespaces=True)}
    sampler = FdSampler(ray_local, known)
    sampler.thread.start()
    try:
        results = rt.Tuner(
            trivial,
            {"x": rt.uniform(0, 1)},
            metric="loss",
            num_samples=N_TRIALS,
            max_concurrent=MAX_CONCURRENT,
            verbose=0,
            storage_path=storage,
            seed=0,
        ).fit()
    finally:
        sampler.stop.set()
        sampler.thread.join(timeout=30)
    assert len(results) == N_TRIALS and results.num_errors == 0
    df = results.dataframe()
    assert (df["training_iteration"] == 2).all()
    assert len(os.listdir(os.path.join(results.path, "trials"))) == N_TRIALS
    assert sampler.fds, "the controller's open files were never sampled"
    bound = 100 + MAX_CONCURRENT * 4
    assert max(sampler.fds) < bound, (max(sampler.fds), bound)
