"""Accounts on the TAXII server (issue 20, item 8): passwords kept, no user enumeration, a bounded
cost for wrong-password floods, keys that expire and can be revoked, and no trust in ``Host``."""

from __future__ import annotations

import base64
from collections.abc import Callable

import httpx
import pytest
from typer.testing import CliRunner

import tongzhou.threats.auth as auth
from tests.conftest import free_port
from tests.threats.conftest import LiveTaxii, ThreadedServer, make_principals
from tongzhou.cli.main import app as cli
from tongzhou.store import Store, open_store
from tongzhou.threats.auth import AuthenticationFailed, Authority, PasswordChecksBusy
from tongzhou.threats.media import TAXII_MEDIA_TYPE
from tongzhou.threats.server import ServerConfig, create_app
from tongzhou.threats.timestamps import now_us

PASSWORD = "correct horse battery staple"


def basic(user: str, password: str) -> str:
    """An ``Authorization: Basic`` value."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def scrypt_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each password check (the real scrypt still runs)."""
    calls: list[str] = []
    real: Callable[[str, str], bool] = auth.verify_password

    def counted(password: str, stored: str) -> bool:
        calls.append(password)
        return real(password, stored)

    monkeypatch.setattr(auth, "verify_password", counted)
    return calls


def test_making_an_admin_keeps_the_password(store: Store) -> None:
    authority = Authority(store)
    authority.add_principal("eve", password=PASSWORD)
    authority.issue_api_key("eve")
    authority.add_principal("eve", is_admin=True)  # what `threats add-key eve --admin` does
    caller = authority.authenticate(basic("eve", PASSWORD))
    assert (caller.name, caller.is_admin) == ("eve", True)
    authority.add_principal("eve", password="a new one")  # a password change keeps the admin flag
    assert authority.authenticate(basic("eve", "a new one")).is_admin


def test_add_key_admin_on_the_command_line_keeps_the_password() -> None:
    runner = CliRunner()
    store = open_store()
    try:
        Authority(store).add_principal("eve", password=PASSWORD)
    finally:
        store.close()
    assert runner.invoke(cli, ["threats", "add-key", "eve", "--admin"]).exit_code == 0
    store = open_store()
    try:
        assert Authority(store).authenticate(basic("eve", PASSWORD)).is_admin
    finally:
        store.close()


def _caller_on_disk(user: str, password: str) -> tuple[str | None, bool]:
    store = open_store()
    try:
        caller = Authority(store).authenticate(basic(user, password))
    finally:
        store.close()
    return caller.name, caller.is_admin


def test_add_user_keeps_the_admin_flag_unless_told_otherwise() -> None:
    """`add-user eve` (a password change) used to take eve's administrator rights away."""
    runner = CliRunner()

    def add_user(*args: str) -> str:
        result = runner.invoke(cli, ["threats", "add-user", "eve", "--password", *args])
        assert result.exit_code == 0, result.output
        return result.output

    assert "(administrator)" in add_user("first", "--admin")
    assert _caller_on_disk("eve", "first") == ("eve", True)
    add_user("second")  # no flag: the password changes, the admin flag stays
    assert _caller_on_disk("eve", "second") == ("eve", True)
    assert "(not an administrator)" in add_user("third", "--no-admin")
    assert _caller_on_disk("eve", "third") == ("eve", False)
    add_user("fourth")  # no flag again: stays a non-admin
    assert _caller_on_disk("eve", "fourth") == ("eve", False)
    fresh = runner.invoke(cli, ["threats", "add-user", "frank", "--password", "pw"])
    assert fresh.exit_code == 0, fresh.output
    assert _caller_on_disk("frank", "pw") == ("frank", False)  # a new user is not an admin


def test_unknown_users_cost_a_password_check_like_known_ones(store: Store, scrypt_calls: list[str]) -> None:
    authority = Authority(store)
    authority.add_principal("known", password=PASSWORD)
    authority.issue_api_key("keyonly")  # a principal without a password
    for user in ("known", "nobody", "keyonly", "nul\x00user"):
        with pytest.raises(AuthenticationFailed, match="wrong user name or password"):
            authority.authenticate(basic(user, f"wrong for {user}"))
    assert len(scrypt_calls) == 4


def test_the_same_wrong_password_again_costs_no_scrypt(store: Store, scrypt_calls: list[str]) -> None:
    authority = Authority(store)
    authority.add_principal("known", password=PASSWORD)
    for _ in range(50):
        with pytest.raises(AuthenticationFailed):
            authority.authenticate(basic("known", "guess"))
    assert len(scrypt_calls) == 1
    assert authority.authenticate(basic("known", PASSWORD)).name == "known"


def test_a_password_flood_is_told_to_come_back(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "PASSWORD_CHECK_WAIT_S", 0.05)
    _, _, made = make_principals(store)
    taxii = create_app(store, ServerConfig())
    server_authority: Authority = taxii.state.authority
    port = free_port()
    server = ThreadedServer(taxii, port)
    server.start()
    slots = server_authority._password_checks
    held = 0
    try:
        while slots.acquire(blocking=False):  # what a flood of scrypts in flight looks like
            held += 1
        with pytest.raises(PasswordChecksBusy):
            server_authority.authenticate(basic("writer", "a guess"))
        url = f"http://127.0.0.1:{port}/tongzhou/collections/{made['shared'].id}/objects/"
        busy = httpx.get(url, headers={"Authorization": basic("writer", "another guess")})
        assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
        assert busy.headers["content-type"] == TAXII_MEDIA_TYPE
        # API keys need no password check: they are served all along.
        assert httpx.get(url, headers={"Authorization": f"Bearer {made['reader_key']}"}).status_code == 200
    finally:
        for _ in range(held):
            slots.release()
        server.stop()
    assert held == auth.PASSWORD_CHECK_SLOTS


def test_keys_expire_and_are_revoked_at_once(store: Store) -> None:
    authority = Authority(store)
    lapsed = authority.issue_api_key("eve", "old", expires_us=now_us() - 1)
    with pytest.raises(AuthenticationFailed, match="expired"):
        authority.authenticate(f"Bearer {lapsed}")
    current = authority.issue_api_key("eve", "current", expires_us=now_us() + 3_600_000_000)
    other = authority.issue_api_key("eve", "other")
    assert authority.authenticate(f"Bearer {current}").name == "eve"
    listed = {key.label: key for key in authority.api_keys("eve")}
    assert set(listed) == {"old", "current", "other"} and listed["other"].expires_us is None
    assert authority.revoke_api_keys(key_id=listed["current"].key_id) == 1
    with pytest.raises(AuthenticationFailed, match="revoked"):
        authority.authenticate(f"Bearer {current}")  # cached a moment ago: forgotten on revoke
    assert authority.authenticate(f"Bearer {other}").name == "eve"
    assert authority.revoke_api_keys(principal="eve") == 2
    with pytest.raises(AuthenticationFailed):
        authority.authenticate(f"Bearer {other}")


def test_keys_on_the_command_line() -> None:
    runner = CliRunner()
    issued = runner.invoke(cli, ["threats", "add-key", "mallory", "--label", "ci", "--expires-days", "30"])
    assert issued.exit_code == 0, issued.output
    key = issued.output.strip().splitlines()[-1]
    listed = runner.invoke(cli, ["threats", "list-keys", "mallory"])
    key_id = key.split("_")[1]
    assert key_id in listed.output and "never" not in listed.output and key not in listed.output
    assert runner.invoke(cli, ["threats", "revoke-key", key]).exit_code == 0  # a pasted key works too
    assert key_id not in runner.invoke(cli, ["threats", "list-keys"]).output
    assert runner.invoke(cli, ["threats", "revoke-key", key_id]).exit_code != 0  # already gone


def test_discovery_never_echoes_the_host_header(live_taxii: LiveTaxii) -> None:
    hostile = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    discovery = httpx.get(f"{live_taxii.base}/taxii2/", headers=hostile).json()
    assert all(url.startswith(f"{live_taxii.base}/") for url in discovery["api_roots"])
    assert "evil" not in str(discovery)
    # No redirect built from Host either: a path without its slash is a TAXII 404.
    unslashed = httpx.get(f"{live_taxii.base}/taxii2", headers=hostile)
    assert unslashed.status_code == 404 and "location" not in unslashed.headers
    assert unslashed.headers["content-type"] == TAXII_MEDIA_TYPE


def test_discovery_uses_the_configured_public_url(store: Store) -> None:
    make_principals(store)
    port = free_port()
    config = ServerConfig(public_url="https://taxii.example.org/sharing/")
    server = ThreadedServer(create_app(store, config), port)
    server.start()
    try:
        discovery = httpx.get(f"http://127.0.0.1:{port}/taxii2/", headers={"Host": "evil.example"}).json()
    finally:
        server.stop()
    assert discovery["default"] == "https://taxii.example.org/sharing/tongzhou/"
    assert discovery["api_roots"] == ["https://taxii.example.org/sharing/tongzhou/"]
