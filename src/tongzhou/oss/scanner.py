"""Scan model files by what they contain, not what they are called; nothing is ever loaded or run.

The format is sniffed from the bytes (magic numbers, header shapes); the extension only says what the
file claims to be, and a mismatch is itself a finding (picklescan CVE-2025-10155: a pickle renamed
``.bin``/``.txt`` was skipped, while ``torch.load`` reads any name). Files are mapped, not read, so a
multi-gigabyte model costs address space, not memory.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path

from tongzhou.errors import InputError
from tongzhou.oss._context import Location, ScanContext, ScanLimits
from tongzhou.oss.archive_scan import scan_gzip, scan_tar, scan_zip
from tongzhou.oss.findings import ScanReport, Severity
from tongzhou.oss.gguf_metadata import GGUF_MAGIC
from tongzhou.oss.gguf_scan import scan_gguf
from tongzhou.oss.keras_scan import HDF5_MAGIC, scan_hdf5, scan_json
from tongzhou.oss.numpy_scan import NPY_MAGIC, scan_npy
from tongzhou.oss.onnx_scan import looks_like_onnx, scan_onnx
from tongzhou.oss.pickle_scan import looks_like_pickle, scan_pickle
from tongzhou.oss.safetensors_scan import MAX_HEADER, scan_safetensors

_PICKLE_EXT = {".pkl", ".pickle", ".pt", ".pth", ".bin", ".ckpt", ".joblib", ".dat", ".data", ".mar"}
EXPECTED: dict[str, frozenset[str]] = {
    **{ext: frozenset({"pickle", "zip", "tar"}) for ext in _PICKLE_EXT},
    ".safetensors": frozenset({"safetensors"}),
    ".gguf": frozenset({"gguf"}),
    ".npy": frozenset({"npy"}),
    ".npz": frozenset({"zip"}),
    ".keras": frozenset({"zip"}),
    ".h5": frozenset({"hdf5"}),
    ".hdf5": frozenset({"hdf5"}),
    ".onnx": frozenset({"onnx"}),
    ".zip": frozenset({"zip"}),
    ".json": frozenset({"json"}),
}
"""What a model extension promises; content of another format is an extension mismatch."""
_UNSCANNABLE = {b"7z\xbc\xaf\x27\x1c": "7z", b"Rar!\x1a\x07": "rar", b"\x28\xb5\x2f\xfd": "zstd"}


def sniff(view: memoryview, name: str) -> str:
    """The format of ``view`` from its bytes: zip, tar, gzip, npy, gguf, hdf5, safetensors, onnx, pickle,
    json, an unscannable archive kind, or ``other``."""
    head = bytes(view[:16])
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if len(view) > 262 and bytes(view[257:262]) == b"ustar":
        return "tar"
    for magic, kind in _UNSCANNABLE.items():
        if head.startswith(magic):
            return kind
    if head.startswith(NPY_MAGIC):
        return "npy"
    if head.startswith(GGUF_MAGIC):
        return "gguf"
    if head.startswith(HDF5_MAGIC):
        return "hdf5"
    if (
        len(head) >= 9
        and head[8:9] == b"{"
        and (struct.unpack("<Q", head[:8])[0] <= MAX_HEADER or name.lower().endswith(".safetensors"))
    ):
        return "safetensors"
    if head.startswith(b"\x80") and len(head) > 1 and head[1] <= 5:
        return "pickle"
    if name.lower().endswith(".json"):
        return "json"
    if looks_like_onnx(view) and name.lower().endswith(".onnx"):
        return "onnx"
    if looks_like_pickle(view):
        return "pickle"
    return "other"


def _extension(name: str) -> str:
    return os.path.splitext(name.rsplit("/", 1)[-1])[1].lower()


def dispatch(view: memoryview, where: Location, ctx: ScanContext) -> None:
    """Scan ``view`` as the format it turns out to be."""
    kind = sniff(view, where.name)
    ext = _extension(where.name)
    expected = EXPECTED.get(ext)
    if expected is not None and kind not in expected and kind != "other":
        severity = Severity.HIGH if kind == "pickle" else Severity.MEDIUM
        ctx.add(
            where,
            severity,
            "file.extension-mismatch",
            f"{ext} holds {kind}",
            f"named {ext} but the content is {kind}; scanned as {kind}",
        )
    handler = {
        "zip": scan_zip,
        "tar": scan_tar,
        "gzip": scan_gzip,
        "npy": scan_npy,
        "gguf": scan_gguf,
        "hdf5": scan_hdf5,
        "safetensors": scan_safetensors,
        "onnx": scan_onnx,
        "pickle": scan_pickle,
        "json": scan_json,
    }.get(kind)
    if handler is not None:
        handler(view, where, ctx)
    elif kind in _UNSCANNABLE.values():
        ctx.recognised(where, kind)
        ctx.add(
            where,
            Severity.MEDIUM,
            "archive.unsupported",
            kind,
            f"a {kind} archive: the scanner cannot open it, so its content is unchecked",
        )
    else:
        ctx.recognised(where, "other")
        if expected is not None and len(view):
            ctx.add(
                where,
                Severity.MEDIUM,
                "file.unrecognised",
                ext,
                f"named {ext} but no model format was recognised in its bytes",
            )


def _files(paths: Iterable[Path], ctx: ScanContext) -> Iterator[Path]:
    for path in paths:
        if path.is_symlink():
            ctx.add(Location(str(path)), Severity.INFO, "file.symlink", str(path), "a symlink; not followed")
        elif path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs.sort()
                for name in sorted(names):
                    yield from _files([Path(root) / name], ctx)
        elif path.is_file():
            yield path
        else:
            raise InputError.of("{path}: no such file or directory", path=path)


def scan_paths(paths: Iterable[Path], limits: ScanLimits | None = None) -> ScanReport:
    """Scan files and directories (recursively); a missing path is an InputError (exit status 2)."""
    paths = list(paths)
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise InputError.of("{path}: no such file or directory", path=path)
    ctx = ScanContext(limits or ScanLimits(), dispatch)
    for path in _files(paths, ctx):
        scan_file(path, ctx)
    return ctx.report


def scan_file(path: Path, ctx: ScanContext) -> None:
    """Map one file and scan it; an unreadable file is a finding, not a crash."""
    where = Location(str(path))
    ctx.decompressed = 0
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size == 0:
                dispatch(memoryview(b""), where, ctx)
                return
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as exc:
        ctx.add(where, Severity.MEDIUM, "file.unreadable", str(path), f"cannot read ({exc.strerror})")
        return
    ctx.report.bytes_scanned += size
    view = memoryview(mapped)
    try:
        dispatch(view, where, ctx)
    finally:
        view.release()
        with contextlib.suppress(BufferError):  # a slice still refers to it: it goes with the last one
            mapped.close()
