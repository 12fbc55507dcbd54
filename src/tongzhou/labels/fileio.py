"""Reading inputs within limits and writing outputs atomically (temp file in the same folder + rename)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tongzhou.atomic_file import write_bytes_atomic
from tongzhou.errors import InputError

DEFAULT_MAX_BYTES = 1 << 30
"""Largest file we label or inspect (1 GiB; override with TONGZHOU_LABEL_MAX_BYTES). Not from a standard."""

TEMP_PREFIX = ".tongzhou-label-"


def max_bytes() -> int:
    """The configured size limit."""
    value = os.environ.get("TONGZHOU_LABEL_MAX_BYTES")
    try:
        return int(value) if value else DEFAULT_MAX_BYTES
    except ValueError as exc:
        raise InputError(f"TONGZHOU_LABEL_MAX_BYTES must be an integer, got {value!r}") from exc


def read_input(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file no larger than ``limit``; InputError otherwise."""
    limit = max_bytes() if limit is None else limit
    try:
        info = path.stat()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{path}: not a regular file")
    if info.st_size > limit:
        raise InputError(
            f"{path}: {info.st_size} bytes is over the {limit}-byte limit (TONGZHOU_LABEL_MAX_BYTES)"
        )
    if info.st_size == 0:
        raise InputError(f"{path}: empty file")
    with path.open("rb") as handle:
        # Ask for the size we saw (+1 to notice growth): read(limit) would allocate the whole limit.
        data = handle.read(info.st_size + 1)
    if len(data) > info.st_size:
        raise InputError(f"{path}: changed size while being read; try again when it is complete")
    return data


def atomic_write(target: Path, data: bytes, mode: int | None = None, durable: bool = False) -> None:
    """Write ``data`` to ``target`` so readers see the old file or the new one, never a half-written one.

    ``mode`` defaults to 0600; ``durable`` also fsyncs (slower; survives power loss, not only a crash
    of this process). Temporary files carry :data:`TEMP_PREFIX` so directory walks skip them.
    """
    write_bytes_atomic(
        target,
        data,
        mode=stat.S_IMODE(mode) if mode is not None else 0o600,
        durable=durable,
        temp_prefix=TEMP_PREFIX,
    )
