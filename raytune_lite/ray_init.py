"""Starting Ray for a Tuner: a private local Ray on 127.0.0.1, or a cluster asked for.

``Tuner.fit()`` with no ``address=`` and no ``RAY_ADDRESS`` starts its own Ray, reachable from
this machine only (its servers listen on 127.0.0.1), and never joins a cluster that
``ray start`` left on the machine. ``address=`` (or ``RAY_ADDRESS``) joins that cluster: the
connection is time-boxed and names the address when it fails, and the cluster joined is
printed.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from typing import IO

import ray

#: how long to wait for a cluster's address to answer before giving up (seconds)
CONNECT_TIMEOUT_S = 15.0

#: Ray's logger for its token-authentication notice on a new local cluster
_AUTH_LOGGER = "ray._private.authentication.authentication_token_setup"


def _host_port(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of a ``host:port`` or ``ray://host:port`` address, else None."""
    bare = address.split("://", 1)[-1].rstrip("/")
    host, sep, port = bare.rpartition(":")
    if not sep or not host or not port.isdigit():
        return None
    return host.strip("[]"), int(port)


def check_reachable(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """Raises ConnectionError naming ``address`` when nothing answers there in time.

    Example:
        >>> check_reachable("auto")  # not host:port: left to Ray
        >>> check_reachable("127.0.0.1:1", timeout_s=1)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ConnectionError: cannot reach the Ray cluster at address='127.0.0.1:1' ...
    """
    hp = _host_port(address)
    if hp is None:
        return
    try:
        socket.create_connection(hp, timeout=timeout_s).close()
    except OSError as e:
        raise ConnectionError(
            f"cannot reach the Ray cluster at address={address!r} within {timeout_s:g} s "
            f"({e}); start it (ray start --head) or pass the address of its head node, or "
            "leave address=None (and RAY_ADDRESS unset) for a local Ray"
        ) from None


def init_ray(address: str | None = None, verbose: int = 1, stream: IO[str] | None = None) -> None:
    """Starts a local Ray (all cores, on 127.0.0.1) or joins ``address`` / ``RAY_ADDRESS``, once.

    Args:
        address: the cluster to join (``"auto"``, ``"host:port"``, ``"ray://host:port"``);
            None: ``RAY_ADDRESS`` if set, else a new local Ray.
        verbose: 0 prints nothing; else what is started or joined.
        stream: where to print (default: stdout).
    """
    if ray.is_initialized():
        return
    out = stream or sys.stdout
    target = address or os.environ.get("RAY_ADDRESS") or None
    if target is None or target == "local":
        if verbose:
            out.write(f"raytune_lite: starting Ray ({os.cpu_count()} CPUs)…\n")
            out.flush()
        _start_local()
        return
    check_reachable(target)
    ray.init(address=target, logging_level=logging.WARNING, log_to_driver=True)
    if verbose:
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        total = ray.cluster_resources()
        out.write(
            f"raytune_lite: joined the Ray cluster at {target!r}: {len(nodes)} node(s), "
            f"{total.get('CPU', 0):g} CPUs, {total.get('GPU', 0):g} GPUs\n"
        )
        out.flush()


def _start_local() -> None:
    """A new Ray on this machine only: ``address="local"`` never joins a ``ray start``
    cluster, and with clusters off Ray binds its servers to 127.0.0.1 (as on macOS)."""
    from ray._private import ray_constants

    auth = logging.getLogger(_AUTH_LOGGER)
    level, was = auth.level, ray_constants.ENABLE_RAY_CLUSTER
    auth.setLevel(logging.ERROR)  # the token notice is about this private Ray: see README
    ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        ray.init(
            address="local",
            logging_level=logging.WARNING,
            log_to_driver=True,
            include_dashboard=False,
        )
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = was
        auth.setLevel(level)
