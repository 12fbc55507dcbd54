"""Import MITRE ATLAS (``dist/ATLAS.yaml``) as STIX 2.1, with deterministic ids.

The STIX bundle published in atlas-navigator-data uses random UUIDs that change when it is
regenerated; here every id is UUIDv5 of the ATLAS id (``AML.T0051`` → the same
``attack-pattern--…`` on every import), so importing a newer ATLAS.yaml adds new versions of
changed objects and nothing else.

Mapping (following ATT&CK's STIX conventions):

* tactic → ``x-mitre-tactic`` (``x_mitre_shortname``) — custom type, as ATT&CK publishes it;
* technique → ``attack-pattern`` with ``kill_chain_phases`` (``mitre-atlas`` / tactic shortname);
  sub-technique → ``attack-pattern`` with ``x_mitre_is_subtechnique`` + ``subtechnique-of`` relationship;
* mitigation → ``course-of-action`` + ``mitigates`` relationships;
* case study → ``report`` whose ``object_refs`` are the techniques of its procedure.

``created``/``modified`` come from ``created_date``/``modified_date`` where ATLAS gives them, else
from :data:`UNDATED` so ids *and* versions stay stable across imports of the same file.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tongzhou.errors import InputError
from tongzhou.threats.stix_ai import atlas_reference, deterministic_id

UNDATED = "2021-06-01T00:00:00.000Z"
"""Timestamp for ATLAS entries without dates (ATLAS launched in June 2021)."""
KILL_CHAIN = "mitre-atlas"


def sample_path() -> Path:
    """The small ATLAS sample shipped with Tongzhou."""
    return Path(str(resources.files("tongzhou.threats") / "data" / "atlas-sample.yaml"))


def _stamp(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00.000Z"
    if isinstance(value, str) and value:
        return f"{value[:10]}T00:00:00.000Z"
    return UNDATED


def _shortname(name: str) -> str:
    return name.lower().replace(" ", "-")


def _relationship(source: str, kind: str, target: str, created: str) -> dict[str, Any]:
    return {
        "type": "relationship",
        "spec_version": "2.1",
        "id": deterministic_id("relationship", f"atlas|{source}|{kind}|{target}"),
        "created": created,
        "modified": created,
        "relationship_type": kind,
        "source_ref": source,
        "target_ref": target,
    }


def load_atlas(path: Path) -> dict[str, Any]:
    """Read ATLAS.yaml; :class:`InputError` when it is not an ATLAS file."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read ATLAS YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("matrices"), list):
        raise InputError.of("{path}: not an ATLAS.yaml (no 'matrices' list)", path=path)
    return data


def atlas_to_stix(data: dict[str, Any]) -> list[dict[str, Any]]:
    """STIX 2.1 objects for every tactic, technique, mitigation and case study in ``data``."""
    objects: list[dict[str, Any]] = []
    technique_ids: dict[str, str] = {}
    tactic_short: dict[str, str] = {}
    matrices = data["matrices"]
    for matrix in matrices:
        for tactic in matrix.get("tactics", []) or []:
            created, modified = _stamp(tactic.get("created_date")), _stamp(tactic.get("modified_date"))
            tactic_short[tactic["id"]] = _shortname(tactic["name"])
            objects.append(
                {
                    "type": "x-mitre-tactic",
                    "spec_version": "2.1",
                    "id": deterministic_id("x-mitre-tactic", tactic["id"]),
                    "created": created,
                    "modified": max(created, modified),
                    "name": tactic["name"],
                    "description": str(tactic.get("description", "")).strip(),
                    "x_mitre_shortname": tactic_short[tactic["id"]],
                    "external_references": [atlas_reference(tactic["id"])],
                }
            )
        for technique in matrix.get("techniques", []) or []:
            technique_ids[technique["id"]] = deterministic_id("attack-pattern", technique["id"])
    for matrix in matrices:
        for technique in matrix.get("techniques", []) or []:
            created, modified = _stamp(technique.get("created_date")), _stamp(technique.get("modified_date"))
            modified = max(created, modified)
            body: dict[str, Any] = {
                "type": "attack-pattern",
                "spec_version": "2.1",
                "id": technique_ids[technique["id"]],
                "created": created,
                "modified": modified,
                "name": technique["name"],
                "description": str(technique.get("description", "")).strip(),
                "external_references": [atlas_reference(technique["id"])],
                "x_mitre_is_subtechnique": bool(technique.get("subtechnique-of")),
            }
            phases = [
                {"kill_chain_name": KILL_CHAIN, "phase_name": tactic_short[t]}
                for t in technique.get("tactics", []) or []
                if t in tactic_short
            ]
            if phases:
                body["kill_chain_phases"] = phases
            objects.append(body)
            parent = technique.get("subtechnique-of")
            if parent and parent in technique_ids:
                objects.append(_relationship(body["id"], "subtechnique-of", technique_ids[parent], created))
        for mitigation in matrix.get("mitigations", []) or []:
            created, modified = (
                _stamp(mitigation.get("created_date")),
                _stamp(mitigation.get("modified_date")),
            )
            coa_id = deterministic_id("course-of-action", mitigation["id"])
            objects.append(
                {
                    "type": "course-of-action",
                    "spec_version": "2.1",
                    "id": coa_id,
                    "created": created,
                    "modified": max(created, modified),
                    "name": mitigation["name"],
                    "description": str(mitigation.get("description", "")).strip(),
                    "external_references": [atlas_reference(mitigation["id"])],
                }
            )
            for use in mitigation.get("techniques", []) or []:
                target = use.get("id") if isinstance(use, dict) else use
                if target in technique_ids:
                    rel = _relationship(coa_id, "mitigates", technique_ids[target], created)
                    if isinstance(use, dict) and use.get("use"):
                        rel["description"] = str(use["use"]).strip()
                    objects.append(rel)
    for study in data.get("case-studies", []) or []:
        refs = list(
            dict.fromkeys(
                technique_ids[step["technique"]]
                for step in study.get("procedure", []) or []
                if step.get("technique") in technique_ids
            )
        )
        if not refs:
            continue  # a STIX report needs at least one object_ref
        published = _stamp(study.get("incident-date"))
        external = [atlas_reference(study["id"])]
        external += [
            {"source_name": "reference", "description": r.get("title", ""), "url": r["url"]}
            for r in study.get("references", []) or []
            if isinstance(r, dict) and r.get("url")
        ]
        objects.append(
            {
                "type": "report",
                "spec_version": "2.1",
                "id": deterministic_id("report", study["id"]),
                "created": published,
                "modified": published,
                "published": published,
                "name": study["name"],
                "description": str(study.get("summary", "")).strip(),
                "report_types": ["attack-pattern"],
                "object_refs": refs,
                "external_references": external,
            }
        )
    return objects


def import_atlas(path: Path | None = None) -> list[dict[str, Any]]:
    """STIX objects from ATLAS.yaml at ``path`` (default: the shipped sample)."""
    return atlas_to_stix(load_atlas(path or sample_path()))
