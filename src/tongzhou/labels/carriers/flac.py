"""FLAC: a Vorbis comment ``AIGC`` (GB 45438 carrier table, FLAC/OGG row).

Comments are written with mutagen (other comments and blocks kept). The content hash covers
STREAMINFO and the audio frames after the last metadata block.
"""

from __future__ import annotations

import hashlib
import io
import struct

from tongzhou.labels.carriers.base import CorruptFileError, FoundLabel


def frames_start(data: bytes) -> tuple[int, int]:
    """(offset of STREAMINFO payload, offset of the first audio frame)."""
    pos = 0
    if data.startswith(b"ID3"):
        raise CorruptFileError("FLAC with a leading ID3 tag is not labelled here")
    if not data.startswith(b"fLaC"):
        raise CorruptFileError("not a FLAC file (no fLaC marker)")
    pos, streaminfo = 4, -1
    while True:
        if pos + 4 > len(data):
            raise CorruptFileError("FLAC truncated inside its metadata blocks")
        header = data[pos]
        (length,) = struct.unpack(">I", b"\x00" + data[pos + 1 : pos + 4])
        if streaminfo < 0:
            if header & 0x7F != 0 or length != 34:
                raise CorruptFileError("FLAC does not start with a STREAMINFO block")
            streaminfo = pos + 4
        pos += 4 + length
        if pos > len(data):
            raise CorruptFileError("FLAC truncated: a metadata block runs past the end")
        if header & 0x80:
            break
    if pos + 2 > len(data) or data[pos] != 0xFF or (data[pos + 1] & 0xFC) != 0xF8:
        raise CorruptFileError("FLAC has no audio frame after its metadata (truncated?)")
    return streaminfo, pos


class FlacCarrier:
    """FLAC: Vorbis comment AIGC."""

    name = "flac"
    method = "flac-frames-v1"
    extensions: tuple[str, ...] = (".flac",)
    wrapped = False

    def sniff(self, head: bytes) -> bool:
        """fLaC marker."""
        return head.startswith(b"fLaC")

    def content_hash(self, data: bytes) -> str:
        """sha256 of STREAMINFO + audio frames."""
        info, start = frames_start(data)
        digest = hashlib.sha256(memoryview(data)[info : info + 34])
        digest.update(memoryview(data)[start:])
        return "sha256:" + digest.hexdigest()

    def _flac(self, data: bytes, buffer: io.BytesIO):  # type: ignore[no-untyped-def]
        from mutagen.flac import FLAC, FLACNoHeaderError, error

        frames_start(data)
        try:
            return FLAC(buffer)
        except (FLACNoHeaderError, error) as exc:
            raise CorruptFileError(f"FLAC metadata unreadable: {exc}") from exc

    def read_labels(self, data: bytes) -> list[FoundLabel]:
        """Vorbis comments whose name contains AIGC."""
        audio = self._flac(data, io.BytesIO(data))
        return [FoundLabel(f"Vorbis comment {k}", v) for k, v in (audio.tags or []) if "AIGC" in k.upper()]

    def write_label(self, data: bytes, label_json: str) -> bytes:
        """Set the AIGC comment (replacing old ones)."""
        buffer = io.BytesIO(data)
        audio = self._flac(data, buffer)
        if audio.tags is None:
            audio.add_tags()
        audio.tags["AIGC"] = [label_json]
        buffer.seek(0)
        audio.save(buffer, padding=lambda info: 0)
        return buffer.getvalue()
