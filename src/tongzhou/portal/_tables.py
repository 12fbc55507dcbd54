"""The portal's tables: organisations, accounts, sessions, login attempts, the registry listing
index, signed evaluations, incident links, and single sign-on (OpenID Connect) logins and links.

API tokens are *not* here: they are the TAXII API keys (``threats_api_key``), issued to the
account's name as principal, so one token works for the REST API and for TAXII.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongzhou.store import Base

RowId = BigInteger().with_variant(Integer(), "sqlite")


class OrganisationRow(Base):
    """An institution taking part: a provider, an evaluation body, a regulator."""

    __tablename__ = "portal_organisation"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    created_us: Mapped[int] = mapped_column(BigInteger)


class AccountRow(Base):
    """A person's account; ``name`` is also their principal for API tokens and TAXII."""

    __tablename__ = "portal_account"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    """argon2id hash (argon2-cffi's encoded form)."""
    role: Mapped[str] = mapped_column(String(16))
    organisation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """Base32 TOTP secret (RFC 6238); NULL until the person enrols."""
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """The last time step accepted: a code is never accepted twice (replay)."""
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_us: Mapped[int] = mapped_column(BigInteger)


class SessionRow(Base):
    """A browser session; only the SHA-256 of the cookie value is stored."""

    __tablename__ = "portal_session"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    account: Mapped[str] = mapped_column(String(128), index=True)
    second_factor_done: Mapped[bool] = mapped_column(Boolean, default=False)
    """False while a regulator/admin has given the password but not yet the TOTP code."""
    created_us: Mapped[int] = mapped_column(BigInteger)
    expires_us: Mapped[int] = mapped_column(BigInteger)


class LoginAttemptRow(Base):
    """A failed login, by source address: the rate limit every worker sees."""

    __tablename__ = "portal_login_attempt"

    pk: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    at_us: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_portal_login_attempt_source_at", "source", "at_us"),)


class SettingRow(Base):
    """Site-wide secrets shared by every worker (the CSRF key)."""

    __tablename__ = "portal_setting"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ListingRow(Base):
    """One registered system as the registry pages list it (derived from the registry + classify)."""

    __tablename__ = "portal_listing"

    system_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    provider: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    """``determined`` or ``undetermined`` (some jurisdiction still needs facts)."""
    restricted: Mapped[bool] = mapped_column(Boolean)
    """EU AI Act Art. 49(4): shown to regulators only."""
    organisation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    profile_sha256: Mapped[str] = mapped_column(String(71))
    indexed_on: Mapped[str] = mapped_column(String(10))
    """The as-of date (ISO) of the tiers stored in the facets."""
    summary_json: Mapped[str] = mapped_column(Text)
    """Headline tier per jurisdiction, as JSON: what a listing row shows."""

    __table_args__ = (Index("ix_portal_listing_restricted_id", "restricted", "system_id"),)


class FacetRow(Base):
    """A filterable value of a listed system: (jurisdiction, eu), (tier, high_risk), (sector, …)."""

    __tablename__ = "portal_facet"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), primary_key=True)
    system_id: Mapped[str] = mapped_column(String(64), primary_key=True)

    __table_args__ = (Index("ix_portal_facet_system_id", "system_id"),)


class EvaluationRow(Base):
    """A signed evaluation (DSSE envelope) of a registered system."""

    __tablename__ = "portal_evaluation"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    system_id: Mapped[str] = mapped_column(String(64), index=True)
    evaluator: Mapped[str] = mapped_column(String(255))
    verdict: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(128))
    uploaded_by: Mapped[str] = mapped_column(String(128))
    uploaded_us: Mapped[int] = mapped_column(BigInteger)
    envelope_json: Mapped[str] = mapped_column(Text)


class IncidentLinkRow(Base):
    """Which registered system an incident record names (``""``: none)."""

    __tablename__ = "portal_incident_link"

    incident_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    system_id: Mapped[str] = mapped_column(String(64), index=True)


class PowSpentRow(Base):
    """A proof-of-work answer already used (:mod:`tongzhou.portal.proof_of_work`), kept until it expires."""

    __tablename__ = "portal_pow_spent"

    challenge_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_us: Mapped[int] = mapped_column(BigInteger, index=True)


class RateCountRow(Base):
    """Posts from one address in one fixed window (:mod:`tongzhou.portal.rate_limits`)."""

    __tablename__ = "portal_rate_count"

    bucket: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    """Unix seconds at which the window began."""
    count: Mapped[int] = mapped_column(Integer)


class OidcLoginRow(Base):
    """A single sign-on that has been sent to the provider and not yet come back (one use only)."""

    __tablename__ = "portal_oidc_login"

    state_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    """SHA-256 of the ``state`` sent to the provider (the value itself is never stored)."""
    browser_sha256: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the ``tz_oidc`` cookie: only the browser that started the sign-on may finish it."""
    provider: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(128))
    code_verifier: Mapped[str] = mapped_column(String(128))
    """PKCE (RFC 7636) verifier; the provider saw only its S256 challenge."""
    return_to: Mapped[str] = mapped_column(String(512))
    """A local path (checked before it is stored) to go to after the sign-on."""
    expires_us: Mapped[int] = mapped_column(BigInteger)


class OidcLinkRow(Base):
    """An identity at a single sign-on provider that logs in as a portal account."""

    __tablename__ = "portal_oidc_link"

    provider: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    """The value of the provider's account claim (``sub`` or ``email``, per the site's configuration)."""
    account: Mapped[str] = mapped_column(String(128), index=True)
    created_us: Mapped[int] = mapped_column(BigInteger)


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


ORGANISATIONS = _table(OrganisationRow)
ACCOUNTS = _table(AccountRow)
SESSIONS = _table(SessionRow)
LOGIN_ATTEMPTS = _table(LoginAttemptRow)
SETTINGS = _table(SettingRow)
LISTING = _table(ListingRow)
FACETS = _table(FacetRow)
EVALUATIONS = _table(EvaluationRow)
INCIDENT_LINKS = _table(IncidentLinkRow)
POW_SPENT = _table(PowSpentRow)
RATE_COUNTS = _table(RateCountRow)
OIDC_LOGINS = _table(OidcLoginRow)
OIDC_LINKS = _table(OidcLinkRow)
