"""ONNX: tensors with external data must stay inside the model's directory.

An initializer may keep its bytes in another file (``external_data`` entries with key ``location``);
the ONNX loader joins that path to the model directory, so ``../../etc/passwd`` or an absolute path reads
(and with ``onnx.save`` writes) outside it (CVE-2024-27318/CVE-2024-5187 in onnx). The protobuf is walked
here with a minimal wire-format reader (no onnx package): ModelProto.graph (7) -> GraphProto.initializer
(5), sparse_initializer (15), node (1) -> NodeProto.attribute (5) -> AttributeProto.t (5), tensors (10),
g (6), graphs (11); TensorProto.external_data (13) -> StringStringEntryProto key (1) / value (2).
Field numbers from onnx/onnx.proto (IR version 9).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import Path

from tongzhou.oss._context import Location, ScanContext
from tongzhou.oss.findings import Severity


class _WireError(Exception):
    pass


def _varint(view: memoryview, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= len(view) or shift > 63:
            raise _WireError(f"bad varint at byte {pos}")
        byte = view[pos]
        value |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if byte < 0x80:
            return value, pos


def fields(view: memoryview, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(field number, wire type, value start, value end or varint value) of a message's fields."""
    pos = start
    while pos < end:
        key, pos = _varint(view, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(view, pos)
            yield number, wire, value, value
        elif wire == 2:
            length, pos = _varint(view, pos)
            if pos + length > end:
                raise _WireError(f"field {number} runs past its message at byte {pos}")
            yield number, wire, pos, pos + length
            pos += length
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
            yield number, wire, pos, pos
        else:
            raise _WireError(f"unsupported wire type {wire} at byte {pos}")
    if pos != end:
        raise _WireError("message ends inside a field")


def _children(view: memoryview, start: int, end: int, wanted: set[int]) -> Iterator[tuple[int, int, int]]:
    for number, wire, a, b in fields(view, start, end):
        if wire == 2 and number in wanted:
            yield number, a, b


def _tensor_locations(view: memoryview, start: int, end: int) -> Iterator[tuple[str, int]]:
    for _n, a, b in _children(view, start, end, {13}):
        entry = {
            num: bytes(view[x:y]).decode("utf-8", "replace")
            for num, _n2, x, y in ((num, w, x, y) for num, w, x, y in fields(view, a, b) if w == 2)
        }
        if entry.get(1) == "location" and 2 in entry:
            yield entry[2], a


def _graph(view: memoryview, start: int, end: int, depth: int) -> Iterator[tuple[str, int]]:
    if depth > 64:
        raise _WireError("subgraphs nested too deep")
    for number, a, b in _children(view, start, end, {1, 5, 15}):
        if number == 5:
            yield from _tensor_locations(view, a, b)
        elif number == 15:
            for _n, x, y in _children(view, a, b, {1, 2}):
                yield from _tensor_locations(view, x, y)
        else:
            for _n, x, y in _children(view, a, b, {5}):
                for kind, p, q in _children(view, x, y, {5, 10, 6, 11}):
                    if kind in (5, 10):
                        yield from _tensor_locations(view, p, q)
                    else:
                        yield from _graph(view, p, q, depth + 1)


def escapes(location: str) -> bool:
    """True when an external-data path leaves the model's directory (absolute, drive, or ``..``)."""
    text = location.replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return True
    return posixpath.normpath(text).split("/")[0] == ".."


def _leaves_by_link(model_file: str, location: str) -> bool:
    """True when ``location`` is inside the directory by name but a symlink takes it outside."""
    base = Path(model_file).resolve().parent
    return not (base / location).resolve().is_relative_to(base)


def scan_onnx(view: memoryview, where: Location, ctx: ScanContext) -> None:
    """Walk an ONNX ModelProto and report external-data paths that escape the model directory."""
    ctx.recognised(where, "onnx")
    try:
        for _n, a, b in _children(view, 0, len(view), {7}):
            for location, offset in _graph(view, a, b, 0):
                if not escapes(location) and not where.members and _leaves_by_link(where.file, location):
                    ctx.add(
                        where,
                        Severity.CRITICAL,
                        "onnx.external-data-escape",
                        location,
                        "external data is a link that resolves outside the model directory",
                        offset,
                    )
                if escapes(location):
                    ctx.add(
                        where,
                        Severity.CRITICAL,
                        "onnx.external-data-escape",
                        location,
                        "external data outside the model directory: loading reads that file",
                        offset,
                    )
    except _WireError as exc:
        ctx.add(where, Severity.MEDIUM, "onnx.malformed", "protobuf", f"malformed ONNX protobuf ({exc})")


def looks_like_onnx(view: memoryview) -> bool:
    """An ONNX model starts with ir_version (field 1, varint): byte 0x08; then checks as protobuf."""
    if len(view) < 2 or view[0] != 0x08:
        return False
    try:
        numbers = [n for n, _w, _a, _b in _first_fields(view, 4)]
    except _WireError:
        return False
    return bool(numbers) and all(n in (1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 25) for n in numbers)


def _first_fields(view: memoryview, count: int) -> list[tuple[int, int, int, int]]:
    found: list[tuple[int, int, int, int]] = []
    iterator = fields(view, 0, len(view))
    try:
        for _ in range(count):
            found.append(next(iterator))
    except StopIteration:
        pass
    return found
