"""One driver per experiment: an exclusive lock on the experiment folder.

The controller of an experiment holds ``fcntl.flock`` on ``<experiment>/.lock`` from the start
of its run until it has ended (the operating system releases it when the process dies, so a
killed controller never leaves a stale lock behind). A second driver's controller waits a
bounded time for a dying owner — after a driver's ``kill -9`` its controller and trials live
on for a few seconds — then refuses with :class:`ExperimentInUse`, naming the owner's pid and
host (written into the lock file by the owner).

This is a **local-filesystem** lock: it holds between processes of one machine, and on
filesystems whose ``flock`` is shared between machines; on object stores or network
filesystems without it, a storage backend has to bring its own.

Example:
    >>> import tempfile
    >>> with ExperimentLock(tempfile.mkdtemp(), owner="pid 1 on host h") as lock:
    ...     lock.held
    True
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
from types import TracebackType

from raytune_lite.store import StoreError

LOCK_FILE = ".lock"
#: How long a second driver waits for the experiment's owner to end (seconds); the
#: environment variable ``RAYTUNE_LITE_LOCK_WAIT_S`` overrides it.
LOCK_WAIT_S = 30.0
_POLL_S = 0.1


class ExperimentInUse(StoreError):
    """Another driver's controller runs the experiment (it holds the lock)."""


def default_owner() -> str:
    """``"pid N on host H"`` of this process."""
    return f"pid {os.getpid()} on host {socket.gethostname()}"


def lock_wait_s() -> float:
    """The bounded wait for a dying owner: ``RAYTUNE_LITE_LOCK_WAIT_S`` or :data:`LOCK_WAIT_S`."""
    raw = os.environ.get("RAYTUNE_LITE_LOCK_WAIT_S")
    try:
        return max(0.0, float(raw)) if raw is not None else LOCK_WAIT_S
    except ValueError:
        return LOCK_WAIT_S


class ExperimentLock:
    """An exclusive, process-wide lock on one experiment folder.

    Args:
        path: the experiment folder (created if missing).
        owner: who holds it, as shown to a refused driver (default: this process).
    """

    def __init__(self, path: str, owner: str | None = None) -> None:
        self.path = os.path.abspath(path)
        self.owner = owner or default_owner()
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, wait_s: float = 0.0) -> None:
        """Takes the lock, waiting up to ``wait_s`` seconds for its holder to end.

        Raises:
            ExperimentInUse: when another process still holds it after ``wait_s``.
            StoreError: when the lock file cannot be opened.
        """
        if self._fd is not None:
            return
        file = os.path.join(self.path, LOCK_FILE)
        try:
            os.makedirs(self.path, exist_ok=True)
            fd = os.open(file, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as e:
            raise StoreError(f"cannot open the experiment's lock file {file!r}: {e}") from e
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_owner(fd)
                    os.close(fd)
                    raise ExperimentInUse(
                        f"experiment {self.path!r} is in use by {holder} (waited "
                        f"{wait_s:g} s for it to end): stop that driver first, or wait "
                        "for it to finish"
                    ) from None
                time.sleep(_POLL_S)
        os.ftruncate(fd, 0)
        os.pwrite(fd, self.owner.encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Lets the lock go (closing the file releases it)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def __enter__(self) -> ExperimentLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_owner(fd: int) -> str:
    try:
        text = os.pread(fd, 400, 0).decode(errors="replace").strip()
    except OSError:
        text = ""
    return text or "another process"
