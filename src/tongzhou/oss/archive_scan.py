"""Zip, tar and gzip archives, opened member by member within bounds, each member scanned by content.

Members are read from their local headers and decompressed here, not through ``ZipFile.read``: a CRC
error must not stop the scan (picklescan CVE-2025-10156: a bad CRC made it skip a member that
PyTorch still loads). Every entry of the central directory is scanned, duplicates included, because
two loaders may pick different copies of a duplicated name. Depth, member count, member size, total
decompressed size and compression ratio are bounded (:class:`~tongzhou.oss._context.ScanLimits`).
"""

from __future__ import annotations

import bz2
import io
import lzma
import struct
import tarfile
import zipfile
import zlib
from typing import Any

from tongzhou.oss._context import Location, ScanContext
from tongzhou.oss.findings import Severity

_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_CHUNK = 1 << 20


class _TooBig(Exception):
    pass


class _ViewFile(io.RawIOBase):
    """A seekable read-only file over a memoryview: ZipFile and tarfile read a mapped model without the
    copy ``io.BytesIO`` would make (measured: the copy was most of the time on a 200 MB torch zip)."""

    def __init__(self, view: memoryview) -> None:
        super().__init__()
        self._view, self._pos = view, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._view[self._pos : self._pos + len(buffer)]
        buffer[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._view)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos


def _inflate(raw: memoryview, method: int, limit: int) -> bytes:
    if method == zipfile.ZIP_STORED:
        if len(raw) > limit:
            raise _TooBig
        return bytes(raw)
    decoder: zlib._Decompress | bz2.BZ2Decompressor
    if method == zipfile.ZIP_DEFLATED:
        decoder = zlib.decompressobj(-15)
    elif method == zipfile.ZIP_BZIP2:
        decoder = bz2.BZ2Decompressor()
    else:
        raise ValueError(f"compression method {method} is not supported by the scanner")
    out = bytearray()
    for start in range(0, len(raw), _CHUNK):
        # max_length: past the limit the member is rejected, so no more than limit + 1 bytes are made
        out += decoder.decompress(bytes(raw[start : start + _CHUNK]), limit + 1 - len(out))
        if len(out) > limit:
            raise _TooBig
    return bytes(out)


def scan_zip(view: memoryview, where: Location, ctx: ScanContext) -> None:
    """Scan every member of the zip archive in ``view``."""
    try:
        archive = zipfile.ZipFile(_ViewFile(view))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        ctx.add(where, Severity.MEDIUM, "archive.malformed", "zip", f"unreadable zip ({exc})")
        return
    names = [e.filename for e in entries]
    is_torch = any(n.endswith("data.pkl") for n in names)
    ctx.recognised(where, "torch-zip" if is_torch else "zip")
    if len(entries) > ctx.limits.max_members:
        ctx.add(
            where,
            Severity.MEDIUM,
            "archive.too-many-members",
            str(len(entries)),
            f"{len(entries)} members, over the limit of {ctx.limits.max_members}; not opened",
        )
        return
    for duplicate in sorted({n for n in names if names.count(n) > 1}):
        ctx.add(
            where,
            Severity.MEDIUM,
            "archive.duplicate-name",
            duplicate,
            "the name appears more than once; loaders disagree on which copy they read",
        )
    for entry in entries:
        _scan_entry(view, entry, where, ctx, is_torch)


def _scan_entry(
    view: memoryview, entry: zipfile.ZipInfo, where: Location, ctx: ScanContext, is_torch: bool
) -> None:
    inner = where.inside(entry.filename)
    if entry.is_dir():
        return
    if entry.flag_bits & 0x1:
        ctx.add(
            inner,
            Severity.MEDIUM,
            "archive.encrypted",
            entry.filename,
            "encrypted member: it cannot be scanned",
        )
        return
    if is_torch and "/data/" in f"/{entry.filename}" and not entry.filename.endswith(".pkl"):
        return  # raw tensor storage: torch.load reads these bytes as numbers, never unpickles them
    if not _within_bounds(entry, inner, ctx):
        return
    start = entry.header_offset
    header = bytes(view[start : start + _LOCAL_HEADER.size])
    if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        ctx.add(inner, Severity.MEDIUM, "archive.malformed", entry.filename, "bad local header", start)
        return
    fields = _LOCAL_HEADER.unpack(header)
    name_len, extra_len = fields[9], fields[10]
    local_name = bytes(view[start + 30 : start + 30 + name_len]).decode("utf-8", "replace")
    if local_name != entry.filename:
        ctx.add(
            inner,
            Severity.MEDIUM,
            "archive.name-mismatch",
            f"{local_name} != {entry.filename}",
            "local header and central directory name the member differently",
            start,
        )
    data_start = start + 30 + name_len + extra_len
    raw = view[data_start : data_start + entry.compress_size]
    try:
        data = _inflate(raw, entry.compress_type, ctx.limits.max_member_bytes)
    except _TooBig:
        ctx.add(
            inner,
            Severity.MEDIUM,
            "archive.bomb",
            entry.filename,
            "decompresses past the member size limit; not scanned",
            data_start,
        )
        return
    except (zlib.error, OSError, EOFError, ValueError, lzma.LZMAError) as exc:
        ctx.add(inner, Severity.MEDIUM, "archive.malformed", entry.filename, f"cannot decompress ({exc})")
        return
    ctx.decompressed += len(data)
    if zlib.crc32(data) != entry.CRC:
        ctx.add(
            inner,
            Severity.MEDIUM,
            "archive.crc-mismatch",
            entry.filename,
            "CRC mismatch: some loaders ignore it and load the member anyway; scanned regardless",
        )
    _descend(memoryview(data), inner, ctx, in_torch=is_torch)


def _within_bounds(entry: zipfile.ZipInfo, inner: Location, ctx: ScanContext) -> bool:
    limits = ctx.limits
    if entry.file_size > limits.max_member_bytes:
        ctx.add(
            inner,
            Severity.MEDIUM,
            "archive.member-too-large",
            entry.filename,
            f"{entry.file_size} bytes uncompressed, over the limit of {limits.max_member_bytes}",
        )
        return False
    if entry.file_size > 1 << 20 and entry.file_size > limits.max_ratio * max(entry.compress_size, 1):
        ctx.add(
            inner,
            Severity.MEDIUM,
            "archive.bomb",
            entry.filename,
            f"compression ratio over {limits.max_ratio}:1: a suspected zip bomb; not opened",
        )
        return False
    if ctx.decompressed + entry.file_size > limits.max_total_bytes:
        ctx.add(
            inner,
            Severity.MEDIUM,
            "archive.bomb",
            entry.filename,
            f"total decompressed size would pass {limits.max_total_bytes} bytes; not opened",
        )
        return False
    return True


def _descend(data: memoryview, inner: Location, ctx: ScanContext, *, in_torch: bool = False) -> None:
    if inner.depth > ctx.limits.max_depth:
        ctx.add(
            inner,
            Severity.MEDIUM,
            "archive.too-deep",
            inner.member,
            f"nested more than {ctx.limits.max_depth} archives deep; not opened",
        )
        return
    if in_torch and inner.name.endswith(".pkl"):
        from tongzhou.oss.pickle_scan import scan_pickle

        scan_pickle(data, inner, ctx, in_torch=True)
        return
    ctx.dispatch(data, inner, ctx)


def scan_tar(view: memoryview, where: Location, ctx: ScanContext) -> None:
    """Scan every regular member of a (possibly compressed) tar archive; the legacy PyTorch format is one."""
    ctx.recognised(where, "tar")
    try:
        with tarfile.open(fileobj=_ViewFile(view), mode="r:*") as archive:
            for count, member in enumerate(archive):
                if count >= ctx.limits.max_members:
                    ctx.add(
                        where,
                        Severity.MEDIUM,
                        "archive.too-many-members",
                        str(count),
                        "too many members; the rest were not opened",
                    )
                    return
                inner = where.inside(member.name)
                if not member.isfile():
                    if member.issym() or member.islnk():
                        ctx.add(
                            inner,
                            Severity.LOW,
                            "archive.link",
                            f"{member.name} -> {member.linkname}",
                            "a link inside the archive; it was not followed",
                        )
                    continue
                if member.size > ctx.limits.max_member_bytes or (
                    ctx.decompressed + member.size > ctx.limits.max_total_bytes
                ):
                    ctx.add(
                        inner,
                        Severity.MEDIUM,
                        "archive.member-too-large",
                        member.name,
                        "over the size limits; not opened",
                    )
                    continue
                handle = archive.extractfile(member)
                if handle is None:
                    continue
                data = handle.read(ctx.limits.max_member_bytes + 1)
                ctx.decompressed += len(data)
                _descend(memoryview(data), inner, ctx)
    except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
        ctx.add(where, Severity.MEDIUM, "archive.malformed", "tar", f"unreadable tar ({exc})")


def scan_gzip(view: memoryview, where: Location, ctx: ScanContext) -> None:
    """Decompress a gzip stream within the bounds and scan what is inside."""
    ctx.recognised(where, "gzip")
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    limit = min(ctx.limits.max_member_bytes, ctx.limits.max_total_bytes - ctx.decompressed)
    out = bytearray()
    try:
        for start in range(0, len(view), _CHUNK):
            out += decoder.decompress(bytes(view[start : start + _CHUNK]), limit + 1 - len(out))
            if len(out) > limit:
                ctx.add(
                    where,
                    Severity.MEDIUM,
                    "archive.bomb",
                    "gzip",
                    "decompresses past the size limits; not scanned",
                )
                return
    except zlib.error as exc:
        ctx.add(where, Severity.MEDIUM, "archive.malformed", "gzip", f"unreadable gzip ({exc})")
        return
    ctx.decompressed += len(out)
    inner_name = where.name.removesuffix(".gz") if where.name.endswith(".gz") else "(gunzipped)"
    _descend(memoryview(bytes(out)), where.inside(inner_name.rsplit("/", 1)[-1]), ctx)
