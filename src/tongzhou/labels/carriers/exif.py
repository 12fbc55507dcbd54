"""EXIF UserComment (0x9286): the alternative JPEG form {"AIGC": {...}} (read, and cleared on relabel).

Source: docs/standards/aigc-labeling.md (JPEG row: "alternative: EXIF UserComment (0x9286)
holding {"AIGC":{...}}"). Only located and read here; we write the XMP form.
"""

from __future__ import annotations

import struct

USER_COMMENT = 0x9286
EXIF_IFD = 0x8769
_CHARSETS = {b"ASCII\x00\x00\x00": "ascii", b"UNICODE\x00": "utf-16", b"\x00" * 8: "ascii"}


def user_comment_span(tiff: bytes) -> tuple[int, int] | None:
    """(start, end) of the UserComment value inside a TIFF/EXIF block, or None (also when malformed)."""
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        return None
    endian = "<" if tiff[:2] == b"II" else ">"

    def entries(offset: int) -> list[tuple[int, int, int, int]]:
        if offset <= 0 or offset + 2 > len(tiff):
            return []
        (count,) = struct.unpack_from(endian + "H", tiff, offset)
        if offset + 2 + 12 * count > len(tiff) or count > 1000:
            return []
        return [struct.unpack_from(endian + "HHII", tiff, offset + 2 + 12 * i) for i in range(count)]

    (ifd0,) = struct.unpack_from(endian + "I", tiff, 4)
    exif_offset = next((value for tag, _t, _c, value in entries(ifd0) if tag == EXIF_IFD), 0)
    for tag, _type, count, value in entries(exif_offset):
        if tag == USER_COMMENT and count > 8:
            start = value if count > 4 else 0
            if start > 0 and start + count <= len(tiff):
                return start, start + count
    return None


def decode_user_comment(raw: bytes) -> str:
    """The text of a UserComment value (8-byte charset prefix, then the text)."""
    charset = _CHARSETS.get(raw[:8], "ascii")
    if charset == "utf-16":
        return raw[8:].decode("utf-16-be" if raw[8:10] != b"\xff\xfe" else "utf-16", "replace").strip("\x00 ")
    return raw[8:].decode("utf-8", "replace").strip("\x00 ")
