"""safetensors header sanity: the format has no code, so what can go wrong is the header.

Format (huggingface/safetensors, docs "Format"): an unsigned little-endian 64-bit header size N, then N
bytes of a UTF-8 JSON object mapping tensor names to ``dtype``, ``shape`` and ``data_offsets`` [begin,
end) relative to the byte buffer after the header, plus an optional ``__metadata__`` map of strings.
The reference implementation refuses headers over 100 MB, offsets outside the buffer, sizes that do not
match shape x dtype, and tensors that overlap or leave holes; so does this check, and it also reports
duplicate keys, which JSON parsers resolve differently.
"""

from __future__ import annotations

import json
import math
import struct

from tongzhou.oss._context import Location, ScanContext
from tongzhou.oss.findings import Severity

MAX_HEADER = 100_000_000
DTYPE_BYTES = {
    "BOOL": 1,
    "U8": 1,
    "I8": 1,
    "F8_E5M2": 1,
    "F8_E4M3": 1,
    "I16": 2,
    "U16": 2,
    "F16": 2,
    "BF16": 2,
    "I32": 4,
    "U32": 4,
    "F32": 4,
    "F64": 8,
    "I64": 8,
    "U64": 8,
    "C64": 8,
}


def _pairs(items: list[tuple[str, object]]) -> dict[str, object]:
    keys = [k for k, _ in items]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key " + next(k for k in keys if keys.count(k) > 1))
    return dict(items)


def scan_safetensors(view: memoryview, where: Location, ctx: ScanContext) -> None:
    """Check the header of a safetensors file."""
    ctx.recognised(where, "safetensors")

    def bad(construct: str, message: str, offset: int | None = 0) -> None:
        ctx.add(where, Severity.MEDIUM, "safetensors.header", construct, message, offset)

    if len(view) < 8:
        return bad("size", "shorter than the 8-byte header size")
    (size,) = struct.unpack("<Q", bytes(view[:8]))
    if size > MAX_HEADER or 8 + size > len(view):
        return bad(str(size), f"header size {size} is past the end of file or over {MAX_HEADER} bytes")
    try:
        header = json.loads(bytes(view[8 : 8 + size]).decode("utf-8"), object_pairs_hook=_pairs)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return bad("json", f"header is not valid JSON ({exc})", 8)
    if not isinstance(header, dict):
        return bad("json", "header is not a JSON object", 8)
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        bad("__metadata__", "__metadata__ must map strings to strings", 8)
    buffer = len(view) - 8 - size
    spans: list[tuple[int, int, str]] = []
    for name, info in header.items():
        try:
            dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
            count = math.prod(int(d) for d in shape)
            if any(int(d) < 0 for d in shape) or not (0 <= begin <= end <= buffer):
                raise ValueError(f"offsets [{begin}, {end}) outside the {buffer}-byte buffer")
            if dtype not in DTYPE_BYTES:
                raise ValueError(f"unknown dtype {dtype}")
            if end - begin != count * DTYPE_BYTES[dtype]:
                raise ValueError(f"{end - begin} bytes for shape {shape} of {dtype}")
        except (KeyError, TypeError, ValueError) as exc:
            bad(name, f"tensor {name!r}: {exc}")
            continue
        spans.append((begin, end, name))
    spans.sort()
    position = 0
    for begin, end, name in spans:
        if begin < position:
            bad(name, f"tensor {name!r} overlaps the one before it", 8 + size + begin)
        elif begin > position:
            bad(name, f"a hole of {begin - position} bytes before tensor {name!r}", 8 + size + position)
        position = max(position, end)
    if spans and position != buffer:
        bad("trailing", f"{buffer - position} bytes after the last tensor", 8 + size + position)
