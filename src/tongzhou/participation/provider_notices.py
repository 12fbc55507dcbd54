"""What a provider sees when a public report about one of its systems is accepted: the notice, the
incident and, where the EU AI Act's Art. 73 applies to the system, the serious-incident report draft
with its deadline.

Whether Art. 73 applies is the classification's answer, as of today: the EU jurisdiction's
obligations include ``eu.art73`` (Regulation (EU) 2024/1689 Art. 73(1): providers of high-risk AI
systems placed on the Union market report serious incidents) with status ``applies``. The deadline
runs from the provider's awareness (Art. 73(2)-(4): 15 days; 10 days for a death; 2 days for a
widespread infringement or a serious and irreversible disruption of critical infrastructure), which
we set to the moment the moderator accepted the report and the provider was notified.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from tongzhou.errors import InputError
from tongzhou.participation._tables import NOTICES
from tongzhou.store import Store
from tongzhou.threats.incidents import IncidentRecord, art73_draft, get_incident

if TYPE_CHECKING:
    from tongzhou.classify import Classifier

ART73_OBLIGATION = "eu.art73"


@dataclass(frozen=True, slots=True)
class Art73Status:
    """Whether Art. 73 binds the provider for this system and incident, why, and the draft if it does."""

    applies: bool
    why: dict[str, str]
    """``{"en": …, "zh": …}``."""
    draft: dict[str, Any] | None
    """:func:`tongzhou.threats.incidents.art73_draft` when Art. 73 applies."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"applies": self.applies, "why": self.why, "draft": self.draft}


@dataclass(frozen=True, slots=True)
class ProviderNotice:
    """One accepted incident about one of the provider's systems."""

    id: int
    system_id: str
    report_id: str
    incident: IncidentRecord
    created: str
    read: bool
    art73: Art73Status

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "id": self.id,
            "system_id": self.system_id,
            "report_id": self.report_id,
            "incident": self.incident.to_dict(),
            "created": self.created,
            "read": self.read,
            "art73": self.art73.to_dict(),
        }


def art73_status(
    store: Store, system_id: str, record: IncidentRecord, classifier: Classifier, as_of: dt.date | None = None
) -> Art73Status:
    """Art. 73 for ``record`` about the registered system ``system_id``, as the classification says."""
    from tongzhou.systems.registry import SystemRegistry

    profile = SystemRegistry(store).get(system_id)
    try:
        eu = classifier.classify(profile, as_of).jurisdiction("eu")
    except KeyError:
        eu = None
    duty = None if eu is None else next((o for o in eu.obligations if o.id == ART73_OBLIGATION), None)
    if duty is None:
        return Art73Status(
            False,
            {
                "en": "The EU AI Act's Art. 73 does not apply: the classification finds no high-risk "
                "system on the Union market.",
                "zh": "不适用欧盟《人工智能法》第73条：分类结果显示该系统不是投放欧盟市场的高风险系统。",
            },
            None,
        )
    if duty.status != "applies":
        when = duty.applies_from.isoformat() if duty.applies_from else "?"
        return Art73Status(
            False,
            {
                "en": f"The EU AI Act's Art. 73 applies to this system from {when}, not yet today.",
                "zh": f"欧盟《人工智能法》第73条自 {when} 起适用于该系统，今日尚未适用。",
            },
            None,
        )
    return Art73Status(
        True,
        {
            "en": f"The EU AI Act's Art. 73 applies ({duty.legal_basis}): "
            "the provider reports serious incidents.",
            "zh": f"适用欧盟《人工智能法》第73条（{duty.legal_basis}）：提供者须报告严重事件。",
        },
        art73_draft(record),
    )


def notices_for(
    store: Store,
    system_ids: Iterable[str] | None,
    classifier: Classifier,
    *,
    as_of: dt.date | None = None,
    limit: int = 200,
) -> list[ProviderNotice]:
    """Notices for ``system_ids`` (``None``: every system), newest first."""
    query = select(NOTICES).order_by(NOTICES.c.created_us.desc(), NOTICES.c.id.desc()).limit(limit)
    if system_ids is not None:
        wanted = list(system_ids)
        if not wanted:
            return []
        query = query.where(NOTICES.c.system_id.in_(wanted))
    with store.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    found = []
    for row in rows:
        try:
            record = get_incident(store, row["incident_id"])
        except InputError:
            continue  # the incident record was removed by hand: nothing to show
        found.append(
            ProviderNotice(
                id=int(row["id"]),
                system_id=row["system_id"],
                report_id=row["report_id"],
                incident=record,
                created=dt.datetime.fromtimestamp(row["created_us"] / 1e6, dt.UTC).isoformat(
                    timespec="seconds"
                ),
                read=row["read_us"] is not None,
                art73=art73_status(store, row["system_id"], record, classifier, as_of),
            )
        )
    return found
