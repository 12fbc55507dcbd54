"""GGUF: the header is parsed here (no llama.cpp, no gguf package) and chat templates are checked.

Format (ggml docs/gguf.md): magic ``GGUF``, uint32 version (1 used uint32 counts, 2 and 3 uint64),
tensor count, metadata key/value count, the key/values (typed; strings are a uint64 length and
bytes), then per tensor its name, dimensions, ggml type and offset into the data section, which starts
at the next multiple of ``general.alignment`` (default 32). A GGUF file holds no code, but the
``tokenizer.chat_template`` strings are Jinja templates that runtimes render; a template that reaches
Python internals escapes the sandbox (CVE-2024-34359, llama-cpp-python rendered templates unsandboxed).
"""

from __future__ import annotations

import struct

from tongzhou.oss._context import Location, ScanContext
from tongzhou.oss.chat_template import check_chat_template
from tongzhou.oss.findings import Severity

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
# ggml type -> (bytes per block, elements per block), from ggml.h / ggml.c type_traits
_GGML_BLOCKS = {
    0: (4, 1),
    1: (2, 1),
    2: (18, 32),
    3: (20, 32),
    6: (22, 32),
    7: (24, 32),
    8: (34, 32),
    9: (36, 32),
    10: (84, 256),
    11: (110, 256),
    12: (144, 256),
    13: (176, 256),
    14: (210, 256),
    15: (292, 256),
    24: (1, 1),
    25: (2, 1),
    26: (4, 1),
    27: (8, 1),
    28: (8, 1),
    30: (2, 1),
}
_MAX_COUNT = 10_000_000


class _Truncated(Exception):
    pass


class _Reader:
    def __init__(self, view: memoryview, wide: bool) -> None:
        self.view, self.pos, self.wide = view, 0, wide

    def unpack(self, fmt: str) -> object:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.view):
            raise _Truncated(f"at byte {self.pos}")
        (value,) = struct.unpack_from(fmt, self.view, self.pos)
        self.pos += size
        return value

    def count(self) -> int:
        value = int(self.unpack("<Q" if self.wide else "<I"))  # type: ignore[call-overload]
        if value > _MAX_COUNT or value > len(self.view):
            raise _Truncated(f"count {value} at byte {self.pos} is past any plausible size")
        return value

    def string(self) -> str:
        length = self.count()
        if self.pos + length > len(self.view):
            raise _Truncated(f"string of {length} bytes at byte {self.pos}")
        text = bytes(self.view[self.pos : self.pos + length]).decode("utf-8", "replace")
        self.pos += length
        return text

    def skip_value(self, kind: int) -> object:
        if kind in _SCALARS:
            return self.unpack(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            inner, n = int(self.unpack("<I")), self.count()  # type: ignore[call-overload]
            if inner in _SCALARS:
                self.pos += n * struct.calcsize(_SCALARS[inner])
                if self.pos > len(self.view):
                    raise _Truncated("array past the end of file")
                return None
            for _ in range(n):
                self.skip_value(inner)
            return None
        raise _Truncated(f"unknown value type {kind} at byte {self.pos}")


def scan_gguf(view: memoryview, where: Location, ctx: ScanContext) -> None:
    """Parse the GGUF header; check chat templates and that tensor data lie inside the file."""
    ctx.recognised(where, "gguf")
    try:
        version = struct.unpack_from("<I", view, 4)[0] if len(view) >= 8 else 0
        if version not in (1, 2, 3):
            ctx.add(where, Severity.MEDIUM, "gguf.version", str(version), "unknown GGUF version", 4)
            return
        reader = _Reader(view, wide=version >= 2)
        reader.pos = 8
        tensors, kvs = reader.count(), reader.count()
        alignment = 32
        for _ in range(kvs):
            key_offset = reader.pos
            key = reader.string()
            kind = int(reader.unpack("<I"))  # type: ignore[call-overload]
            value = reader.skip_value(kind)
            if key == "general.alignment" and isinstance(value, int) and value > 0:
                alignment = value
            if key.startswith("tokenizer.chat_template") and isinstance(value, str):
                check_chat_template(value, key, where, ctx, key_offset)
        infos = []
        for _ in range(tensors):
            name = reader.string()
            n_dims = int(reader.unpack("<I"))  # type: ignore[call-overload]
            if n_dims > 8:
                raise _Truncated(f"{n_dims} dimensions for tensor {name!r}")
            dims = [int(reader.unpack("<Q" if reader.wide else "<I")) for _ in range(n_dims)]  # type: ignore[call-overload]
            kind = int(reader.unpack("<I"))  # type: ignore[call-overload]
            infos.append((name, dims, kind, int(reader.unpack("<Q"))))  # type: ignore[call-overload]
    except _Truncated as exc:
        ctx.add(where, Severity.MEDIUM, "gguf.truncated", "header", f"GGUF header is cut short ({exc})")
        return
    data_start = -(-reader.pos // alignment) * alignment
    for name, dims, kind, offset in infos:
        size = 0
        if kind in _GGML_BLOCKS:
            elements = 1
            for d in dims:
                elements *= d
            block_bytes, block_elems = _GGML_BLOCKS[kind]
            size = -(-elements // block_elems) * block_bytes
        if data_start + offset + size > len(view):
            ctx.add(
                where,
                Severity.MEDIUM,
                "gguf.tensor-outside",
                name,
                f"tensor {name!r} ends past the end of file",
                data_start + offset,
            )
