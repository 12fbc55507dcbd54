"""MP3: an ID3v2 ``TXXX`` frame with description ``AIGC`` (GB 45438 carrier table, MP3 row).

Tags are written with mutagen (other frames kept; ID3v2.3 stays 2.3). The content hash covers
the MPEG audio between the ID3v2 tag and a trailing ID3v1 tag.
"""

from __future__ import annotations

import hashlib
import io

from tongzhou.labels.carriers.base import CorruptFileError, FoundLabel


def _id3v2_end(data: bytes) -> int:
    if not data.startswith(b"ID3"):
        return 0
    if len(data) < 10:
        raise CorruptFileError("MP3 truncated inside its ID3v2 header")
    size_bytes = data[6:10]
    if any(b & 0x80 for b in size_bytes):
        raise CorruptFileError("MP3 ID3v2 size is not syncsafe (corrupt tag)")
    size = (size_bytes[0] << 21) | (size_bytes[1] << 14) | (size_bytes[2] << 7) | size_bytes[3]
    end = 10 + size + (10 if data[5] & 0x10 else 0)
    if end > len(data):
        raise CorruptFileError("MP3 truncated: ID3v2 tag runs past the end")
    return end


def audio_span(data: bytes) -> tuple[int, int]:
    """(start, end) of the MPEG audio frames."""
    start = _id3v2_end(data)
    end = len(data) - 128 if len(data) - start >= 128 and data[-128:-125] == b"TAG" else len(data)
    if end - start < 4 or data[start] != 0xFF or (data[start + 1] & 0xE0) != 0xE0:
        raise CorruptFileError("MP3 has no MPEG frame sync after its tag (not MP3 audio or truncated)")
    return start, end


class Mp3Carrier:
    """MP3: ID3v2 TXXX:AIGC."""

    name = "mp3"
    method = "mp3-audio-v1"
    extensions: tuple[str, ...] = (".mp3",)
    wrapped = False

    def sniff(self, head: bytes) -> bool:
        """An ID3v2 tag or an MPEG-1/2 Layer III frame sync."""
        return head.startswith(b"ID3") or (len(head) > 2 and head[0] == 0xFF and (head[1] & 0xE6) == 0xE2)

    def content_hash(self, data: bytes) -> str:
        """sha256 of the MPEG audio frames."""
        start, end = audio_span(data)
        return "sha256:" + hashlib.sha256(memoryview(data)[start:end]).hexdigest()

    def read_labels(self, data: bytes) -> list[FoundLabel]:
        """TXXX frames whose description contains AIGC."""
        from mutagen.id3 import ID3, ID3NoHeaderError
        from mutagen.id3._util import error as ID3Error  # noqa: N812

        audio_span(data)
        try:
            tags = ID3(io.BytesIO(data))
        except ID3NoHeaderError:
            return []
        except ID3Error as exc:
            raise CorruptFileError(f"MP3 ID3 tag unreadable: {exc}") from exc
        return [
            FoundLabel(f"ID3v2 TXXX {frame.desc}", str(frame.text[0]) if frame.text else "")
            for frame in tags.getall("TXXX")
            if "AIGC" in frame.desc
        ]

    def write_label(self, data: bytes, label_json: str) -> bytes:
        """Set TXXX:AIGC (replacing an old one), keeping every other frame."""
        from mutagen.id3 import ID3, TXXX, ID3NoHeaderError
        from mutagen.id3._util import error as ID3Error  # noqa: N812

        audio_span(data)
        buffer = io.BytesIO(data)
        try:
            tags = ID3(buffer)
            version = 3 if tags.version[1] == 3 else 4
        except ID3NoHeaderError:
            tags, version = ID3(), 4
        except ID3Error as exc:
            raise CorruptFileError(f"MP3 ID3 tag unreadable: {exc}") from exc
        tags.delall("TXXX:AIGC")
        tags.add(TXXX(encoding=3, desc="AIGC", text=[label_json]))
        buffer.seek(0)
        tags.save(buffer, v2_version=version, padding=lambda info: 0)
        return buffer.getvalue()
