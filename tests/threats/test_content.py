"""AI content: extension definitions, ATLAS / AVID / AIID importers, incident records and Art. 73 drafts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tongzhou.errors import InputError
from tongzhou.store import Store
from tongzhou.threats.aiid import import_aiid
from tongzhou.threats.atlas import atlas_to_stix, import_atlas, load_atlas, sample_path
from tongzhou.threats.avid import import_avid
from tongzhou.threats.avid import sample_path as avid_sample_path
from tongzhou.threats.incidents import (
    IncidentRecord,
    art73_draft,
    get_incident,
    incident_to_stix,
    list_incidents,
    render_markdown,
    save_incident,
)
from tongzhou.threats.repository import TaxiiRepository
from tongzhou.threats.sharing import ensure_collection, publish
from tongzhou.threats.stix_ai import AI_INCIDENT_EXTENSION, ai_system, extension_definitions
from tongzhou.threats.validation import InvalidStixObject, validate_object


def test_extension_definitions_and_ai_objects_validate() -> None:
    for obj in extension_definitions():
        validate_object(obj)
    system = ai_system("HealthBot", provider="Example Lab", modalities=["text"])
    validate_object(system)
    with pytest.raises(InvalidStixObject):
        validate_object({k: v for k, v in system.items() if k != "name"})  # name is required by the extension


def test_atlas_import_is_deterministic_and_idempotent(store: Store) -> None:
    objects = import_atlas()
    again = import_atlas()
    assert objects == again
    by_type: dict[str, list[dict[str, object]]] = {}
    for obj in objects:
        validate_object(obj)
        by_type.setdefault(str(obj["type"]), []).append(obj)
    injection = next(o for o in by_type["attack-pattern"] if o["name"] == "LLM Prompt Injection")
    assert injection["external_references"][0]["external_id"] == "AML.T0051"  # type: ignore[index]
    assert injection["kill_chain_phases"] == [
        {"kill_chain_name": "mitre-atlas", "phase_name": "initial-access"}
    ]
    assert injection["created"] == "2023-10-25T00:00:00.000Z"
    kinds = {o["relationship_type"] for o in by_type["relationship"]}  # type: ignore[misc]
    assert kinds == {"subtechnique-of", "mitigates"}
    assert len(by_type["report"]) == 1 and len(by_type["x-mitre-tactic"]) == 6
    collection = ensure_collection(store, "mitre-atlas", "MITRE ATLAS", public_read=True)
    publish(store, collection, objects)
    publish(store, collection, again)
    assert TaxiiRepository(store).count(collection) == len(objects)


def test_atlas_update_adds_a_new_version_only(tmp_path: Path) -> None:
    data = load_atlas(sample_path())
    technique = data["matrices"][0]["techniques"][5]
    technique["modified_date"] = "2025-04-01"
    updated = {o["id"]: o for o in atlas_to_stix(data)}
    original = {o["id"]: o for o in import_atlas()}
    assert updated.keys() == original.keys()
    changed = [i for i in updated if updated[i] != original[i]]
    assert len(changed) == 1 and updated[changed[0]]["modified"] == "2025-04-01T00:00:00.000Z"


def test_atlas_rejects_non_atlas_files(tmp_path: Path) -> None:
    bad = tmp_path / "ATLAS.yaml"
    bad.write_text("just: a mapping\n")
    with pytest.raises(InputError, match="not an ATLAS"):
        import_atlas(bad)
    bad.write_text("matrices: [unclosed\n")
    with pytest.raises(InputError, match="cannot read"):
        import_atlas(bad)


def test_avid_reports_become_vulnerabilities(tmp_path: Path) -> None:
    objects = import_avid()
    for obj in objects:
        validate_object(obj)
    first = objects[0]
    assert first["type"] == "vulnerability"
    refs = {r["source_name"]: r.get("external_id") for r in first["external_references"]}
    assert refs["avid"] == "AVID-SAMPLE-R0001" and refs["mitre-atlas"] == "AML.T0051.001"
    lines = tmp_path / "reports.jsonl"
    reports = json.loads(avid_sample_path().read_text(encoding="utf-8"))
    lines.write_text("\n".join(json.dumps(r) for r in reports))
    assert [o["id"] for o in import_avid(lines)] == [o["id"] for o in objects]
    lines.write_text('{"data_type": "CVE"}')
    with pytest.raises(InputError, match="not an AVID report"):
        import_avid(lines)


def test_aiid_snapshot_becomes_incident_records() -> None:
    result = import_aiid()
    by_ref = {r.source_ref: r for r in result.records}
    mcas, uber, youtube = by_ref["AIID #3"], by_ref["AIID #4"], by_ref["AIID #1"]
    assert uber.death and art73_draft(uber)["days"] == 10
    assert mcas.critical_infrastructure and art73_draft(mcas)["days"] == 2  # the shortest trigger wins
    assert youtube.harm_types == ["rights"] and not art73_draft(youtube)["reportable"]
    for record in result.records:
        for obj in incident_to_stix(record):
            validate_object(obj)


@pytest.mark.parametrize(
    ("flags", "days", "basis"),
    [
        ({"serious": True}, 15, "Art. 73(2)"),
        ({"widespread_infringement": True}, 2, "Art. 73(3)"),
        ({"critical_infrastructure": True}, 2, "Art. 73(3)"),
        ({"death": True}, 10, "Art. 73(4)"),
        ({"death": True, "widespread_infringement": True}, 2, "Art. 73(3)"),
    ],
)
def test_art73_deadlines(flags: dict[str, bool], days: int, basis: str) -> None:
    record = IncidentRecord(title="t", harm_types=["health"], aware="2026-03-01T12:00:00+08:00", **flags)
    draft = art73_draft(record)
    assert (draft["days"], draft["basis"]) == (days, basis)
    assert draft["deadline"] == f"2026-03-{1 + days:02d}T04:00:00Z"  # counted from awareness, in UTC
    markdown = render_markdown(draft)
    assert "报告期限" in markdown and draft["deadline"] in markdown and "Art. 73(6)" in markdown


def test_hazard_is_classified_and_not_reportable() -> None:
    record = IncidentRecord(
        title="Jailbreak found in red-team exercise", harm_types=["health"], harm_realised=False, serious=True
    )
    draft = art73_draft(record)
    assert (
        record.oecd_classification == "hazard"
        and not draft["reportable"]
        and "hazard" in draft["reason"]["en"]
    )
    incident = incident_to_stix(record)[-1]
    assert incident["extensions"][AI_INCIDENT_EXTENSION]["oecd_classification"] == "hazard"


@pytest.mark.parametrize(
    "fields",
    [
        {"title": " ", "harm_types": ["health"]},
        {"title": "t", "harm_types": []},
        {"title": "t", "harm_types": ["vibes"]},
        {"title": "t", "harm_types": ["health"], "aware": "last week"},
        {"title": "t", "harm_types": ["health"], "atlas_techniques": ["T1059"]},
    ],
)
def test_bad_incident_input_is_rejected(fields: dict[str, object]) -> None:
    with pytest.raises(InputError):
        IncidentRecord(**fields)  # type: ignore[arg-type]


def test_incident_store_round_trip(store: Store) -> None:
    first = IncidentRecord(
        title="a", harm_types=["rights"], aware="2026-01-01T00:00:00Z", source="x", source_ref="1"
    )
    second = IncidentRecord(title="b", harm_types=["health"], death=True, aware="2026-02-01T00:00:00Z")
    save_incident(store, first)
    save_incident(store, second)
    save_incident(
        store,
        IncidentRecord(
            title="a (updated)",
            harm_types=["rights"],
            aware="2026-01-01T00:00:00Z",
            source="x",
            source_ref="1",
        ),
    )
    listed = list_incidents(store)
    assert [r.title for r in listed] == ["b", "a (updated)"]
    assert get_incident(store, second.id[:20]).death
    with pytest.raises(InputError):
        get_incident(store, "incident--nope")
