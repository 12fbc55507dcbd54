"""The one GGUF header reader of the ``oss`` package: the scanner, the AI-BOM and the licence check use it.

Format (ggml ``docs/gguf.md``): magic ``GGUF``, uint32 version (1 used uint32 counts and string lengths,
2 and 3 uint64), tensor count, metadata key/value count, the key/values (a string key, a uint32 type,
the value; strings are a length and UTF-8 bytes, arrays an item type, a count and the items), then the
tensor infos. Nothing past the header is read: the file is memory-mapped, so a multi-gigabyte model
costs address space, not memory, and tensor data is never touched.

Bad input is bounded here once for every caller: each read is checked against the end of the file,
counts above 10 million or above the file's length, strings over 64 MiB and arrays nested more than
:data:`MAX_NESTING` deep are refused as :class:`GgufCut`. Values a caller does not keep are skipped,
not decoded: the tokenizer's vocabulary is tens of thousands of strings that say nothing about the
licence or the lineage (measured on the bundled SmolLM2 GGUF by ``benchmarks/gguf_header.py``).

The ``general.*`` keys (ggml docs/gguf.md, "General metadata") that :func:`read_gguf_metadata` returns
are those the BOM and the licence check read: ``general.name``, ``general.architecture``,
``general.organization``, ``general.license`` / ``.license.name`` / ``.license.link``,
``general.base_model.count`` with ``general.base_model.{i}.name|organization|repo_url``, and the same
for ``general.dataset``.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tongzhou.errors import InputError

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (1, 2, 3)
SCALARS = {
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
"""GGUF value type → struct format (ggml docs/gguf.md, ``gguf_metadata_value_type``)."""
STRING, ARRAY = 8, 9
MAX_COUNT = 10_000_000
"""Key/values, array items or tensors above this are refused (real models hold ~50,000 tokens)."""
MAX_STRING = 64 * 1024 * 1024
"""A string over 64 MiB is refused (the longest real ones, chat templates, are kilobytes)."""
MAX_NESTING = 4
"""Arrays of arrays deeper than this are refused: nesting costs 12 bytes a level, so a small file
could otherwise nest deeper than Python's stack."""
MAX_KEPT_ITEMS = 1000
"""A string array longer than this is skipped, not kept (a vocabulary is no metadata)."""


class GgufCut(Exception):
    """The header is cut short, or a count, length or nesting is past any plausible size."""


@dataclass(frozen=True)
class GgufValue:
    """One metadata value and the byte offset of its key."""

    value: object
    """A string, a number, a bool, or a tuple of strings; None for other arrays."""
    offset: int
    """Byte offset of the key in the file."""


class GgufReader:
    """Bounded reads over a GGUF header held in a memoryview."""

    def __init__(self, view: memoryview) -> None:
        if len(view) < 8 or bytes(view[:4]) != GGUF_MAGIC:
            raise GgufCut("no GGUF magic and version")
        self.view, self.pos = view, 4
        self.version = int(self.unpack("<I"))  # type: ignore[call-overload]
        self.wide = self.version >= 2

    def unpack(self, fmt: str) -> object:
        """One struct value at the current position."""
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.view):
            raise GgufCut(f"at byte {self.pos}")
        (value,) = struct.unpack_from(fmt, self.view, self.pos)
        self.pos += size
        return value

    def count(self) -> int:
        """A count or length (uint32 in version 1, uint64 after), bounded."""
        value = int(self.unpack("<Q" if self.wide else "<I"))  # type: ignore[call-overload]
        if value > MAX_COUNT or value > len(self.view):
            raise GgufCut(f"count {value} at byte {self.pos} is past any plausible size")
        return value

    def _length(self) -> int:
        length = int(self.unpack("<Q" if self.wide else "<I"))  # type: ignore[call-overload]
        if length > MAX_STRING or self.pos + length > len(self.view):
            raise GgufCut(f"a string of {length} bytes at byte {self.pos}")
        return length

    def string(self) -> str:
        """A string, decoded (invalid UTF-8 replaced)."""
        length = self._length()
        text = bytes(self.view[self.pos : self.pos + length]).decode("utf-8", "replace")
        self.pos += length
        return text

    def skip_string(self) -> None:
        """Step over a string without copying or decoding it."""
        self.skip_strings(1)

    def skip_strings(self, n: int) -> None:
        """Step over ``n`` strings; the loop a vocabulary costs, so it is kept to one unpack a string."""
        length_of = struct.Struct("<Q" if self.wide else "<I").unpack_from
        size = 8 if self.wide else 4
        view, pos, end = self.view, self.pos, len(self.view)
        for _ in range(n):
            if pos + size > end:
                raise GgufCut(f"at byte {pos}")
            (length,) = length_of(view, pos)
            pos += size
            if length > MAX_STRING or pos + length > end:
                raise GgufCut(f"a string of {length} bytes at byte {pos}")
            pos += length
        self.pos = pos

    def value(self, kind: int, keep: bool = True, depth: int = 0) -> object:
        """The value of type ``kind``; with ``keep`` False strings and arrays are skipped (None)."""
        if kind in SCALARS:
            return self.unpack(SCALARS[kind])
        if kind == STRING:
            if keep:
                return self.string()
            self.skip_string()
            return None
        if kind != ARRAY:
            raise GgufCut(f"unknown value type {kind} at byte {self.pos}")
        if depth >= MAX_NESTING:
            raise GgufCut(f"arrays nested more than {MAX_NESTING} deep at byte {self.pos}")
        inner, n = int(self.unpack("<I")), self.count()  # type: ignore[call-overload]
        if inner in SCALARS:
            self.pos += n * struct.calcsize(SCALARS[inner])
            if self.pos > len(self.view):
                raise GgufCut("an array past the end of the file")
            return None
        if inner == STRING:
            if keep and n <= MAX_KEPT_ITEMS:
                return tuple(self.string() for _ in range(n))
            self.skip_strings(n)
            return None
        for _ in range(n):
            self.value(inner, False, depth + 1)
        return None

    def key_values(self, keep: Callable[[str], bool]) -> Iterator[tuple[str, GgufValue]]:
        """Every key/value from the start of the header; values of keys ``keep`` rejects are None.

        Sets ``tensor_count``; after the last item ``pos`` is at the first tensor info.
        """
        self.pos = 8
        self.tensor_count = self.count()
        for _ in range(self.count()):
            offset = self.pos
            key = self.string()
            kind = int(self.unpack("<I"))  # type: ignore[call-overload]
            yield key, GgufValue(self.value(kind, keep(key)), offset)


def is_gguf(path: Path) -> bool:
    """True when the file starts with the GGUF magic."""
    try:
        with path.open("rb") as handle:
            return handle.read(4) == GGUF_MAGIC
    except OSError as exc:
        raise InputError.of("{path}: cannot read ({reason})", path=path, reason=exc.strerror) from None


def _general(key: str) -> bool:
    return key.startswith("general.")


def read_gguf_metadata(path: Path) -> dict[str, GgufValue]:
    """The ``general.*`` key/values of a GGUF file; InputError (exit 2) if it is not GGUF, cut or corrupt."""
    try:
        with path.open("rb") as handle:
            if path.stat().st_size < 24:
                raise InputError.of("{path}: too short to be a GGUF file", path=path)
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                view = memoryview(mapped)
                try:
                    return _general_values(view, path)
                finally:
                    view.release()  # the mmap cannot close while a view of it is alive
    except OSError as exc:
        raise InputError.of("{path}: cannot read ({reason})", path=path, reason=exc.strerror) from None


def _general_values(view: memoryview, path: Path) -> dict[str, GgufValue]:
    if bytes(view[:4]) != GGUF_MAGIC:
        raise InputError.of("{path}: not a GGUF file (no GGUF magic)", path=path)
    try:
        reader = GgufReader(view)
        if reader.version not in SUPPORTED_VERSIONS:
            raise InputError.of(
                "{path}: GGUF version {version} is not supported (1, 2 or 3)",
                path=path,
                version=reader.version,
            )
        return {key: value for key, value in reader.key_values(_general) if _general(key)}
    except GgufCut as exc:
        raise InputError.of(
            "{path}: the GGUF header is cut short or corrupt ({reason}); check the download",
            path=path,
            reason=exc,
        ) from None
