"""One driver per S3 experiment (raytune_lite.storage.lease): the lease object with
conditional PUTs, on a real S3 API (moto's server on 127.0.0.1)."""

from __future__ import annotations

import time

import pytest

from raytune_lite.experiment_lock import ExperimentInUse
from raytune_lite.storage.lease import LeaseLost, S3Lease


def test_a_second_driver_is_refused_naming_the_holder_then_takes_the_released_lease(s3_root):
    uri = s3_root + "/exp"
    first = S3Lease(uri, "pid 1 on host a", ttl_s=30)
    first.acquire(0)
    second = S3Lease(uri, "pid 2 on host b", ttl_s=30)
    with pytest.raises(ExperimentInUse, match=r"in use by pid 1 on host a"):
        second.acquire(0.5)
    first.check()  # still its own
    first.release()
    second.acquire(0)
    assert second.held
    second.release()


def test_a_holder_that_stops_renewing_is_taken_over_after_its_ttl_and_then_writes_nothing(
    s3_root,
):
    uri = s3_root + "/exp"
    dead = S3Lease(uri, "a killed driver", ttl_s=1.0)
    dead.acquire(0)
    dead._stop.set()  # as if SIGKILLed: no renewal, no release
    dead._thread.join()
    heir = S3Lease(uri, "the next driver", ttl_s=1.0)
    began = time.monotonic()
    heir.acquire(10)
    assert time.monotonic() - began >= 1.0  # not before the ttl had passed unrenewed
    with pytest.raises(LeaseLost):
        dead.check()
    heir.check()
    heir.release()


def test_a_live_holder_keeps_its_lease_past_the_ttl(s3_root):
    uri = s3_root + "/exp"
    live = S3Lease(uri, "a live driver", ttl_s=0.6)
    live.acquire(0)
    other = S3Lease(uri, "another", ttl_s=0.6)
    with pytest.raises(ExperimentInUse):
        other.acquire(2.0)  # three ttls: renewed all along
    live.check()
    live.release()
