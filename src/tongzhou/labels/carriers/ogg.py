"""OGG Vorbis / Opus: a Vorbis comment ``AIGC`` (GB 45438 carrier table, FLAC/OGG row).

Comments are written with mutagen, which rewrites the header pages and renumbers later pages
(sequence numbers and CRCs change; packets do not). The content hash therefore covers packets:
every packet except the comment header, plus the granule position of each page after the
headers. Chained or multiplexed streams (more than one serial number) are refused.
"""

from __future__ import annotations

import hashlib
import io
import struct

from tongzhou.labels.carriers.base import CorruptFileError, FoundLabel

Page = tuple[int, int, bytes, list[int], int]  # (flags, granule, serial bytes, lacing, payload offset)


def parse_pages(data: bytes) -> list[Page]:
    """The pages of a single-stream Ogg file; CorruptFileError on bad capture pattern or truncation."""
    pages: list[Page] = []
    pos, serial = 0, None
    while pos < len(data):
        if data[pos : pos + 4] != b"OggS":
            raise CorruptFileError(f"OGG corrupt: no page capture pattern at byte {pos}")
        if pos + 27 > len(data):
            raise CorruptFileError("OGG truncated inside a page header")
        flags, granule, page_serial, count = (
            data[pos + 5],
            *struct.unpack_from("<qI", data, pos + 6),
            data[pos + 26],
        )
        if serial is None:
            serial = page_serial
        elif page_serial != serial:
            raise CorruptFileError(
                "OGG with several logical streams (chained or multiplexed) is not labelled here"
            )
        lacing = list(data[pos + 27 : pos + 27 + count])
        body = pos + 27 + count
        end = body + sum(lacing)
        if len(lacing) != count or end > len(data):
            raise CorruptFileError(f"OGG truncated: page at byte {pos} runs past the end")
        pages.append((flags, granule, data[pos + 14 : pos + 18], lacing, body))
        pos = end
    if not pages:
        raise CorruptFileError("empty OGG file")
    return pages


def _codec(data: bytes, pages: list[Page]) -> tuple[str, int]:
    """("vorbis"|"opus", number of header packets)."""
    first = data[pages[0][4] : pages[0][4] + 8]
    if first[:7] == b"\x01vorbis":
        return "vorbis", 3
    if first == b"OpusHead":
        return "opus", 2
    raise CorruptFileError("OGG stream is neither Vorbis nor Opus")


class OggCarrier:
    """OGG Vorbis/Opus: Vorbis comment AIGC."""

    name = "ogg"
    method = "ogg-packets-v1"
    extensions: tuple[str, ...] = (".ogg", ".oga", ".opus")
    wrapped = False

    def sniff(self, head: bytes) -> bool:
        """OggS capture pattern."""
        return head.startswith(b"OggS")

    def content_hash(self, data: bytes) -> str:
        """sha256 over every packet except the comment header, and the granules of audio pages."""
        pages = parse_pages(data)
        _codec_name, headers = _codec(data, pages)
        digest = hashlib.sha256()
        packet_index = 0
        view = memoryview(data)
        for _flags, granule, _serial, lacing, body in pages:
            if packet_index >= headers:  # an audio page: its granule position is content too
                digest.update(struct.pack("<q", granule))
            offset = body
            for value in lacing:
                if packet_index != 1:  # packet 1 is the comment header (Vorbis and Opus alike)
                    digest.update(view[offset : offset + value])
                offset += value
                if value < 255:
                    packet_index += 1
                    digest.update(b"\x00")  # packet boundary
        if packet_index <= headers:
            raise CorruptFileError("OGG truncated: no audio packets after the headers")
        return "sha256:" + digest.hexdigest()

    def _file(self, data: bytes, buffer: io.BytesIO):  # type: ignore[no-untyped-def]
        from mutagen.oggopus import OggOpus
        from mutagen.oggvorbis import OggVorbis

        codec, _ = _codec(data, parse_pages(data))
        try:
            return (OggVorbis if codec == "vorbis" else OggOpus)(buffer)
        except Exception as exc:  # noqa: BLE001 — mutagen raises per-format error types
            raise CorruptFileError(f"OGG comments unreadable: {exc}") from exc

    def read_labels(self, data: bytes) -> list[FoundLabel]:
        """Vorbis comments whose name contains AIGC."""
        audio = self._file(data, io.BytesIO(data))
        return [FoundLabel(f"Vorbis comment {k}", v) for k, v in (audio.tags or []) if "AIGC" in k.upper()]

    def write_label(self, data: bytes, label_json: str) -> bytes:
        """Set the AIGC comment (replacing old ones), keeping the others."""
        buffer = io.BytesIO(data)
        audio = self._file(data, buffer)
        audio.tags["AIGC"] = [label_json]
        buffer.seek(0)
        audio.save(buffer, padding=lambda info: 0)
        return buffer.getvalue()
