"""GGUF key/values read for their licence facts: ``general.license``, base models, datasets, the name.

Only the header is read (ggml docs/gguf.md: magic, version, tensor count, key/value count, then typed
key/values); tensor data is never touched. The file is memory-mapped, so a multi-gigabyte model costs
address space, not memory. Keys from the GGUF "general" namespace that this module reports:
``general.name``, ``general.license``, ``general.license.name``, ``general.license.link``,
``general.base_model.count`` with ``general.base_model.{i}.name|organization|repo_url``, and the same for
``general.dataset``.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

from tongzhou.errors import InputError

GGUF_MAGIC = b"GGUF"
_SCALARS = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9
_MAX_COUNT = 10_000_000
_MAX_STRING = 64 * 1024 * 1024


@dataclass(frozen=True)
class GgufValue:
    """One metadata value and the byte offset of its key."""

    value: object
    """A string, a number, or a list of strings (other arrays are not kept)."""
    offset: int
    """Byte offset of the key in the file."""


class _Cut(Exception):
    pass


def is_gguf(path: Path) -> bool:
    """True when the file starts with the GGUF magic."""
    try:
        with path.open("rb") as handle:
            return handle.read(4) == GGUF_MAGIC
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})", zh=f"{path}：无法读取文件") from None


def read_gguf_metadata(path: Path) -> dict[str, GgufValue]:
    """The ``general.*`` key/values of a GGUF file; InputError (exit 2) if the header is cut or corrupt."""
    try:
        return _read(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})", zh=f"{path}：无法读取文件") from None


def _read(path: Path) -> dict[str, GgufValue]:
    with path.open("rb") as handle:
        if path.stat().st_size < 24:
            raise InputError(f"{path}: too short to be a GGUF file", zh=f"{path}：文件太短，不是 GGUF 文件")
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            view = memoryview(mapped)
            try:
                return _parse(view, path)
            except (_Cut, struct.error, UnicodeDecodeError) as exc:
                raise InputError(
                    f"{path}: the GGUF header is cut short or corrupt ({exc}); check the download",
                    zh=f"{path}：GGUF 文件头不完整或已损坏",
                ) from None
            finally:
                view.release()  # the mmap cannot close while a view of it is alive


def _parse(view: memoryview, path: Path) -> dict[str, GgufValue]:
    if bytes(view[:4]) != GGUF_MAGIC:
        raise InputError(f"{path}: not a GGUF file (no GGUF magic)", zh=f"{path}：不是 GGUF 文件")
    version = struct.unpack_from("<I", view, 4)[0]
    if version not in (2, 3):
        raise InputError(f"{path}: GGUF version {version} is not supported (2 or 3)", zh="不支持的 GGUF 版本")
    pos = 8
    _tensors, kvs = struct.unpack_from("<QQ", view, pos)
    pos += 16
    if kvs > _MAX_COUNT:
        raise _Cut(f"{kvs} key/values")
    found: dict[str, GgufValue] = {}
    for _ in range(kvs):
        key_at = pos
        key, pos = _string(view, pos)
        (kind,) = struct.unpack_from("<I", view, pos)
        value, pos = _value(view, pos + 4, kind, keep=key.startswith("general."))
        if key.startswith("general."):
            found[key] = GgufValue(value, key_at)
    return found


def _string(view: memoryview, pos: int) -> tuple[str, int]:
    (length,) = struct.unpack_from("<Q", view, pos)
    pos += 8
    if length > _MAX_STRING or pos + length > len(view):
        raise _Cut(f"a string of {length} bytes at byte {pos}")
    return bytes(view[pos : pos + length]).decode("utf-8", "replace"), pos + length


def _skip_string(view: memoryview, pos: int) -> int:
    (length,) = struct.unpack_from("<Q", view, pos)
    if length > _MAX_STRING or pos + 8 + length > len(view):
        raise _Cut(f"a string of {length} bytes at byte {pos}")
    return pos + 8 + length


def _value(view: memoryview, pos: int, kind: int, keep: bool = True) -> tuple[object, int]:
    """The value at ``pos`` and the position after it; with ``keep`` False strings are skipped, not decoded
    (the tokenizer's vocabulary is tens of thousands of strings that say nothing about the licence)."""
    if kind in _SCALARS:
        fmt = _SCALARS[kind]
        return struct.unpack_from(fmt, view, pos)[0], pos + struct.calcsize(fmt)
    if kind == _STRING:
        return _string(view, pos) if keep else (None, _skip_string(view, pos))
    if kind == _ARRAY:
        inner, count = struct.unpack_from("<IQ", view, pos)
        pos += 12
        if count > _MAX_COUNT:
            raise _Cut(f"an array of {count} items at byte {pos}")
        if inner in _SCALARS:
            end = pos + count * struct.calcsize(_SCALARS[inner])
            if end > len(view):
                raise _Cut("an array past the end of the file")
            return None, end
        items: list[str] = []
        if inner == _STRING and not keep:
            for _ in range(count):
                pos = _skip_string(view, pos)
            return None, pos
        for _ in range(count):
            item, pos = _value(view, pos, inner, keep)
            if isinstance(item, str) and len(items) < 1000:
                items.append(item)
        return items, pos
    raise _Cut(f"unknown value type {kind} at byte {pos}")
