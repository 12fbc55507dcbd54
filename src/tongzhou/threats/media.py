"""TAXII 2.1 content negotiation (§1.6.8): ``Accept`` and ``Content-Type`` checks.

A bare ``application/taxii+json`` means "the latest version the server supports" and is accepted
(the reference server answers 406 to it), as are ``*/*`` and ``application/*`` and a missing
``Accept``. Anything else is 406; a POST whose body is not ``application/taxii+json`` is 415.
"""

from __future__ import annotations

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"


def _media_ranges(header: str) -> list[tuple[str, dict[str, str]]]:
    ranges = []
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces[0]:
            continue
        params = {}
        for piece in pieces[1:]:
            name, _, value = piece.partition("=")
            params[name.strip().lower()] = value.strip().strip('"')
        ranges.append((pieces[0].lower(), params))
    return ranges


def _is_taxii21(media: str, params: dict[str, str]) -> bool:
    return media == "application/taxii+json" and params.get("version", "2.1") == "2.1"


def accept_ok(header: str | None) -> bool:
    """Whether a response in TAXII 2.1 JSON satisfies this ``Accept`` header."""
    if header is None or not header.strip():
        return True
    for media, params in _media_ranges(header):
        if params.get("q") in ("0", "0.0", "0.00", "0.000"):
            continue
        if media in ("*/*", "application/*") or _is_taxii21(media, params):
            return True
    return False


def content_type_ok(header: str | None) -> bool:
    """Whether a POST body with this ``Content-Type`` is TAXII 2.1 JSON."""
    if not header:
        return False
    ranges = _media_ranges(header)
    return len(ranges) == 1 and _is_taxii21(*ranges[0])
