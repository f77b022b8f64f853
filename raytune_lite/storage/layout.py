"""The names of a remote experiment folder beyond the local layout of
:mod:`raytune_lite.store`.

Object stores have no append and no rename, so two things are stored differently:

* a trial's ``result.jsonl`` is a folder ``result.jsonl.d/`` of immutable segments, one per
  batch of rows the controller takes, numbered from 0 (``0000000000.jsonl``); a reader
  concatenates them in order;
* a saved checkpoint ``checkpoints/checkpoint_N/`` counts only once its manifest
  ``checkpoints/checkpoint_N.manifest.json`` (its files and their sizes) is there, written
  after the last of its files: a checkpoint half uploaded at a crash is not one.

Example:
    >>> segment("trials/00001", 7)
    'trials/00001/result.jsonl.d/0000000007.jsonl'
    >>> segment_number("0000000007.jsonl"), segment_number("x.tmp")
    (7, None)
    >>> manifest("trials/00001/checkpoints/checkpoint_000004")
    'trials/00001/checkpoints/checkpoint_000004.manifest.json'
"""

from __future__ import annotations

import re

from raytune_lite.store import RESULT_FILE

SEGMENTS = RESULT_FILE + ".d"
MANIFEST_SUFFIX = ".manifest.json"
LEASE = ".lock"
_SEGMENT = re.compile(r"^(\d{10})\.jsonl$")


def segment(trial_rel: str, number: int) -> str:
    """The object of segment ``number`` of the trial folder ``trial_rel``."""
    return f"{trial_rel}/{SEGMENTS}/{number:010d}.jsonl"


def segment_number(name: str) -> int | None:
    """The number of a segment's file name, None for anything else."""
    m = _SEGMENT.match(name)
    return int(m.group(1)) if m else None


def manifest(checkpoint_rel: str) -> str:
    """The manifest object of the checkpoint folder ``checkpoint_rel``."""
    return checkpoint_rel.rstrip("/") + MANIFEST_SUFFIX
