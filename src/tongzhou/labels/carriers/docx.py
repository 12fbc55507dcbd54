"""DOCX / XLSX / PPTX: custom property ``AIGC`` (``vt:lpwstr``, no wrapper) in ``docProps/custom.xml``.

Carrier per docs/standards/aigc-labeling.md (DOCX/XLSX/PPTX row). Existing custom properties
are kept; the part is registered in ``[Content_Types].xml`` and ``_rels/.rels`` when new. The
content hash covers every ZIP member (name + bytes) except docProps/*, [Content_Types].xml and
_rels/.rels. Zip-bomb limits: member count and total uncompressed size.
"""

from __future__ import annotations

import hashlib
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from xml.sax.saxutils import escape

from tongzhou.labels.carriers.base import CorruptFileError, FoundLabel

CUSTOM = "docProps/custom.xml"
CP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
CT_CUSTOM = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
MAX_MEMBERS = 10_000
MAX_UNCOMPRESSED = 1 << 30
MAX_RATIO = 200
"""Zip-bomb bounds (ours, not from a standard)."""
UNHASHED = ("docProps/", "[Content_Types].xml", "_rels/.rels")


def _open(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise CorruptFileError(f"not an Office Open XML (ZIP) file or truncated: {exc}") from exc
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise CorruptFileError(f"ZIP has more than {MAX_MEMBERS} members (zip bomb?)")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED or total > MAX_RATIO * max(len(data), 1):
        raise CorruptFileError("ZIP expands too much (zip bomb?): refused")
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "_rels/.rels" not in names:
        raise CorruptFileError(
            "ZIP is not an Office Open XML package (no [Content_Types].xml or _rels/.rels)"
        )
    return archive


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise CorruptFileError(f"ZIP member {name} is corrupt: {exc}") from exc


def _xml(data: bytes, name: str) -> ET.Element:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise CorruptFileError(f"{name} contains a DOCTYPE/ENTITY declaration: refused")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise CorruptFileError(f"{name} is not well-formed XML: {exc}") from exc


ET.register_namespace("vt", VT_NS)


def _property_xml(prop: ET.Element) -> str:
    """One kept ``property`` element, re-serialised with the document's prefixes."""
    attrs = "".join(f' {k}="{escape(v, {chr(34): "&quot;"})}"' for k, v in prop.attrib.items())
    inner = []
    for child in prop:
        local = child.tag.rpartition("}")[2]
        if len(child) == 0 and child.tag.startswith(f"{{{VT_NS}}}"):
            inner.append(f"<vt:{local}>{escape(child.text or '')}</vt:{local}>")
        else:  # vectors and other structures: ElementTree declares their namespaces inline
            inner.append(ET.tostring(child, encoding="unicode"))
    return f"<property{attrs}>{''.join(inner)}</property>"


def _custom_xml(existing: bytes | None, label_json: str) -> bytes:
    props: list[str] = []
    pid = 2
    if existing is not None:
        root = _xml(existing, CUSTOM)
        for prop in root.findall(f"{{{CP_NS}}}property"):
            if prop.get("name") == "AIGC":
                continue
            props.append(_property_xml(prop))
            pid = max(pid, int(prop.get("pid", "1")) + 1)
    value = f"<vt:lpwstr>{escape(label_json)}</vt:lpwstr>"
    props.append(f'<property fmtid="{FMTID}" pid="{pid}" name="AIGC">{value}</property>')
    body = "".join(props)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Properties xmlns="{CP_NS}" xmlns:vt="{VT_NS}">{body}</Properties>'
    ).encode()


def _with_override(content_types: bytes) -> bytes:
    if b"/docProps/custom.xml" in content_types:
        return content_types
    tag = f'<Override PartName="/docProps/custom.xml" ContentType="{CT_CUSTOM}"/>'.encode()
    return content_types.replace(b"</Types>", tag + b"</Types>")


def _with_relationship(rels: bytes) -> bytes:
    if REL_TYPE.encode() in rels:
        return rels
    ids = {int(n) for n in re.findall(rb'Id="rId(\d+)"', rels)}
    new_id = max(ids, default=0) + 1
    tag = f'<Relationship Id="rId{new_id}" Type="{REL_TYPE}" Target="docProps/custom.xml"/>'.encode()
    return rels.replace(b"</Relationships>", tag + b"</Relationships>")


class DocxCarrier:
    """DOCX/XLSX/PPTX: docProps/custom.xml property AIGC."""

    name = "docx"
    method = "ooxml-parts-v1"
    extensions: tuple[str, ...] = (".docx", ".xlsx", ".pptx")
    wrapped = False

    def sniff(self, head: bytes) -> bool:
        """ZIP has no format-specific magic: decided by extension."""
        return False

    def content_hash(self, data: bytes) -> str:
        """sha256 over (name, sha256(bytes)) of every content member, sorted by name."""
        archive = _open(data)
        digest = hashlib.sha256()
        for name in sorted(i.filename for i in archive.infolist()):
            if name.startswith(UNHASHED):
                continue
            digest.update(name.encode("utf-8") + b"\x00" + hashlib.sha256(_read(archive, name)).digest())
        return "sha256:" + digest.hexdigest()

    def read_labels(self, data: bytes) -> list[FoundLabel]:
        """Custom properties whose name contains AIGC."""
        archive = _open(data)
        if CUSTOM not in archive.namelist():
            return []
        root = _xml(_read(archive, CUSTOM), CUSTOM)
        found = []
        for prop in root.findall(f"{{{CP_NS}}}property"):
            if "AIGC" in (prop.get("name") or ""):
                value = "".join(prop.itertext()).strip()
                found.append(FoundLabel(f"docProps/custom.xml {prop.get('name')}", value))
        return found

    def write_label(self, data: bytes, label_json: str) -> bytes:
        """Rewrite the package with the AIGC custom property; every other member is copied."""
        archive = _open(data)
        names = archive.namelist()
        existing = _read(archive, CUSTOM) if CUSTOM in names else None
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for info in archive.infolist():
                content = _read(archive, info.filename)
                if info.filename == CUSTOM:
                    content = _custom_xml(existing, label_json)
                elif info.filename == "[Content_Types].xml":
                    content = _with_override(content)
                elif info.filename == "_rels/.rels":
                    content = _with_relationship(content)
                target.writestr(info, content, compress_type=info.compress_type)
            if existing is None:
                target.writestr(CUSTOM, _custom_xml(None, label_json), compress_type=zipfile.ZIP_DEFLATED)
        return out.getvalue()
