"""Import an AI Incident Database (AIID) snapshot as incident records and STIX incidents.

AIID incidents carry ``incident_id, date, title, description``, the alleged deployer / developer /
harmed parties and ``reports[]``; classifications live in namespaces (CSETv1, GMF). OECD harm types
are derived from CSETv1 where present (``Lives Lost`` / ``Injuries`` → health, ``Critical
Infrastructure Sectors`` → critical-infrastructure, ``Intangible Harms`` / ``Harm Distribution
Basis`` → rights, ``Tangible Harm`` mentioning property/environment → property-community-environment)
and whether harm occurred from ``Tangible Harm`` (an "imminent risk" is an OECD hazard). Incidents
with no such classification are skipped and reported, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from tongzhou.errors import InputError
from tongzhou.threats.incidents import IncidentRecord
from tongzhou.threats.json_input import read_json_list


def sample_path() -> Path:
    """The abridged AIID snapshot sample shipped with Tongzhou."""
    return Path(str(resources.files("tongzhou.threats") / "data" / "aiid-sample.json"))


@dataclass
class AiidImport:
    """Records made from a snapshot, and the incidents skipped with why."""

    records: list[IncidentRecord] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if v]
    return [str(value)] if value else []


def _harms(cset: dict[str, Any]) -> tuple[list[str], bool, bool]:
    """(OECD harm types, harm realised, death) from a CSETv1 classification."""
    harms: list[str] = []
    deaths = int(cset.get("Lives Lost") or 0)
    if deaths or int(cset.get("Injuries") or 0):
        harms.append("health")
    if _as_list(cset.get("Critical Infrastructure Sectors")):
        harms.append("critical-infrastructure")
    intangible = str(cset.get("Intangible Harms", "")).lower().startswith("yes")
    if intangible or _as_list(cset.get("Harm Distribution Basis")):
        harms.append("rights")
    tangible = str(cset.get("Tangible Harm", "")).lower()
    if any(word in tangible for word in ("property", "environment", "financial")):
        harms.append("property-community-environment")
    # Intangible harm (e.g. to rights) that occurred makes an incident even without tangible harm.
    realised = intangible or ("imminent risk" not in tangible and "no tangible harm" not in tangible)
    return harms, realised, deaths > 0


def incident_to_record(incident: dict[str, Any]) -> IncidentRecord:
    """One AIID incident as an :class:`IncidentRecord`; :class:`InputError` when it cannot be classified."""
    cset = ((incident.get("classifications") or {}).get("CSETv1")) or {}
    harms, realised, death = _harms(cset)
    if not harms:
        raise InputError("no CSETv1 classification from which to derive OECD harm types")
    return IncidentRecord(
        title=str(incident["title"]),
        description=str(incident.get("description", "")),
        harm_types=harms,
        harm_realised=realised,
        death=death,
        critical_infrastructure="critical-infrastructure" in harms and realised,
        serious=realised and (death or "health" in harms),
        aware=str(incident["date"]),
        occurred=str(incident["date"]),
        ai_system=", ".join(_as_list(incident.get("Alleged developer of AI system"))) or None,
        provider=", ".join(_as_list(incident.get("Alleged developer of AI system"))) or None,
        deployer=", ".join(_as_list(incident.get("Alleged deployer of AI system"))) or None,
        source="aiid",
        source_ref=f"AIID #{incident['incident_id']}",
    )


def import_aiid(path: Path | None = None) -> AiidImport:
    """Incident records from an AIID snapshot JSON (a list of incidents, or ``{"incidents": [...]}``)."""
    source = path or sample_path()
    incidents = read_json_list(
        Path(source), "incidents", "AIID snapshot JSON", "a list of incidents or {'incidents': [...]}"
    )
    result = AiidImport()
    for incident in incidents:
        if not isinstance(incident, dict) or "incident_id" not in incident or "title" not in incident:
            raise InputError(f"{source}: an item lacks incident_id/title: {str(incident)[:80]}")
        try:
            result.records.append(incident_to_record(incident))
        except InputError as exc:
            result.skipped.append((int(incident["incident_id"]), exc.bilingual()))
    return result
