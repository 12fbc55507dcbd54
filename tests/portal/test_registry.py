"""The registry: filters, keyset paging, Art. 49(4) entries for regulators only, the system page."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.portal.conftest import PUBLIC_ID, RESTRICTED_ID, Portal, restricted_profile
from tongzhou.classify import Classifier
from tongzhou.portal.listing_index import refresh_listing
from tongzhou.portal.registry_search import RegistryFilter, search_registry
from tongzhou.portal.roles import Role
from tongzhou.store import Store
from tongzhou.systems.bundled import example_names, example_profile
from tongzhou.systems.registry import SystemRegistry


def _ids(portal: Portal, role: Role, **params: str) -> list[str]:
    client = portal.logged_in(role)
    found, url = [], "/api/v1/systems?" + "&".join(f"{k}={v}" for k, v in params.items())
    while url:
        body = client.get(url).json()
        found += [s["id"] for s in body["systems"]]
        url = body["next"]
    return found


def test_public_list_is_every_example_and_not_the_restricted_entry(portal: Portal) -> None:
    assert _ids(portal, Role.public, limit="3") == example_names()


def test_regulator_sees_the_restricted_entry_marked(portal: Portal) -> None:
    assert RESTRICTED_ID in _ids(portal, Role.regulator)
    page = portal.logged_in(Role.regulator).get(f"/systems/{RESTRICTED_ID}")
    assert page.status_code == 200 and "Art. 49(4)" in page.text


@pytest.mark.parametrize("role", [Role.public, Role.provider, Role.evaluator, Role.admin])
def test_restricted_entry_does_not_exist_for_others(portal: Portal, role: Role) -> None:
    client = portal.logged_in(role)
    unknown = client.get("/api/v1/systems/no-such-system")
    hidden = client.get(f"/api/v1/systems/{RESTRICTED_ID}")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == unknown.json(), "a hidden entry must answer exactly like an unknown one"
    assert RESTRICTED_ID not in client.get("/registry?sector=migration_border").text
    assert "migration_border" not in client.get("/registry").text, "nor show in the filter menus"


def test_filters_agree_with_the_classifier(portal: Portal) -> None:
    classifier = Classifier()
    expected = sorted(
        name
        for name in example_names()
        if any(
            j.jurisdiction == "eu" and j.in_scope and any(t.id == "high_risk" for t in j.tiers)
            for j in classifier.classify(example_profile(name)).jurisdictions
        )
    )
    assert expected, "the examples include EU high-risk systems"
    assert _ids(portal, Role.public, jurisdiction="eu", tier="high_risk") == expected
    assert _ids(portal, Role.public, sector="employment") == sorted(
        n for n in example_names() if "employment" in (example_profile(n).sectors or [])
    )
    provider = example_profile(PUBLIC_ID).provider.name
    assert PUBLIC_ID in _ids(portal, Role.public, provider=provider.replace(" ", "%20"))
    statuses = set(_ids(portal, Role.public, status="determined")) | set(
        _ids(portal, Role.public, status="undetermined")
    )
    assert statuses == set(example_names())


@pytest.mark.parametrize(
    "hostile",
    [
        "' OR 1=1 --",
        "x%' UNION SELECT name FROM sqlite_master --",
        "%",
        "_",
        "\\",
        "cv'; DROP TABLE portal_listing; --",
    ],
)
def test_sql_looking_search_is_just_text(portal: Portal, hostile: str) -> None:
    client = portal.client()
    for param in ("q", "provider", "jurisdiction", "tier", "sector", "status", "after"):
        response = client.get("/api/v1/systems", params={param: hostile})
        assert response.status_code == 200, (param, response.text)
        assert response.json()["systems"] == [] or param == "after"
    assert client.get("/registry", params={"q": hostile}).status_code == 200
    assert _ids(portal, Role.public) == example_names(), "nothing was dropped"


def test_text_search_finds_by_name_and_id(portal: Portal) -> None:
    name = example_profile(PUBLIC_ID).name
    assert _ids(portal, Role.public, q=name.split()[0]) == [PUBLIC_ID]
    assert _ids(portal, Role.public, q="cv-scr") == [PUBLIC_ID]


def test_bad_limit_is_400_in_both_languages(portal: Portal) -> None:
    response = portal.client().get("/api/v1/systems?limit=1000", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "limit 须为 1 至 100 的整数。"


def test_system_page_and_api_as_of_a_date(portal: Portal) -> None:
    client = portal.client()
    api = client.get(f"/api/v1/systems/{PUBLIC_ID}?as_of=2025-01-01").json()
    assert api["classification"]["as_of"] == "2025-01-01"
    expected = Classifier().classify(example_profile(PUBLIC_ID), dt.date(2025, 1, 1)).to_dict()
    assert [j["headline_tier"] for j in api["classification"]["jurisdictions"]] == [
        j["headline_tier"] for j in expected["jurisdictions"]
    ]
    later = client.get(f"/api/v1/systems/{PUBLIC_ID}?as_of=2028-01-01").json()["classification"]
    statuses = {o["status"] for j in later["jurisdictions"] for o in j["obligations"]}
    assert "applies" in statuses
    page = client.get(f"/systems/{PUBLIC_ID}?as_of=2025-01-01")
    assert page.status_code == 200 and "2025-01-01" in page.text and "Art. 6" in page.text
    assert client.get(f"/systems/{PUBLIC_ID}?as_of=yesterday").status_code == 400


def test_incidents_naming_a_system_appear_on_its_page(portal: Portal) -> None:
    from tongzhou.threats.incidents import IncidentRecord, save_incident

    save_incident(
        portal.store,
        IncidentRecord(
            title="Qualified candidates ranked last",
            harm_types=["rights"],
            aware="2026-11-01T09:00:00Z",
            ai_system=PUBLIC_ID,
        ),
    )
    refresh_listing(portal.store)
    api = portal.client().get(f"/api/v1/systems/{PUBLIC_ID}").json()
    assert [i["title"] for i in api["incidents"]] == ["Qualified candidates ranked last"]
    assert api["incidents"][0]["harm_types"] == ["rights"]
    assert "Qualified candidates ranked last" in portal.client().get(f"/systems/{PUBLIC_ID}").text


def test_index_follows_changes_and_removals(sqlite_store: Store) -> None:
    registry = SystemRegistry(sqlite_store)
    registry.add(example_profile(PUBLIC_ID))
    assert refresh_listing(sqlite_store) == 1
    assert refresh_listing(sqlite_store) == 0, "nothing changed: nothing redone"
    registry.add(restricted_profile(PUBLIC_ID), replace=True)  # the same id, now a border system
    assert refresh_listing(sqlite_store) == 1
    page = search_registry(sqlite_store, RegistryFilter(), include_restricted=False)
    assert page.systems == []
    registry.remove(PUBLIC_ID)
    refresh_listing(sqlite_store)
    assert search_registry(sqlite_store, RegistryFilter(), include_restricted=True).systems == []
    assert refresh_listing(sqlite_store, today=dt.date(2030, 1, 1)) == 0


def test_provider_registers_a_system_through_the_api(portal: Portal) -> None:
    client = portal.client(headers={"Authorization": f"Bearer {portal.token(Role.provider)}"})
    profile = {
        "id": "acme-chat",
        "name": "ACME chat",
        "purpose": "A public chatbot.",
        "registrant": {"name": "ACME AI", "role": "provider"},
        "provider": {"name": "ACME AI"},
        "markets": ["EU"],
        "generated_modalities": ["text"],
    }
    assert client.post("/api/v1/systems", json=profile).status_code == 201
    assert "acme-chat" in _ids(portal, Role.public, provider="ACME%20AI")
    assert client.post("/api/v1/systems", json={**profile, "name": "other"}).status_code == 409
    bad = client.post("/api/v1/systems", json={**profile, "id": "Bad Id"})
    assert bad.status_code == 422 and "id" in bad.json()["error"]["message"]
    assert (
        client.post(
            "/api/v1/systems", content=b"{not json", headers={"content-type": "application/json"}
        ).status_code
        == 400
    )
    assert (
        client.post("/api/v1/systems", content=b"id: x", headers={"content-type": "text/yaml"}).status_code
        == 415
    )
    assert "acme-bad" not in _ids(portal, Role.public)
