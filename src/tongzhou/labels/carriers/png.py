"""PNG: iTXt ``XML:com.adobe.xmp`` holding the TC260 XMP; the alternative tEXt ``AIGC`` is read too.

Carrier per docs/standards/aigc-labeling.md (PNG row). Pixels are never decoded: the label
chunk is written directly. The content hash covers every chunk's type and data except the
metadata chunks a labeller or C2PA signer rewrites (tEXt, zTXt, iTXt, tIME, eXIf, caBX).
"""

from __future__ import annotations

import hashlib
import struct
import zlib

from tongzhou.labels import xmp
from tongzhou.labels.carriers.base import CorruptFileError, FoundLabel

SIGNATURE = b"\x89PNG\r\n\x1a\n"
METADATA_CHUNKS = frozenset({b"tEXt", b"zTXt", b"iTXt", b"tIME", b"eXIf", b"caBX"})
XMP_KEYWORD = b"XML:com.adobe.xmp"
MAX_PIXELS = 1 << 30
"""Refuse images larger than this many pixels (a decompression-bomb bound; not from a standard)."""

Chunk = tuple[bytes, int, int]  # (type, start offset of the length field, end offset after CRC)


def parse_chunks(data: bytes) -> list[Chunk]:
    """The chunk list; CorruptFileError on a bad signature, bad CRC, truncation or missing IEND."""
    if not data.startswith(SIGNATURE):
        raise CorruptFileError("not a PNG file (bad signature)")
    chunks: list[Chunk] = []
    view = memoryview(data)
    pos, size = 8, len(data)
    while pos < size:
        if pos + 12 > size:
            raise CorruptFileError(f"PNG truncated at byte {pos}")
        length, ctype = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if length > 0x7FFFFFFF or end > size:
            raise CorruptFileError(f"PNG truncated: chunk {ctype!r} at byte {pos} runs past the end")
        (crc,) = struct.unpack_from(">I", data, end - 4)
        # Image data is checked by decoders and never changed here, so only other chunks are CRC-checked.
        if ctype != b"IDAT" and zlib.crc32(view[pos + 4 : end - 4]) != crc:
            raise CorruptFileError(f"PNG chunk {ctype!r} at byte {pos} has a bad CRC")
        chunks.append((ctype, pos, end))
        pos = end
        if ctype == b"IEND":
            break
    if not chunks or chunks[0][0] != b"IHDR":
        raise CorruptFileError("PNG does not start with IHDR")
    if chunks[-1][0] != b"IEND":
        raise CorruptFileError("PNG truncated: no IEND chunk")
    width, height = struct.unpack_from(">II", data, chunks[0][1] + 8)
    if width == 0 or height == 0 or width * height > MAX_PIXELS:
        raise CorruptFileError(f"PNG {width}x{height} refused: over the {MAX_PIXELS}-pixel limit or empty")
    return chunks


def _chunk(ctype: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + ctype + payload + struct.pack(">I", zlib.crc32(ctype + payload))


def _itxt_fields(payload: bytes) -> tuple[bytes, str] | None:
    """(keyword, text) of an iTXt chunk; None when malformed."""
    keyword, sep, rest = payload.partition(b"\x00")
    if not sep or len(rest) < 2:
        return None
    compressed, _method = rest[0], rest[1]
    rest = rest[2:]
    _lang, _, rest = rest.partition(b"\x00")
    _translated, _, text = rest.partition(b"\x00")
    if compressed:
        inflater = zlib.decompressobj()
        text = inflater.decompress(text, xmp.MAX_XMP_BYTES)
        if inflater.unconsumed_tail:
            raise CorruptFileError("compressed iTXt larger than the XMP size limit (decompression bomb?)")
    return keyword, text.decode("utf-8", "replace")


def _itxt_payload(keyword: bytes, text: str) -> bytes:
    return keyword + b"\x00\x00\x00\x00\x00" + text.encode("utf-8")


class PngCarrier:
    """PNG: XMP in iTXt (GB 45438 carrier table)."""

    name = "png"
    method = "png-chunks-v1"
    extensions: tuple[str, ...] = (".png",)
    wrapped = False

    def sniff(self, head: bytes) -> bool:
        """PNG signature."""
        return head.startswith(SIGNATURE)

    def content_hash(self, data: bytes) -> str:
        """sha256 over type+data of every non-metadata chunk, in order."""
        digest = hashlib.sha256()
        view = memoryview(data)
        for ctype, start, end in parse_chunks(data):
            if ctype not in METADATA_CHUNKS:
                digest.update(view[start + 4 : end - 4])
        return "sha256:" + digest.hexdigest()

    def read_labels(self, data: bytes) -> list[FoundLabel]:
        """XMP TC260:AIGC in iTXt, and tEXt/iTXt chunks with keyword AIGC."""
        found: list[FoundLabel] = []
        for ctype, start, end in parse_chunks(data):
            if ctype not in (b"iTXt", b"tEXt"):
                continue  # never copy image data
            payload = data[start + 8 : end - 4]
            if ctype == b"iTXt":
                fields = _itxt_fields(payload)
                if fields and fields[0] == XMP_KEYWORD:
                    found += xmp.found_labels(fields[1], "iTXt XML:com.adobe.xmp")
                elif fields and b"AIGC" in fields[0]:
                    found.append(FoundLabel(f"iTXt {fields[0].decode('latin-1')}", fields[1]))
            elif ctype == b"tEXt":
                keyword, _, text = payload.partition(b"\x00")
                if b"AIGC" in keyword:
                    found.append(FoundLabel(f"tEXt {keyword.decode('latin-1')}", text.decode("latin-1")))
        return found

    def write_label(self, data: bytes, label_json: str) -> bytes:
        """Merge the label into the XMP iTXt (or add one after IHDR); drop tEXt/iTXt ``AIGC`` duplicates."""
        chunks = parse_chunks(data)
        out: list[bytes | memoryview] = [SIGNATURE]
        view = memoryview(data)
        written = False
        for ctype, start, end in chunks:
            payload = data[start + 8 : end - 4] if ctype in (b"iTXt", b"tEXt") else b""
            if ctype == b"iTXt":
                fields = _itxt_fields(payload)
                if fields and fields[0] == XMP_KEYWORD and not written:
                    out.append(
                        _chunk(b"iTXt", _itxt_payload(XMP_KEYWORD, xmp.merge_aigc(fields[1], label_json)))
                    )
                    written = True
                    continue
                if fields and fields[0] == b"AIGC":
                    continue  # the alternative form of the label we are replacing: exactly one label per file
            if ctype == b"tEXt" and payload.partition(b"\x00")[0] == b"AIGC":
                continue
            out.append(view[start:end])
        if not written:
            out.insert(2, _chunk(b"iTXt", _itxt_payload(XMP_KEYWORD, xmp.build_packet(label_json))))
        return b"".join(out)
