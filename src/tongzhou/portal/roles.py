"""The roles a person has on the portal (docs/portal.md has the permission table)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who someone is to the portal; one role per account."""

    public = "public"
    """Anyone, without logging in: the public registry."""
    provider = "provider"
    """A provider's team: registers its organisation's systems."""
    evaluator = "evaluator"
    """An evaluation body: uploads signed evaluations."""
    regulator = "regulator"
    """A competent authority: sees everything, including EU AI Act Art. 49(4) entries."""
    admin = "admin"
    """Runs the site: accounts and organisations."""


ACCOUNT_ROLES = (Role.provider, Role.evaluator, Role.regulator, Role.admin)
"""Roles an account may have (``public`` is the absence of a login)."""

SECOND_FACTOR_ROLES = frozenset({Role.regulator, Role.admin})
"""Roles that must give a TOTP code after the password."""
