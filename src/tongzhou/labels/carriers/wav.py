"""WAV: a RIFF sub-chunk with ID ``AIGC`` holding the JSON (GB 45438 carrier table, WAV row).

The chunk is appended after the existing chunks (or replaces an earlier ``AIGC`` chunk). The
content hash covers every chunk except metadata ones (AIGC, LIST, id3, bext, iXML, JUNK, PAD,
C2PA): ``fmt `` and ``data`` above all, so samples are bound.
"""

from __future__ import annotations

import hashlib
import struct

from tongzhou.labels.carriers.base import CorruptFileError, FoundLabel

METADATA_CHUNKS = frozenset(
    {b"AIGC", b"LIST", b"id3 ", b"ID3 ", b"bext", b"iXML", b"JUNK", b"PAD ", b"C2PA", b"_PMX"}
)

Chunk = tuple[bytes, int, int]  # (id, start of header, end including pad byte)


def parse_chunks(data: bytes) -> list[Chunk]:
    """The chunks of a RIFF/WAVE file; CorruptFileError on bad header or truncation."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise CorruptFileError("not a WAV file (no RIFF....WAVE header)")
    (riff_size,) = struct.unpack_from("<I", data, 4)
    if riff_size + 8 > len(data):
        raise CorruptFileError(f"WAV truncated: RIFF size {riff_size + 8} > file size {len(data)}")
    end_of_riff = riff_size + 8
    chunks: list[Chunk] = []
    pos = 12
    while pos + 8 <= end_of_riff:
        cid, length = struct.unpack_from("<4sI", data, pos)
        end = pos + 8 + length + (length & 1)
        if pos + 8 + length > end_of_riff:
            raise CorruptFileError(f"WAV truncated: chunk {cid!r} at byte {pos} runs past the end")
        chunks.append((cid, pos, min(end, end_of_riff)))
        pos = end
    kinds = {c[0] for c in chunks}
    if b"fmt " not in kinds or b"data" not in kinds:
        raise CorruptFileError("WAV has no fmt or data chunk")
    return chunks


class WavCarrier:
    """WAV: RIFF chunk AIGC."""

    name = "wav"
    method = "wav-chunks-v1"
    extensions: tuple[str, ...] = (".wav", ".wave")
    wrapped = False

    def sniff(self, head: bytes) -> bool:
        """RIFF....WAVE."""
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"

    def content_hash(self, data: bytes) -> str:
        """sha256 over every non-metadata chunk."""
        digest = hashlib.sha256()
        view = memoryview(data)
        for cid, start, end in parse_chunks(data):
            if cid not in METADATA_CHUNKS:
                digest.update(view[start:end])
        return "sha256:" + digest.hexdigest()

    def read_labels(self, data: bytes) -> list[FoundLabel]:
        """Every AIGC chunk."""
        found = []
        for cid, start, _end in parse_chunks(data):
            if cid == b"AIGC":
                (length,) = struct.unpack_from("<I", data, start + 4)
                value = data[start + 8 : start + 8 + length].rstrip(b"\x00")
                found.append(FoundLabel("RIFF chunk AIGC", value.decode("utf-8", "replace")))
        return found

    def write_label(self, data: bytes, label_json: str) -> bytes:
        """Drop any AIGC chunk, append a new one, fix the RIFF size."""
        chunks = parse_chunks(data)
        view = memoryview(data)
        parts: list[bytes | memoryview] = [view[s:e] for cid, s, e in chunks if cid != b"AIGC"]
        payload = label_json.encode("utf-8")
        parts.append(
            b"AIGC" + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) & 1 else b"")
        )
        body = b"".join(parts)
        return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WAVE" + body
