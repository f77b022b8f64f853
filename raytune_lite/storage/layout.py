"""The names of a remote experiment folder beyond the local layout of
:mod:`raytune_lite.store`.

Object stores have no append and no rename, so two things are stored differently:

* a trial's ``result.jsonl`` is a folder ``result.jsonl.d/`` of immutable segments, one per
  batch of rows the controller takes, numbered from 0 (``0000000000.jsonl``); when an attempt
  ends, its segments ``a..b`` are joined into one object ``<a>-<b>.jsonl`` (PUT first, the
  singles deleted after): a reader takes, in order, the widest objects that cover each
  number once, so a crash between the two steps doubles nothing;
* a saved checkpoint ``checkpoints/checkpoint_N/`` counts only once its manifest
  ``checkpoints/checkpoint_N.manifest.json`` (its files and their sizes) is there, written
  after the last of its files: a checkpoint half uploaded at a crash is not one.

Example:
    >>> segment("trials/00001", 7)
    'trials/00001/result.jsonl.d/0000000007.jsonl'
    >>> segment_range("0000000007.jsonl"), segment_range("0000000000-0000000006.jsonl")
    ((7, 7), (0, 6))
    >>> cover(["0000000002.jsonl", "0000000000-0000000001.jsonl", "0000000001.jsonl"])
    ['0000000000-0000000001.jsonl', '0000000002.jsonl']
    >>> manifest("trials/00001/checkpoints/checkpoint_000004")
    'trials/00001/checkpoints/checkpoint_000004.manifest.json'
"""

from __future__ import annotations

import re

from raytune_lite.store import RESULT_FILE

SEGMENTS = RESULT_FILE + ".d"
MANIFEST_SUFFIX = ".manifest.json"
LEASE = ".lock"
_SEGMENT = re.compile(r"^(\d{10})(?:-(\d{10}))?\.jsonl$")


def segment(trial_rel: str, number: int, last: int | None = None) -> str:
    """The object of segment ``number`` of the trial folder ``trial_rel`` (with ``last``: the
    joined segments ``number..last``)."""
    tail = f"-{last:010d}" if last is not None else ""
    return f"{trial_rel}/{SEGMENTS}/{number:010d}{tail}.jsonl"


def segment_range(name: str) -> tuple[int, int] | None:
    """``(first, last)`` number of a segment's file name, None for anything else."""
    m = _SEGMENT.match(name)
    if not m:
        return None
    first = int(m.group(1))
    last = int(m.group(2)) if m.group(2) else first
    return (first, last) if last >= first else None


def cover(names: list[str]) -> list[str]:
    """The segment names to read, in order: each number once, the widest object first."""
    ranges = sorted(
        ((r, n) for n in names if (r := segment_range(n)) is not None),
        key=lambda x: (x[0][0], -x[0][1]),
    )
    out, done = [], -1
    for (first, last), name in ranges:
        if first > done:
            out.append(name)
            done = last
    return out


def manifest(checkpoint_rel: str) -> str:
    """The manifest object of the checkpoint folder ``checkpoint_rel``."""
    return checkpoint_rel.rstrip("/") + MANIFEST_SUFFIX
