"""Accounts on the TAXII server (issue 20, item 8): passwords kept, no user enumeration, a bounded
cost for wrong-password floods, keys that expire and can be revoked, and no trust in ``Host``."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from typer.testing import CliRunner

import tongzhou.threats.auth as auth
from tests.conftest import free_port
from tests.threats.conftest import LiveTaxii, ThreadedServer, make_principals
from tongzhou.cli.main import app as cli
from tongzhou.errors import InputError
from tongzhou.store import Store, open_store
from tongzhou.threats.auth import ApiKeyInfo, AuthenticationFailed, Authority, Caller, PasswordChecksBusy
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


class _Clock:
    """``time.monotonic`` for the password and key caches, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Clock]:
    fake = _Clock()
    monkeypatch.setattr(auth.time, "monotonic", fake)  # the one `time` module auth and ttl_cache use
    yield fake


def test_a_password_hash_is_scrypt_with_its_parameters_in_the_string() -> None:
    stored = auth.hash_password(PASSWORD)
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(digest)) == 32
    independent = hashlib.scrypt(PASSWORD.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1, dklen=32)
    assert digest == independent.hex()
    assert auth.hash_password(PASSWORD).split("$")[4] != salt  # a fresh salt each time
    assert auth.verify_password(PASSWORD, stored)
    assert not auth.verify_password(PASSWORD + "!", stored)
    # A hash made with other parameters (an older setting) is checked with its own.
    fixed_salt = bytes(range(16))
    older = hashlib.scrypt(b"pw", salt=fixed_salt, n=1024, r=4, p=2, dklen=16).hex()
    assert auth.verify_password("pw", f"scrypt$1024$4$2${fixed_salt.hex()}${older}")
    assert not auth.verify_password("pw", f"bcrypt$1024$4$2${fixed_salt.hex()}${older}")  # another scheme
    assert not auth.verify_password("pw", f"scrypt$1024$4${fixed_salt.hex()}${older}")  # a field missing
    assert not auth.verify_password("pw", "")


def test_callers_and_listed_keys_cannot_be_altered() -> None:
    """A verified caller is cached and shared between requests: nobody may change it in place."""
    caller = Caller("eve")
    assert (caller.is_admin, caller.anonymous) == (False, False)
    assert (auth.ANONYMOUS.name, auth.ANONYMOUS.is_admin, auth.ANONYMOUS.anonymous) == (None, False, True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        caller.is_admin = True  # type: ignore[misc]
    listed = ApiKeyInfo("0" * 16, "eve", None, 1, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        listed.expires_us = 2  # type: ignore[misc]


def test_every_way_of_sending_a_key_and_each_malformed_one(store: Store) -> None:
    authority = Authority(store)
    key = authority.issue_api_key("eve", "ci")
    assert re.fullmatch(r"tzk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", key)
    eve = Caller("eve", is_admin=False)  # a key for a new principal makes no administrator
    for header in (f"Bearer {key}", f"bearer {key}", f"TOKEN {key}", f"  Token   {key}  "):
        assert Authority(store).authenticate(header) == eve
    assert authority.authenticate(None, f" {key} ") == eve
    assert authority.authenticate("Digest whatever", key) == eve  # X-API-Key wins over Authorization
    assert authority.authenticate(None) is auth.ANONYMOUS
    assert authority.authenticate("") is auth.ANONYMOUS
    refused = {
        "Digest abc": "unsupported authorization scheme 'digest'",
        "Bearer": "malformed API key",
        "Bearer tzk_abc": "malformed API key",
        "Bearer tzk_0123456789abcdef": "malformed API key",  # one underscore: no secret part
        "Bearer abc_0123456789abcdef_secret": "malformed API key",  # not tzk_
        f"Bearer tzk_{'g' * 16}_secret": "malformed API key",  # the key id is hex
        f"Bearer tzk_{'0' * 15}_secret": "malformed API key",  # of 16 digits
        f"Bearer tzk_{'0' * 17}_secret": "malformed API key",
        f"Bearer tzk_{'0' * 16}_secret": "unknown or revoked API key",
        f"Bearer {key}x": "unknown or revoked API key",
    }
    for header, message in refused.items():
        with pytest.raises(AuthenticationFailed) as refusal:
            authority.authenticate(header)
        assert str(refusal.value) == message, header
    authority.add_principal("eve", is_admin=True)  # applies to the key cached a moment ago, at once
    assert authority.authenticate(f"Bearer {key}") == Caller("eve", is_admin=True)


def test_a_key_stops_working_at_its_expiry_microsecond(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "now_us", lambda: 5_000_000)
    authority = Authority(store)
    ends_now = authority.issue_api_key("eve", expires_us=5_000_000)
    ends_next = authority.issue_api_key("eve", expires_us=5_000_001)
    with pytest.raises(AuthenticationFailed) as refusal:
        authority.authenticate(f"Bearer {ends_now}")
    assert str(refusal.value) == "expired API key: ask for a new one"
    assert authority.authenticate(f"Bearer {ends_next}") == Caller("eve")


def test_keys_are_listed_oldest_first_and_revoked_by_one_of_two_ways(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    authority = Authority(store)
    for created, principal in ((30, "eve"), (10, "bob"), (20, "eve")):
        monkeypatch.setattr(auth, "now_us", lambda created=created: created)
        authority.issue_api_key(principal, f"{principal}-{created}", expires_us=created + 100)
    listed = authority.api_keys()
    assert [(k.principal, k.label, k.created_us, k.expires_us) for k in listed] == [
        ("bob", "bob-10", 10, 110),
        ("eve", "eve-20", 20, 120),
        ("eve", "eve-30", 30, 130),
    ]
    assert [k.label for k in authority.api_keys("eve")] == ["eve-20", "eve-30"]
    for wrong in ({}, {"key_id": listed[0].key_id, "principal": "bob"}):
        with pytest.raises(ValueError, match="^give either key_id or principal$"):
            authority.revoke_api_keys(**wrong)
    assert authority.revoke_api_keys(key_id="0" * 16) == 0
    assert authority.revoke_api_keys(principal="eve") == 2
    assert [k.label for k in authority.api_keys()] == ["bob-10"]


def test_principals_keep_what_an_update_does_not_name(store: Store) -> None:
    authority = Authority(store)
    authority.add_principal("keyonly")  # a new principal with nothing: no password, no admin
    key = authority.issue_api_key("keyonly")
    assert authority.authenticate(f"Bearer {key}") == Caller("keyonly")
    authority.add_principal("eve", password=PASSWORD, is_admin=True)
    authority.issue_api_key("eve")  # a key for an existing principal changes nothing about it
    authority.add_principal("eve")  # nothing named: nothing changes
    assert authority.authenticate(basic("eve", PASSWORD)) == Caller("eve", is_admin=True)
    authority.add_principal("eve", is_admin=False)
    assert Authority(store).authenticate(basic("eve", PASSWORD)) == Caller("eve", is_admin=False)
    with pytest.raises(InputError) as refusal:
        authority.grant("nobody", "collection--1")
    english = (
        "no principal 'nobody': create it first with `tongzhou threats add-key nobody` or "
        "`tongzhou threats add-user nobody`"
    )
    assert str(refusal.value) == english
    assert refusal.value.bilingual() == (
        f"{english} / 用户 'nobody' 不存在，请先用 `tongzhou threats add-key nobody` 或 "
        "`tongzhou threats add-user nobody` 创建"
    )


def test_permissions_of_admins_anonymous_callers_and_grants(store: Store) -> None:
    authority = Authority(store)
    authority.add_principal("eve")
    admin, anonymous, eve, stranger = Caller("root", True), auth.ANONYMOUS, Caller("eve"), Caller("x")
    for public in (False, True):
        assert authority.cached_permissions(admin, "c1", public) == (True, True)
        assert authority.cached_permissions(anonymous, "c1", public) == (public, False)
        assert authority.permissions(stranger, "c1", public) == (public, False)
    authority.grant("eve", "c1", read=False, write=True)
    assert authority.permissions(eve, "c1", False) == (False, True)
    assert authority.cached_permissions(eve, "c1", True) == (True, True)  # public: readable anyway
    assert authority.cached_permissions(eve, "c1", False) == (False, True)  # write, but not read
    authority.grant("eve", "c1", read=True, write=False)  # replaces the grant
    assert authority.permissions(eve, "c1", False) == (True, False)
    assert authority.cached_permissions(eve, "c1", False) == (True, False)
    assert authority.permissions(eve, "c2", False) == (False, False)
    authority.grant("eve", "c3")  # a grant names no permission: read, and no more
    assert authority.permissions(eve, "c3", False) == (True, False)


def test_basic_credentials_and_how_long_each_answer_is_remembered(
    store: Store, scrypt_calls: list[str], clock: _Clock
) -> None:
    authority = Authority(store)
    authority.add_principal("eve", password="pa:ss word")
    assert authority.authenticate(basic("eve", "pa:ss word")) == Caller("eve")  # a password may hold ':'
    assert authority.authenticate("basic " + basic("eve", "pa:ss word").split()[1]) == Caller("eve")
    assert len(scrypt_calls) == 1
    clock.now += 59.5
    authority.authenticate(basic("eve", "pa:ss word"))
    assert len(scrypt_calls) == 1  # a verified password is remembered for a minute
    clock.now += 0.5
    authority.authenticate(basic("eve", "pa:ss word"))
    assert len(scrypt_calls) == 2  # and checked again after it
    trailing = basic("eve", "pa:ss word") + "!"  # a lenient decoder would drop the "!" and sign eve in
    for value in ("Basic not base64!", trailing, "Basic " + base64.b64encode(b"\xff\xfe:x").decode()):
        with pytest.raises(AuthenticationFailed) as refusal:
            authority.authenticate(value)
        assert str(refusal.value) == "malformed Basic credentials"
    assert len(scrypt_calls) == 2
    for _ in range(2):
        with pytest.raises(AuthenticationFailed, match="^wrong user name or password$"):
            authority.authenticate(basic("eve", "guess"))
    assert len(scrypt_calls) == 3  # a refused password is remembered...
    clock.now += auth.AUTH_CACHE_SECONDS
    with pytest.raises(AuthenticationFailed):
        authority.authenticate(basic("eve", "guess"))
    assert len(scrypt_calls) == 4 and auth.AUTH_CACHE_SECONDS == 1.0  # ...for one second


def test_the_password_memories_are_bounded(store: Store) -> None:
    authority = Authority(store)
    authority.add_principal("eve", password="e")
    authority.add_principal("frank", password="f")
    filler = {str(i): (0.0, Caller("x")) for i in range(1024)}
    authority._basic_cache.update(filler)
    authority.authenticate(basic("eve", "e"))
    assert len(authority._basic_cache) == 1025  # 1,024 remembered: one more still fits
    authority.authenticate(basic("frank", "f"))
    assert len(authority._basic_cache) == 1  # over 1,024: forgotten whole, the new one kept
    # Refused pairs: 4,096 at most (a flood of distinct guesses cannot grow it without bound).
    authority._refused._entries.update({str(i): (float("inf"), True) for i in range(4095)})
    for guess in ("one", "two"):
        with pytest.raises(AuthenticationFailed):
            authority.authenticate(basic("eve", guess))
        if guess == "one":
            assert len(authority._refused._entries) == 4096
    assert len(authority._refused._entries) == 1


def test_making_an_admin_keeps_the_password(store: Store) -> None:
    authority = Authority(store)
    authority.add_principal("eve", password=PASSWORD)
    authority.issue_api_key("eve")
    authority.add_principal("eve", is_admin=True)  # what `threats add-key eve --admin` does
    caller = authority.authenticate(basic("eve", PASSWORD))
    assert (caller.name, caller.is_admin) == ("eve", True)
    authority.add_principal("eve", password="a new one")  # a password change keeps the admin flag
    assert authority.authenticate(basic("eve", "a new one")).is_admin


@pytest.fixture(params=["sqlite", "postgresql"])
def cli_database(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """``TONGZHOU_DATABASE_URL`` for the command line: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cli.db'}"
    else:
        base, schema = request.getfixturevalue("postgres_url")
        url = f"{base}?options={quote(f'-csearch_path={schema}')}"
    monkeypatch.setenv("TONGZHOU_DATABASE_URL", url)
    return url


@pytest.mark.usefixtures("cli_database")
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


@pytest.mark.usefixtures("cli_database")
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
    for _ in range(2):  # the same words for every refusal; a repeated one costs nothing, known or not
        for user in ("known", "nobody", "keyonly", "nul\x00user"):
            with pytest.raises(AuthenticationFailed, match="^wrong user name or password$"):
                authority.authenticate(basic(user, f"wrong for {user}"))
        assert len(scrypt_calls) == 4


def test_the_decoy_hash_for_unknown_users_is_made_once(
    store: Store, scrypt_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Made per attempt, it would cost an unknown user two scrypts and a known one one: the timing
    would tell again which names exist."""
    made: list[str] = []
    real_hash = auth.hash_password

    def counted_hash(password: str) -> str:
        made.append(password)
        return real_hash(password)

    monkeypatch.setattr(auth, "hash_password", counted_hash)
    auth._unknown_user_hash.cache_clear()
    authority = Authority(store)
    for guess in ("one", "two", "three"):
        with pytest.raises(AuthenticationFailed):
            authority.authenticate(basic("nobody", guess))
    assert (len(made), len(scrypt_calls)) == (1, 3)


def test_the_same_wrong_password_again_costs_no_scrypt(store: Store, scrypt_calls: list[str]) -> None:
    authority = Authority(store)
    authority.add_principal("known", password=PASSWORD)
    for _ in range(50):
        with pytest.raises(AuthenticationFailed):
            authority.authenticate(basic("known", "guess"))
    assert len(scrypt_calls) == 1
    assert authority.authenticate(basic("known", PASSWORD)).name == "known"


def test_a_basic_request_waits_one_second_for_a_password_check_slot(store: Store) -> None:
    """docs/threats.md: a Basic request that waits more than 1 s for a slot gets 503."""
    waits: list[float | None] = []

    class Recorded(threading.BoundedSemaphore):
        def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
            waits.append(timeout)
            return super().acquire(blocking, timeout)

    authority = Authority(store)
    authority.add_principal("eve", password="e")
    authority._password_checks = Recorded(auth.PASSWORD_CHECK_SLOTS)
    authority.authenticate(basic("eve", "e"))
    assert waits == [1.0]


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
        with pytest.raises(PasswordChecksBusy) as busy_check:
            server_authority.authenticate(basic("writer", "a guess"))
        assert str(busy_check.value) == "too many password checks at once; retry shortly, or use an API key"
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
    assert held == auth.PASSWORD_CHECK_SLOTS == 2  # docs/threats.md: at most 2 scrypts at once


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
