"""Page tokens continue only the listing they were issued for (threats/paging.py)."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.threats.conftest import LiveTaxii, attack_pattern
from tongzhou.threats.media import TAXII_MEDIA_TYPE
from tongzhou.threats.paging import BadPageToken, PageCursor, filter_digest, issue_token, read_token

ENDPOINTS = ("objects", "manifest", "object", "versions")


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
