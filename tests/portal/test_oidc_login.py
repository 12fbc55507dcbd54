"""Single sign-on against a real OpenID Provider (node-oidc-provider on loopback), driven with httpx:
the good journeys, the site's account policy, and the hostile cases (wrong state, replayed code,
forged or altered ID tokens, another issuer, an unlinked identity, an open redirect)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml
from joserfc.jwk import RSAKey
from sqlalchemy import func, select
from starlette.testclient import TestClient

from tests.conftest import free_port
from tests.portal.conftest import ACCOUNTS, PASSWORD, Portal, SeededTemplates, csrf_of
from tests.portal.oidc_provider import LiveProvider, claims_of, running_provider, sign, unsigned
from tests.system_tools import need_chromium
from tests.threats.conftest import ThreadedServer
from tongzhou.errors import InputError
from tongzhou.home import tongzhou_home
from tongzhou.portal._tables import ACCOUNTS as ACCOUNT_TABLE
from tongzhou.portal._tables import OIDC_LINKS
from tongzhou.portal.accounts import AccountBook
from tongzhou.portal.oidc_config import load_providers
from tongzhou.portal.oidc_identities import IdentityLinks
from tongzhou.portal.roles import Role
from tongzhou.portal.service import create_service
from tongzhou.portal.sessions import COOKIE
from tongzhou.reports.browser import chromium_page
from tongzhou.store import Store

SECRET = "client-secret-for-tests-only"
CALLBACK = "http://127.0.0.1/login/oidc/{}/callback"
OP_ACCOUNTS = {
    "u-1001": {"email": "pat@uni.example", "email_verified": True, "groups": ["staff"]},
    "u-1002": {"email": "sam@uni.example", "email_verified": True, "groups": ["ai-team"]},
    "u-1003": {"email": "reg@ministry.example", "email_verified": True, "groups": []},
    "u-1004": {"email": "nobody@uni.example", "email_verified": False, "groups": ["ai-team"]},
    "u-1005": {"email": "boss@uni.example", "email_verified": True, "groups": ["admins"]},
}


@pytest.fixture(scope="module")
def live_port() -> int:
    """The port the Chromium test serves the portal on (registered at the provider in advance)."""
    return free_port()


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory, live_port: int) -> Iterator[LiveProvider]:
    clients = [
        {
            "client_id": client_id,
            "client_secret": SECRET,
            "redirect_uris": [
                CALLBACK.format(client_id),
                f"http://127.0.0.1:{live_port}/login/oidc/{client_id}/callback",
            ],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
        }
        for client_id in ("campus", "partners")
    ]
    with running_provider(tmp_path_factory.mktemp("op"), clients, OP_ACCOUNTS) as live:
        yield live


@pytest.fixture
def op(provider: LiveProvider) -> Iterator[LiveProvider]:
    """The provider, passing its answers through unless the test tampers with them."""
    provider.tamper = None
    provider.token_requests.clear()
    yield provider
    provider.tamper = None


def write_config(issuer: str, **overrides: Any) -> None:
    """$TONGZHOU_HOME/portal/oidc.yaml: 'campus' (linked accounts, hwk stands for TOTP) and
    'partners' (accounts made from the groups claim)."""
    campus = {
        "id": "campus",
        "name": "Campus SSO",
        "issuer": issuer,
        "client_id": "campus",
        "client_secret_env": "TZ_TEST_OIDC_SECRET",
        "scopes": ["openid", "email", "groups"],
        "account_claim": "email",
        "mfa_amr": ["hwk"],
        **overrides,
    }
    partners = {
        "id": "partners",
        "name": "Partner labs",
        "issuer": issuer,
        "client_id": "partners",
        "client_secret_env": "TZ_TEST_OIDC_SECRET",
        "scopes": ["openid", "email", "groups"],
        "account_claim": "email",
        "accounts": "by-claim",
        "role_claim": "groups",
        "role_map": {"ai-team": {"role": "provider", "organisation": "acme"}},
    }
    path = tongzhou_home() / "portal" / "oidc.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"providers": [campus, partners]}), encoding="utf-8")


@pytest.fixture
def sso(
    sqlite_store: Store, seeded_templates: SeededTemplates, op: LiveProvider, monkeypatch: pytest.MonkeyPatch
) -> Portal:
    """The service with both providers configured; pat@uni.example linked to the provider account,
    reg@ministry.example to the regulator."""
    monkeypatch.setenv("TZ_TEST_OIDC_SECRET", SECRET)
    write_config(op.issuer)
    seeded_templates.restore(sqlite_store, seed)
    links = IdentityLinks(AccountBook(sqlite_store))
    links.link(ACCOUNTS[Role.provider], "campus", "pat@uni.example")
    links.link(ACCOUNTS[Role.regulator], "campus", "reg@ministry.example")
    links.link(ACCOUNTS[Role.admin], "campus", "boss@uni.example")
    return Portal(sqlite_store, create_service(sqlite_store))


def seed(store: Store) -> None:
    """conftest's accounts and organisation, without the registry (sign-on needs no systems)."""
    book = AccountBook(store)
    book.add_organisation("acme", "ACME AI")
    for role, name in ACCOUNTS.items():
        book.add_account(name, PASSWORD, role, "acme" if role is Role.provider else None)


def start(client: TestClient, provider_id: str = "campus", next_path: str | None = None) -> httpx.Response:
    """Press "Sign in with …" on the login page."""
    form = {"csrf_token": csrf_of(client.get("/login").text)}
    if next_path is not None:
        form["next"] = next_path
    return client.post(f"/login/oidc/{provider_id}", data=form, follow_redirects=False)


def at_provider(authorization_url: str, issuer: str, login: str, amr: str = "") -> str:
    """A person at the provider signs in; returns the callback URL the provider sends them to."""
    with httpx.Client(timeout=10) as browser:
        response = browser.get(authorization_url)
        while response.is_redirect and response.headers["location"].startswith(("/", issuer)):
            response = browser.get(httpx.URL(str(response.url)).join(response.headers["location"]))
        action = re.search(r'action="([^"]+)"', response.text)
        assert action, response.text[:300]
        response = browser.post(httpx.URL(issuer).join(action.group(1)), data={"login": login, "amr": amr})
        while response.is_redirect and response.headers["location"].startswith(("/", issuer)):
            response = browser.get(httpx.URL(str(response.url)).join(response.headers["location"]))
        assert response.is_redirect, response.text[:300]
        return str(response.headers["location"])


def sign_in(
    client: TestClient, issuer: str, login: str, provider_id: str = "campus", **kwargs: Any
) -> httpx.Response:
    """The whole journey; returns the portal's answer to the callback."""
    started = start(client, provider_id, kwargs.pop("next_path", None))
    assert started.status_code == 303, started.text[:300]
    callback = at_provider(started.headers["location"], issuer, login, **kwargs)
    return client.get(_local(callback), follow_redirects=False)


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def account_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ACCOUNT_TABLE)).scalar_one())


# -- the good journeys ---------------------------------------------------------------------------------
def test_the_login_page_offers_sign_on_only_when_configured(sso: Portal, portal_home_plain: Portal) -> None:
    page = sso.client().get("/login")
    assert "Sign in with Campus SSO" in page.text and "Sign in with Partner labs" in page.text
    assert "使用Campus SSO登录" in sso.client().get("/login?lang=zh").text
    assert "Sign in with" not in portal_home_plain.client().get("/login").text


@pytest.fixture
def portal_home_plain(tmp_path: Path, sqlite_store: Store) -> Portal:
    """A second service on another home with no oidc.yaml (the default: password login only)."""
    del tmp_path
    path = tongzhou_home() / "portal" / "oidc.yaml"
    saved = path.read_text(encoding="utf-8") if path.exists() else None
    path.unlink(missing_ok=True)
    app = create_service(sqlite_store)
    if saved is not None:
        path.write_text(saved, encoding="utf-8")
    return Portal(sqlite_store, app)


def test_a_linked_person_signs_in_with_pkce_state_and_nonce(sso: Portal, op: LiveProvider) -> None:
    client = sso.client()
    started = start(client)
    request = parse_qs(urlsplit(started.headers["location"]).query)
    assert request["code_challenge_method"] == ["S256"] and len(request["code_challenge"][0]) == 43
    assert request["state"][0] and request["nonce"][0] and request["scope"] == ["openid email groups"]
    assert "tz_oidc" in started.headers["set-cookie"] and "HttpOnly" in started.headers["set-cookie"]
    callback = at_provider(started.headers["location"], op.issuer, "u-1001")
    done = client.get(_local(callback), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert op.token_requests[-1]["code_verifier"], "the code was redeemed with the PKCE verifier"
    assert "prov" in client.get("/account").text
    assert client.get("/api/v1/me").json()["role"] == "provider"


def test_the_return_path_is_kept_but_never_leaves_the_site(sso: Portal, op: LiveProvider) -> None:
    done = sign_in(sso.client(), op.issuer, "u-1001", next_path="/registry?sector=employment")
    assert done.headers["location"] == "/registry?sector=employment"
    for hostile in (
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
    ):
        done = sign_in(sso.client(), op.issuer, "u-1001", next_path=hostile)
        assert done.status_code == 303 and done.headers["location"] == "/", hostile


def test_a_regulator_still_gives_the_site_totp_unless_the_token_shows_accepted_mfa(
    sso: Portal, op: LiveProvider
) -> None:
    client = sso.client()
    done = sign_in(client, op.issuer, "u-1003", amr="pwd")
    assert done.headers["location"] == "/login/second-factor"
    assert client.get("/account").status_code == 401, "not logged in before the code"
    assert 'id="totp-secret"' in client.get("/login/second-factor").text
    client = sso.client()
    done = sign_in(client, op.issuer, "u-1003", amr="pwd,hwk")
    assert done.headers["location"] == "/"
    assert client.get("/api/v1/me").json()["role"] == "regulator"


def test_mfa_in_amr_counts_only_where_the_site_accepts_it(
    sqlite_store: Store, seeded_templates: SeededTemplates, op: LiveProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ_TEST_OIDC_SECRET", SECRET)
    write_config(op.issuer, mfa_amr=[])
    seeded_templates.restore(sqlite_store, seed)
    IdentityLinks(AccountBook(sqlite_store)).link(ACCOUNTS[Role.admin], "campus", "boss@uni.example")
    portal = Portal(sqlite_store, create_service(sqlite_store))
    done = sign_in(portal.client(), op.issuer, "u-1005", amr="hwk,mfa")
    assert done.headers["location"] == "/login/second-factor"


def test_by_claim_policy_makes_a_provider_account_in_the_mapped_organisation(
    sso: Portal, op: LiveProvider
) -> None:
    client = sso.client()
    done = sign_in(client, op.issuer, "u-1002", provider_id="partners")
    assert done.status_code == 303 and done.headers["location"] == "/"
    me = client.get("/api/v1/me").json()
    assert me["role"] == "provider"
    made = AccountBook(sso.store).account("sam@uni.example")
    assert made is not None and made.organisation_id == "acme"
    assert AccountBook(sso.store).check_password("sam@uni.example", "!single-sign-on") is not made
    again = sign_in(sso.client(), op.issuer, "u-1002", provider_id="partners")
    assert again.headers["location"] == "/" and account_count(sso.store) == len(ACCOUNTS) + 1


def test_a_link_made_on_the_admin_page_signs_in_and_an_unlink_stops_it(sso: Portal, op: LiveProvider) -> None:
    admin = sso.logged_in(Role.admin)
    token = csrf_of(admin.get("/admin/identities").text)
    form = {"provider": "campus", "identity": "sam@uni.example", "csrf_token": token}
    assert (
        admin.post("/admin/identities", data={**form, "account": ACCOUNTS[Role.evaluator]}).status_code == 201
    )
    client = sso.client()
    done = sign_in(client, op.issuer, "u-1002")
    assert done.status_code == 303 and client.get("/api/v1/me").json()["name"] == ACCOUNTS[Role.evaluator]
    assert admin.post("/admin/identities/unlink", data=form).status_code == 200
    again = sign_in(sso.client(), op.issuer, "u-1002")
    assert again.status_code == 403 and "No account here is linked to sam@uni.example" in again.text


# -- the account policy refuses ---------------------------------------------------------------------
def test_an_unlinked_identity_is_refused_in_both_languages_and_nothing_is_made(
    sso: Portal, op: LiveProvider
) -> None:
    before = account_count(sso.store)
    client = sso.client()
    done = sign_in(client, op.issuer, "u-1002")  # campus links only; sam is not linked there
    assert done.status_code == 403
    assert "No account here is linked to sam@uni.example" in done.text
    assert "本站没有账户关联到 sam@uni.example" in done.text
    assert COOKIE not in client.cookies and account_count(sso.store) == before


@pytest.mark.parametrize(
    ("login", "expected"), [("u-1001", "has no role"), ("u-1004", "no verified identity")]
)
def test_by_claim_without_a_mapped_role_or_verified_email_makes_nothing(
    sso: Portal, op: LiveProvider, login: str, expected: str
) -> None:
    before = account_count(sso.store)
    done = sign_in(sso.client(), op.issuer, login, provider_id="partners")
    assert done.status_code == 403 and expected in done.text
    assert account_count(sso.store) == before


def test_a_claim_never_takes_over_an_existing_account(sso: Portal, op: LiveProvider) -> None:
    AccountBook(sso.store).add_account("sam@uni.example", "a long password here", "evaluator")
    done = sign_in(sso.client(), op.issuer, "u-1002", provider_id="partners")
    assert done.status_code == 403 and "exists and is not linked" in done.text
    with sso.store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(OIDC_LINKS)).scalar_one() == 3


@pytest.mark.parametrize("role", ["regulator", "admin"])
def test_a_role_map_may_not_grant_regulator_or_admin(
    tmp_path: Path, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("S", "x")
    path = tmp_path / "oidc.yaml"
    provider = {
        "id": "p",
        "name": "P",
        "issuer": "https://sso.example",
        "client_id": "c",
        "client_secret_env": "S",
        "accounts": "by-claim",
        "role_claim": "groups",
        "role_map": {"g": {"role": role}},
    }
    path.write_text(yaml.safe_dump({"providers": [provider]}), encoding="utf-8")
    with pytest.raises(InputError, match="may grant only provider or evaluator"):
        load_providers(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"issuer": "http://sso.example"}, "https"),
        ({"client_secret_env": "TZ_UNSET_VARIABLE"}, "no client secret"),
        ({"scopes": ["email"]}, "openid"),
        ({"surprise": 1}, "Extra inputs"),
    ],
)
def test_a_bad_configuration_is_one_clear_error(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    provider = {
        "id": "p",
        "name": "P",
        "issuer": "https://sso.example",
        "client_id": "c",
        "client_secret_file": str(tmp_path / "s"),
    }
    (tmp_path / "s").write_text("secret\n", encoding="utf-8")
    path = tmp_path / "oidc.yaml"
    path.write_text(yaml.safe_dump({"providers": [{**provider, **change}]}), encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_providers(path)


# -- hostile answers ----------------------------------------------------------------------------------
def test_a_wrong_state_logs_nobody_in(sso: Portal, op: LiveProvider) -> None:
    client = sso.client()
    started = start(client)
    callback = at_provider(started.headers["location"], op.issuer, "u-1001")
    forged = re.sub(r"state=[^&]+", "state=not-the-state-we-sent", _local(callback))
    done = client.get(forged, follow_redirects=False)
    assert done.status_code == 400 and "did not start in this browser" in done.text
    assert COOKIE not in client.cookies


def test_a_callback_in_another_browser_logs_nobody_in(sso: Portal, op: LiveProvider) -> None:
    started = start(sso.client())
    callback = at_provider(started.headers["location"], op.issuer, "u-1001")
    victim = sso.client()
    done = victim.get(_local(callback), follow_redirects=False)
    assert done.status_code == 400 and COOKIE not in victim.cookies


def test_a_replayed_code_is_refused(sso: Portal, op: LiveProvider) -> None:
    client = sso.client()
    started = start(client)
    callback = _local(at_provider(started.headers["location"], op.issuer, "u-1001"))
    assert client.get(callback, follow_redirects=False).status_code == 303
    replay = client.get(callback, follow_redirects=False)
    assert replay.status_code == 400, "the state is used up"
    # The same code under a fresh state of this browser: the provider refuses it (used once).
    attacker = sso.client()
    fresh = parse_qs(urlsplit(start(attacker).headers["location"]).query)["state"][0]
    code_again = re.sub(r"state=[^&]+", f"state={fresh}", callback)
    refused = attacker.get(code_again, follow_redirects=False)
    assert refused.status_code == 401 and "refused the code" in refused.text
    assert COOKIE not in attacker.cookies


def _forge(
    op: LiveProvider, change: dict[str, Any], key: RSAKey | None = None, kid: str | None = None
) -> None:
    def tamper(answer: dict[str, Any]) -> dict[str, Any]:
        claims = {**claims_of(answer["id_token"]), **change}
        return {**answer, "id_token": sign(claims, key or op.key, kid)}

    op.tamper = tamper


def _other_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "op-key-1"}, private=True)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("alg none", "not signed by the provider"),
        ("another key, the provider's kid", "not signed by the provider"),
        ("another key, an unknown kid", "not signed by the provider"),
        ("expired", "has expired"),
        ("issued long ago", "has expired"),
        ("issued in the future", "has expired"),
        ("another audience", "has expired"),
        ("wrong nonce", "has expired"),
        ("another issuer", "another issuer"),
    ],
)
def test_an_altered_id_token_logs_nobody_in(sso: Portal, op: LiveProvider, case: str, expected: str) -> None:
    now = int(time.time())
    if case == "alg none":
        op.tamper = lambda answer: {**answer, "id_token": unsigned(claims_of(answer["id_token"]))}
    elif case == "another key, the provider's kid":
        _forge(op, {}, key=_other_key())
    elif case == "another key, an unknown kid":
        _forge(op, {}, key=_other_key(), kid="attacker-key")
    else:
        change = {
            "expired": {"exp": now - 3600, "iat": now - 7200},
            "issued long ago": {"iat": now - 3600},
            "issued in the future": {"iat": now + 3600},
            "another audience": {"aud": "someone-else"},
            "wrong nonce": {"nonce": "a-nonce-from-another-sign-in"},
            "another issuer": {"iss": "https://attacker.example"},
        }[case]
        _forge(op, change)
    client = sso.client()
    done = sign_in(client, op.issuer, "u-1001")
    assert done.status_code == 401 and expected in done.text, (case, done.text[-600:])
    assert COOKIE not in client.cookies


def test_the_same_forgery_path_accepts_an_untouched_token(sso: Portal, op: LiveProvider) -> None:
    """The forging tamper re-signs with the provider's own key: with no change it must pass, so the
    refusals above come from the claim each test changed."""
    _forge(op, {})
    assert sign_in(sso.client(), op.issuer, "u-1001").headers["location"] == "/"


def test_a_callback_naming_another_issuer_is_refused(sso: Portal, op: LiveProvider) -> None:
    client = sso.client()
    started = start(client)
    callback = _local(at_provider(started.headers["location"], op.issuer, "u-1001"))
    assert "iss=" in callback, "the provider sends iss with the code (RFC 9207)"
    mixed_up = re.sub(r"iss=[^&]+", "iss=https%3A%2F%2Fattacker.example", callback)
    done = client.get(mixed_up, follow_redirects=False)
    assert done.status_code == 401 and "another issuer" in done.text


def test_an_unconfigured_provider_is_not_found(sso: Portal) -> None:
    client = sso.client()
    assert start(client, "elsewhere").status_code == 404
    assert client.get("/login/oidc/elsewhere/callback?code=x&state=y").status_code == 404


def test_a_configured_issuer_that_discovery_contradicts_is_refused(
    sqlite_store: Store, seeded_templates: SeededTemplates, op: LiveProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ_TEST_OIDC_SECRET", SECRET)
    write_config(op.issuer + "/")  # discovery's issuer has no trailing slash: not the same issuer
    seeded_templates.restore(sqlite_store, seed)
    portal = Portal(sqlite_store, create_service(sqlite_store))
    done = start(portal.client())
    assert done.status_code == 401 and "another issuer" in done.text


def test_an_unreachable_provider_is_a_clear_502(
    sqlite_store: Store, seeded_templates: SeededTemplates, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ_TEST_OIDC_SECRET", SECRET)
    write_config("http://127.0.0.1:9")
    seeded_templates.restore(sqlite_store, seed)
    portal = Portal(sqlite_store, create_service(sqlite_store))
    done = start(portal.client())
    assert done.status_code == 502 and "could not be reached" in done.text


@pytest.mark.slow
def test_a_person_signs_on_in_chromium_under_the_portal_csp(
    sso: Portal, op: LiveProvider, live_port: int
) -> None:
    """Chromium applies the login page's form-action to the redirect to the provider: the page's
    CSP must name the provider, or the button does nothing."""
    need_chromium()
    server = ThreadedServer(sso.app, live_port)
    server.start()
    base = f"http://127.0.0.1:{live_port}"
    try:
        with chromium_page() as page:
            page.set_default_timeout(15_000)
            blocked: list[str] = []
            page.on(
                "console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None
            )
            page.goto(f"{base}/login?next=/registry")
            page.click("text=Sign in with Campus SSO")
            page.wait_for_url(f"{op.issuer}/interaction/**")
            page.fill("input[name=login]", "u-1001")
            page.click("button")
            page.wait_for_url(f"{base}/registry")
            assert "prov" in page.inner_text("header .who")
            assert not blocked, blocked
    finally:
        server.stop()
