"""Accounts: argon2id hashes, bad input refused, lockout, rate limit, login journeys, tokens = TAXII keys."""

from __future__ import annotations

import time

import pytest
from argon2 import extract_parameters
from sqlalchemy import select

from tests.portal.conftest import ACCOUNTS, PASSWORD, TEST_HASHER, Portal, csrf_of, login
from tongzhou.errors import InputError
from tongzhou.portal import totp
from tongzhou.portal._tables import ACCOUNTS as ACCOUNT_TABLE
from tongzhou.portal.accounts import LOCKOUT_AFTER, AccountBook, LoginRefusal
from tongzhou.portal.roles import Role
from tongzhou.portal.sessions import COOKIE
from tongzhou.store import Store
from tongzhou.threats.auth import AUTH_CACHE_SECONDS, Authority


def test_passwords_are_stored_as_argon2id(sqlite_store: Store) -> None:
    AccountBook(sqlite_store).add_account("alice", PASSWORD, "provider")
    with sqlite_store.engine.connect() as conn:
        stored = conn.execute(select(ACCOUNT_TABLE.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    # The production parameters (RFC 9106's second recommended option), not the cheap ones that the
    # seeded test templates use (tests/portal/conftest.py TEST_HASHER).
    made = extract_parameters(stored)
    assert (made.memory_cost, made.time_cost, made.parallelism) == (65536, 3, 4)
    assert (made.memory_cost, made.time_cost) != (TEST_HASHER.memory_cost, TEST_HASHER.time_cost)


@pytest.mark.parametrize(
    ("name", "password", "role", "org"),
    [
        ("alice", "short", "provider", None),
        ("bad name!", PASSWORD, "provider", None),
        ("alice", PASSWORD, "emperor", None),
        ("alice", PASSWORD, "public", None),
        ("alice", PASSWORD, "provider", "no-such-org"),
    ],
)
def test_bad_accounts_are_refused_and_nothing_is_written(
    sqlite_store: Store, name: str, password: str, role: str, org: str | None
) -> None:
    book = AccountBook(sqlite_store)
    with pytest.raises(InputError):
        book.add_account(name, password, role, org)
    assert book.accounts() == []


def test_a_duplicate_account_is_refused(sqlite_store: Store) -> None:
    book = AccountBook(sqlite_store)
    book.add_account("alice", PASSWORD, "provider")
    with pytest.raises(InputError, match="already exists"):
        book.add_account("alice", PASSWORD + "!", "admin")


def test_lockout_after_repeated_wrong_passwords(sqlite_store: Store) -> None:
    book = AccountBook(sqlite_store)
    book.add_account("alice", PASSWORD, "provider")
    results = [book.check_password("alice", "wrong password!") for _ in range(LOCKOUT_AFTER)]
    assert results[:-1] == [LoginRefusal.wrong] * (LOCKOUT_AFTER - 1)
    assert results[-1] is LoginRefusal.locked
    assert book.check_password("alice", PASSWORD) is LoginRefusal.locked, "the right password waits too"
    book.set_password("alice", PASSWORD)  # an admin's reset unlocks
    assert not isinstance(book.check_password("alice", PASSWORD), LoginRefusal)


def test_unknown_and_wrong_look_the_same(sqlite_store: Store) -> None:
    book = AccountBook(sqlite_store)
    book.add_account("alice", PASSWORD, "provider")
    assert book.check_password("nobody", PASSWORD) is book.check_password("alice", "nope nope nope")


def test_provider_logs_in_and_out_with_a_secure_cookie(portal: Portal) -> None:
    client = portal.client()
    response = login(client, "prov", portal.secrets)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie  # plain HTTP here
    assert "prov" in client.get("/account").text
    logout = client.post(
        "/logout", data={"csrf_token": csrf_of(client.get("/account").text)}, follow_redirects=False
    )
    assert logout.status_code == 303
    assert client.get("/account").status_code == 401


def test_session_cookie_is_secure_over_tls(portal: Portal) -> None:
    client = portal.client(base_url="https://127.0.0.1")
    response = login(client, "prov", portal.secrets)
    assert "Secure" in response.headers["set-cookie"]
    assert "strict-transport-security" in client.get("/").headers


def test_regulator_needs_the_code_after_the_password(portal: Portal) -> None:
    client = portal.client()
    token = csrf_of(client.get("/login").text)
    first = client.post(
        "/login", data={"name": "reg", "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert first.headers["location"] == "/login/second-factor"
    assert client.get("/account").status_code == 401, "password alone is not a regulator's login"
    page = client.get("/login/second-factor")
    assert 'id="totp-secret"' in page.text and "otpauth://totp/" in page.text
    wrong = client.post("/login/second-factor", data={"code": "000000", "csrf_token": csrf_of(page.text)})
    assert wrong.status_code == 401
    response = login(client, "reg", portal.secrets)
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert client.get("/account").status_code == 200
    # Enrolled now: the next login asks for a code without showing the secret again.
    other = portal.client()
    token = csrf_of(other.get("/login").text)
    other.post("/login", data={"name": "reg", "password": PASSWORD, "csrf_token": token})
    page = other.get("/login/second-factor")
    assert 'id="totp-secret"' not in page.text
    code = totp.totp_at(portal.secrets["reg"], time.time() + 30)  # the next step: a used one is refused
    done = other.post(
        "/login/second-factor", data={"code": code, "csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert done.status_code == 303


def test_login_rate_limit_by_address(portal: Portal) -> None:
    client = portal.client()
    token = csrf_of(client.get("/login").text)
    statuses = [
        client.post(
            "/login", data={"name": f"nobody{n}", "password": "x" * 12, "csrf_token": token}
        ).status_code
        for n in range(21)
    ]
    assert statuses[:20] == [401] * 20
    assert statuses[20] == 429
    right = client.post("/login", data={"name": "prov", "password": PASSWORD, "csrf_token": token})
    assert right.status_code == 429, "a blocked address may not log in even with the right password"


def test_locked_account_says_so(portal: Portal) -> None:
    client = portal.client()
    token = csrf_of(client.get("/login").text)
    for _ in range(LOCKOUT_AFTER):
        last = client.post(
            "/login", data={"name": "eval", "password": "wrong wrong wrong", "csrf_token": token}
        )
    assert last.status_code == 423
    assert COOKIE not in client.cookies


def test_api_token_is_the_taxii_key(portal: Portal) -> None:
    token = portal.token(Role.admin)
    me = portal.client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/me")
    assert me.json() == {"name": ACCOUNTS[Role.admin], "role": "admin", "organisation": None}
    caller = Authority(portal.store).authenticate(f"Bearer {token}")
    assert caller.name == ACCOUNTS[Role.admin] and caller.is_admin
    taxii = portal.client(headers={"Authorization": f"Bearer {token}"}).get("/tongzhou/collections/")
    assert taxii.status_code == 200 and taxii.headers["content-type"].startswith("application/taxii+json")
    Authority(portal.store).revoke_api_keys(principal=ACCOUNTS[Role.admin])
    time.sleep(
        AUTH_CACHE_SECONDS + 0.2
    )  # other Authority objects trust a verified key this long (documented)
    assert portal.client(headers={"X-API-Key": token}).get("/api/v1/me").status_code == 401


def test_tokens_made_on_the_account_page(portal: Portal) -> None:
    client = portal.logged_in(Role.evaluator)
    page = client.post(
        "/account/tokens", data={"label": "ci", "csrf_token": csrf_of(client.get("/account").text)}
    )
    assert page.status_code == 201
    token = page.text.split('id="new-token">')[1].split("<")[0]
    assert token.startswith("tzk_")
    assert portal.client(headers={"X-API-Key": token}).get("/api/v1/me").json()["role"] == "evaluator"


def test_admin_creates_an_account_on_the_admin_page(portal: Portal) -> None:
    client = portal.logged_in(Role.admin)
    token = csrf_of(client.get("/admin").text)
    made = client.post(
        "/admin/accounts",
        data={
            "name": "newbie",
            "password": PASSWORD,
            "role": "evaluator",
            "organisation": "acme",
            "csrf_token": token,
        },
    )
    assert made.status_code == 201
    assert login(portal.client(), "newbie", portal.secrets).status_code == 303
    bad = client.post(
        "/admin/accounts", data={"name": "x", "password": "short", "role": "evaluator", "csrf_token": token}
    )
    assert bad.status_code == 422
    assert AccountBook(portal.store).account("x") is None
