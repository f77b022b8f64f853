"""Opening files of an experiment folder without trusting it.

An experiment folder may come from someone else. Whatever is read or appended to must be a
plain file inside the folder: never a symlink, never a path that leaves it; whatever is
malformed is a :class:`StoreError` naming the file, never a bare ``KeyError`` or
``RecursionError``. Local filesystem only: a storage backend for object stores brings its own.

Example:
    >>> import os, tempfile
    >>> root = tempfile.mkdtemp()
    >>> inside(root, os.path.join(root, "trials", "00000")), inside(root, "/etc/passwd")
    (True, False)
"""

from __future__ import annotations

import json
import os
from typing import IO, Any


class StoreError(RuntimeError):
    """The experiment directory is missing, unreadable, malformed or not an experiment."""


def inside(root: str, path: str) -> bool:
    """Whether ``path``, symlinks resolved, lies inside the folder ``root``."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root + os.sep)


def check_plain(root: str, path: str) -> None:
    """Refuses a symlink, or a path that leaves ``root`` (``StoreError`` naming it)."""
    if os.path.islink(path):
        raise StoreError(
            f"{path!r} is a symlink; raytune_lite never follows symlinks in an experiment "
            "folder (a folder from someone else is code: inspect it first)"
        )
    if not inside(root, path):
        raise StoreError(f"{path!r} leaves the experiment folder {root!r}; refused")


def read_json(root: str, file: str) -> Any:
    """The JSON in ``file`` (a plain file inside ``root``).

    Raises:
        FileNotFoundError: when it does not exist.
        StoreError: when it is a symlink, leaves ``root``, or is not readable JSON.
    """
    check_plain(root, file)
    try:
        with open(file) as f:
            text = f.read()
    except FileNotFoundError:
        raise
    except OSError as e:
        raise StoreError(f"cannot read {file!r}: {e}") from e
    return parse_json(file, text)


def parse_json(file: str, text: str, where: str = "") -> Any:
    """``json.loads(text)``; a ``StoreError`` naming ``file`` (and ``where``) if malformed."""
    try:
        return json.loads(text)
    except RecursionError:
        raise StoreError(f"{file!r}{where} is nested too deeply to be raytune_lite's") from None
    except ValueError as e:
        raise StoreError(f"cannot read {file!r}{where}: {e}") from None


def open_append(root: str, file: str) -> IO[str]:
    """``file`` opened for appending text; refuses a symlink or a path leaving ``root``."""
    check_plain(root, os.path.dirname(file))
    try:
        fd = os.open(file, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as e:
        raise StoreError(f"cannot append to {file!r}: {e} (a symlink is refused)") from e
    return os.fdopen(fd, "a")


def repair_tail(root: str, file: str) -> None:
    """Cuts a last line left unfinished by a crash, so that appends start on a new line."""
    if not os.path.lexists(file):
        return
    check_plain(root, file)
    try:
        fd = os.open(file, os.O_RDWR | os.O_NOFOLLOW)
    except FileNotFoundError:
        return
    except OSError as e:
        raise StoreError(f"cannot repair {file!r}: {e}") from e
    with os.fdopen(fd, "rb+") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        if size == 0:
            return
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return
        chunk = min(size, 1 << 20)
        f.seek(size - chunk)
        tail = f.read(chunk)
        cut = tail.rfind(b"\n")
        f.truncate(size - chunk + cut + 1 if cut >= 0 else 0)
