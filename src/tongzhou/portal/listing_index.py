"""The registry listing index: each registered system's filterable facts, kept beside the registry.

Filtering 10,000 systems by tier cannot classify 10,000 profiles per request, so each system is
classified once (as of a day) and its facets stored: ``(jurisdiction, eu)``, ``(tier, high_risk)``,
``(jtier, eu:high_risk)``, ``(sector, employment)``, ``(provider, …)``, ``(status, …)``. A row is
redone when its profile changes (sha256) or the day moves on (tiers and obligations have dates).
:func:`refresh_listing` runs at ``tongzhou serve`` start (once, before the workers) and after a
registration through the portal. Incidents are linked to the system they name on the same pass.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, or_, select

from tongzhou.portal._tables import FACETS, INCIDENT_LINKS, LISTING
from tongzhou.portal.visibility import is_restricted
from tongzhou.store import Store
from tongzhou.systems._tables import SystemRecord
from tongzhou.threats._tables import INCIDENTS

if TYPE_CHECKING:
    from tongzhou.classify import Classification, Classifier
    from tongzhou.systems.profile import SystemProfile

SYSTEMS = SystemRecord.__table__
_BATCH = 500


def today_utc() -> dt.date:
    """The as-of day of the index."""
    return dt.datetime.now(dt.UTC).date()


def listing_status(result: Classification) -> str:
    """``undetermined`` when a jurisdiction cannot decide its scope or a rule lacks facts."""
    for j in result.jurisdictions:
        if j.in_scope is None or (j.in_scope and j.undetermined):
            return "undetermined"
    return "determined"


def facets_of(profile: SystemProfile, result: Classification) -> set[tuple[str, str]]:
    """The (kind, value) pairs a system can be found by."""
    facets = {("provider", profile.provider.name[:255]), ("status", listing_status(result))}
    facets |= {("sector", s) for s in profile.sectors or ()}
    for j in result.jurisdictions:
        if not j.in_scope:
            continue
        facets.add(("jurisdiction", j.jurisdiction))
        for tier in j.tiers:
            facets.add(("tier", tier.id))
            facets.add(("jtier", f"{j.jurisdiction}:{tier.id}"))
    return facets


def summary_of(result: Classification) -> dict[str, Any]:
    """Headline tier per in-scope jurisdiction, as a listing row shows it."""
    summary: dict[str, Any] = {}
    for j in result.jurisdictions:
        if not j.in_scope:
            continue
        head = j.headline
        summary[j.jurisdiction] = (
            None
            if head is None
            else {"tier": head.id, "label": head.label, "label_zh": head.label_zh, "status": head.status}
        )
    return summary


def refresh_listing(
    store: Store,
    classifier: Classifier | None = None,
    *,
    today: dt.date | None = None,
    system_ids: Iterable[str] | None = None,
) -> int:
    """Bring the index up to date with the registry as of ``today``; returns how many rows were redone."""
    from tongzhou.classify import Classifier
    from tongzhou.systems.profile import SystemProfile

    day = today or today_utc()
    classifier = classifier or Classifier()
    with store.transaction() as session:  # systems removed from the registry leave the index
        gone = select(LISTING.c.system_id).where(~LISTING.c.system_id.in_(select(SYSTEMS.c.id)))
        gone_ids = list(session.execute(gone).scalars())
        if gone_ids:
            session.execute(delete(FACETS).where(FACETS.c.system_id.in_(gone_ids)))
            session.execute(delete(LISTING).where(LISTING.c.system_id.in_(gone_ids)))
    stale = (
        select(SYSTEMS.c.id, SYSTEMS.c.profile_json, SYSTEMS.c.sha256, LISTING.c.organisation_id)
        .join(LISTING, LISTING.c.system_id == SYSTEMS.c.id, isouter=True)
        .where(
            or_(
                LISTING.c.system_id.is_(None),
                LISTING.c.profile_sha256 != SYSTEMS.c.sha256,
                LISTING.c.indexed_on != day.isoformat(),
            )
        )
        .order_by(SYSTEMS.c.id)
    )
    if system_ids is not None:
        stale = stale.where(SYSTEMS.c.id.in_(list(system_ids)))
    done = 0
    after = ""
    while True:
        with store.engine.connect() as conn:
            rows = conn.execute(stale.where(SYSTEMS.c.id > after).limit(_BATCH)).all()
        if not rows:
            break
        listing_rows, facet_rows = [], []
        for system_id, profile_json, sha256, organisation_id in rows:
            profile = SystemProfile.model_validate(json.loads(profile_json))
            result = classifier.classify(profile, day)
            listing_rows.append(
                {
                    "system_id": system_id,
                    "name": profile.name[:255],
                    "provider": profile.provider.name[:255],
                    "status": listing_status(result),
                    "restricted": is_restricted(profile.sectors),
                    "organisation_id": organisation_id,
                    "profile_sha256": sha256,
                    "indexed_on": day.isoformat(),
                    "summary_json": json.dumps(summary_of(result), ensure_ascii=False, sort_keys=True),
                }
            )
            facet_rows += [
                {"kind": k, "value": v, "system_id": system_id} for k, v in facets_of(profile, result)
            ]
        ids = [r["system_id"] for r in listing_rows]
        with store.transaction() as session:
            session.execute(delete(FACETS).where(FACETS.c.system_id.in_(ids)))
            session.execute(delete(LISTING).where(LISTING.c.system_id.in_(ids)))
            session.execute(LISTING.insert(), listing_rows)
            if facet_rows:
                session.execute(FACETS.insert(), facet_rows)
        done += len(rows)
        after = rows[-1][0]
    link_incidents(store)
    return done


def set_organisation(store: Store, system_id: str, organisation_id: str | None) -> None:
    """Record which organisation registered a system through the portal."""
    with store.transaction() as session:
        session.execute(
            LISTING.update().where(LISTING.c.system_id == system_id).values(organisation_id=organisation_id)
        )


def link_incidents(store: Store) -> int:
    """Link every incident not yet linked to the system it names (``""`` when it names none)."""
    unlinked = (
        select(INCIDENTS.c.id, INCIDENTS.c.body)
        .join(INCIDENT_LINKS, INCIDENT_LINKS.c.incident_id == INCIDENTS.c.id, isouter=True)
        .where(and_(INCIDENT_LINKS.c.incident_id.is_(None)))
        .limit(5000)
    )
    linked = 0
    while True:
        with store.engine.connect() as conn:
            rows = conn.execute(unlinked).all()
        if not rows:
            return linked
        links = []
        for incident_id, body in rows:
            try:
                system = json.loads(body).get("ai_system") or ""
            except (ValueError, AttributeError):
                system = ""
            links.append({"incident_id": incident_id, "system_id": str(system)[:64]})
        with store.transaction() as session:
            session.execute(INCIDENT_LINKS.insert(), links)
        linked += len(links)
