"""Streaming readers: JSON Lines, plain text and Parquet, plain or gzip/zstd compressed, of any size.

A corpus is split into :class:`WorkUnit` s (a byte range of an uncompressed file, a whole compressed
file, a Parquet row group); a unit is read as :class:`Batch` es of at most ``batch_bytes`` of items, so
memory depends on the batch size, never on the file size.

Items: one per non-blank line (JSONL record or text line), one per Parquet row. The text of a JSONL
record is its first present ``text_fields`` value (default ``text``, ``content``); a record that is not
an object, or has none of those fields, is audited as its raw line; a line that is not JSON counts as
``malformed`` and is audited as its raw line, so nothing in the corpus escapes the scan.
"""

from __future__ import annotations

import gzip
import json
import mmap
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tongzhou.errors import InputError

FORMATS = ("jsonl", "text", "parquet")
_SUFFIX_FORMAT = {
    ".jsonl": "jsonl",
    ".json": "jsonl",
    ".ndjson": "jsonl",
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".parquet": "parquet",
}
_COMPRESSION = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd"}
DEFAULT_TEXT_FIELDS = ("text", "content")
UNIT_BYTES = 64 << 20
"""Uncompressed files larger than this are split into byte ranges of about this size."""


def json_lines(text: str, where: str) -> Iterator[tuple[int, Any]]:
    """``(line number, value)`` of every non-blank line of JSON-lines ``text``; an :class:`InputError`
    names the first line that is not JSON (``where`` names the file)."""
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError.of("{where}:{i}: not JSON ({msg})", where=where, i=i, msg=exc.msg) from exc
        yield i, value


@dataclass(frozen=True)
class WorkUnit:
    """One independently readable piece of the corpus."""

    path: str
    """File path."""
    source: str
    """Source name (the PATH argument the file came from, or as given)."""
    fmt: str
    """``jsonl``, ``text`` or ``parquet``."""
    compression: str | None = None
    """``gzip``, ``zstd`` or ``None``."""
    start: int = 0
    """First byte (uncompressed files) or row group (Parquet)."""
    end: int = -1
    """End byte, exclusive (-1: end of file), or end row group for Parquet."""


@dataclass
class Batch:
    """Items of one unit read together."""

    texts: list[str]
    """The text to audit, one per item."""
    item_ids: list[str]
    """Stable ids (``path:offset`` or ``path#row``) for samples and reviews."""
    raw_bytes: int
    """Bytes read from the file (uncompressed) for these items."""
    malformed: int = 0
    """Lines that were not valid JSON (audited as raw text)."""
    records: list[bytes] | None = field(default=None, repr=False)
    """The raw JSONL lines (kept only when a redacted copy is written)."""


def detect_format(path: Path) -> tuple[str, str | None]:
    """``(format, compression)`` from the file name, e.g. ``x.jsonl.zst`` → ``("jsonl", "zstd")``."""
    suffixes = [s.lower() for s in path.suffixes]
    compression = _COMPRESSION.get(suffixes[-1]) if suffixes else None
    if compression:
        suffixes = suffixes[:-1]
    fmt = _SUFFIX_FORMAT.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise InputError(f"{path}: unknown corpus format (use .jsonl, .txt or .parquet, optionally .gz/.zst)")
    return fmt, compression


def plan_units(paths: list[str | Path], unit_bytes: int = UNIT_BYTES) -> list[WorkUnit]:
    """Work units for files and directories (a directory is one source made of its files, sorted)."""
    units: list[WorkUnit] = []
    for given in paths:
        root = Path(given)
        if not root.exists():
            raise InputError.of("corpus path not found: {root}", root=root)
        files = (
            sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
            if root.is_dir()
            else [root]
        )
        source = root.name or str(root)
        for f in files:
            try:
                fmt, comp = detect_format(f)
            except InputError:
                if root.is_dir():
                    continue  # directories may hold other files (README, checksums)
                raise
            if fmt == "parquet":
                units.extend(_parquet_units(f, source))
                continue
            size = f.stat().st_size
            if comp is None and size > unit_bytes:
                for start in range(0, size, unit_bytes):
                    units.append(WorkUnit(str(f), source, fmt, None, start, min(start + unit_bytes, size)))
            else:
                units.append(WorkUnit(str(f), source, fmt, comp))
    if not units:
        raise InputError.of("no corpus files found (.jsonl/.txt/.parquet, optionally .gz/.zst)")
    return units


def _parquet_units(path: Path, source: str) -> list[WorkUnit]:
    import pyarrow.parquet as pq

    try:
        groups = pq.ParquetFile(path).num_row_groups
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise InputError(f"{path}: not a readable Parquet file: {exc}") from exc
    return [WorkUnit(str(path), source, "parquet", None, g, g + 1) for g in range(groups)]


def _open_stream(unit: WorkUnit) -> IO[bytes]:
    raw = open(unit.path, "rb")  # noqa: SIM115 - closed by the caller through the wrapper
    if unit.compression == "gzip":
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    if unit.compression == "zstd":
        import zstandard

        reader: IO[bytes] = zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)
        return reader
    return raw


def iter_line_blocks(unit: WorkUnit, block_bytes: int) -> Iterator[tuple[int, bytes]]:
    """``(offset, block)`` pairs of whole lines from a line-based unit; offset of the block's first byte.

    A line belongs to the unit in which its first byte lies, so ranges never split or repeat a line.
    """
    if unit.compression is None:
        yield from _mapped_line_blocks(unit, block_bytes)
        return
    try:
        stream = _open_stream(unit)
    except OSError as exc:
        raise InputError(f"cannot open {unit.path}: {exc}") from exc
    with stream:
        pos = 0
        if unit.start > 0:
            stream.seek(unit.start - 1)
            # Skip the rest of the line that began before this unit (ends at the first newline).
            skipped = stream.readline()
            pos = unit.start - 1 + len(skipped)
        limit = unit.end if unit.end >= 0 else None
        carry = b""
        carry_pos = pos
        while True:
            try:
                chunk = stream.read(block_bytes)
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                raise InputError(f"{unit.path}: corrupt compressed stream: {exc}") from exc
            except Exception as exc:  # zstandard.ZstdError
                if type(exc).__name__ == "ZstdError":
                    raise InputError(f"{unit.path}: corrupt zstd stream: {exc}") from exc
                raise
            if not chunk:
                if carry and (limit is None or carry_pos < limit):
                    yield carry_pos, carry
                return
            cut = chunk.rfind(b"\n")
            if cut < 0:
                carry += chunk
                continue
            # One copy at most: the carried partial line joined with the chunk up to its last newline.
            if cut == len(chunk) - 1:
                block = carry + chunk if carry else chunk
            else:
                block = b"".join((carry, memoryview(chunk)[: cut + 1]))
            carry = chunk[cut + 1 :]
            block_pos = carry_pos
            carry_pos = block_pos + len(block)
            if limit is not None and carry_pos > limit:
                # Keep only lines starting before the limit.
                keep = block.find(b"\n", max(0, limit - block_pos - 1))
                if keep >= 0 and limit - block_pos > 0:
                    yield block_pos, block[: keep + 1]
                return
            yield block_pos, block


def _mapped_line_blocks(unit: WorkUnit, block_bytes: int) -> Iterator[tuple[int, bytes]]:
    """Uncompressed files: memory-mapped, each block copied out once (no read buffer + join)."""
    try:
        fh = open(unit.path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise InputError(f"cannot open {unit.path}: {exc}") from exc
    with fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            return
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            end = size if unit.end < 0 else min(unit.end, size)
            pos = unit.start
            if pos > 0:
                # The line holding byte start-1 belongs to the previous unit.
                nl = mm.find(b"\n", pos - 1)
                pos = size if nl < 0 else nl + 1
            while pos < end:
                # Lines starting before `end` are ours: extend to the newline ending the last of them.
                hi = min(pos + block_bytes, end)
                nl = mm.find(b"\n", hi - 1) if hi < size else -1
                stop = size if nl < 0 else nl + 1
                if stop - pos > block_bytes and hi < end:
                    last = mm.rfind(b"\n", pos, hi)
                    if last >= pos:
                        stop = last + 1
                yield pos, mm[pos:stop]
                pos = stop


def _record_text(line: bytes, text_fields: tuple[str, ...]) -> tuple[str, bool]:
    """Text of one JSONL record and whether the line was malformed."""
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return line.decode("utf-8", "replace"), True
    if isinstance(obj, dict):
        for name in text_fields:
            value = obj.get(name)
            if isinstance(value, str):
                return value, False
    return line.decode("utf-8", "replace"), False


def iter_batches(
    unit: WorkUnit,
    batch_bytes: int = 8 << 20,
    text_fields: tuple[str, ...] = DEFAULT_TEXT_FIELDS,
    keep_records: bool = False,
) -> Iterator[Batch]:
    """Batches of items from one unit (streamed)."""
    if unit.fmt == "parquet":
        yield from _parquet_batches(unit, batch_bytes, text_fields)
        return
    for offset, block in iter_line_blocks(unit, batch_bytes):
        texts: list[str] = []
        ids: list[str] = []
        records: list[bytes] = []
        malformed = 0
        pos = offset
        for line in block.split(b"\n"):
            here = pos
            pos += len(line) + 1
            if not line.strip():
                continue
            if unit.fmt == "jsonl":
                text, bad = _record_text(line, text_fields)
                malformed += bad
            else:
                text = line.decode("utf-8", "replace").rstrip("\r")
            texts.append(text)
            ids.append(f"{unit.path}:{here}")
            if keep_records:
                records.append(line)
        yield Batch(texts, ids, len(block), malformed, records if keep_records else None)


def _parquet_batches(unit: WorkUnit, batch_bytes: int, text_fields: tuple[str, ...]) -> Iterator[Batch]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(unit.path)
    names = pf.schema_arrow.names
    column = next((n for n in text_fields if n in names), None)
    if column is None:
        raise InputError(
            f"{unit.path}: no text column (looked for {', '.join(text_fields)}; has {', '.join(names)})"
        )
    row0 = sum(pf.metadata.row_group(g).num_rows for g in range(unit.start))
    for group in range(unit.start, unit.end):
        for rb in pf.iter_batches(
            batch_size=max(1, batch_bytes // 512), row_groups=[group], columns=[column]
        ):
            values = rb.column(0).to_pylist()
            texts = [v if isinstance(v, str) else "" for v in values]
            ids = [f"{unit.path}#{row0 + i}" for i in range(len(texts))]
            row0 += len(texts)
            keep = [i for i, t in enumerate(texts) if t.strip()]
            yield Batch([texts[i] for i in keep], [ids[i] for i in keep], sum(len(t.encode()) for t in texts))
