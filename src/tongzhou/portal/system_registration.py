"""Registering a system through the portal: validate the profile, store it, index it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from tongzhou.errors import InputError
from tongzhou.portal.accounts import Account
from tongzhou.portal.context import PortalContext
from tongzhou.portal.listing_index import refresh_listing, set_organisation
from tongzhou.portal.problems import PortalProblem


@dataclass(frozen=True)
class Registration:
    """What happened: the id and ``added``/``updated``/``unchanged``."""

    system_id: str
    result: str


def register_system(ctx: PortalContext, data: Any, account: Account) -> Registration:
    """Register a profile (a JSON object); 422 with the first problem when it is not a valid profile."""
    from tongzhou.systems.profile import SystemProfile
    from tongzhou.systems.registry import SystemRegistry

    if not isinstance(data, dict):
        raise PortalProblem(422, "The profile must be a JSON object.")
    try:
        profile = SystemProfile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "(profile)"
        raise PortalProblem(
            422,
            "The profile is not valid: {where}: {problem}",
            where=where,
            problem=str(first.get("msg"))[:200],
        ) from None
    try:
        result = SystemRegistry(ctx.store).add(profile, source="portal:" + account.name)
    except InputError:
        raise PortalProblem(409, "A system with this id is already registered.") from None
    refresh_listing(ctx.store, ctx.classifier, system_ids=[profile.id])
    ctx.filter_menus.clear()
    if result == "added":
        set_organisation(ctx.store, profile.id, account.organisation_id)
    return Registration(profile.id, result)
