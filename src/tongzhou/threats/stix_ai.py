"""STIX 2.1 content for AI: extension definitions for AI systems, AI incidents and AI vulnerabilities.

* ``ai-system`` — a new SDO (extension type ``new-sdo``): an AI model or system as deployed.
* AI incident — the STIX ``incident`` SDO with the OASIS Incident Core extension
  (``extension-definition--ef765651-680c-498d-9894-99799f2fa126``, cti-stix-common-objects) plus our
  property extension: OECD incident-or-hazard classification, harms, EU AI Act Art. 73 fields,
  ATLAS techniques.
* AI vulnerability — the STIX ``vulnerability`` SDO with a property extension carrying AVID's
  report fields (``affects``, ``problemtype``, ``impact.avid`` SEP / lifecycle views, ATLAS refs).

ATLAS techniques are referenced as external references ``{"source_name": "mitre-atlas",
"external_id": "AML.T0051"}`` — the same form the ATLAS importer writes — and listed by id in the
extensions. The classes registered here with ``stix2`` make the TAXII server validate these
properties on ingest. Ids are deterministic (UUIDv5 in :data:`NAMESPACE`), so re-imports of the
same source record never duplicate.
"""

from __future__ import annotations

import uuid
from typing import Any

import stix2
from stix2.properties import (
    BooleanProperty,
    DictionaryProperty,
    ListProperty,
    ReferenceProperty,
    StringProperty,
)

NAMESPACE = uuid.UUID("0b5f3c1e-7d0a-5e55-9a3c-7a6f0e1c2b44")
"""UUIDv5 namespace of every deterministic id Tongzhou mints."""
DEFINITIONS_CREATED = "2026-11-23T00:00:00.000Z"
INCIDENT_CORE_EXTENSION = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"
"""OASIS Incident Core extension (cti-stix-common-objects), per the threat-sharing reference."""


def deterministic_id(stix_type: str, key: str) -> str:
    """``<type>--<UUIDv5(NAMESPACE, key)>``: the same source record always gets the same id."""
    return f"{stix_type}--{uuid.uuid5(NAMESPACE, key)}"


TONGZHOU_IDENTITY_ID = deterministic_id("identity", "tongzhou")
AI_SYSTEM_EXTENSION = deterministic_id("extension-definition", "tongzhou/ai-system/1.0")
AI_INCIDENT_EXTENSION = deterministic_id("extension-definition", "tongzhou/ai-incident/1.0")
AI_VULNERABILITY_EXTENSION = deterministic_id("extension-definition", "tongzhou/ai-vulnerability/1.0")


def atlas_reference(technique_id: str) -> dict[str, str]:
    """An external reference to an ATLAS technique, tactic, mitigation or case study."""
    kind = {"TA": "tactics", "T": "techniques", "M": "mitigations", "CS": "studies"}
    code = technique_id.split(".", 1)[1] if "." in technique_id else technique_id
    prefix = "".join(ch for ch in code if ch.isalpha())
    return {
        "source_name": "mitre-atlas",
        "external_id": technique_id,
        "url": f"https://atlas.mitre.org/{kind.get(prefix, 'techniques')}/{technique_id}",
    }


def tongzhou_identity() -> dict[str, Any]:
    """The identity that authors Tongzhou's extension definitions."""
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": TONGZHOU_IDENTITY_ID,
        "created": DEFINITIONS_CREATED,
        "modified": DEFINITIONS_CREATED,
        "name": "Tongzhou (同舟)",
        "identity_class": "system",
    }


def extension_definitions() -> list[dict[str, Any]]:
    """The three extension-definition objects (and their author identity), ready to share."""

    def definition(ext_id: str, name: str, description: str, ext_type: str) -> dict[str, Any]:
        return {
            "type": "extension-definition",
            "spec_version": "2.1",
            "id": ext_id,
            "created_by_ref": TONGZHOU_IDENTITY_ID,
            "created": DEFINITIONS_CREATED,
            "modified": DEFINITIONS_CREATED,
            "name": name,
            "description": description,
            "schema": "https://github.com/tongzhou/tongzhou/blob/main/docs/threats.md",
            "version": "1.0.0",
            "extension_types": [ext_type],
        }

    return [
        tongzhou_identity(),
        definition(
            AI_SYSTEM_EXTENSION,
            "ai-system",
            "An AI model or system as deployed: provider, deployer, model identity, modalities, "
            "risk tier per jurisdiction.",
            "new-sdo",
        ),
        definition(
            AI_INCIDENT_EXTENSION,
            "ai-incident",
            "AI incident fields on incident: OECD incident/hazard classification, harms, affected AI "
            "systems, ATLAS techniques, EU AI Act Art. 73 serious-incident reporting.",
            "property-extension",
        ),
        definition(
            AI_VULNERABILITY_EXTENSION,
            "ai-vulnerability",
            "AVID report fields on vulnerability: affects, problemtype, AVID SEP and lifecycle views, "
            "ATLAS techniques, CVSS, CWE.",
            "property-extension",
        ),
    ]


@stix2.v21.CustomObject(
    "ai-system",
    [
        ("name", StringProperty(required=True)),
        ("description", StringProperty()),
        ("provider", StringProperty()),
        ("deployer", StringProperty()),
        ("model_identity", StringProperty()),
        ("modalities", ListProperty(StringProperty)),
        ("risk_tiers", DictionaryProperty()),
    ],
    extension_name=AI_SYSTEM_EXTENSION,
)
class AISystem:
    """``ai-system`` SDO (registered with stix2 so posted ones are validated)."""


@stix2.v21.CustomExtension(
    AI_INCIDENT_EXTENSION,
    [
        ("oecd_classification", StringProperty(required=True)),
        ("harm_types", ListProperty(StringProperty)),
        ("harm_realised", BooleanProperty()),
        ("severity", StringProperty()),
        ("ai_system_refs", ListProperty(ReferenceProperty(valid_types="ai-system", spec_version="2.1"))),
        ("atlas_techniques", ListProperty(StringProperty)),
        ("occurred", StringProperty()),
        ("aware", StringProperty()),
        ("eu_ai_act", DictionaryProperty()),
        ("source", StringProperty()),
    ],
)
class AIIncidentExtension:
    """Property extension on ``incident`` for AI incidents and hazards."""

    extension_type = "property-extension"


@stix2.v21.CustomExtension(
    AI_VULNERABILITY_EXTENSION,
    [
        ("avid_id", StringProperty()),
        ("affects", DictionaryProperty()),
        ("problemtype", DictionaryProperty()),
        ("avid", DictionaryProperty()),
        ("atlas_techniques", ListProperty(StringProperty)),
        ("metrics", ListProperty(DictionaryProperty())),
    ],
)
class AIVulnerabilityExtension:
    """Property extension on ``vulnerability`` with AVID's report fields."""

    extension_type = "property-extension"


def ai_system(
    name: str, *, key: str | None = None, created: str = DEFINITIONS_CREATED, **fields: Any
) -> dict[str, Any]:
    """An ``ai-system`` object (id from ``key`` or ``name``)."""
    body: dict[str, Any] = {
        "type": "ai-system",
        "spec_version": "2.1",
        "id": deterministic_id("ai-system", key or name),
        "created": created,
        "modified": created,
        "name": name,
        "extensions": {AI_SYSTEM_EXTENSION: {"extension_type": "new-sdo"}},
    }
    body.update({k: v for k, v in fields.items() if v not in (None, [], {})})
    return body
