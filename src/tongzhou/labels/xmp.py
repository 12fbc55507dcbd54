"""The shared XMP form: namespace http://www.tc260.org.cn/ns/AIGC/1.0/, prefix TC260, property AIGC.

Source: docs/standards/aigc-labeling.md (XMP row of the carrier table): merge into existing XMP,
never overwrite it. Known defects we avoid: the ``TC260`` prefix bound to another URI, and the
label written into ``XMP-dc`` instead of the TC260 namespace.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from tongzhou.labels.carriers.base import CorruptFileError, FoundLabel

TC260_NS = "http://www.tc260.org.cn/ns/AIGC/1.0/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
WRONG_NAMESPACE = "[not the TC260 namespace]"
"""Marks a found label written under another namespace URI (a defect of some open implementations)."""
MAX_XMP_BYTES = 4 * 1024 * 1024
"""Our bound on an XMP packet we parse (not from a standard)."""

_DESCRIPTION = (
    '<rdf:Description rdf:about="" xmlns:TC260="' + TC260_NS + '">'
    "<TC260:AIGC>{value}</TC260:AIGC></rdf:Description>"
)
# Our own element (or attribute) in any prefix bound to the TC260 namespace is replaced on rewrite.
_OWN_DESCRIPTION = re.compile(
    r'<rdf:Description rdf:about="" xmlns:TC260="' + re.escape(TC260_NS) + r'">'
    r"<TC260:AIGC>[^<]*</TC260:AIGC></rdf:Description>"
)


def build_packet(label_json: str) -> str:
    """A complete XMP packet holding only the AIGC property."""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="'
        + RDF_NS
        + '">'
        + _DESCRIPTION.format(value=escape(label_json))
        + '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )


def _parse(xmp: str) -> ET.Element:
    if len(xmp) > MAX_XMP_BYTES:
        raise CorruptFileError(f"XMP packet larger than {MAX_XMP_BYTES} bytes")
    # DOCTYPE/ENTITY declarations have no place in XMP and are the vehicle of entity-expansion attacks.
    if "<!DOCTYPE" in xmp or "<!ENTITY" in xmp:
        raise CorruptFileError("XMP packet contains a DOCTYPE/ENTITY declaration: refused")
    start = xmp.find("<x:xmpmeta")
    if start < 0:
        start = xmp.find("<rdf:RDF")
    end_tag = "</x:xmpmeta>" if xmp.startswith("<x:xmpmeta", max(start, 0)) else "</rdf:RDF>"
    end = xmp.rfind(end_tag)
    if start < 0 or end < 0:
        raise CorruptFileError("existing XMP has no x:xmpmeta / rdf:RDF element")
    try:
        return ET.fromstring(xmp[start : end + len(end_tag)])
    except ET.ParseError as exc:
        raise CorruptFileError(f"existing XMP is not well-formed XML: {exc}") from exc


def read_aigc_properties(xmp: str) -> list[tuple[str, str]]:
    """(namespace URI, value) of every property named ``AIGC`` (element or attribute), any namespace."""
    root = _parse(xmp)
    found: list[tuple[str, str]] = []
    for element in root.iter():
        namespace, _, local = element.tag.rpartition("}")
        if local == "AIGC" and namespace:
            found.append((namespace[1:], "".join(element.itertext()).strip()))
        for key, value in element.attrib.items():
            namespace, _, local = key.rpartition("}")
            if local == "AIGC" and namespace:
                found.append((namespace[1:], value))
    return found


def read_aigc(xmp: str) -> list[str]:
    """Every ``TC260:AIGC`` value in the namespace TC260 defines."""
    return [value for namespace, value in read_aigc_properties(xmp) if namespace == TC260_NS]


def found_labels(xmp: str, where: str) -> list[FoundLabel]:
    """Labels in an XMP packet; one in another namespace is reported as such (a known defect)."""
    return [
        FoundLabel(
            f"XMP TC260:AIGC ({where})"
            if namespace == TC260_NS
            else f"XMP {{{namespace}}}AIGC ({where}) {WRONG_NAMESPACE}",
            value,
        )
        for namespace, value in read_aigc_properties(xmp)
    ]


def wrong_namespace(xmp: str) -> str | None:
    """The URI the ``TC260`` prefix is bound to when it is not the TC260 namespace (a known defect)."""
    match = re.search(r'xmlns:TC260\s*=\s*["\']([^"\']*)["\']', xmp)
    if match and match.group(1) != TC260_NS:
        return match.group(1)
    return None


def merge_aigc(xmp: str, label_json: str) -> str:
    """``xmp`` with the AIGC property set; everything else in it is kept."""
    own = _OWN_DESCRIPTION.findall(xmp)
    others = read_aigc_properties(xmp)
    if len(others) > len(own):
        # An AIGC property written by another tool (right or wrong namespace) inside a shared
        # rdf:Description: remove just that property, so the file ends with exactly one label.
        for namespace in {ns for ns, _ in others}:
            uri = re.escape(namespace)
            for prefix in set(re.findall(r'xmlns:([\w.-]+)\s*=\s*["\']' + uri + "[\"']", xmp)):
                p = re.escape(prefix)
                xmp = re.sub(rf"<{p}:AIGC>[^<]*</{p}:AIGC>", "", xmp)
                xmp = re.sub(rf'\s{p}:AIGC\s*=\s*("[^"]*"|\'[^\']*\')', "", xmp)
        if len(read_aigc_properties(xmp)) > len(_OWN_DESCRIPTION.findall(xmp)):
            raise CorruptFileError("existing XMP holds an AIGC property we cannot replace safely")
    xmp = _OWN_DESCRIPTION.sub("", xmp)
    close = xmp.rfind("</rdf:RDF>")
    if close < 0:
        raise CorruptFileError("existing XMP has no rdf:RDF element to merge into")
    merged = xmp[:close] + _DESCRIPTION.format(value=escape(label_json)) + xmp[close:]
    _parse(merged)
    return merged
