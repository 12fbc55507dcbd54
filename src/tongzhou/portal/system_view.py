"""A registered system as its page and ``GET /api/v1/systems/{id}`` show it.

Profile, classification per jurisdiction as of a day (today or a chosen date, through
:class:`tongzhou.classify.Classifier` as ``tongzhou classify`` uses it), signed evaluations and
incidents. A restricted entry (:mod:`tongzhou.portal.visibility`) is "not found" to all but regulators.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from tongzhou.portal._tables import EVALUATIONS, INCIDENT_LINKS, LISTING
from tongzhou.portal.context import PortalContext
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.visibility import is_restricted
from tongzhou.threats._tables import INCIDENTS

if TYPE_CHECKING:
    from tongzhou.systems.profile import SystemProfile

_SYSTEM_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
EARLIEST_DAY = dt.date(2016, 1, 1)
LATEST_DAY = dt.date(2100, 12, 31)


@dataclass(frozen=True)
class SystemView:
    """Everything the system page shows."""

    profile: dict[str, Any]
    classification: dict[str, Any]
    restricted: bool
    evaluations: list[dict[str, Any]]
    incidents: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """The API's JSON."""
        return {
            "profile": self.profile,
            "restricted": self.restricted,
            "classification": self.classification,
            "evaluations": self.evaluations,
            "incidents": self.incidents,
        }


def parse_day(value: str | None) -> dt.date | None:
    """``?as_of=YYYY-MM-DD`` (400 when it is not a date in a sensible range)."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise PortalProblem(400, "The date must be written YYYY-MM-DD.") from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise PortalProblem(400, "The date must be written YYYY-MM-DD.")
    return day


def system_view(
    ctx: PortalContext, system_id: str, *, sees_restricted: bool, as_of: dt.date | None
) -> SystemView:
    """The view of one system (404 when unknown or not visible to this viewer)."""
    from tongzhou.systems.registry import profile_digest

    profile = visible_profile(ctx, system_id, sees_restricted=sees_restricted)
    restricted = is_restricted(profile.sectors)
    result = ctx.classifier.classify(profile, as_of)
    result.profile_sha256 = profile_digest(profile)[1]
    classification = result.to_dict()
    for jurisdiction in classification["jurisdictions"]:
        jurisdiction.pop("trace", None)  # the rule trace is `tongzhou classify --explain`'s business
    return SystemView(
        profile.model_dump(mode="json", exclude_none=True),
        classification,
        restricted,
        _evaluations(ctx, system_id),
        _incidents(ctx, system_id),
    )


def visible_profile(ctx: PortalContext, system_id: str, *, sees_restricted: bool) -> SystemProfile:
    """The registered profile (404 when unknown, or restricted and this viewer may not see it)."""
    from tongzhou.systems.registry import SystemRegistry

    if not _SYSTEM_ID.fullmatch(system_id) or not SystemRegistry(ctx.store).exists(system_id):
        raise PortalProblem(404, "No registered system with this id.")
    profile = SystemRegistry(ctx.store).get(system_id)
    if is_restricted(profile.sectors) and not sees_restricted:
        raise PortalProblem(404, "No registered system with this id.")
    return profile


def organisation_of(ctx: PortalContext, system_id: str) -> str | None:
    """The organisation that registered the system through the portal, if any."""
    with ctx.store.engine.connect() as conn:
        row = conn.execute(select(LISTING.c.organisation_id).where(LISTING.c.system_id == system_id)).first()
    return None if row is None else row[0]


def _evaluations(ctx: PortalContext, system_id: str) -> list[dict[str, Any]]:
    with ctx.store.engine.connect() as conn:
        rows = conn.execute(
            select(
                EVALUATIONS.c.id,
                EVALUATIONS.c.evaluator,
                EVALUATIONS.c.verdict,
                EVALUATIONS.c.key_id,
                EVALUATIONS.c.uploaded_us,
            )
            .where(EVALUATIONS.c.system_id == system_id)
            .order_by(EVALUATIONS.c.uploaded_us.desc())
            .limit(200)
        ).all()
    return [
        {
            "id": r[0],
            "url": f"/evaluations/{r[0]}",
            "evaluator": r[1],
            "verdict": r[2],
            "key_id": r[3],
            "uploaded": dt.datetime.fromtimestamp(r[4] / 1e6, dt.UTC).isoformat(timespec="seconds"),
        }
        for r in rows
    ]


def _incidents(ctx: PortalContext, system_id: str) -> list[dict[str, Any]]:
    with ctx.store.engine.connect() as conn:
        rows = conn.execute(
            select(
                INCIDENTS.c.id,
                INCIDENTS.c.title,
                INCIDENTS.c.severity,
                INCIDENTS.c.aware_us,
                INCIDENTS.c.body,
            )
            .join(INCIDENT_LINKS, INCIDENT_LINKS.c.incident_id == INCIDENTS.c.id)
            .where(INCIDENT_LINKS.c.system_id == system_id)
            .order_by(INCIDENTS.c.aware_us.desc())
            .limit(200)
        ).all()
    found = []
    for r in rows:
        harm = json.loads(r[4]).get("harm_types") if r[4] else None
        found.append(
            {
                "id": r[0],
                "title": r[1],
                "severity": r[2],
                "aware": dt.datetime.fromtimestamp(r[3] / 1e6, dt.UTC).isoformat(timespec="seconds"),
                "harm_types": harm or [],
            }
        )
    return found
