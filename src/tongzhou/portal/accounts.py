"""Accounts and organisations: argon2id passwords, lockout, TOTP enrolment, API tokens.

* Passwords are argon2id hashes (argon2-cffi's defaults, RFC 9106's second recommended option:
  64 MiB, t=3, p=4). An unknown name costs the same hash check as a known one.
* :data:`LOCKOUT_AFTER` wrong passwords in a row lock the account for :data:`LOCKOUT_S`; the count
  lives in the database, so every worker sees it.
* API tokens are the TAXII API keys (:class:`tongzhou.threats.auth.Authority`) issued to the
  account's name: one token works for ``/api/v1`` and for TAXII. An admin account is a TAXII admin.
"""

from __future__ import annotations

import functools
import re
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update

from tongzhou.errors import InputError
from tongzhou.portal import totp
from tongzhou.portal._tables import ACCOUNTS, ORGANISATIONS
from tongzhou.portal.roles import ACCOUNT_ROLES, SECOND_FACTOR_ROLES, Role
from tongzhou.store import Store
from tongzhou.threats.auth import Authority

LOCKOUT_AFTER = 5
"""Consecutive wrong passwords that lock an account (our choice; NIST SP 800-63B §5.2.2 allows ≤ 100)."""
LOCKOUT_S = 15 * 60
"""How long a locked account stays locked."""
MIN_PASSWORD_LENGTH = 12
"""Shortest password accepted (NIST SP 800-63B §5.1.1.2 asks for at least 8)."""
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,127}")
_ORG_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_hasher = PasswordHasher()


def _now_us() -> int:
    return time.time_ns() // 1000


@functools.cache
def _decoy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(24))


@dataclass(frozen=True, slots=True)
class Account:
    """An account as the portal uses it (never its password hash or TOTP secret)."""

    name: str
    role: Role
    organisation_id: str | None
    totp_enabled: bool

    @property
    def needs_second_factor(self) -> bool:
        """Regulators and admins give a TOTP code after the password."""
        return self.role in SECOND_FACTOR_ROLES


class LoginRefusal(StrEnum):
    """Why a password check failed (the page says the same thing for wrong name and wrong password)."""

    wrong = "wrong"
    """Unknown name or wrong password."""
    locked = "locked"
    """Too many wrong passwords in a row: locked for a while."""


class AccountBook:
    """Accounts and organisations in the store."""

    def __init__(self, store: Store, authority: Authority | None = None) -> None:
        self.store = store
        self.authority = authority or Authority(store)

    # -- organisations ------------------------------------------------------------------------------
    def add_organisation(self, org_id: str, name: str) -> None:
        """Create an organisation (an existing id keeps its name)."""
        if not _ORG_ID.fullmatch(org_id):
            raise InputError.of(
                "organisation id {org_id!r}: use lowercase letters, digits, '.', '_' or '-'", org_id=org_id
            )
        if not name.strip() or len(name) > 255:
            raise InputError.of("organisation name: 1 to 255 characters")
        with self.store.transaction() as session:
            if session.execute(select(ORGANISATIONS.c.id).where(ORGANISATIONS.c.id == org_id)).first():
                return
            session.execute(ORGANISATIONS.insert().values(id=org_id, name=name.strip(), created_us=_now_us()))

    def organisations(self) -> list[tuple[str, str]]:
        """(id, name) of every organisation, by id."""
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(ORGANISATIONS.c.id, ORGANISATIONS.c.name).order_by(ORGANISATIONS.c.id))
            return [(r[0], r[1]) for r in rows]

    # -- accounts -----------------------------------------------------------------------------------
    def add_account(
        self, name: str, password: str, role: Role | str, organisation_id: str | None = None
    ) -> Account:
        """Create an account; :class:`InputError` for a bad name, role, password or organisation."""
        if not _NAME.fullmatch(name):
            raise InputError.of(
                "account name {name!r}: letters, digits, '.', '_', '@' or '-', at most 128", name=name
            )
        try:
            role = Role(role)
        except ValueError:
            raise InputError.of(
                "role {role!r} is not one of {roles}", role=role, roles=", ".join(ACCOUNT_ROLES)
            ) from None
        if role not in ACCOUNT_ROLES:
            raise InputError.of("an account cannot have the role 'public'")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InputError.of("the password needs at least {length} characters", length=MIN_PASSWORD_LENGTH)
        with self.store.transaction() as session:
            if (
                organisation_id is not None
                and not session.execute(
                    select(ORGANISATIONS.c.id).where(ORGANISATIONS.c.id == organisation_id)
                ).first()
            ):
                raise InputError.of("no organisation {organisation_id!r}", organisation_id=organisation_id)
            if session.execute(select(ACCOUNTS.c.name).where(ACCOUNTS.c.name == name)).first():
                raise InputError.of("account {name!r} already exists", name=name)
            session.execute(
                ACCOUNTS.insert().values(
                    name=name,
                    password_hash=_hasher.hash(password),
                    role=role.value,
                    organisation_id=organisation_id,
                    totp_secret=None,
                    totp_enabled=False,
                    totp_last_step=None,
                    failed_logins=0,
                    locked_until_us=None,
                    created_us=_now_us(),
                )
            )
        # The same name is the principal of the account's API tokens (and so of its TAXII access).
        self.authority.add_principal(name, is_admin=role is Role.admin)
        return Account(name, role, organisation_id, False)

    def account(self, name: str | None) -> Account | None:
        """The account called ``name`` (None when there is none)."""
        if not name:
            return None
        with self.store.engine.connect() as conn:
            row = conn.execute(
                select(
                    ACCOUNTS.c.name, ACCOUNTS.c.role, ACCOUNTS.c.organisation_id, ACCOUNTS.c.totp_enabled
                ).where(ACCOUNTS.c.name == name)
            ).first()
        return None if row is None else Account(row[0], Role(row[1]), row[2], bool(row[3]))

    def accounts(self) -> list[Account]:
        """Every account, by name."""
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(
                    ACCOUNTS.c.name, ACCOUNTS.c.role, ACCOUNTS.c.organisation_id, ACCOUNTS.c.totp_enabled
                ).order_by(ACCOUNTS.c.name)
            ).all()
        return [Account(r[0], Role(r[1]), r[2], bool(r[3])) for r in rows]

    # -- login --------------------------------------------------------------------------------------
    def check_password(self, name: str, password: str) -> Account | LoginRefusal:
        """The account when ``password`` is right; else why not. Counts failures toward the lockout."""
        row = None
        if name.isprintable() and len(name) <= 128:
            with self.store.engine.connect() as conn:
                row = conn.execute(
                    select(ACCOUNTS.c.password_hash, ACCOUNTS.c.locked_until_us).where(
                        ACCOUNTS.c.name == name
                    )
                ).first()
        if row is None:
            _verify(_decoy_hash(), password)  # the same cost as for a real account
            return LoginRefusal.wrong
        if row[1] is not None and row[1] > _now_us():
            return LoginRefusal.locked
        if not _verify(row[0], password):
            with self.store.transaction() as session:
                failed = session.execute(
                    update(ACCOUNTS)
                    .where(ACCOUNTS.c.name == name)
                    .values(failed_logins=ACCOUNTS.c.failed_logins + 1)
                    .returning(ACCOUNTS.c.failed_logins)
                ).scalar_one()
                if failed >= LOCKOUT_AFTER:
                    session.execute(
                        update(ACCOUNTS)
                        .where(ACCOUNTS.c.name == name)
                        .values(failed_logins=0, locked_until_us=_now_us() + LOCKOUT_S * 1_000_000)
                    )
                    return LoginRefusal.locked
            return LoginRefusal.wrong
        with self.store.transaction() as session:
            session.execute(
                update(ACCOUNTS).where(ACCOUNTS.c.name == name).values(failed_logins=0, locked_until_us=None)
            )
        account = self.account(name)
        assert account is not None
        return account

    def set_password(self, name: str, password: str) -> None:
        """Replace an account's password (and unlock it)."""
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InputError.of("the password needs at least {length} characters", length=MIN_PASSWORD_LENGTH)
        with self.store.transaction() as session:
            done = (
                session.connection()
                .execute(
                    update(ACCOUNTS)
                    .where(ACCOUNTS.c.name == name)
                    .values(password_hash=_hasher.hash(password), failed_logins=0, locked_until_us=None)
                )
                .rowcount
            )
        if not done:
            raise InputError.of("no account {name!r}", name=name)

    # -- second factor ------------------------------------------------------------------------------
    def totp_secret_for_enrolment(self, name: str) -> str:
        """The secret a not-yet-enrolled account is to scan (made once, kept until confirmed)."""
        with self.store.transaction() as session:
            row = session.execute(
                select(ACCOUNTS.c.totp_secret, ACCOUNTS.c.totp_enabled).where(ACCOUNTS.c.name == name)
            ).first()
            if row is None:
                raise InputError.of("no account {name!r}", name=name)
            if row[1]:
                raise InputError.of("two-factor authentication is already set up")
            if row[0]:
                return str(row[0])
            secret = totp.new_secret()
            session.execute(update(ACCOUNTS).where(ACCOUNTS.c.name == name).values(totp_secret=secret))
            return secret

    def check_totp(self, name: str, code: str, now: float | None = None) -> bool:
        """Whether ``code`` is good now; the first good code completes enrolment. A code is used once."""
        with self.store.transaction() as session:
            row = session.execute(
                select(ACCOUNTS.c.totp_secret, ACCOUNTS.c.totp_last_step).where(ACCOUNTS.c.name == name)
            ).first()
            if row is None or not row[0]:
                return False
            step = totp.matching_step(row[0], code, now)
            if step is None or (row[1] is not None and step <= row[1]):
                return False
            session.execute(
                update(ACCOUNTS).where(ACCOUNTS.c.name == name).values(totp_last_step=step, totp_enabled=True)
            )
            return True

    # -- tokens -------------------------------------------------------------------------------------
    def issue_token(self, name: str, label: str | None = None) -> str:
        """A new API token of the account (shown once); it is also the account's TAXII key."""
        if self.account(name) is None:
            raise InputError.of("no account {name!r}", name=name)
        return self.authority.issue_api_key(name, label)


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
