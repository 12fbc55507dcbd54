"""The ``general.*`` key/values of a GGUF file: name, architecture, licence, organisation, base models.

ggml ``docs/gguf.md`` ("General metadata") defines ``general.architecture``, ``general.name``,
``general.organization``, ``general.license``, ``general.base_model.count`` with
``general.base_model.{i}.name`` / ``.organization`` / ``.repo_url``, ``general.datasets.count`` with
``general.datasets.{i}.name``... The header is read with the scanner's own GGUF reader; the file is
mapped, not read, and tensor data is never touched.
"""

from __future__ import annotations

import contextlib
import mmap
import struct
from pathlib import Path

from tongzhou.oss.gguf_scan import _ARRAY, _STRING, GGUF_MAGIC, _Reader, _Truncated

GgufValue = str | int | float | bool | tuple[str, ...]


def _general_values(view: memoryview) -> dict[str, GgufValue]:
    if bytes(view[:4]) != GGUF_MAGIC or len(view) < 8:
        return {}
    version = struct.unpack_from("<I", view, 4)[0]
    if version not in (1, 2, 3):
        return {}
    reader = _Reader(view, wide=version >= 2)
    reader.pos = 8
    reader.count()
    found: dict[str, GgufValue] = {}
    for _ in range(reader.count()):
        key = reader.string()
        kind = int(reader.unpack("<I"))  # type: ignore[call-overload]
        if kind == _ARRAY and key.startswith("general."):
            start = reader.pos
            inner, n = int(reader.unpack("<I")), reader.count()  # type: ignore[call-overload]
            if inner == _STRING and n <= 1000:
                found[key] = tuple(reader.string() for _ in range(n))
                continue
            reader.pos = start
        value = reader.skip_value(kind)
        if key.startswith("general.") and isinstance(value, str | int | float | bool):
            found[key] = value
    return found


def gguf_general_metadata(path: Path) -> dict[str, GgufValue]:
    """``general.*`` values of a GGUF file ({} when the header is not GGUF or is cut short)."""
    with path.open("rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    view = memoryview(mapped)
    try:
        return _general_values(view)
    except _Truncated:
        return {}
    finally:
        view.release()
        with contextlib.suppress(BufferError):
            mapped.close()
