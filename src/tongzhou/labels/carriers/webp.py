"""WebP: the ``XMP `` RIFF chunk (with the VP8X XMP flag) holding the TC260 XMP.

Carrier per docs/standards/aigc-labeling.md (WebP row). A simple (VP8/VP8L-only) file gets a
VP8X header built from its bitstream size. The content hash covers every chunk except VP8X
(its flags change), ``XMP ``, ``EXIF`` and ``C2PA``.
"""

from __future__ import annotations

import hashlib
import struct

from tongzhou.labels import xmp
from tongzhou.labels.carriers.base import CorruptFileError, FoundLabel

METADATA_CHUNKS = frozenset({b"VP8X", b"XMP ", b"EXIF", b"C2PA"})
XMP_FLAG, ALPHA_FLAG = 0x04, 0x10
MAX_PIXELS = 1 << 30

Chunk = tuple[bytes, int, int]  # (fourcc, start of header, end including pad byte)


def parse_chunks(data: bytes) -> list[Chunk]:
    """The RIFF chunks; CorruptFileError when the header, sizes or padding do not add up."""
    if len(data) < 20 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise CorruptFileError("not a WebP file (no RIFF....WEBP header)")
    (riff_size,) = struct.unpack_from("<I", data, 4)
    if riff_size + 8 != len(data):
        raise CorruptFileError(
            f"WebP truncated or padded: RIFF size {riff_size + 8} != file size {len(data)}"
        )
    chunks: list[Chunk] = []
    pos = 12
    while pos < len(data):
        if pos + 8 > len(data):
            raise CorruptFileError(f"WebP truncated at byte {pos}")
        fourcc, length = struct.unpack_from("<4sI", data, pos)
        end = pos + 8 + length + (length & 1)
        if end > len(data):
            raise CorruptFileError(f"WebP truncated: chunk {fourcc!r} at byte {pos} runs past the end")
        chunks.append((fourcc, pos, end))
        pos = end
    kinds = {c[0] for c in chunks}
    if not kinds & {b"VP8 ", b"VP8L", b"ANMF"}:
        raise CorruptFileError("WebP has no image data chunk")
    return chunks


def _canvas(data: bytes, chunks: list[Chunk]) -> tuple[int, int, bool]:
    """(width, height, has_alpha) of a simple-format WebP from its bitstream header."""
    fourcc, start, _end = next(c for c in chunks if c[0] in (b"VP8 ", b"VP8L"))
    body = data[start + 8 : start + 8 + 10]
    if fourcc == b"VP8 ":
        if len(body) < 10 or body[3:6] != b"\x9d\x01\x2a":
            raise CorruptFileError("WebP VP8 bitstream lacks its start code")
        width, height = struct.unpack_from("<HH", body, 6)
        return width & 0x3FFF, height & 0x3FFF, any(c[0] == b"ALPH" for c in chunks)
    if len(body) < 5 or body[0] != 0x2F:
        raise CorruptFileError("WebP VP8L bitstream lacks its signature")
    (bits,) = struct.unpack_from("<I", body, 1)
    return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, bool((bits >> 28) & 1)


def _chunk(fourcc: bytes, payload: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) & 1 else b"")


class WebpCarrier:
    """WebP: XMP chunk (GB 45438 carrier table)."""

    name = "webp"
    method = "webp-chunks-v1"
    extensions: tuple[str, ...] = (".webp",)
    wrapped = False

    def sniff(self, head: bytes) -> bool:
        """RIFF....WEBP."""
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"

    def content_hash(self, data: bytes) -> str:
        """sha256 over every non-metadata chunk (header + payload)."""
        chunks = parse_chunks(data)
        if not any(c[0] == b"VP8X" for c in chunks):
            width, height, _ = _canvas(data, chunks)
            if width * height > MAX_PIXELS:
                raise CorruptFileError(f"WebP {width}x{height} refused: over the pixel limit")
        digest = hashlib.sha256()
        view = memoryview(data)
        for fourcc, start, end in chunks:
            if fourcc not in METADATA_CHUNKS:
                digest.update(view[start:end])
        return "sha256:" + digest.hexdigest()

    def read_labels(self, data: bytes) -> list[FoundLabel]:
        """TC260:AIGC in the XMP chunk."""
        found: list[FoundLabel] = []
        for fourcc, start, _end in parse_chunks(data):
            if fourcc == b"XMP ":
                (length,) = struct.unpack_from("<I", data, start + 4)
                packet = data[start + 8 : start + 8 + length].decode("utf-8", "replace")
                found += xmp.found_labels(packet, "XMP chunk")
        return found

    def write_label(self, data: bytes, label_json: str) -> bytes:
        """Merge into the XMP chunk or append one; set (or add) the VP8X XMP flag."""
        chunks = parse_chunks(data)
        view = memoryview(data)
        parts: list[bytes | memoryview] = []
        written = False
        has_vp8x = any(c[0] == b"VP8X" for c in chunks)
        if not has_vp8x:
            width, height, alpha = _canvas(data, chunks)
            flags = XMP_FLAG | (ALPHA_FLAG if alpha else 0)
            parts.append(
                _chunk(
                    b"VP8X",
                    bytes([flags, 0, 0, 0])
                    + (width - 1).to_bytes(3, "little")
                    + (height - 1).to_bytes(3, "little"),
                )
            )
        for fourcc, start, end in chunks:
            if fourcc == b"VP8X":
                header = bytearray(data[start:end])
                header[8] |= XMP_FLAG
                parts.append(bytes(header))
            elif fourcc == b"XMP " and not written:
                (length,) = struct.unpack_from("<I", data, start + 4)
                packet = data[start + 8 : start + 8 + length].decode("utf-8", "replace")
                parts.append(_chunk(b"XMP ", xmp.merge_aigc(packet, label_json).encode("utf-8")))
                written = True
            else:
                parts.append(view[start:end])
        if not written:
            # XMP goes after the image data and EXIF (WebP container spec chunk order), before C2PA.
            c2pa_index = next((i for i, p in enumerate(parts) if bytes(p[:4]) == b"C2PA"), len(parts))
            parts.insert(c2pa_index, _chunk(b"XMP ", xmp.build_packet(label_json).encode("utf-8")))
        body = b"".join(parts)
        return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body
