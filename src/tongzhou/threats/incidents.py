"""AI incident records: OECD incident-or-hazard classification and EU AI Act Art. 73 report drafts.

The rules (OECD harm types, Art. 73 deadlines and their triggers) are data in
``data/incident-rules.yaml``; this module interprets them. A record is stored in the
``threats_incident`` table and can be shared as STIX (``incident`` + Incident Core extension +
Tongzhou's AI-incident extension) through any TAXII collection.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select

from tongzhou.errors import InputError
from tongzhou.store import Store
from tongzhou.threats._tables import INCIDENTS
from tongzhou.threats.stix_ai import (
    AI_INCIDENT_EXTENSION,
    INCIDENT_CORE_EXTENSION,
    ai_system,
    atlas_reference,
    deterministic_id,
)
from tongzhou.threats.timestamps import datetime_to_us, now_us

_ATLAS_ID = re.compile(r"^AML\.T\d{4}(\.\d{3})?$")


@cache
def incident_rules() -> dict[str, Any]:
    """The OECD and Art. 73 rules (``data/incident-rules.yaml``)."""
    text = (resources.files("tongzhou.threats") / "data" / "incident-rules.yaml").read_text(encoding="utf-8")
    rules: dict[str, Any] = yaml.safe_load(text)
    return rules


def _parse_moment(value: str, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError.of(
            "{what}: not an ISO 8601 date or date-time: {value!r}", what=what, value=value
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


CLOCK_SKEW = timedelta(days=1)
"""How far in the future a moment may lie (clocks and time zones disagree); beyond it is a mistake."""


def _not_future(value: str, what: str) -> datetime:
    moment = _parse_moment(value, what)
    if moment > datetime.now(UTC) + CLOCK_SKEW:
        raise InputError.of(
            "{what}: {value} is in the future; give the moment it already happened (ISO 8601, e.g. "
            "2026-11-20T09:00:00Z)",
            what=what,
            value=value,
        )
    return moment


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class IncidentRecord:
    """An AI incident or hazard as a provider, deployer or authority records it."""

    title: str
    description: str = ""
    harm_types: list[str] = field(default_factory=list)
    """OECD harm types: ``health``, ``critical-infrastructure``, ``rights``,
    ``property-community-environment``."""
    harm_realised: bool = True
    """True: harm occurred (OECD *incident*); False: it could plausibly occur (OECD *hazard*)."""
    serious: bool = False
    """A serious incident in the sense of AI Act Art. 3(49) (set automatically by the three triggers)."""
    death: bool = False
    critical_infrastructure: bool = False
    """Serious and irreversible disruption of critical infrastructure (Art. 3(49)(b))."""
    widespread_infringement: bool = False
    aware: str = ""
    """When the provider/deployer became aware (ISO 8601, UTC); the Art. 73 clock starts here."""
    occurred: str | None = None
    ai_system: str | None = None
    provider: str | None = None
    deployer: str | None = None
    atlas_techniques: list[str] = field(default_factory=list)
    source: str = "manual"
    source_ref: str | None = None
    """E.g. ``AIID #3``; also the key of the deterministic id for imported records."""
    id: str = ""

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise InputError.of("an incident needs a title")
        known = incident_rules()["oecd"]["harm_types"]
        unknown = [h for h in self.harm_types if h not in known]
        if unknown:
            raise InputError.of(
                "unknown harm type(s) {unknown}; use {known}",
                unknown=", ".join(unknown),
                known=", ".join(sorted(known)),
            )
        if not self.harm_types:
            raise InputError.of("name at least one OECD harm type: {known}", known=", ".join(sorted(known)))
        bad = [t for t in self.atlas_techniques if not _ATLAS_ID.match(t)]
        if bad:
            raise InputError.of(
                "not ATLAS technique ids (AML.T0051, AML.T0051.000): {bad}", bad=", ".join(bad)
            )
        self.aware = _iso(_not_future(self.aware, "aware") if self.aware else datetime.now(UTC))
        if self.occurred:
            self.occurred = _iso(_not_future(self.occurred, "occurred"))
        if self.death or self.critical_infrastructure or self.widespread_infringement:
            self.serious = True
        if not self.id:
            key = f"{self.source}|{self.source_ref}" if self.source_ref else f"{self.title}|{self.aware}"
            self.id = deterministic_id("incident", key)

    @property
    def oecd_classification(self) -> str:
        """``incident`` when harm occurred, ``hazard`` when it could plausibly occur."""
        return "incident" if self.harm_realised else "hazard"

    @property
    def severity(self) -> str:
        """The most severe Art. 73 trigger that applies (or ``serious`` / ``not-serious``)."""
        for flag in ("death", "critical_infrastructure", "widespread_infringement"):
            if getattr(self, flag):
                return flag.replace("_", "-")
        return "serious" if self.serious else "not-serious"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IncidentRecord:
        """Rebuild from :meth:`to_dict`."""
        return cls(**data)


def art73_draft(record: IncidentRecord) -> dict[str, Any]:
    """An EU AI Act Art. 73 serious-incident report draft with its deadline (bilingual labels)."""
    rules = incident_rules()["eu_ai_act_art73"]
    aware = _parse_moment(record.aware, "aware")
    applicable = [t for t in rules["triggers"] if getattr(record, t["when"])]
    chosen = min(applicable, key=lambda t: t["days"]) if applicable else rules["default"]
    reportable = record.harm_realised and record.serious
    oecd = incident_rules()["oecd"]
    draft: dict[str, Any] = {
        "regime": "EU AI Act (Regulation (EU) 2024/1689)",
        "article": "Art. 73",
        "source": rules["source"],
        "report_type": "initial",
        "reportable": reportable,
        "incident_id": record.id,
        "title": record.title,
        "oecd": {
            "classification": record.oecd_classification,
            "definition": oecd[record.oecd_classification],
            "harm_types": {h: oecd["harm_types"][h] for h in record.harm_types},
        },
        "notes": rules["notes"],
        "fields": {k: v for k, v in record.to_dict().items() if k not in ("id", "title")},
    }
    if reportable:
        draft.update(
            {
                "aware": record.aware,
                "days": chosen["days"],
                "basis": chosen["basis"],
                "deadline": _iso(aware + timedelta(days=chosen["days"])),
                "reason": {"en": chosen["en"], "zh": chosen["zh"]},
                "triggers": [t["basis"] + " " + t["when"] for t in applicable],
            }
        )
    else:
        why = (
            "an OECD hazard: no harm has occurred, so Art. 73 reporting does not apply yet"
            if not record.harm_realised
            else "not a serious incident under Art. 3(49)"
        )
        draft["reason"] = {"en": why, "zh": "不属于第73条须报告的严重事件"}
    return draft


def render_markdown(draft: dict[str, Any]) -> str:
    """The draft as a bilingual Markdown document."""
    lines = [
        f"# {draft['article']} serious incident report (draft) / 严重事件报告（草稿）",
        "",
        f"**{draft['title']}** (`{draft['incident_id']}`)",
        "",
        f"- Regime / 法规: {draft['regime']}",
        f"- OECD classification / 经合组织分类: **{draft['oecd']['classification']}**",
    ]
    if draft["reportable"]:
        lines += [
            f"- Aware / 知悉时间: {draft['aware']}",
            f"- Deadline / 报告期限: **{draft['deadline']}** ({draft['days']} days / 日, {draft['basis']})",
            f"- Why / 依据: {draft['reason']['en']} / {draft['reason']['zh']}",
        ]
    else:
        lines.append(f"- Not reportable / 无需报告: {draft['reason']['en']} / {draft['reason']['zh']}")
    lines += ["", "## Harm / 损害", ""]
    lines += [f"- {h}: {t['en']} / {t['zh']}" for h, t in draft["oecd"]["harm_types"].items()]
    lines += ["", "## Fields / 字段", ""]
    lines += [f"- {k}: {v}" for k, v in draft["fields"].items() if v not in (None, [], "")]
    lines += ["", "## Notes / 说明", ""]
    lines += [f"- {n['basis']}: {n['en']} / {n['zh']}" for n in draft["notes"]]
    return "\n".join(lines) + "\n"


def incident_to_stix(record: IncidentRecord) -> list[dict[str, Any]]:
    """The record as STIX 2.1: an ``incident`` (Incident Core + AI-incident extensions), and its ``ai-system``
    when one is named."""
    created = record.aware.replace("Z", ".000Z")
    objects: list[dict[str, Any]] = []
    extension: dict[str, Any] = {
        "extension_type": "property-extension",
        "oecd_classification": record.oecd_classification,
        "harm_types": record.harm_types,
        "harm_realised": record.harm_realised,
        "severity": record.severity,
        "aware": record.aware,
        "source": record.source,
    }
    if record.ai_system:
        system = ai_system(
            record.ai_system, provider=record.provider, deployer=record.deployer, created=created
        )
        objects.append(system)
        extension["ai_system_refs"] = [system["id"]]
    if record.occurred:
        extension["occurred"] = record.occurred
    if record.atlas_techniques:
        extension["atlas_techniques"] = record.atlas_techniques
    if record.harm_realised and record.serious:
        draft = art73_draft(record)
        extension["eu_ai_act"] = {"article": "73", "basis": draft["basis"], "deadline": draft["deadline"]}
    incident: dict[str, Any] = {
        "type": "incident",
        "spec_version": "2.1",
        "id": record.id,
        "created": created,
        "modified": created,
        "name": record.title,
        "extensions": {
            INCIDENT_CORE_EXTENSION: {
                "extension_type": "property-extension",
                "determination": "successful" if record.harm_realised else "suspected",
                "investigation_status": "open",
            },
            AI_INCIDENT_EXTENSION: extension,
        },
    }
    if record.description:
        incident["description"] = record.description
    if record.atlas_techniques:
        incident["external_references"] = [atlas_reference(t) for t in record.atlas_techniques]
    objects.append(incident)
    return objects


def save_incident(store: Store, record: IncidentRecord) -> IncidentRecord:
    """Insert or replace the record (re-importing the same source record updates it in place)."""
    values = {
        "title": record.title,
        "classification": record.oecd_classification,
        "severity": record.severity,
        "occurred_us": datetime_to_us(_parse_moment(record.occurred, "occurred"))
        if record.occurred
        else None,
        "aware_us": datetime_to_us(_parse_moment(record.aware, "aware")),
        "source": record.source,
        "body": json.dumps(record.to_dict(), ensure_ascii=False),
    }
    with store.transaction() as session:
        exists = session.execute(select(INCIDENTS.c.id).where(INCIDENTS.c.id == record.id)).first()
        if exists:
            session.execute(INCIDENTS.update().where(INCIDENTS.c.id == record.id).values(**values))
        else:
            session.execute(INCIDENTS.insert().values(id=record.id, created_us=now_us(), **values))
    return record


def list_incidents(store: Store) -> list[IncidentRecord]:
    """Every stored record, most recently noticed first."""
    with store.transaction() as session:
        rows = session.execute(select(INCIDENTS.c.body).order_by(INCIDENTS.c.aware_us.desc())).scalars().all()
    return [IncidentRecord.from_dict(json.loads(body)) for body in rows]


def get_incident(store: Store, incident_id: str) -> IncidentRecord:
    """One record by id (or unique id prefix); :class:`InputError` when absent."""
    with store.transaction() as session:
        rows = (
            session.execute(select(INCIDENTS.c.body).where(INCIDENTS.c.id.startswith(incident_id)).limit(2))
            .scalars()
            .all()
        )
    if len(rows) != 1:
        raise InputError.of("no single incident matches {incident_id!r}", incident_id=incident_id)
    return IncidentRecord.from_dict(json.loads(rows[0]))
