"""JPEG: XMP in APP1 (``http://ns.adobe.com/xap/1.0/``) holding the TC260 property.

Carrier per docs/standards/aigc-labeling.md (JPEG row; the alternative EXIF UserComment form
is not written). The entropy-coded data is never decoded. The content hash covers every marker
segment except APP0-APP15 and COM (metadata, including C2PA's APP11), then everything from the
first SOS to the end of the file.
"""

from __future__ import annotations

import hashlib
import struct

from tongzhou.labels import xmp
from tongzhou.labels.carriers.base import CorruptFileError, FoundLabel
from tongzhou.labels.carriers.exif import decode_user_comment, user_comment_span

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
MAX_SEGMENT_PAYLOAD = 65533
MAX_PIXELS = 1 << 30
"""Refuse images larger than this many pixels (decompression-bomb bound; not from a standard)."""

Segment = tuple[int, int, int]  # (marker, start offset of 0xFF, end offset)
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def parse_segments(data: bytes) -> tuple[list[Segment], int]:
    """Header segments up to the first SOS, and the offset of that SOS."""
    if not data.startswith(b"\xff\xd8"):
        raise CorruptFileError("not a JPEG file (no SOI marker)")
    segments: list[Segment] = []
    pos, size = 2, len(data)
    frame_seen = False
    while True:
        if pos + 4 > size:
            raise CorruptFileError(f"JPEG truncated at byte {pos} (no start of scan)")
        if data[pos] != 0xFF:
            raise CorruptFileError(f"JPEG corrupt: expected a marker at byte {pos}")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:
            break
        if marker in (0xD8, 0xD9) or 0xD0 <= marker <= 0xD7:
            raise CorruptFileError(f"JPEG corrupt: unexpected marker 0xFF{marker:02X} at byte {pos}")
        (length,) = struct.unpack_from(">H", data, pos + 2)
        end = pos + 2 + length
        if length < 2 or end > size:
            raise CorruptFileError(
                f"JPEG truncated: segment 0xFF{marker:02X} at byte {pos} runs past the end"
            )
        if marker in _SOF:
            if length < 8:
                raise CorruptFileError("JPEG corrupt: short SOF segment")
            height, width = struct.unpack_from(">HH", data, pos + 5)
            if width * height > MAX_PIXELS:
                raise CorruptFileError(f"JPEG {width}x{height} refused: over the {MAX_PIXELS}-pixel limit")
            frame_seen = True
        segments.append((marker, pos, end))
        pos = end
    if not frame_seen:
        raise CorruptFileError("JPEG corrupt: no frame header (SOF) before the scan")
    if data.rfind(b"\xff\xd9", pos) < 0:
        raise CorruptFileError("JPEG truncated: no end-of-image marker after the scan")
    return segments, pos


def _exif_aigc(data: bytes, marker: int, start: int, end: int) -> tuple[int, int] | None:
    """Absolute (start, end) of the AIGC JSON text in an EXIF UserComment, if this segment has one."""
    if marker != 0xE1 or not data.startswith(b"Exif\x00\x00", start + 4):
        return None
    tiff_start = start + 10
    span = user_comment_span(data[tiff_start:end])
    if span is None:
        return None
    raw = data[tiff_start + span[0] : tiff_start + span[1]]
    text = decode_user_comment(raw)
    if "AIGC" not in text or raw[:8] not in (b"ASCII\x00\x00\x00", b"\x00" * 8):
        return None
    first = raw.index(b"{", 8) if b"{" in raw[8:] else 8
    last = raw.rindex(b"}") + 1 if b"}" in raw else len(raw)
    return tiff_start + span[0] + first, tiff_start + span[0] + last


def _is_metadata(marker: int) -> bool:
    return 0xE0 <= marker <= 0xEF or marker == 0xFE


class JpegCarrier:
    """JPEG: XMP in APP1 (GB 45438 carrier table)."""

    name = "jpeg"
    method = "jpeg-segments-v1"
    extensions: tuple[str, ...] = (".jpg", ".jpeg", ".jpe", ".jfif")
    wrapped = False

    def sniff(self, head: bytes) -> bool:
        """SOI marker followed by another marker."""
        return head[:3] == b"\xff\xd8\xff"

    def content_hash(self, data: bytes) -> str:
        """sha256 over non-APPn/COM header segments, then SOS to end of file."""
        segments, sos = parse_segments(data)
        digest = hashlib.sha256()
        view = memoryview(data)
        for marker, start, end in segments:
            if not _is_metadata(marker):
                digest.update(view[start:end])
        digest.update(view[sos:])
        return "sha256:" + digest.hexdigest()

    def read_labels(self, data: bytes) -> list[FoundLabel]:
        """TC260:AIGC in every XMP APP1 segment."""
        segments, _ = parse_segments(data)
        found: list[FoundLabel] = []
        for marker, start, end in segments:
            comment = _exif_aigc(data, marker, start, end)
            if comment is not None:
                found.append(
                    FoundLabel(
                        "EXIF UserComment (APP1)", data[comment[0] : comment[1]].decode("utf-8", "replace")
                    )
                )
            if marker == 0xE1 and data.startswith(XMP_HEADER, start + 4):
                packet = data[start + 4 + len(XMP_HEADER) : end].decode("utf-8", "replace")
                found += xmp.found_labels(packet, "APP1")
        return found

    def write_label(self, data: bytes, label_json: str) -> bytes:
        """Merge into the existing XMP APP1, or insert one after the leading APP0/APP1(Exif) segments."""
        segments, _ = parse_segments(data)
        for marker, start, end in segments:
            comment = _exif_aigc(data, marker, start, end)
            if comment is not None:  # the alternative form of the label we replace: one label per file
                data = data[: comment[0]] + b" " * (comment[1] - comment[0]) + data[comment[1] :]
        view = memoryview(data)
        existing = next((s for s in segments if s[0] == 0xE1 and data.startswith(XMP_HEADER, s[1] + 4)), None)
        if existing is not None:
            packet = data[existing[1] + 4 + len(XMP_HEADER) : existing[2]].decode("utf-8", "replace")
            new = self._segment(xmp.merge_aigc(packet, label_json))
            return b"".join((view[: existing[1]], new, view[existing[2] :]))
        insert_at = 2
        for marker, _start, end in segments:
            if marker in (0xE0, 0xE1):
                insert_at = end
            else:
                break
        return b"".join((view[:insert_at], self._segment(xmp.build_packet(label_json)), view[insert_at:]))

    @staticmethod
    def _segment(packet: str) -> bytes:
        payload = XMP_HEADER + packet.encode("utf-8")
        if len(payload) > MAX_SEGMENT_PAYLOAD:
            raise CorruptFileError("XMP packet too large for one APP1 segment (extended XMP is not written)")
        return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
