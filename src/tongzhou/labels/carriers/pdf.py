"""PDF: key ``/AIGC`` in the document information dictionary, written as an incremental update.

Carrier per docs/standards/aigc-labeling.md (PDF row). The original bytes are never rewritten:
an update section is appended (marked by the comment line ``%TC260-AIGC``) with a new Info
dictionary that keeps every existing entry and adds ``/AIGC``. The content hash covers the
file with that section cut out, so any later change (another update that edits pages) breaks
the binding. Relabelling replaces our section when it is the last one.
"""

from __future__ import annotations

import hashlib
import io
import re

from tongzhou.labels.carriers.base import CorruptFileError, FoundLabel

MARKER = b"\n%TC260-AIGC\n"


_SECTION = re.compile(rb"\n%TC260-AIGC\n\d+ 0 obj\n<< .{0,65536}?%%EOF[\r\n]*", re.DOTALL)


def _our_sections(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of every update section we appended (marker line through its %%EOF)."""
    return [m.span() for m in _SECTION.finditer(data)]


def _check_shape(data: bytes) -> None:
    if not data.startswith(b"%PDF-"):
        raise CorruptFileError("not a PDF file (no %PDF- header)")
    tail = data[-2048:]
    if b"%%EOF" not in tail or b"startxref" not in data[-4096:]:
        raise CorruptFileError("PDF truncated: no startxref/%%EOF at the end")


def _reader(data: bytes):  # type: ignore[no-untyped-def]  # pypdf's PdfReader
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise CorruptFileError("encrypted PDFs are not labelled (the Info dictionary would be encrypted)")
        _ = reader.trailer["/Root"]
        return reader
    except CorruptFileError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise CorruptFileError(f"PDF cannot be parsed: {exc}") from exc


def _pdf_string(text: str) -> bytes:
    raw = text.encode("latin-1", "strict") if text.isascii() else None
    if raw is None:  # UTF-16BE with BOM for non-ASCII text strings (PDF 32000-1 §7.9.2.2)
        return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _serialise(value: object) -> bytes:
    from pypdf.generic import PdfObject

    out = io.BytesIO()
    if isinstance(value, PdfObject):
        value.write_to_stream(out)
        return out.getvalue()
    return _pdf_string(str(value))


class PdfCarrier:
    """PDF: Info dictionary /AIGC (GB 45438 carrier table)."""

    name = "pdf"
    method = "pdf-incremental-v1"
    extensions: tuple[str, ...] = (".pdf",)
    wrapped = False

    def sniff(self, head: bytes) -> bool:
        """%PDF- header."""
        return head.startswith(b"%PDF-")

    def content_hash(self, data: bytes) -> str:
        """sha256 of the file without our label update section."""
        _check_shape(data)
        digest = hashlib.sha256()
        view = memoryview(data)
        pos = 0
        for start, end in _our_sections(data):
            digest.update(view[pos:start])
            pos = end
        digest.update(view[pos:])
        return "sha256:" + digest.hexdigest()

    def read_labels(self, data: bytes) -> list[FoundLabel]:
        """``/AIGC`` (and any key containing AIGC) in the current Info dictionary."""
        _check_shape(data)
        reader = _reader(data)
        try:
            info = reader.metadata or {}
        except Exception as exc:  # noqa: BLE001 — pypdf raises many types on hostile input
            raise CorruptFileError(f"PDF Info dictionary cannot be read: {exc}") from exc
        return [FoundLabel(f"Info {key}", str(value)) for key, value in info.items() if "AIGC" in str(key)]

    def write_label(self, data: bytes, label_json: str) -> bytes:
        """Append an update section whose Info dictionary is the old one plus /AIGC."""
        _check_shape(data)
        sections = _our_sections(data)
        if sections and sections[-1][1] == len(data):
            data = data[: sections[-1][0]]  # our label is the last update: replace it (one label per file)
        reader = _reader(data)
        trailer = reader.trailer
        try:
            old_info = reader.metadata or {}
            size = int(trailer["/Size"])
            root = trailer.raw_get("/Root")
            prev = int(data[data.rfind(b"startxref") + 9 :].split()[0])
        except Exception as exc:  # noqa: BLE001
            raise CorruptFileError(f"PDF trailer cannot be read: {exc}") from exc
        entries = b"".join(
            b"/" + str(key).lstrip("/").encode("latin-1") + b" " + _serialise(value) + b" "
            for key, value in old_info.items()
            if "AIGC" not in str(key)
        )
        entries += b"/AIGC " + _pdf_string(label_json)
        root_ref = f"{root.idnum} {root.generation} R".encode()
        ids = trailer.get("/ID")
        id_entry = b" /ID " + _serialise(ids) if ids is not None else b""
        # Reuse the Info object's number (a new revision of the same object), so readers see one Info.
        info_ref = trailer.raw_get("/Info") if "/Info" in trailer else None
        info_num, info_gen = size, 0
        if info_ref is not None and hasattr(info_ref, "idnum"):
            info_num, info_gen = int(info_ref.idnum), int(info_ref.generation)
        new_size = size + 1 if info_num == size else size
        out = bytearray(data)
        out += MARKER
        info_offset = len(out)
        out += f"{info_num} {info_gen} obj\n<< ".encode() + entries + b" >>\nendobj\n"
        uses_xref_stream = b"/XRef" in data[prev : prev + 512] if 0 <= prev < len(data) else False
        xref_offset = len(out)
        info_tail = f" /Info {info_num} {info_gen} R /Prev {prev}".encode() + id_entry
        if uses_xref_stream:
            xref_num = new_size
            rows = b"\x01" + info_offset.to_bytes(4, "big") + info_gen.to_bytes(2, "big")
            rows += b"\x01" + xref_offset.to_bytes(4, "big") + b"\x00\x00"
            out += (
                f"{xref_num} 0 obj\n<< /Type /XRef /Size {xref_num + 1} /W [1 4 2] "
                f"/Index [{info_num} 1 {xref_num} 1] /Root ".encode()
                + root_ref
                + info_tail
                + f" /Length {len(rows)} >>\nstream\n".encode()
                + rows
                + b"\nendstream\nendobj\n"
            )
        else:
            out += f"xref\n{info_num} 1\n{info_offset:010d} {info_gen:05d} n \ntrailer\n".encode()
            out += f"<< /Size {new_size} /Root ".encode() + root_ref + info_tail + b" >>\n"
        out += f"startxref\n{xref_offset}\n%%EOF\n".encode()
        return bytes(out)
