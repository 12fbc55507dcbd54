"""Stateless pagination tokens for TAXII ``next``.

A token is ``base64url(payload).base64url(HMAC-SHA256(key, payload))``; the payload holds the
collection, the endpoint, the keyset cursor ``(date_added, pk)`` of the last item served and a
digest of the request's filters. Any worker that shares the key (kept in the store, so every
worker of one deployment shares it) can continue a listing; nothing is held in memory, nothing
expires, and a token cannot be forged or replayed against different filters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass


class BadPageToken(ValueError):
    """A ``next`` value that was not issued by this server for this request."""


@dataclass(frozen=True, slots=True)
class PageCursor:
    """Where the previous page ended."""

    date_added_us: int
    pk: int


def filter_digest(collection_id: str, endpoint: str, filters: Mapping[str, str]) -> str:
    """A short digest binding a token to its collection, endpoint and filters (``limit`` excluded)."""
    material = json.dumps([collection_id, endpoint, sorted(filters.items())], separators=(",", ":"))
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_token(key: bytes, digest: str, cursor: PageCursor) -> str:
    """Sign a cursor for a request whose filters have ``digest``."""
    payload = json.dumps([digest, cursor.date_added_us, cursor.pk], separators=(",", ":")).encode()
    mac = hmac.new(key, payload, hashlib.sha256).digest()[:16]
    return f"{_b64(payload)}.{_b64(mac)}"


def read_token(key: bytes, digest: str, token: str) -> PageCursor:
    """Verify ``token`` and return its cursor; :class:`BadPageToken` when forged or for other filters."""
    try:
        payload_text, mac_text = token.split(".", 1)
        payload = _unb64(payload_text)
        mac = _unb64(mac_text)
    except (ValueError, TypeError):
        raise BadPageToken("'next' is not a token issued by this server") from None
    expected = hmac.new(key, payload, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(mac, expected):
        raise BadPageToken("'next' is not a token issued by this server")
    try:
        token_digest, date_added_us, pk = json.loads(payload)
    except (ValueError, TypeError):
        raise BadPageToken("'next' is not a token issued by this server") from None
    if token_digest != digest:
        raise BadPageToken("'next' was issued for a different collection or different filters")
    return PageCursor(int(date_added_us), int(pk))
