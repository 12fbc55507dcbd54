"""A portal on the store with the bundled example systems, a non-public (Art. 49(4)) entry, and one
account per role; clients logged in through the real login pages (TOTP included)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from starlette.testclient import TestClient

from tests.sqlite_template import copy_database
from tongzhou.portal import totp
from tongzhou.portal._tables import ACCOUNTS as ACCOUNT_TABLE
from tongzhou.portal.accounts import AccountBook
from tongzhou.portal.listing_index import refresh_listing
from tongzhou.portal.roles import Role
from tongzhou.portal.service import create_service
from tongzhou.store import Store, open_store
from tongzhou.systems.bundled import example_profiles
from tongzhou.systems.profile import SystemProfile
from tongzhou.systems.registry import SystemRegistry

PASSWORD = "correct horse battery staple"
RESTRICTED_ID = "border-face-match"
PUBLIC_ID = "cv-screening"
ACCOUNTS = {
    Role.provider: "prov",
    Role.evaluator: "eval",
    Role.regulator: "reg",
    Role.admin: "adm",
}
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
_SECRET = re.compile(r'id="totp-secret">([A-Z2-7]+)<')


def restricted_profile(system_id: str = RESTRICTED_ID) -> SystemProfile:
    """A border-control face-matching system: EU AI Act Annex III 7, non-public under Art. 49(4)."""
    return SystemProfile.model_validate(
        {
            "id": system_id,
            "name": "Border face match",
            "purpose": "Matches travellers' faces against watch lists at border crossings.",
            "registrant": {"name": "Frontier Vision", "role": "provider"},
            "provider": {"name": "Frontier Vision", "country": "FR"},
            "markets": ["EU"],
            "sectors": ["migration_border"],
            "functions": ["border_person_identification"],
        }
    )


def seed(store: Store) -> None:
    """Examples + the restricted entry, indexed; one organisation and one account per role."""
    registry = SystemRegistry(store)
    for profile in [*example_profiles(), restricted_profile()]:
        registry.add(profile)
    refresh_listing(store)
    book = AccountBook(store)
    book.add_organisation("acme", "ACME AI")
    for role, name in ACCOUNTS.items():
        book.add_account(name, PASSWORD, role, "acme" if role is Role.provider else None)


TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
"""argon2id with cheap parameters, for the accounts of the seeded templates only (tests/portal). The
portal verifies a password with the parameters written in its hash (argon2-cffi), so a test's login
costs ~1 ms instead of ~0.15 s of CPU; accounts made by the code under test keep the production
parameters, which tests/portal/test_accounts.py checks."""


class SeededTemplates:
    """Seed once per session, copy per test: each seeding function runs once, through the real code,
    into a SQLite file; a test's store then gets that file's pages (tests/sqlite_template.py). Four
    argon2id hashes (~0.5 s on 2 cores) plus the registry made every portal test's set-up ~0.65 s."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._made: dict[str, Path] = {}

    def restore(self, store: Store, seeding: Callable[[Store], None]) -> None:
        """Put what ``seeding`` writes into ``store``: a copy where ``store`` is SQLite with nothing in its
        tables yet, otherwise ``seeding(store)`` itself (PostgreSQL, or a store a fixture wrote to)."""
        if store.engine.dialect.name != "sqlite" or not _empty(store):
            seeding(store)
            return
        key = f"{seeding.__module__}.{seeding.__qualname__}"
        if key not in self._made:
            path = self.folder / f"{key}.db"
            template = open_store(f"sqlite:///{path}")
            try:
                seeding(template)
                _cheapen_password_hashes(template)
            finally:
                template.close()
            self._made[key] = path
        copy_database(self._made[key], store.engine)


def _empty(store: Store) -> bool:
    """Whether every table but Alembic's is empty (the store is as the migrations left it)."""
    with store.engine.connect() as conn:
        tables = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'alembic_version'"
            " AND name NOT LIKE 'sqlite_%'"
        ).scalars()
        return not any(conn.exec_driver_sql(f'SELECT 1 FROM "{t}" LIMIT 1').first() for t in list(tables))


def _cheapen_password_hashes(store: Store) -> None:
    """Re-hash the accounts whose password is :data:`PASSWORD` with :data:`TEST_HASHER`."""
    with store.transaction() as session:
        rows = session.execute(select(ACCOUNT_TABLE.c.name, ACCOUNT_TABLE.c.password_hash)).all()
        for name, stored in rows:
            if _verifies(stored, PASSWORD):
                session.execute(
                    update(ACCOUNT_TABLE)
                    .where(ACCOUNT_TABLE.c.name == name)
                    .values(password_hash=TEST_HASHER.hash(PASSWORD))
                )


def _verifies(stored: str, password: str) -> bool:
    try:
        return PasswordHasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@pytest.fixture(scope="session")
def seeded_templates(tmp_path_factory: pytest.TempPathFactory) -> SeededTemplates:
    """The session's seeded databases (made on first use)."""
    return SeededTemplates(tmp_path_factory.mktemp("seeded-templates"))


def csrf_of(html: str) -> str:
    """The CSRF token in a page's form."""
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def login(
    client: TestClient,
    name: str,
    secrets: dict[str, str],
    password: str = PASSWORD,
    totp_at: float | None = None,
) -> Any:
    """Log in through the pages (password, then the TOTP code where the role needs one); TOTP
    secrets shown at enrolment are kept in ``secrets``."""
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"name": name, "password": password, "csrf_token": token}, follow_redirects=False
    )
    if response.status_code == 303 and response.headers["location"] == "/login/second-factor":
        page = client.get("/login/second-factor")
        secret_match = _SECRET.search(page.text)
        secret = secrets[name] = secret_match.group(1) if secret_match else secrets[name]
        code = totp.totp_at(secret, time.time() if totp_at is None else totp_at)
        response = client.post(
            "/login/second-factor",
            data={"code": code, "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
    return response


@dataclass
class Portal:
    """The service on a seeded store, and a way to make clients."""

    store: Store
    app: Any
    secrets: dict[str, str] = field(default_factory=dict)
    """TOTP secrets captured at enrolment, by account."""
    _browsers: dict[Role, TestClient] = field(default_factory=dict)

    def client(self, **kwargs: Any) -> TestClient:
        """A new browser (its own cookie jar)."""
        return TestClient(self.app, **{"base_url": "http://127.0.0.1", **kwargs})

    def logged_in(self, role: Role) -> TestClient:
        """A browser logged in as the account of ``role`` (public: not logged in); one per role and
        test, as a TOTP code works once (a second login within the same 30 s step would be refused)."""
        if role in self._browsers:
            return self._browsers[role]
        client = self.client()
        if role is not Role.public:
            response = login(client, ACCOUNTS[role], self.secrets)
            assert response.status_code == 303 and response.headers["location"] == "/", response.text[:500]
        self._browsers[role] = client
        return client

    def token(self, role: Role) -> str:
        """A fresh API token of the account of ``role``."""
        return AccountBook(self.store).issue_token(ACCOUNTS[role], "test")


@pytest.fixture
def sqlite_store() -> Iterator[Store]:
    """The default store: SQLite in the test's TONGZHOU_HOME."""
    store = open_store()
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def portal(sqlite_store: Store, seeded_templates: SeededTemplates) -> Portal:
    """The whole service (portal + API + TAXII) on a seeded SQLite store."""
    seeded_templates.restore(sqlite_store, seed)
    return Portal(sqlite_store, create_service(sqlite_store))
