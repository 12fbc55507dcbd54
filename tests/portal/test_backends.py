"""The portal's store work on SQLite and on PostgreSQL: accounts and lockout, sessions, the login
limit, the site secret, the listing index and its search."""

from __future__ import annotations

from tests.portal.conftest import PASSWORD, SeededTemplates, restricted_profile
from tongzhou.portal.accounts import LOCKOUT_AFTER, AccountBook, LoginRefusal
from tongzhou.portal.listing_index import refresh_listing
from tongzhou.portal.login_limits import LoginLimiter
from tongzhou.portal.registry_search import RegistryFilter, facet_values, search_registry
from tongzhou.portal.sessions import SessionBook
from tongzhou.portal.site_secret import site_secret
from tongzhou.store import Store
from tongzhou.systems.bundled import example_profile
from tongzhou.systems.registry import SystemRegistry


def test_accounts_sessions_and_limits(store: Store) -> None:
    book = AccountBook(store)
    book.add_organisation("acme", "ACME AI")
    book.add_account("alice", PASSWORD, "provider", "acme")
    assert [a.name for a in book.accounts()] == ["alice"]
    for _ in range(LOCKOUT_AFTER - 1):
        assert book.check_password("alice", "wrong wrong wrong") is LoginRefusal.wrong
    assert book.check_password("alice", PASSWORD) not in tuple(LoginRefusal), "a success resets the count"
    sessions = SessionBook(store)
    cookie = sessions.open("alice", second_factor_done=True)
    found = sessions.find(cookie)
    assert found is not None and found.account == "alice"
    sessions.close(found.digest)
    assert sessions.find(cookie) is None
    limiter = LoginLimiter(store, max_failures=3)
    for _ in range(3):
        assert not limiter.blocked("10.0.0.1")
        limiter.record_failure("10.0.0.1")
    assert limiter.blocked("10.0.0.1") and not limiter.blocked("10.0.0.2")
    assert site_secret(store) == site_secret(store) and len(site_secret(store)) == 32


def test_listing_index_and_search(store: Store) -> None:
    registry = SystemRegistry(store)
    for name in ("cv-screening", "public-chatbot-eu", "credit-scoring"):
        registry.add(example_profile(name))
    registry.add(restricted_profile())
    assert refresh_listing(store) == 4
    public = search_registry(store, RegistryFilter(), include_restricted=False, limit=2)
    assert [s.system_id for s in public.systems] == ["credit-scoring", "cv-screening"]
    assert public.next_after == "cv-screening"
    rest = search_registry(store, RegistryFilter(), include_restricted=False, after=public.next_after)
    assert [s.system_id for s in rest.systems] == ["public-chatbot-eu"] and rest.next_after is None
    everything = search_registry(store, RegistryFilter(), include_restricted=True, limit=100)
    assert len(everything.systems) == 4
    eu_high = RegistryFilter(jurisdiction="eu", tier="high_risk")
    high = search_registry(store, eu_high, include_restricted=False)
    assert {s.system_id for s in high.systems} == {"cv-screening", "credit-scoring"}
    first = search_registry(store, eu_high, include_restricted=False, limit=1)  # keyset pages of a filter
    assert [s.system_id for s in first.systems] == ["credit-scoring"] and first.next_after == "credit-scoring"
    second = search_registry(store, eu_high, include_restricted=False, after=first.next_after, limit=1)
    assert [s.system_id for s in second.systems] == ["cv-screening"] and second.next_after is None
    assert [
        s.system_id
        for s in search_registry(
            store, RegistryFilter(sector="employment", jurisdiction="eu"), include_restricted=False
        ).systems
    ] == ["cv-screening"]
    border = RegistryFilter(sector="migration_border", jurisdiction="eu")
    assert search_registry(store, border, include_restricted=False).systems == []
    assert [s.system_id for s in search_registry(store, border, include_restricted=True).systems] == [
        "border-face-match"
    ]
    by_text = search_registry(store, RegistryFilter(q="TALENT"), include_restricted=False)
    assert [s.system_id for s in by_text.systems] == ["cv-screening"]
    assert "migration_border" not in facet_values(store, "sector", include_restricted=False)
    assert "migration_border" in facet_values(store, "sector", include_restricted=True)


def test_the_service_on_each_backend(store: Store, seeded_templates: SeededTemplates) -> None:
    """Login, the registry, a system page, the API and TAXII discovery through the whole service."""
    from starlette.testclient import TestClient

    from tests.portal.conftest import PUBLIC_ID, csrf_of, seed
    from tongzhou.portal.service import create_service

    seeded_templates.restore(store, seed)
    client = TestClient(create_service(store), base_url="http://127.0.0.1")
    token = csrf_of(client.get("/login").text)
    login = client.post(
        "/login", data={"name": "prov", "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert login.status_code == 303
    assert client.get("/api/v1/me").json()["name"] == "prov"
    assert PUBLIC_ID in client.get("/registry?sector=employment").text
    assert client.get(f"/systems/{PUBLIC_ID}?as_of=2027-12-02").status_code == 200
    listed = client.get("/api/v1/systems?jurisdiction=eu&limit=100").json()["systems"]
    assert PUBLIC_ID in [s["id"] for s in listed] and "border-face-match" not in [s["id"] for s in listed]
    assert client.get("/taxii2/").status_code == 200
