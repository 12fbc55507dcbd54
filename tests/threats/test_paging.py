"""Page tokens continue only the listing they were issued for (threats/paging.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random

import httpx
import pytest

from tests.threats.conftest import LiveTaxii, attack_pattern
from tongzhou.threats.media import TAXII_MEDIA_TYPE
from tongzhou.threats.paging import BadPageToken, PageCursor, filter_digest, issue_token, read_token

ENDPOINTS = ("objects", "manifest", "object", "versions")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_the_digest_binds_collection_endpoint_and_filters() -> None:
    base = filter_digest("c1", "objects", {"types": "indicator"})
    assert filter_digest("c1", "objects", {"types": "indicator"}) == base
    others = {
        filter_digest("c2", "objects", {"types": "indicator"}),
        filter_digest("c1", "objects", {"types": "malware"}),
        *(filter_digest("c1", endpoint, {"types": "indicator"}) for endpoint in ENDPOINTS[1:]),
    }
    assert base not in others and len(others) == 2 + len(ENDPOINTS) - 1


def test_a_token_is_read_back_only_with_its_digest() -> None:
    key, cursor = b"k" * 32, PageCursor(1_700_000_000_000_000, 42)
    objects = filter_digest("c1", "objects", {})
    token = issue_token(key, objects, cursor)
    assert read_token(key, objects, token) == cursor
    with pytest.raises(BadPageToken, match="different"):
        read_token(key, filter_digest("c1", "manifest", {}), token)
    with pytest.raises(BadPageToken):
        read_token(b"x" * 32, objects, token)


FORGED = "'next' is not a token issued by this server"
OTHER_REQUEST = "'next' was issued for a different collection or different filters"


def test_the_token_format_is_stable_across_workers_and_releases() -> None:
    """Workers of one deployment share the key, not the code: during a rolling upgrade a token issued
    by one release is read by the next, so the digest and the token bytes are pinned here."""
    digest = filter_digest("c1", "objects", {"types": "indicator", "added_after": "2026-01-01T00:00:00Z"})
    # sha256('["c1","objects",[["added_after","2026-01-01T00:00:00Z"],["types","indicator"]]]')[:24]
    assert digest == "2972aa4f23d6b71b46e29f00"
    token = issue_token(b"k" * 32, digest, PageCursor(1_700_000_000_000_000, 42))
    assert token == "WyIyOTcyYWE0ZjIzZDZiNzFiNDZlMjlmMDAiLDE3MDAwMDAwMDAwMDAwMDAsNDJd.zgM4CaHMy5CswzVlXcXlwA"


def test_every_cursor_reads_back_and_every_other_token_is_refused_with_a_reason() -> None:
    rng = random.Random(2020)
    for _ in range(300):
        key = rng.randbytes(32)
        digest = filter_digest(f"c{rng.randrange(10**rng.randrange(1, 9))}", rng.choice(ENDPOINTS), {})
        cursor = PageCursor(rng.randrange(2**rng.randrange(1, 62)), rng.randrange(2**rng.randrange(1, 40)))
        token = issue_token(key, digest, cursor)
        assert read_token(key, digest, token) == cursor
        with pytest.raises(BadPageToken) as other:
            read_token(key, filter_digest("elsewhere", "objects", {}), token)
        assert str(other.value) == OTHER_REQUEST
        for forged in (token + "A", "A" + token, token.replace(".", ""), token[:-2], "", "..", "a.b"):
            with pytest.raises(BadPageToken) as refused:
                read_token(key, digest, forged)
            assert str(refused.value) == FORGED, forged
    # A MAC over something that is not a token payload: still refused, with the same words.
    key = b"k" * 32
    for payload in (b"not json", b'{"a": 1}', b"[1, 2]"):
        mac = hmac.new(key, payload, hashlib.sha256).digest()[:16]
        token = f"{_b64(payload)}.{_b64(mac)}"
        with pytest.raises(BadPageToken) as refused:
            read_token(key, "d", token)
        assert str(refused.value) == FORGED


def test_an_objects_token_does_not_page_the_manifest(live_taxii: LiveTaxii) -> None:
    headers = {"Accept": TAXII_MEDIA_TYPE, "Authorization": f"Bearer {live_taxii.writer_key}"}
    url = live_taxii.collection_url(live_taxii.shared)
    body = json.dumps({"objects": [attack_pattern(f"p{i}") for i in range(3)]})
    httpx.post(url + "objects/", content=body, headers={**headers, "Content-Type": TAXII_MEDIA_TYPE})
    first = httpx.get(url + "objects/", params={"limit": 1}, headers=headers).json()
    assert first["more"] is True
    assert httpx.get(url + "objects/", params={"next": first["next"]}, headers=headers).status_code == 200
    for endpoint in ("manifest/", f"objects/{first['objects'][0]['id']}/"):
        wrong = httpx.get(url + endpoint, params={"next": first["next"]}, headers=headers)
        assert wrong.status_code == 400, endpoint
        assert "different" in wrong.json()["description"]
