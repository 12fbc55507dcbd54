"""NumPy ``.npy`` (and, through the zip scanner, ``.npz``): object arrays carry a pickle.

``np.load`` refuses object arrays unless ``allow_pickle=True``; with it, the data after the header is
unpickled. The header is a Python literal, read with ``ast.literal_eval`` (literals only, never code).
Format: NumPy Enhancement Proposal 1 (``numpy/lib/format.py``): magic ``\\x93NUMPY``, version, a
little-endian header length (2 bytes in version 1, 4 in versions 2 and 3).
"""

from __future__ import annotations

import ast
import math
import struct

from tongzhou.oss._context import Location, ScanContext
from tongzhou.oss.findings import Severity
from tongzhou.oss.pickle_scan import scan_pickle

NPY_MAGIC = b"\x93NUMPY"
_MAX_HEADER = 1 << 20


def _has_object(descr: object) -> bool:
    if isinstance(descr, str):
        return "O" in descr
    if isinstance(descr, list | tuple):
        return any(_has_object(part) for part in descr)
    return False


def scan_npy(view: memoryview, where: Location, ctx: ScanContext) -> None:
    """Check the header; scan the pickle of an object array."""
    ctx.recognised(where, "npy")
    if len(view) < 10:
        ctx.add(where, Severity.MEDIUM, "npy.truncated", "header", "shorter than an .npy header")
        return
    major = view[6]
    size_format, start = ("<H", 10) if major == 1 else ("<I", 12)
    if len(view) < start:
        ctx.add(where, Severity.MEDIUM, "npy.truncated", "header", "shorter than an .npy header")
        return
    (length,) = struct.unpack(size_format, bytes(view[8:start]))
    if length > _MAX_HEADER or start + length > len(view):
        ctx.add(where, Severity.MEDIUM, "npy.header", str(length), "header length past the end of file", 8)
        return
    try:
        header = ast.literal_eval(bytes(view[start : start + length]).decode("latin-1"))
        descr, shape = header["descr"], tuple(header["shape"])
    except (ValueError, SyntaxError, KeyError, TypeError, MemoryError, RecursionError) as exc:
        ctx.add(where, Severity.MEDIUM, "npy.header", "header", f"unreadable header ({exc})", start)
        return
    data = view[start + length :]
    if _has_object(descr):
        ctx.add(
            where,
            Severity.LOW,
            "npy.object-array",
            str(descr),
            "object array: np.load needs allow_pickle=True and then unpickles the data",
            start + length,
        )
        scan_pickle(data, where, ctx)
        return
    try:
        import numpy

        expected = math.prod(int(d) for d in shape) * numpy.dtype(descr).itemsize
    except (ImportError, TypeError, ValueError):
        return
    if len(data) < expected:
        ctx.add(
            where,
            Severity.MEDIUM,
            "npy.truncated",
            str(shape),
            f"{len(data)} data bytes, the header promises {expected}",
            start + length,
        )
