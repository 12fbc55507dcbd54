"""Which portal account a single sign-on identity logs in as, by the site's policy.

An identity is the value of the provider's account claim (``sub``, or ``email`` when the provider
says it verified the address). It logs in as the account an admin linked it to. When the provider
is configured with ``accounts: by-claim``, an identity with no link gets a new account whose role
(provider or evaluator only) and organisation come from the role map; the account and its link are
written in one transaction, and the account has no password (only this provider logs it in). An
existing account is never taken over by a name that happens to match: that needs an admin's link.
"""

from __future__ import annotations

import re
import time
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from tongzhou.errors import InputError
from tongzhou.messages import bilingual
from tongzhou.portal._tables import ACCOUNTS, OIDC_LINKS, ORGANISATIONS
from tongzhou.portal.accounts import Account, AccountBook
from tongzhou.portal.oidc_config import OidcProviderConfig
from tongzhou.threats.auth import Authority

NO_PASSWORD = "!single-sign-on"
"""The password hash of an account made by a sign-on: not an argon2 hash, so no password matches."""
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,127}")


def _now_us() -> int:
    return time.time_ns() // 1000


class IdentityRefusal(StrEnum):
    """Why a verified identity does not log in."""

    no_identity = "no-identity"
    """The ID token lacks the account claim, or names an e-mail address the provider did not verify."""
    unlinked = "unlinked"
    """No account is linked to the identity, and the policy makes none."""
    no_role = "no-role"
    """By-claim policy, but the role claim has no value the role map knows."""
    name_taken = "name-taken"
    """By-claim policy, but an account of that name exists and is not linked to the identity."""


class IdentityRefused(Exception):
    """A refusal with the identity it concerns (shown to the person, escaped)."""

    def __init__(self, reason: IdentityRefusal, identity: str) -> None:
        super().__init__(f"{reason.value}: {identity}")
        self.reason = reason
        self.identity = identity


def identity_of(provider: OidcProviderConfig, claims: dict[str, Any]) -> str:
    """The identity the ID token's claims name (:class:`IdentityRefused` when they name none)."""
    claim = provider.settings.account_claim
    value = claims.get(claim)
    if not isinstance(value, str) or not value or len(value) > 255:
        raise IdentityRefused(IdentityRefusal.no_identity, "")
    if claim == "email" and claims.get("email_verified") is not True:
        raise IdentityRefused(IdentityRefusal.no_identity, value)
    return value


class LinkRefusal(StrEnum):
    """Why an admin's link or unlink was not made."""

    no_account = "no-account"
    bad_identity = "bad-identity"
    already_linked = "already-linked"


class LinkRefused(InputError):
    """An admin's link or unlink refused (nothing written); ``reason`` says why, for the portal page."""

    def __init__(self, reason: LinkRefusal, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class IdentityLinks:
    """Identity links in the store, and the account an identity logs in as."""

    def __init__(self, book: AccountBook) -> None:
        self.book = book
        self.store = book.store

    def link(self, account: str, provider: str, identity: str) -> None:
        """Let ``identity`` at ``provider`` log in as ``account`` (an admin's act)."""
        if self.book.account(account) is None:
            raise LinkRefused(LinkRefusal.no_account, bilingual("no account {account!r}", account=account))
        if not identity or len(identity) > 255:
            raise LinkRefused(
                LinkRefusal.bad_identity,
                bilingual("the identity must be 1 to 255 characters"),
            )
        try:
            with self.store.transaction() as session:
                session.execute(
                    OIDC_LINKS.insert().values(
                        provider=provider, subject=identity, account=account, created_us=_now_us()
                    )
                )
        except IntegrityError:
            raise LinkRefused(
                LinkRefusal.already_linked,
                bilingual(
                    "{identity!r} at {provider!r} is already linked; unlink it first",
                    identity=identity,
                    provider=provider,
                ),
            ) from None

    def unlink(self, provider: str, identity: str) -> bool:
        """Remove a link; whether there was one."""
        with self.store.transaction() as session:
            done = (
                session.connection()
                .execute(
                    delete(OIDC_LINKS).where(
                        OIDC_LINKS.c.provider == provider, OIDC_LINKS.c.subject == identity
                    )
                )
                .rowcount
            )
        return bool(done)

    def links(self, account: str | None = None) -> list[tuple[str, str, str]]:
        """(provider, identity, account) of every link (of ``account`` when given)."""
        query = select(OIDC_LINKS.c.provider, OIDC_LINKS.c.subject, OIDC_LINKS.c.account)
        if account is not None:
            query = query.where(OIDC_LINKS.c.account == account)
        with self.store.engine.connect() as conn:
            return [
                (r[0], r[1], r[2])
                for r in conn.execute(query.order_by(OIDC_LINKS.c.provider, OIDC_LINKS.c.subject))
            ]

    def account_for(self, provider: OidcProviderConfig, identity: str, claims: dict[str, Any]) -> Account:
        """The account ``identity`` logs in as, made by the role map when the policy says so."""
        with self.store.engine.connect() as conn:
            linked = conn.execute(
                select(OIDC_LINKS.c.account).where(
                    OIDC_LINKS.c.provider == provider.id, OIDC_LINKS.c.subject == identity
                )
            ).scalar()
        if linked is not None:
            account = self.book.account(linked)
            if account is not None:
                return account
        if provider.settings.accounts != "by-claim":
            raise IdentityRefused(IdentityRefusal.unlinked, identity)
        return self._make_account(provider, identity, claims)

    def _make_account(self, provider: OidcProviderConfig, identity: str, claims: dict[str, Any]) -> Account:
        settings = provider.settings
        values = claims.get(settings.role_claim or "")
        offered = values if isinstance(values, list) else [values]
        grant = next(
            (settings.role_map[v] for v in offered if isinstance(v, str) and v in settings.role_map), None
        )
        if grant is None:
            raise IdentityRefused(IdentityRefusal.no_role, identity)
        if not _NAME.fullmatch(identity):
            raise IdentityRefused(IdentityRefusal.name_taken, identity)
        try:
            with self.store.transaction() as session:
                if session.execute(select(ACCOUNTS.c.name).where(ACCOUNTS.c.name == identity)).first():
                    raise IdentityRefused(IdentityRefusal.name_taken, identity)
                if (
                    grant.organisation is not None
                    and not session.execute(
                        select(ORGANISATIONS.c.id).where(ORGANISATIONS.c.id == grant.organisation)
                    ).first()
                ):
                    raise IdentityRefused(IdentityRefusal.no_role, identity)
                now = _now_us()
                session.execute(
                    ACCOUNTS.insert().values(
                        name=identity,
                        password_hash=NO_PASSWORD,
                        role=grant.role.value,
                        organisation_id=grant.organisation,
                        totp_secret=None,
                        totp_enabled=False,
                        totp_last_step=None,
                        failed_logins=0,
                        locked_until_us=None,
                        created_us=now,
                    )
                )
                session.execute(
                    OIDC_LINKS.insert().values(
                        provider=provider.id, subject=identity, account=identity, created_us=now
                    )
                )
        except IntegrityError:  # another worker made it at the same moment: use theirs
            return self.account_for(provider, identity, claims)
        authority: Authority = self.book.authority
        authority.add_principal(identity, is_admin=False)  # API tokens (and TAXII) as this account
        account = self.book.account(identity)
        assert account is not None
        return account
