"""The one permission check of the TAXII routes (``taxii_access.py``), route by route and caller by
caller, against a real server: who gets 200/202, 401 or 403, and what the refusal says.

Callers: anonymous; ``reader`` (read on shared); ``writer`` (read and write on both); ``scribe``
(write but not read on shared); ``outsider`` (no grant); ``admin``. The public collection is
readable by anyone.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import tongzhou.threats.auth as auth
from tests.conftest import free_port
from tests.threats.conftest import API_ROOT, LiveTaxii, ThreadedServer, attack_pattern, make_principals
from tests.threats.test_auth_accounts import basic
from tests.threats.test_hostile_clients import HEADERS, bearer
from tongzhou.store import Store
from tongzhou.threats.server import ServerConfig, create_app

CALLERS = ("anonymous", "reader", "writer", "scribe", "outsider", "admin")


@pytest.fixture
def taxii(live_taxii: LiveTaxii) -> dict[str, Any]:
    """The live server, a key per caller, and one stored object in each collection."""
    live_taxii.authority.add_principal("scribe")
    keys = {
        "reader": live_taxii.reader_key,
        "writer": live_taxii.writer_key,
        "scribe": live_taxii.authority.issue_api_key("scribe"),
        "outsider": live_taxii.outsider_key,
        "admin": live_taxii.admin_key,
    }
    live_taxii.authority.grant("scribe", live_taxii.shared.id, read=False, write=True)
    stored = {}
    for name, info in (("shared", live_taxii.shared), ("public", live_taxii.public)):
        obj = attack_pattern(f"kept in {name}")
        live_taxii.repo.add_objects(info, [obj], "writer")
        stored[name] = obj["id"]
    return {"live": live_taxii, "keys": keys, "stored": stored}


def call(taxii: dict[str, Any], who: str, method: str, path: str, body: Any = None) -> httpx.Response:
    live: LiveTaxii = taxii["live"]
    headers = dict(HEADERS)
    if who != "anonymous":
        headers.update(bearer(taxii["keys"][who]))
    content = None if body is None else json.dumps(body).encode()
    return httpx.request(method, live.root_url + path, headers=headers, content=content, timeout=30)


def collection_path(taxii: dict[str, Any], name: str) -> str:
    live: LiveTaxii = taxii["live"]
    return f"collections/{(live.shared if name == 'shared' else live.public).id}/"


def refusal(response: httpx.Response) -> str:
    """``"401"``, or ``"403 <description>"``, or the status of a success."""
    if response.status_code == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["title"] == "Unauthorized"
        return "401"
    if response.status_code == 403:
        error = response.json()
        assert error["title"] == "Forbidden"
        return f"403 {error['description']}"
    return str(response.status_code)


def denied(who: str, verb: str, taxii: dict[str, Any]) -> str:
    return f"403 {who!r} {verb} collection {taxii['live'].shared.id}"


READ_ROUTES = ["", "objects/", "manifest/", "objects/{id}/", "objects/{id}/versions/"]


@pytest.mark.parametrize("route", READ_ROUTES, ids=lambda r: r or "collection")
def test_reading_the_shared_collection(taxii: dict[str, Any], route: str) -> None:
    path = collection_path(taxii, "shared") + route.format(id=taxii["stored"]["shared"])
    got = {who: refusal(call(taxii, who, "GET", path)) for who in CALLERS}
    scribe = "200" if route == "" else denied("scribe", "may not read", taxii)  # writing is seeing
    outsider_verb = "has no access to" if route == "" else "may not read"
    assert got == {
        "anonymous": "401",
        "reader": "200",
        "writer": "200",
        "scribe": scribe,
        "outsider": denied("outsider", outsider_verb, taxii),
        "admin": "200",
    }


def test_an_anonymous_caller_is_told_that_credentials_are_required(taxii: dict[str, Any]) -> None:
    for route in READ_ROUTES:
        path = collection_path(taxii, "shared") + route.format(id=taxii["stored"]["shared"])
        response = call(taxii, "anonymous", "GET", path)
        assert refusal(response) == "401", route
        assert response.json()["description"] == "credentials are required", route


@pytest.mark.parametrize("route", READ_ROUTES, ids=lambda r: r or "collection")
def test_everyone_reads_the_public_collection(taxii: dict[str, Any], route: str) -> None:
    path = collection_path(taxii, "public") + route.format(id=taxii["stored"]["public"])
    assert {who: call(taxii, who, "GET", path).status_code for who in CALLERS} == dict.fromkeys(CALLERS, 200)


def test_the_collection_resource_tells_each_caller_its_own_permissions(taxii: dict[str, Any]) -> None:
    flags = {}
    for who in CALLERS:
        for name in ("shared", "public"):
            response = call(taxii, who, "GET", collection_path(taxii, name))
            if response.status_code == 200:
                body = response.json()
                flags[who, name] = (body["can_read"], body["can_write"])
    assert flags == {
        ("anonymous", "public"): (True, False),
        ("reader", "shared"): (True, False),
        ("reader", "public"): (True, False),
        ("writer", "shared"): (True, True),
        ("writer", "public"): (True, True),
        ("scribe", "shared"): (False, True),
        ("scribe", "public"): (True, False),
        ("outsider", "public"): (True, False),
        ("admin", "shared"): (True, True),
        ("admin", "public"): (True, True),
    }


def test_the_collections_list_holds_what_each_caller_may_see(taxii: dict[str, Any]) -> None:
    live: LiveTaxii = taxii["live"]
    seen = {}
    for who in CALLERS:
        response = call(taxii, who, "GET", "collections/")
        assert response.status_code == 200
        seen[who] = sorted(c["id"] for c in response.json().get("collections", []))
    both, public = sorted([live.shared.id, live.public.id]), [live.public.id]
    assert seen == {
        "anonymous": public,
        "reader": both,
        "writer": both,
        "scribe": both,
        "outsider": public,
        "admin": both,
    }


@pytest.mark.parametrize("name", ["shared", "public"])
def test_adding_objects_needs_write(taxii: dict[str, Any], name: str) -> None:
    path = collection_path(taxii, name) + "objects/"
    got = {}
    for who in CALLERS:
        response = call(taxii, who, "POST", path, {"objects": [attack_pattern(f"by {who}")]})
        got[who] = refusal(response)
        if response.status_code == 202:
            assert response.json()["success_count"] == 1
    live: LiveTaxii = taxii["live"]
    info = live.shared if name == "shared" else live.public
    assert got == {
        "anonymous": "401",
        "reader": f"403 'reader' may not write collection {info.id}",
        "writer": "202",
        "scribe": "202" if name == "shared" else f"403 'scribe' may not write collection {info.id}",
        "outsider": f"403 'outsider' may not write collection {info.id}",
        "admin": "202",
    }


def test_deleting_needs_write_and_read(taxii: dict[str, Any]) -> None:
    """TAXII 2.1 §5.7: the scribe may write but not read, so may not delete."""
    path = collection_path(taxii, "shared") + f"objects/{taxii['stored']['shared']}/"
    refused = ("anonymous", "reader", "scribe", "outsider")
    got = {who: refusal(call(taxii, who, "DELETE", path)) for who in refused}
    assert got == {
        "anonymous": "401",
        "reader": denied("reader", "may not write", taxii),
        "scribe": denied("scribe", "may not read", taxii),
        "outsider": denied("outsider", "may not write", taxii),
    }
    assert call(taxii, "writer", "GET", path).status_code == 200  # nothing was deleted
    assert call(taxii, "writer", "DELETE", path).status_code == 200
    assert call(taxii, "writer", "GET", path).status_code == 404


def not_found(response: httpx.Response) -> str:
    assert response.status_code == 404, response.text
    error = response.json()
    assert error["title"] == "Not found"
    return str(error["description"])


def test_unknown_roots_and_collections_are_404_after_authentication(taxii: dict[str, Any]) -> None:
    live: LiveTaxii = taxii["live"]
    unknown = "no collection 'no-such-collection'"
    assert not_found(call(taxii, "reader", "GET", "collections/no-such-collection/objects/")) == unknown
    assert not_found(call(taxii, "anonymous", "GET", "collections/no-such-collection/")) == unknown
    reader = {**HEADERS, **bearer(live.reader_key)}
    for path in ("/elsewhere/", "/elsewhere/collections/", f"/elsewhere/collections/{live.shared.id}/"):
        assert not_found(httpx.get(live.base + path, headers=reader)) == "no API root 'elsewhere'"
    wrong_key = httpx.get(live.root_url + "collections/", headers={**HEADERS, **bearer("tzk_no_such")})
    assert refusal(wrong_key) == "401"  # wrong credentials are refused even where anonymous may look


def test_an_api_key_may_come_in_x_api_key(taxii: dict[str, Any]) -> None:
    live: LiveTaxii = taxii["live"]
    path = live.collection_url(live.shared) + "objects/"
    assert httpx.get(path, headers={**HEADERS, "X-API-Key": live.reader_key}).status_code == 200
    assert refusal(httpx.get(path, headers={**HEADERS, "X-API-Key": live.outsider_key})) == denied(
        "outsider", "may not read", taxii
    )


def test_a_status_is_read_by_whoever_posted_it_and_admins(taxii: dict[str, Any]) -> None:
    path = collection_path(taxii, "shared") + "objects/"
    posted = call(taxii, "writer", "POST", path, {"objects": [attack_pattern("tracked")]}).json()
    status_path = f"status/{posted['id']}/"
    anonymous = call(taxii, "anonymous", "GET", status_path)
    assert refusal(anonymous) == "401" and anonymous.json()["description"] == "credentials are required"
    got = {who: call(taxii, who, "GET", status_path).status_code for who in CALLERS}
    assert got == {
        "anonymous": 401,
        "reader": 404,
        "writer": 200,
        "scribe": 404,
        "outsider": 404,
        "admin": 200,
    }


def test_basic_credentials_are_told_to_come_back_while_every_password_check_slot_is_busy(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth, "PASSWORD_CHECK_WAIT_S", 0.05)
    _, _, made = make_principals(store)
    app = create_app(store, ServerConfig())
    slots = app.state.authority._password_checks
    port = free_port()
    server = ThreadedServer(app, port)
    server.start()
    held = 0
    try:
        while slots.acquire(blocking=False):  # a flood of scrypts in flight
            held += 1
        url = f"http://127.0.0.1:{port}/{API_ROOT}/collections/{made['shared'].id}/objects/"
        busy = httpx.get(url, headers={**HEADERS, "Authorization": basic("writer", "a guess")})
    finally:
        for _ in range(held):
            slots.release()
        server.stop()
    assert (busy.status_code, busy.headers["retry-after"]) == (503, "1")
    assert busy.json()["title"] == "Service Unavailable"
    assert busy.json()["description"] == "too many password checks at once; retry shortly, or use an API key"
