"""The shared XMP form: namespace http://www.tc260.org.cn/ns/AIGC/1.0/, prefix TC260, property AIGC.

Source: shared/reference/aigc-labeling.md (XMP row of the carrier table): merge into existing XMP,
never overwrite it. Known defects we avoid: the ``TC260`` prefix bound to another URI, and the
label written into ``XMP-dc`` instead of the TC260 namespace.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from tongzhou.labels.carriers.base import CorruptFileError

TC260_NS = "http://www.tc260.org.cn/ns/AIGC/1.0/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
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


def read_aigc(xmp: str) -> list[str]:
    """Every ``TC260:AIGC`` value (element or attribute form) in the namespace TC260 defines."""
    root = _parse(xmp)
    values: list[str] = []
    tag = "{" + TC260_NS + "}AIGC"
    for element in root.iter():
        if element.tag == tag:
            values.append("".join(element.itertext()).strip())
        if tag in element.attrib:
            values.append(element.attrib[tag])
    return values


def wrong_namespace(xmp: str) -> str | None:
    """The URI the ``TC260`` prefix is bound to when it is not the TC260 namespace (a known defect)."""
    match = re.search(r'xmlns:TC260\s*=\s*["\']([^"\']*)["\']', xmp)
    if match and match.group(1) != TC260_NS:
        return match.group(1)
    return None


def merge_aigc(xmp: str, label_json: str) -> str:
    """``xmp`` with the AIGC property set; everything else in it is kept."""
    root = _parse(xmp)
    tag = "{" + TC260_NS + "}AIGC"
    own = _OWN_DESCRIPTION.findall(xmp)
    foreign = sum(1 for e in root.iter() if e.tag == tag or tag in e.attrib) - len(own)
    if foreign > 0:
        # A TC260:AIGC written by another tool inside a shared rdf:Description: remove just that element.
        for prefix in set(re.findall(r'xmlns:(\w+)\s*=\s*["\']' + re.escape(TC260_NS) + "[\"']", xmp)):
            xmp = re.sub(rf"<{prefix}:AIGC>[^<]*</{prefix}:AIGC>", "", xmp)
            xmp = re.sub(rf'\s{prefix}:AIGC\s*=\s*"[^"]*"', "", xmp)
        if any(e.tag == tag or tag in e.attrib for e in _parse(xmp).iter()):
            raise CorruptFileError("existing XMP holds an AIGC property we cannot replace safely")
    xmp = _OWN_DESCRIPTION.sub("", xmp)
    close = xmp.rfind("</rdf:RDF>")
    if close < 0:
        raise CorruptFileError("existing XMP has no rdf:RDF element to merge into")
    merged = xmp[:close] + _DESCRIPTION.format(value=escape(label_json)) + xmp[close:]
    _parse(merged)
    return merged
