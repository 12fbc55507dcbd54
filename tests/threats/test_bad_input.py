"""Bad input gets a clear TAXII error and stores nothing (or only the valid objects)."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.threats.conftest import LiveTaxii, attack_pattern, indicator
from tongzhou.threats.media import TAXII_MEDIA_TYPE

HEADERS = {"Accept": TAXII_MEDIA_TYPE, "Content-Type": TAXII_MEDIA_TYPE}


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _post(
    live: LiveTaxii, body: bytes, headers: dict[str, str] | None = None, key: str | None = None
) -> httpx.Response:
    merged = {**HEADERS, **_auth(key or live.writer_key), **(headers or {})}
    return httpx.post(live.collection_url(live.shared) + "objects/", content=body, headers=merged, timeout=30)


def _assert_taxii_error(response: httpx.Response, status: int) -> dict[str, str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == TAXII_MEDIA_TYPE
    error = response.json()
    assert error["http_status"] == str(status) and error["title"]
    return error


def test_malformed_json_is_400_and_stores_nothing(live_taxii: LiveTaxii) -> None:
    good = json.dumps({"objects": [attack_pattern("fine")]})
    error = _assert_taxii_error(_post(live_taxii, good[:-5].encode()), 400)
    assert "not valid JSON" in error["description"]
    _assert_taxii_error(_post(live_taxii, b'["not", "an", "envelope"]'), 400)
    _assert_taxii_error(_post(live_taxii, b'{"objects": {"type": "x"}}'), 400)
    _assert_taxii_error(_post(live_taxii, b"\xff\xfe\x00garbage"), 400)
    assert live_taxii.repo.count(live_taxii.shared) == 0


def test_invalid_stix_reported_in_failures_valid_ones_stored(live_taxii: LiveTaxii) -> None:
    good = [attack_pattern("kept"), indicator("kept.example")]
    bad_pattern = dict(indicator("x.example"), pattern="[this is not a pattern")
    wrong_prefix = dict(attack_pattern("y"), id=good[0]["id"].replace("attack-pattern", "malware"))
    bad_time = attack_pattern("z", modified="yesterday")
    no_spec = {k: v for k, v in attack_pattern("w").items() if k != "spec_version"}
    backwards = attack_pattern("v", created="2025-06-01T00:00:00Z", modified="2025-01-01T00:00:00Z")
    envelope = {"objects": [good[0], bad_pattern, wrong_prefix, bad_time, no_spec, backwards, 42, good[1]]}
    response = _post(live_taxii, json.dumps(envelope).encode())
    assert response.status_code == 202
    status = response.json()
    assert (status["total_count"], status["success_count"], status["failure_count"]) == (8, 2, 6)
    assert {s["id"] for s in status["successes"]} == {o["id"] for o in good}
    failed = {f["id"]: f["message"] for f in status["failures"]}
    assert "pattern" in failed[bad_pattern["id"]].lower()
    assert "does not match" in failed[wrong_prefix["id"]]
    assert "timestamp" in failed[bad_time["id"]]
    assert "spec_version" in failed[no_spec["id"]]
    assert "earlier" in failed[backwards["id"]]
    assert live_taxii.repo.count(live_taxii.shared) == 2


def test_json_edge_values_are_kept_exactly_or_refused(live_taxii: LiveTaxii) -> None:
    # An integer beyond 64 bits is valid JSON: it is stored and served digit for digit.
    big = dict(attack_pattern("big"), x_count=2**70 + 1)
    status = _post(live_taxii, json.dumps({"objects": [big]}).encode()).json()
    assert status["success_count"] == 1
    fetched = httpx.get(
        live_taxii.collection_url(live_taxii.shared) + f"objects/{big['id']}/",
        headers={**HEADERS, **_auth(live_taxii.writer_key)},
        timeout=30,
    )
    assert fetched.json()["objects"][0]["x_count"] == 2**70 + 1
    # NaN is not JSON: the whole envelope is refused, nothing of it stored.
    with_nan = [attack_pattern("nan-ok"), dict(attack_pattern("nan"), x_score=float("nan"))]
    nan = json.dumps({"objects": with_nan})
    error = _assert_taxii_error(_post(live_taxii, nan.encode()), 400)
    assert "NaN" in error["description"]
    assert live_taxii.repo.count(live_taxii.shared) == 1
    # A lone surrogate escape decodes but is not text: that object fails, the others are stored.
    lone = json.dumps(dict(attack_pattern("lone"), name="PLACEHOLDER")).replace("PLACEHOLDER", "\\ud800")
    body = '{"objects": [' + json.dumps(attack_pattern("kept-too")) + "," + lone + "]}"
    status = _post(live_taxii, body.encode()).json()
    assert (status["success_count"], status["failure_count"]) == (1, 1)
    assert "surrogate" in status["failures"][0]["message"]
    assert live_taxii.repo.count(live_taxii.shared) == 2


def test_oversized_envelope_is_413_and_stores_nothing(live_taxii: LiveTaxii) -> None:
    big = {"objects": [attack_pattern(f"p{i}") | {"description": "x" * 2000} for i in range(200)]}
    body = json.dumps(big).encode()
    assert len(body) > 256 * 1024
    _assert_taxii_error(_post(live_taxii, body), 413)

    def chunked() -> bytes:  # no Content-Length: the limit is enforced while streaming
        yield from (body[i : i + 65536] for i in range(0, len(body), 65536))

    headers = {**HEADERS, **_auth(live_taxii.writer_key)}
    streamed = httpx.post(
        live_taxii.collection_url(live_taxii.shared) + "objects/",
        content=chunked(),
        headers=headers,
        timeout=30,
    )
    _assert_taxii_error(streamed, 413)
    assert live_taxii.repo.count(live_taxii.shared) == 0


@pytest.mark.parametrize(
    "accept",
    ["text/html", "application/json", "application/taxii+json;version=2.0", "application/xml, text/plain"],
)
def test_wrong_accept_is_406(live_taxii: LiveTaxii, accept: str) -> None:
    response = httpx.get(
        live_taxii.collection_url(live_taxii.shared) + "objects/",
        headers={"Accept": accept, **_auth(live_taxii.reader_key)},
    )
    _assert_taxii_error(response, 406)


@pytest.mark.parametrize(
    "accept", ["application/taxii+json", "application/taxii+json;version=2.1", "*/*", None]
)
def test_bare_and_wildcard_accept_are_served(live_taxii: LiveTaxii, accept: str | None) -> None:
    headers = _auth(live_taxii.reader_key) | ({"Accept": accept} if accept else {})
    response = httpx.get(f"{live_taxii.base}/taxii2/", headers=headers)
    assert response.status_code == 200 and response.headers["content-type"] == TAXII_MEDIA_TYPE


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "text/plain",
        "application/taxii+json;version=2.0",
        "application/stix+json;version=2.1",
    ],
)
def test_wrong_content_type_is_415_and_stores_nothing(live_taxii: LiveTaxii, content_type: str) -> None:
    body = json.dumps({"objects": [attack_pattern("nope")]}).encode()
    _assert_taxii_error(_post(live_taxii, body, {"Content-Type": content_type}), 415)
    assert live_taxii.repo.count(live_taxii.shared) == 0


def test_credentials_401_and_403(live_taxii: LiveTaxii) -> None:
    objects_url = live_taxii.collection_url(live_taxii.shared) + "objects/"
    body = json.dumps({"objects": [attack_pattern("nope")]}).encode()
    anonymous = httpx.get(objects_url, headers={"Accept": TAXII_MEDIA_TYPE})
    _assert_taxii_error(anonymous, 401)
    assert "Bearer" in anonymous.headers["www-authenticate"]
    _assert_taxii_error(httpx.get(objects_url, headers=_auth("tzk_0000_wrong")), 401)
    forged = live_taxii.reader_key[:-4] + "AAAA"
    _assert_taxii_error(httpx.get(objects_url, headers=_auth(forged)), 401)
    _assert_taxii_error(httpx.get(objects_url, auth=("writer", "wrong password")), 401)
    _assert_taxii_error(httpx.get(objects_url, headers={"Authorization": "Digest abc"}), 401)
    _assert_taxii_error(httpx.get(objects_url, headers=_auth(live_taxii.outsider_key)), 403)
    _assert_taxii_error(_post(live_taxii, body, key=live_taxii.reader_key), 403)
    _assert_taxii_error(_post(live_taxii, body, headers={"Authorization": ""}), 401)
    public_objects = live_taxii.collection_url(live_taxii.public) + "objects/"
    assert httpx.get(public_objects).status_code == 200  # public: anyone reads
    _assert_taxii_error(httpx.post(public_objects, content=body, headers=HEADERS), 401)
    _assert_taxii_error(
        httpx.post(public_objects, content=body, headers={**HEADERS, **_auth(live_taxii.reader_key)}), 403
    )
    assert httpx.get(objects_url, headers={"X-API-Key": live_taxii.reader_key}).status_code == 200
    assert live_taxii.repo.count(live_taxii.shared) == 0
    assert live_taxii.repo.count(live_taxii.public) == 0


def test_malformed_filters_and_tokens_are_400(live_taxii: LiveTaxii) -> None:
    objects_url = live_taxii.collection_url(live_taxii.shared) + "objects/"
    headers = _auth(live_taxii.admin_key)
    for params in (
        {"added_after": "last tuesday"},
        {"limit": "-3"},
        {"limit": "many"},
        {"match[version]": "newest"},
        {"next": "forged.token"},
    ):
        _assert_taxii_error(httpx.get(objects_url, params=params, headers=headers), 400)
    _post(live_taxii, json.dumps({"objects": [attack_pattern(f"p{i}") for i in range(3)]}).encode())
    first = httpx.get(objects_url, params={"limit": 1}, headers=headers).json()
    assert first["more"] is True
    # A token only continues the listing it was issued for (same filters).
    _assert_taxii_error(
        httpx.get(objects_url, params={"next": first["next"], "match[type]": "indicator"}, headers=headers),
        400,
    )
    tampered = first["next"][:-2] + ("AA" if not first["next"].endswith("AA") else "BB")
    _assert_taxii_error(httpx.get(objects_url, params={"next": tampered}, headers=headers), 400)


def test_unknown_paths_are_taxii_404(live_taxii: LiveTaxii) -> None:
    headers = _auth(live_taxii.admin_key)
    _assert_taxii_error(httpx.get(f"{live_taxii.base}/nope/", headers=headers), 404)
    _assert_taxii_error(httpx.get(f"{live_taxii.root_url}collections/unknown/", headers=headers), 404)
    _assert_taxii_error(httpx.get(f"{live_taxii.root_url}status/unknown/", headers=headers), 404)


def test_status_is_readable_by_its_requester_and_admins_only(live_taxii: LiveTaxii) -> None:
    status = _post(live_taxii, json.dumps({"objects": [attack_pattern("mine")]}).encode()).json()
    url = f"{live_taxii.root_url}status/{status['id']}/"
    assert httpx.get(url, headers=_auth(live_taxii.writer_key)).json()["success_count"] == 1
    assert httpx.get(url, headers=_auth(live_taxii.admin_key)).status_code == 200
    _assert_taxii_error(httpx.get(url, headers=_auth(live_taxii.reader_key)), 404)
    _assert_taxii_error(httpx.get(url), 401)
