"""One driver per experiment on S3: a lease object taken with a conditional PUT.

The lease is the object ``<experiment>/.lock``: ``{"owner", "ttl_s", "renewal"}``.

* **Take**: ``PUT If-None-Match: *`` creates it only if absent (HTTP 412 otherwise). S3 has
  honoured this since August 2024; so do MinIO and moto. A server that ignores the header
  cannot give this guarantee (two drivers would both run): use one that honours it.
* **Hold**: a thread renews it every ``ttl_s / 3`` with ``PUT If-Match: <its ETag>`` (the body
  changes each time, so does the ETag). The holder writes nothing more (its store's writes
  raise :class:`LeaseLost`) once its last successful renewal began more than ``0.8 * ttl_s``
  ago, or once a renewal is refused (someone else took the lease).
* **Wait / take over**: another driver polls the lease; it takes it over (``PUT If-Match``
  with the ETag it watched) only after seeing that ETag unchanged for ``ttl_s`` by its own
  clock: by then the old holder has stopped writing, assuming clocks that run at the same
  rate within 20% and a write that takes less than ``ttl_s / 5``. Until ``wait_s`` runs out
  it waits, then refuses with :class:`~raytune_lite.experiment_lock.ExperimentInUse` naming
  the holder.
* **Release**: ``DELETE If-Match: <its ETag>``. A SIGKILLed holder never releases: the next
  driver waits up to ``ttl_s`` after the last renewal (``RAYTUNE_LITE_LEASE_TTL_S``,
  default 15 s, within the 30 s a driver waits for a dying owner).

Example:
    >>> parse_s3("s3://bucket/runs/exp_1")
    ('bucket', 'runs/exp_1/.lock')
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from typing import Any

from raytune_lite._safe_files import StoreError
from raytune_lite.experiment_lock import ExperimentInUse
from raytune_lite.storage.layout import LEASE

#: seconds a lease lives without renewal; ``RAYTUNE_LITE_LEASE_TTL_S`` overrides it
LEASE_TTL_S = 15.0
_SAFE = 0.8  # the holder stops writing this far into its lease
_POLL_S = 0.2


class LeaseLost(StoreError):
    """The experiment's lease expired or was taken over: this controller writes no more."""


def lease_ttl_s() -> float:
    raw = os.environ.get("RAYTUNE_LITE_LEASE_TTL_S")
    try:
        return min(600.0, max(0.5, float(raw))) if raw else LEASE_TTL_S
    except ValueError:
        return LEASE_TTL_S


def parse_s3(uri: str) -> tuple[str, str]:
    """``(bucket, key of the lease object)`` of an ``s3://`` experiment URI."""
    bucket, _, prefix = uri.split("://", 1)[1].partition("/")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/{LEASE}" if prefix else LEASE


def _code(e: Exception) -> str:
    response: Any = getattr(e, "response", None) or {}
    err = response.get("Error", {})
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return str(err.get("Code") or status or "")


_TAKEN = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}
_GONE = {"NoSuchKey", "404", "NotFound"}


class S3Lease:
    """The lease of one S3 experiment (see the module's description).

    Args:
        uri: the experiment (``s3://bucket/prefix/name``).
        owner: who holds it, as shown to a refused driver.
        ttl_s: seconds the lease lives without renewal.
    """

    def __init__(self, uri: str, owner: str, ttl_s: float | None = None) -> None:
        import boto3

        self.uri = uri
        self.owner = owner
        self.ttl_s = ttl_s if ttl_s is not None else lease_ttl_s()
        self.bucket, self.key = parse_s3(uri)
        self._s3 = boto3.client("s3")
        self._etag: str | None = None
        self._renewals = 0
        self._renewed = 0.0  # monotonic time the last successful renewal began
        self._lost: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def held(self) -> bool:
        return self._etag is not None

    def _body(self) -> bytes:
        self._renewals += 1
        return json.dumps(
            {"owner": self.owner, "ttl_s": self.ttl_s, "renewal": self._renewals}
        ).encode()

    def _put(self, **cond: str) -> str:
        r = self._s3.put_object(Bucket=self.bucket, Key=self.key, Body=self._body(), **cond)
        return str(r["ETag"])

    def _read(self) -> tuple[str, dict[str, Any]] | None:
        try:
            r = self._s3.get_object(Bucket=self.bucket, Key=self.key)
        except Exception as e:
            if _code(e) in _GONE:
                return None
            raise
        try:
            body = json.loads(r["Body"].read())
        except ValueError:
            body = {}
        return str(r["ETag"]), body if isinstance(body, dict) else {}

    def acquire(self, wait_s: float) -> None:
        """Takes the lease, taking over a stale one; waits up to ``wait_s`` for a live holder.

        Raises:
            ExperimentInUse: a live holder still renews it after ``wait_s``.
            StoreError: the S3 server cannot be reached or refuses the request.
        """
        deadline = time.monotonic() + wait_s
        seen: tuple[str, float] | None = None
        holder: dict[str, Any] = {}
        while True:
            began = time.monotonic()
            try:
                try:
                    self._etag = self._put(IfNoneMatch="*")
                    break
                except Exception as e:
                    if _code(e) not in _TAKEN:
                        raise
                got = self._read()
                if got is not None:
                    etag, holder = got
                    now = time.monotonic()
                    if seen is None or seen[0] != etag:
                        seen = (etag, now)
                    elif now - seen[1] >= _ttl(holder, self.ttl_s):
                        began = time.monotonic()
                        try:
                            self._etag = self._put(IfMatch=etag)
                            break
                        except Exception as e:
                            if _code(e) not in _TAKEN:
                                raise
                            seen = None
            except ExperimentInUse:
                raise
            except Exception as e:
                raise StoreError(f"cannot take the lease {self.uri}/{LEASE}: {e}") from e
            if time.monotonic() >= deadline:
                who = holder.get("owner") or "another driver"
                raise ExperimentInUse(
                    f"experiment {self.uri!r} is in use by {who} (its lease {LEASE} is "
                    f"renewed; waited {wait_s:g} s for it to end): "
                    "stop that driver first, or wait for it to finish"
                )
            time.sleep(_POLL_S)
        self._renewed = began
        self._lost = None
        self._stop.clear()
        self._thread = threading.Thread(target=self._renew, name="raytune_lite-lease", daemon=True)
        self._thread.start()

    def _renew(self) -> None:
        while not self._stop.wait(self.ttl_s / 3):
            began = time.monotonic()
            try:
                self._etag = self._put(IfMatch=self._etag or "")
                self._renewed = began
            except Exception as e:
                if _code(e) in _TAKEN | _GONE:
                    self._lost = f"the lease {self.uri}/{LEASE} was taken over by another driver"
                    return
                # a network error: try again at the next renewal; check() stops writes in time

    def check(self) -> None:
        """Raises :class:`LeaseLost` unless the lease is surely still this driver's."""
        if self._lost is None and self._etag is not None:
            age = time.monotonic() - self._renewed
            if age > _SAFE * self.ttl_s:
                self._lost = f"the lease {self.uri}/{LEASE} was not renewed for {age:.1f} s"
        if self._lost is not None or self._etag is None:
            raise LeaseLost(f"{self._lost or 'the lease is not held'}: this controller stops")

    def release(self) -> None:
        """Stops renewing and deletes the lease (if it is still this driver's)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        etag, self._etag = self._etag, None
        if etag is not None and self._lost is None:
            # taken over or unreachable: it expires on its own
            with contextlib.suppress(Exception):
                self._s3.delete_object(Bucket=self.bucket, Key=self.key, IfMatch=etag)


def _ttl(holder: dict[str, Any], default: float) -> float:
    ttl = holder.get("ttl_s")
    if isinstance(ttl, (int, float)) and not isinstance(ttl, bool) and 0 < ttl <= 600:
        return float(ttl)
    return default
