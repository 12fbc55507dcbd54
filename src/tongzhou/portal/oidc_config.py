"""Single sign-on providers (OpenID Connect) as site data: ``$TONGZHOU_HOME/portal/oidc.yaml``.

Off by default: without the file (or ``TONGZHOU_OIDC_CONFIG`` naming another) the portal offers
password login only. Each provider names its issuer (discovery at
``<issuer>/.well-known/openid-configuration``), the portal's client id and secret (the secret from
an environment variable or a file, never in the YAML), the scopes, which ID-token claim names the
person (``sub`` or a verified ``email``), and how that person becomes an account:

* ``accounts: linked`` (the default) — only accounts an admin created and linked to the identity
  (``tongzhou portal link-identity``);
* ``accounts: by-claim`` — also a new account whose role comes from ``role_map`` over the
  ``role_claim`` (e.g. a ``groups`` claim). The map may grant ``provider`` or ``evaluator`` only:
  regulator and admin accounts are always made by an admin, never by a claim.

``mfa_amr`` lists the ``amr`` values (RFC 8176) the site accepts in place of its own TOTP for
regulator and admin accounts; empty (the default) means they give the site's TOTP code as well.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tongzhou.errors import InputError
from tongzhou.home import tongzhou_home
from tongzhou.portal.roles import Role

CONFIG_ENV = "TONGZHOU_OIDC_CONFIG"
"""Another path for the configuration (default ``$TONGZHOU_HOME/portal/oidc.yaml``)."""
CLAIM_GRANTABLE_ROLES = frozenset({Role.provider, Role.evaluator})
"""The only roles a claim may give a new account (regulator and admin: an admin's decision)."""
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class RoleGrant(BaseModel):
    """What one value of the role claim makes a new account."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    """``provider`` or ``evaluator``."""
    organisation: str | None = None
    """The organisation id the new account belongs to (it must exist)."""

    @field_validator("role")
    @classmethod
    def _grantable(cls, role: Role) -> Role:
        if role not in CLAIM_GRANTABLE_ROLES:
            raise ValueError(
                f"a claim may grant only provider or evaluator, not {role.value} "
                "(regulator and admin accounts are made by an admin and linked)"
            )
        return role


class ProviderSettings(BaseModel):
    """One provider as written in ``oidc.yaml``."""

    model_config = ConfigDict(extra="forbid")

    id: str
    """Short id in the portal's URLs (``/login/oidc/<id>``)."""
    name: str = Field(min_length=1, max_length=80)
    """What the login button says: "Sign in with <name>"."""
    issuer: str
    """The issuer URL, exactly as the provider's ID tokens carry it in ``iss``."""
    client_id: str = Field(min_length=1, max_length=255)
    client_secret_env: str | None = None
    """Environment variable holding the client secret."""
    client_secret_file: str | None = None
    """File holding the client secret (first line)."""
    scopes: list[str] = Field(default_factory=lambda: ["openid", "email"])
    account_claim: str = "sub"
    """The ID-token claim that names the person: ``sub``, or ``email`` (``email_verified`` must be true)."""
    accounts: Literal["linked", "by-claim"] = "linked"
    role_claim: str | None = None
    role_map: dict[str, RoleGrant] = Field(default_factory=dict)
    mfa_amr: list[str] = Field(default_factory=list)
    """``amr`` values accepted instead of the site's TOTP for regulators and admins (default: none)."""
    redirect_uri: str | None = None
    """The callback URL registered at the provider (default: this site's ``/login/oidc/<id>/callback``)."""

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.fullmatch(value):
            raise ValueError("use lowercase letters, digits, '_' or '-' (at most 64)")
        return value

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme == "https" and parts.hostname:
            return value
        if parts.scheme == "http" and _is_loopback(parts.hostname):
            return value  # a provider on this machine (tests, a local gateway)
        raise ValueError("the issuer must be an https:// URL (http:// only on the loopback address)")

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: list[str]) -> list[str]:
        if "openid" not in value:
            raise ValueError("the scopes must include 'openid'")
        return value


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    providers: list[ProviderSettings] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class OidcProviderConfig:
    """A provider ready to use: the settings and the client secret read from where they said."""

    settings: ProviderSettings
    client_secret: str

    @property
    def id(self) -> str:
        """The provider's id in URLs."""
        return self.settings.id


def config_path() -> Path:
    """Where the site's single sign-on configuration is read from."""
    named = os.environ.get(CONFIG_ENV)
    return Path(named) if named else tongzhou_home() / "portal" / "oidc.yaml"


def load_providers(path: Path | None = None) -> dict[str, OidcProviderConfig]:
    """The configured providers by id ({} when the file does not exist); :class:`InputError` when bad."""
    path = path or config_path()
    if not path.exists():
        return {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError.of("{path}: cannot read it ({exc})", path=path, exc=exc) from None
    try:
        parsed = _File.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError.of("{path}: {where}: {msg}", path=path, where=where, msg=first["msg"]) from None
    providers: dict[str, OidcProviderConfig] = {}
    for settings in parsed.providers:
        if settings.id in providers:
            raise InputError.of("{path}: provider id {id!r} appears twice", path=path, id=settings.id)
        if settings.accounts == "by-claim" and not (settings.role_claim and settings.role_map):
            raise InputError.of(
                "{path}: provider {id!r}: 'accounts: by-claim' needs role_claim and role_map",
                path=path,
                id=settings.id,
            )
        providers[settings.id] = OidcProviderConfig(settings, _client_secret(path, settings))
    return providers


def _client_secret(path: Path, settings: ProviderSettings) -> str:
    secret = ""
    if settings.client_secret_env:
        secret = os.environ.get(settings.client_secret_env, "")
    elif settings.client_secret_file:
        try:
            secret = Path(settings.client_secret_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError.of(
                "{path}: provider {id!r}: cannot read client_secret_file ({exc})",
                path=path,
                id=settings.id,
                exc=exc,
            ) from None
    if not secret:
        raise InputError.of(
            "{path}: provider {id!r}: no client secret (set client_secret_env to a variable that is set, "
            "or client_secret_file)",
            path=path,
            id=settings.id,
        )
    return secret


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
