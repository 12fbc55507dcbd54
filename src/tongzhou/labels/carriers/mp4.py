"""MP4 / MOV: ``moov/udta/meta`` with an ``mdta`` handler, key ``AIGC`` in ``keys`` + ``ilst``.

Carrier per docs/standards/aigc-labeling.md (MP4/MOV row; ffmpeg writes the same layout with
``-movflags use_metadata_tags``). Boxes are edited directly: media data is never remuxed. When
``moov`` precedes ``mdat`` its growth shifts the media, so every ``stco``/``co64`` chunk offset
is moved by the same amount. The content hash covers every top-level box except ``moov``,
``free``/``skip``, ``uuid`` (C2PA) and ``meta``; inside ``moov`` every box except ``udta`` and
``meta``, with chunk offsets taken relative to the first ``mdat`` so they hash the same wherever
the media sits.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from tongzhou.labels.carriers.base import CorruptFileError, FoundLabel

CONTAINERS = frozenset({b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"mvex", b"udta"})
SKIPPED_TOP = frozenset({b"free", b"skip", b"uuid", b"meta", b"moov"})
SKIPPED_IN_MOOV = frozenset({b"udta", b"meta"})
MAX_DEPTH = 12


@dataclass
class Box:
    """One box: type, where it starts, where its payload starts, where it ends."""

    type: bytes
    start: int
    body: int
    end: int


def parse_boxes(data: bytes, start: int, end: int) -> list[Box]:
    """Boxes laid end to end in ``data[start:end]``; CorruptFileError when a size runs past ``end``."""
    boxes: list[Box] = []
    pos = start
    while pos < end:
        if pos + 8 > end:
            raise CorruptFileError(f"MP4 truncated: box header at byte {pos}")
        size, btype = struct.unpack_from(">I4s", data, pos)
        body = pos + 8
        if size == 1:
            if pos + 16 > end:
                raise CorruptFileError(f"MP4 truncated: large box header at byte {pos}")
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            body = pos + 16
        elif size == 0:
            size = end - pos
        if size < body - pos or pos + size > end:
            raise CorruptFileError(
                f"MP4 truncated or corrupt: box {btype!r} at byte {pos} runs past its parent"
            )
        boxes.append(Box(btype, pos, body, pos + size))
        pos += size
    return boxes


def _top(data: bytes) -> tuple[list[Box], Box, int]:
    boxes = parse_boxes(data, 0, len(data))
    if not boxes or boxes[0].type != b"ftyp":
        raise CorruptFileError("not an MP4/MOV file (no ftyp box first)")
    moov = next((b for b in boxes if b.type == b"moov"), None)
    mdat = next((b for b in boxes if b.type == b"mdat"), None)
    if moov is None or mdat is None:
        raise CorruptFileError("MP4 has no moov or mdat box (truncated?)")
    if any(b.type == b"moof" for b in boxes):
        raise CorruptFileError("fragmented MP4 (moof) is not labelled here")
    return boxes, moov, mdat.body


def _hash_moov(digest: hashlib._Hash, data: bytes, box: Box, mdat_body: int, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise CorruptFileError("MP4 boxes nested too deep")
    for child in parse_boxes(data, box.body, box.end):
        if child.type in SKIPPED_IN_MOOV:
            continue
        if child.type in CONTAINERS:
            digest.update(child.type)
            _hash_moov(digest, data, child, mdat_body, depth + 1)
        elif child.type in (b"stco", b"co64"):
            digest.update(child.type)
            for offset in _chunk_offsets(data, child):
                digest.update(struct.pack(">q", offset - mdat_body))
        else:
            digest.update(memoryview(data)[child.start : child.end])


def _chunk_offsets(data: bytes, box: Box) -> list[int]:
    if box.body + 8 > box.end:
        raise CorruptFileError(f"MP4 {box.type!r} box too short")
    (count,) = struct.unpack_from(">I", data, box.body + 4)
    width = 4 if box.type == b"stco" else 8
    if box.body + 8 + count * width > box.end:
        raise CorruptFileError(f"MP4 {box.type!r} entry count runs past the box")
    fmt = f">{count}{'I' if width == 4 else 'Q'}"
    return list(struct.unpack_from(fmt, data, box.body + 8))


def _box(btype: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), btype) + payload


def _mdta_meta(items: list[tuple[bytes, bytes]]) -> bytes:
    """A full ``meta`` box: hdlr mdta, keys, ilst with UTF-8 ``data`` items."""
    hdlr = _box(b"hdlr", b"\x00" * 8 + b"mdta" + b"\x00" * 12 + b"\x00")
    keys = _box(
        b"keys",
        b"\x00\x00\x00\x00"
        + struct.pack(">I", len(items))
        + b"".join(struct.pack(">I", 8 + len(k)) + b"mdta" + k for k, _ in items),
    )
    ilst = _box(
        b"ilst",
        b"".join(
            _box(struct.pack(">I", i + 1), _box(b"data", b"\x00\x00\x00\x01\x00\x00\x00\x00" + v))
            for i, (_, v) in enumerate(items)
        ),
    )
    return _box(b"meta", b"\x00\x00\x00\x00" + hdlr + keys + ilst)


def _read_mdta(data: bytes, meta: Box) -> list[tuple[bytes, bytes]] | None:
    """(key, value) items of an mdta ``meta`` box; None when it is another kind (e.g. iTunes mdir)."""
    # ISO meta is a FullBox (4 bytes version/flags first); Apple's QuickTime meta is not.
    full_box = data[meta.body + 4 : meta.body + 8] != b"hdlr"
    children = parse_boxes(data, meta.body + (4 if full_box else 0), meta.end)
    hdlr = next((c for c in children if c.type == b"hdlr"), None)
    if hdlr is None or data[hdlr.body + 8 : hdlr.body + 12] != b"mdta":
        return None
    keys_box = next((c for c in children if c.type == b"keys"), None)
    ilst = next((c for c in children if c.type == b"ilst"), None)
    keys: list[bytes] = []
    if keys_box is not None:
        pos = keys_box.body + 8
        while pos + 8 <= keys_box.end:
            (size,) = struct.unpack_from(">I", data, pos)
            if size < 8 or pos + size > keys_box.end:
                raise CorruptFileError("MP4 keys box is corrupt")
            keys.append(data[pos + 8 : pos + size])
            pos += size
    values: dict[int, bytes] = {}
    if ilst is not None:
        for item in parse_boxes(data, ilst.body, ilst.end):
            (index,) = struct.unpack(">I", item.type)
            for sub in parse_boxes(data, item.body, item.end):
                if sub.type == b"data":
                    values[index] = data[sub.body + 8 : sub.end]
    return [(k, values.get(i + 1, b"")) for i, k in enumerate(keys)]


def _shift_offsets(
    moov: bytearray, delta: int, start: int = 8, end: int | None = None, depth: int = 0
) -> None:
    """Add ``delta`` to every stco/co64 entry inside a moov box held in ``moov``."""
    data = bytes(moov)
    for child in parse_boxes(data, start, len(data) if end is None else end):
        if child.type in CONTAINERS and depth < MAX_DEPTH:
            _shift_offsets(moov, delta, child.body, child.end, depth + 1)
        elif child.type in (b"stco", b"co64"):
            width = 4 if child.type == b"stco" else 8
            for i, offset in enumerate(_chunk_offsets(data, child)):
                new = offset + delta
                if width == 4 and new > 0xFFFFFFFF:
                    raise CorruptFileError("MP4 chunk offsets would overflow stco (file too large)")
                struct.pack_into(">I" if width == 4 else ">Q", moov, child.body + 8 + i * width, new)


class Mp4Carrier:
    """MP4/MOV: moov/udta/meta mdta key AIGC (GB 45438 carrier table)."""

    name = "mp4"
    method = "mp4-boxes-v1"
    extensions: tuple[str, ...] = (".mp4", ".m4v", ".mov", ".m4a")
    wrapped = False

    def sniff(self, head: bytes) -> bool:
        """An ftyp box first."""
        return head[4:8] == b"ftyp"

    def content_hash(self, data: bytes) -> str:
        """sha256 over media and sample tables, without metadata boxes (see module docstring)."""
        boxes, moov, mdat_body = _top(data)
        digest = hashlib.sha256()
        view = memoryview(data)
        for box in boxes:
            if box.type == b"moov":
                digest.update(b"moov")
                _hash_moov(digest, data, moov, mdat_body)
            elif box.type not in SKIPPED_TOP:
                digest.update(view[box.start : box.end])
        return "sha256:" + digest.hexdigest()

    def read_labels(self, data: bytes) -> list[FoundLabel]:
        """Keys containing AIGC in every mdta meta box of moov/udta (and moov/meta)."""
        _boxes, moov, _ = _top(data)
        found: list[FoundLabel] = []
        for holder in [moov, *[c for c in parse_boxes(data, moov.body, moov.end) if c.type == b"udta"]]:
            for meta in parse_boxes(data, holder.body, holder.end):
                if meta.type == b"meta":
                    for key, value in _read_mdta(data, meta) or []:
                        if b"AIGC" in key:
                            found.append(
                                FoundLabel(
                                    f"moov/{'udta/' if holder is not moov else ''}meta mdta "
                                    f"{key.decode('latin-1')}",
                                    value.decode("utf-8", "replace"),
                                )
                            )
        return found

    def write_label(self, data: bytes, label_json: str) -> bytes:
        """Set key AIGC in moov/udta's mdta meta (created when missing), fixing chunk offsets."""
        boxes, moov, mdat_body = _top(data)
        value = label_json.encode("utf-8")
        children = parse_boxes(data, moov.body, moov.end)
        udta = next((c for c in children if c.type == b"udta"), None)
        new_udta_children: list[bytes] = []
        written = False
        if udta is not None:
            for child in parse_boxes(data, udta.body, udta.end):
                items = _read_mdta(data, child) if child.type == b"meta" else None
                if items is not None and not written:
                    kept = [(k, v) for k, v in items if k != b"AIGC"]
                    new_udta_children.append(_mdta_meta([*kept, (b"AIGC", value)]))
                    written = True
                else:
                    new_udta_children.append(data[child.start : child.end])
        if not written:
            new_udta_children.append(_mdta_meta([(b"AIGC", value)]))
        new_udta = _box(b"udta", b"".join(new_udta_children))
        body = b"".join(data[c.start : c.end] for c in children if c.type != b"udta") + new_udta
        new_moov = bytearray(_box(b"moov", body))
        delta = len(new_moov) - (moov.end - moov.start)
        if moov.start < mdat_body and delta:
            _shift_offsets(new_moov, delta)
        view = memoryview(data)
        return b"".join([view[: moov.start], new_moov, view[moov.end :]])
